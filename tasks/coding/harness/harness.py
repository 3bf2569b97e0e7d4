# engrambench's Python test harness, run inside the sandbox.
#
# It reads a nonce from stdin before any candidate code runs and reports
# through lines "@@EB <nonce> <json>" on the real stdout, so that a
# candidate that prints, exits early or dies is told apart from one whose
# tests ran to the end.
#
#   harness.py script FILE            run FILE as __main__; done when it returns
#   harness.py unit MODULE [SECS] [FILE...]
#                                     compile each FILE, import MODULE, run its
#                                     test_* functions one by one (SECS: per test)
import json
import os
import signal
import sys
import traceback

_out = sys.stdout
_nonce = sys.stdin.readline().strip()


def emit(**event):
    try:
        _out.write("\n@@EB " + _nonce + " " + json.dumps(event) + "\n")
        _out.flush()
    except Exception:
        pass


def short(e):
    s = "%s: %s" % (type(e).__name__, e)
    return s[:300]


def compile_file(path):
    with open(path, "rb") as f:
        src = f.read()
    try:
        return compile(src, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        traceback.print_exc()
        emit(event="compile_error", error=short(e))
        sys.exit(3)


class TestTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test took too long")


def script(path):
    code = compile_file(path)
    g = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    try:
        exec(code, g)
    except SystemExit as e:
        emit(event="exit", code=str(e.code))
        raise
    except BaseException as e:
        traceback.print_exc()
        emit(event="error", error=short(e), type=type(e).__name__)
        sys.exit(1)
    emit(event="done")


def unit(module, per_test, files):
    for f in files:
        compile_file(f)
    sys.path.insert(0, os.getcwd())
    try:
        mod = __import__(module)
    except SystemExit as e:
        emit(event="exit", code=str(e.code))
        raise
    except BaseException as e:
        traceback.print_exc()
        emit(event="import_error", error=short(e), type=type(e).__name__)
        sys.exit(1)
    tests = [(n, f) for n, f in list(vars(mod).items()) if n.startswith("test_") and callable(f)]
    emit(event="tests", total=len(tests))
    if per_test > 0:
        signal.signal(signal.SIGALRM, _alarm)
    passed = 0
    for name, fn in tests:
        try:
            if per_test > 0:
                signal.setitimer(signal.ITIMER_REAL, per_test)
            try:
                fn()
            finally:
                if per_test > 0:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except TestTimeout as e:
            emit(event="fail", test=name, error="timeout", type="TestTimeout")
        except SystemExit as e:
            emit(event="fail", test=name, error="exit(%s) during the test" % (e.code,), type="SystemExit")
        except BaseException as e:
            emit(event="fail", test=name, error=short(e), type=type(e).__name__)
        else:
            passed += 1
            emit(event="pass", test=name)
    emit(event="done", passed=passed, total=len(tests))


def main():
    mode = sys.argv[1]
    if mode == "script":
        script(sys.argv[2])
    elif mode == "unit":
        per_test = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
        unit(sys.argv[2], per_test, sys.argv[4:])
    else:
        sys.exit("harness: unknown mode " + mode)


main()
