package coding

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// pyStops end a completion-style continuation of a Python function
// (HumanEval's stop sequences).
var pyStops = []string{"\nclass", "\ndef", "\n#", "\nif", "\nprint"}

// pythonFunction builds jobs for a function-level Python problem: the
// program is the prompt, the model's code, the hidden check function and
// the call check(entry), as HumanEval defines it (FACTS.md §4).
//
// The answer may be the whole function (fenced or not), in which case it
// follows the prompt and replaces the stub; or the body alone, which
// continues the prompt (completion style, cut at the stop sequences when
// unfenced, and indented when the model dedented it).
func pythonFunction(prompt, entry, check string) func(string) (job, string, error) {
	return func(answer string) (job, string, error) {
		code, fenced, ok := CodeFor(answer, "python", entry)
		if !ok {
			return job{}, "", malformed("the answer has code blocks but none in Python")
		}
		var program string
		if definesEntry(code, "python", entry) {
			if !fenced {
				code = dropLeadingProse(code, "python")
			}
			program = prompt + "\n" + code
		} else {
			if !fenced {
				code = truncateAtStops(code, pyStops)
			}
			code = indentBody(code)
			program = prompt + code
		}
		program += "\n\n" + check + "\n\ncheck(" + entry + ")\n"
		return job{lang: "python", files: map[string]string{"main.py": program}, mode: "script", target: "main.py"}, code, nil
	}
}

// indentBody indents a function body that a model wrote flush left.
func indentBody(code string) string {
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			return code
		}
		break
	}
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

var codeStartRE = map[string]*regexp.Regexp{
	"python": regexp.MustCompile(`^(def |async def |class |import |from |@|#)`),
	"go":     regexp.MustCompile(`^(package |import |func |type |var |const |//)`),
}

// dropLeadingProse drops the sentences a model wrote before unfenced code.
func dropLeadingProse(code, lang string) string {
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		if codeStartRE[lang].MatchString(l) {
			return strings.Join(lines[i:], "\n")
		}
	}
	return code
}

// chatFunctionPrompt asks for a function in a chat message.
func chatFunctionPrompt(lang, prompt string) string {
	name := map[string]string{"python": "Python", "go": "Go"}[lang]
	return fmt.Sprintf("Complete the following %s function. Answer with the whole function, including any imports it needs, in one ```%s code block.\n\n```%s\n%s```\n",
		name, lang, lang, strings.TrimRight(prompt, "\n")+"\n")
}

// functionRequest renders a function-level problem in a form.
func functionRequest(lang, form, prompt string, stops []string, maxTokens int) runners.Request {
	if form == tasks.FormCompletion {
		return runners.Request{Prompt: prompt, Stop: stops, MaxTokens: maxTokens}
	}
	return runners.Request{Messages: []runners.Message{{Role: "user", Content: chatFunctionPrompt(lang, prompt)}}, MaxTokens: maxTokens}
}

// fenced wraps code in a fence for a reference response.
func fenced(lang, code string) string {
	f := fenceFor(code)
	return f + lang + "\n" + strings.TrimRight(code, "\n") + "\n" + f + "\n"
}

// readJSONL reads one JSON object per line from a plain or gzipped file
// (by content, not by name), calling fn with each; the line number is in
// errors.
func readJSONL(path string, fn func(line int, raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	br := r.(*bufio.Reader)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !json.Valid([]byte(line)) {
			return fmt.Errorf("%s:%d: not a JSON object", path, n)
		}
		if err := fn(n, []byte(line)); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
