package coding

import (
	"fmt"
	"strings"
)

// applyAnswer reads the files an answer writes and applies them to base
// (path → contents), returning the new set and the paths it changed. An
// answer can give whole files (a code block whose path is named by its
// info string, a header line above it, or a comment on its first line),
// unified diffs (fenced as diff or patch, or bare), or both; diffs apply
// first. When single is set and the answer holds exactly one code block
// in lang without a path, that block is the whole new contents of single
// (a one-file project). Anything else is malformed, with the reason.
func applyAnswer(answer, lang string, base map[string]string, single string) (map[string]string, []string, error) {
	blocks := Blocks(answer)
	var diffText []string
	type fileBlock struct{ path, code string }
	var whole []fileBlock
	var loose []Block
	for _, b := range blocks {
		switch {
		case normLang(b) == "diff" || (b.Path == "" && looksLikeDiff(b.Code)):
			diffText = append(diffText, b.Code)
		case b.Path != "":
			whole = append(whole, fileBlock{b.Path, b.Code})
		case normLang(b) == lang || b.Lang == "":
			loose = append(loose, b)
		}
	}
	if len(blocks) == 0 && looksLikeDiff(answer) {
		diffText = append(diffText, answer)
	}
	if len(diffText) == 0 && len(whole) == 0 && single != "" && len(loose) == 1 {
		whole = append(whole, fileBlock{single, loose[0].Code})
	}
	if len(diffText) == 0 && len(whole) == 0 {
		if len(blocks) == 0 {
			return nil, nil, malformed("no code blocks and no diff in the answer")
		}
		return nil, nil, malformed("no file named in the answer: put each file's path on a line above its code block (### path/to/file), or answer with a unified diff")
	}
	files := base
	var changed []string
	seen := map[string]bool{}
	note := func(p string) {
		if !seen[p] {
			seen[p] = true
			changed = append(changed, p)
		}
	}
	for _, d := range diffText {
		patches, err := ParsePatch(d)
		if err != nil {
			return nil, nil, malformed("unreadable diff: %v", err)
		}
		files, err = ApplyPatches(files, patches)
		if err != nil {
			return nil, nil, malformed("the diff does not apply: %v", err)
		}
		for _, p := range patches {
			note(p.Path())
		}
	}
	if len(whole) > 0 {
		out := make(map[string]string, len(files)+len(whole))
		for k, v := range files {
			out[k] = v
		}
		for _, w := range whole {
			if !validRelPath(w.path) {
				return nil, nil, malformed("bad file path %q", w.path)
			}
			out[w.path] = w.code
			note(w.path)
		}
		files = out
	}
	return files, changed, nil
}

// looksLikeDiff reports whether text holds a unified diff's file header
// and a hunk.
func looksLikeDiff(text string) bool {
	return (strings.Contains(text, "\n+++ ") || strings.HasPrefix(text, "+++ ")) &&
		(strings.Contains(text, "\n--- ") || strings.HasPrefix(text, "--- ")) && strings.Contains(text, "@@")
}

// renderFiles writes files as an answer: each under a header line with
// its path, in a code block.
func renderFiles(files map[string]string, paths []string) string {
	var b strings.Builder
	for i, p := range paths {
		if i > 0 {
			b.WriteString("\n")
		}
		lang := langOfPath(p)
		if lang == "go.mod" {
			lang = ""
		}
		f := fenceFor(files[p])
		fmt.Fprintf(&b, "### %s\n%s%s\n%s%s\n", p, f, lang, strings.TrimRight(files[p], "\n")+"\n", f)
	}
	return b.String()
}

// fenceFor returns a backtick fence longer than any run of backticks in
// code, so the code cannot close it.
func fenceFor(code string) string {
	longest, run := 0, 0
	for i := 0; i < len(code); i++ {
		if code[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
