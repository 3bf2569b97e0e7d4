// Package coding holds the execution-based coding tasks: a model's code
// is run against hidden tests in a sandbox (package sandbox below), and
// scored with the unbiased pass@k estimator.
//
// Why it is built this way:
//
//   - Every answer is executed, never compared as text, because coding
//     claims (long generation, multi-file reasoning, staying coherent over
//     a long session) are about code that works.
//   - Reading answers is forgiving about form and strict about content:
//     fences with or without tags, completion-style continuations, several
//     files under path headers, unified diffs applied with a real patch
//     algorithm (offsets, whitespace and context fuzz). What cannot be
//     read scores 0 as "malformed", with the reason.
//   - Each sample gets one outcome class (passed, failed tests, compile
//     error, timeout, memory limit, sandbox violation, no tests ran,
//     malformed) in Score.Detail, so a report can say why models fail.
//     "No tests ran" is a failure, never a pass.
//   - Time limits follow the reference solution: max(base, factor × its
//     runtime), measured once per problem and cached. Runtime is CPU time,
//     which stays put when the machine is loaded.
//
// The sets: humaneval (official data), mbpp and multipl-e-go (files you
// name), and our own code-py and code-go (function level, the same
// problems in both languages, graded easy to hard), code-repo (multi-file
// repositories), code-session (multi-turn sessions, driven through the
// Conversational power of their scorer) and code-long (300+ line modules,
// partial credit). Our own problems live in problems/ as text archives,
// each with a reference solution that must pass and a mutation of it that
// must fail.
package coding
