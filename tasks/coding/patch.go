package coding

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FilePatch is the part of a unified diff that changes one file.
type FilePatch struct {
	OldPath, NewPath string // "" for /dev/null
	Hunks            []Hunk
}

// Path is the file the patch is about: the new path, or the old one for a
// deletion.
func (p FilePatch) Path() string {
	if p.NewPath != "" {
		return p.NewPath
	}
	return p.OldPath
}

// IsNew and IsDelete report file creation and removal.
func (p FilePatch) IsNew() bool    { return p.OldPath == "" && p.NewPath != "" }
func (p FilePatch) IsDelete() bool { return p.NewPath == "" && p.OldPath != "" }

// Hunk is one @@ section. OldStart is 1-based (0 for an empty file); it is
// 0 with HasPos false when the header gave no numbers ("@@ ... @@").
type Hunk struct {
	OldStart, OldLines, NewStart, NewLines int
	HasPos                                 bool
	Lines                                  []HunkLine
	NoEOLOld, NoEOLNew                     bool // "\ No newline at end of file" after the old or new side
}

// HunkLine is one line of a hunk: Op is ' ' (context), '-' or '+'.
type HunkLine struct {
	Op   byte
	Text string
}

func (h Hunk) side(ops string) []string {
	var out []string
	for _, l := range h.Lines {
		if strings.IndexByte(ops, l.Op) >= 0 {
			out = append(out, l.Text)
		}
	}
	return out
}

// ParsePatch reads every file patch in text. It accepts what models
// write: git headers or none, a/ and b/ prefixes, timestamps after the
// paths, hunk headers without numbers, counts that disagree with the
// body, and blank lines standing for blank context lines. Text before,
// between and after the patches (prose, fences) is skipped.
func ParsePatch(text string) ([]FilePatch, error) {
	lines := splitLines(text)
	var out []FilePatch
	var cur *FilePatch
	i := 0
	for i < len(lines) {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ "):
			out = append(out, FilePatch{OldPath: diffPath(l[4:]), NewPath: diffPath(lines[i+1][4:])})
			cur = &out[len(out)-1]
			i += 2
		case strings.HasPrefix(l, "@@") && cur != nil:
			h, next, err := parseHunk(lines, i)
			if err != nil {
				return out, fmt.Errorf("%s: %w", cur.Path(), err)
			}
			cur.Hunks = append(cur.Hunks, h)
			i = next
		default:
			if strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~") {
				cur = nil
			}
			i++
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no unified diff found (want --- and +++ lines followed by @@ hunks)")
	}
	for _, p := range out {
		if p.OldPath == "" && p.NewPath == "" {
			return out, errors.New("a patch with /dev/null on both sides")
		}
		if len(p.Hunks) == 0 && !p.IsDelete() {
			return out, fmt.Errorf("%s: a file header with no hunks", p.Path())
		}
		for _, q := range []string{p.OldPath, p.NewPath} {
			if q != "" && !isPath(q) && !validRelPath(q) {
				return out, fmt.Errorf("bad path %q in diff", q)
			}
		}
	}
	return out, nil
}

// diffPath reads the path after --- or +++: strips a timestamp and the
// a/ or b/ prefix; /dev/null becomes "".
func diffPath(s string) string {
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) > 1 && (strings.Contains(f[1], ":") || strings.Count(f[1], "-") == 2) {
		s = f[0] // "path 2024-01-01 10:00:00"
	}
	s = strings.Trim(s, `"`)
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, "a/") || strings.HasPrefix(s, "b/") {
		s = s[2:]
	}
	return cleanPath(s)
}

// validRelPath reports whether p is a clean, relative path that stays in
// its root.
func validRelPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	c := cleanPath(p)
	return c == p && c != "." && c != ".." && !strings.HasPrefix(c, "../")
}

// parseHunk reads the hunk whose header is lines[i]; it returns the index
// of the first line after it.
func parseHunk(lines []string, i int) (Hunk, int, error) {
	var h Hunk
	hdr := lines[i]
	if rest, ok := strings.CutPrefix(hdr, "@@ -"); ok {
		end := strings.Index(rest, " @@")
		if end < 0 {
			end = len(rest)
		}
		spec := strings.Fields(rest[:end])
		if len(spec) == 2 && strings.HasPrefix(spec[1], "+") {
			oStart, oLines, err1 := rangeOf(spec[0])
			nStart, nLines, err2 := rangeOf(spec[1][1:])
			if err1 == nil && err2 == nil {
				h.OldStart, h.OldLines, h.NewStart, h.NewLines, h.HasPos = oStart, oLines, nStart, nLines, true
			}
		}
	}
	i++
	oldSeen, newSeen := 0, 0
	for ; i < len(lines); i++ {
		l := lines[i]
		// With trusted counts, stop exactly when both sides are complete.
		if h.HasPos && oldSeen >= h.OldLines && newSeen >= h.NewLines {
			if strings.HasPrefix(l, `\`) {
				markNoEOL(&h)
				continue
			}
			break
		}
		if strings.HasPrefix(l, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ ") {
			break
		}
		if strings.HasPrefix(l, "@@") || strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~") {
			break
		}
		if l == "" {
			// A blank context line whose leading space was lost; but a
			// blank line at the very end of a hunk without counts is the
			// end of the patch, not context.
			if !h.HasPos && (i+1 >= len(lines) || !isHunkBodyLine(lines[i+1])) {
				break
			}
			h.Lines = append(h.Lines, HunkLine{Op: ' '})
			oldSeen++
			newSeen++
			continue
		}
		switch l[0] {
		case ' ':
			h.Lines = append(h.Lines, HunkLine{Op: ' ', Text: l[1:]})
			oldSeen++
			newSeen++
		case '-':
			h.Lines = append(h.Lines, HunkLine{Op: '-', Text: l[1:]})
			oldSeen++
		case '+':
			h.Lines = append(h.Lines, HunkLine{Op: '+', Text: l[1:]})
			newSeen++
		case '\\':
			markNoEOL(&h)
		default:
			goto done
		}
	}
done:
	if len(h.Lines) == 0 {
		return h, i, errors.New("an empty hunk")
	}
	return h, i, nil
}

func isHunkBodyLine(l string) bool {
	return l == "" || l[0] == ' ' || l[0] == '-' || l[0] == '+' || l[0] == '\\'
}

func markNoEOL(h *Hunk) {
	if n := len(h.Lines); n > 0 {
		switch h.Lines[n-1].Op {
		case '-':
			h.NoEOLOld = true
		case '+':
			h.NoEOLNew = true
		default:
			h.NoEOLOld, h.NoEOLNew = true, true
		}
	}
}

func rangeOf(s string) (start, n int, err error) {
	a, b, has := strings.Cut(s, ",")
	if start, err = strconv.Atoi(a); err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	n = 1
	if has {
		if n, err = strconv.Atoi(b); err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad range %q", s)
		}
	}
	return start, n, nil
}

// ApplyPatch applies p to old (the file's contents; "" for a new file).
// Each hunk's old side is looked for near its stated line, then anywhere
// after the previous hunk; a hunk that does not match exactly may match
// ignoring trailing whitespace, then ignoring indentation, then with up to
// two context lines dropped at each end (the "fuzz" of patch(1)). Hunks
// apply in order and never overlap.
func ApplyPatch(old string, p FilePatch) (string, error) {
	if p.IsDelete() {
		return "", nil
	}
	lines, eol := fileLines(old)
	var out []string
	pos := 0 // next unconsumed line of old
	for k, h := range p.Hunks {
		at, h2, err := locate(lines, pos, h)
		if err != nil {
			return "", fmt.Errorf("%s: hunk %d: %w", p.Path(), k+1, err)
		}
		out = append(out, lines[pos:at]...)
		oldSide := h2.side(" -")
		// Keep the file's own text for context lines (a whitespace-fuzzy
		// match must not rewrite them).
		j := at
		for _, l := range h2.Lines {
			switch l.Op {
			case ' ':
				out = append(out, lines[j])
				j++
			case '-':
				j++
			case '+':
				out = append(out, l.Text)
			}
		}
		pos = at + len(oldSide)
		if k == len(p.Hunks)-1 {
			if pos == len(lines) {
				if h.NoEOLNew {
					eol = false
				} else if h.NoEOLOld || len(lines) == 0 {
					eol = true
				}
			}
		}
	}
	out = append(out, lines[pos:]...)
	if len(out) == 0 {
		return "", nil
	}
	s := strings.Join(out, "\n")
	if eol {
		s += "\n"
	}
	return s, nil
}

// fileLines splits a file into lines and says whether it ended in a
// newline.
func fileLines(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	eol := strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls, eol
}

// locate finds where hunk h applies in lines, at or after from. It may
// return a trimmed copy of h (fuzz).
func locate(lines []string, from int, h Hunk) (int, Hunk, error) {
	for fuzz := 0; fuzz <= 2; fuzz++ {
		hh, ok := trimContext(h, fuzz)
		if !ok {
			break
		}
		want := hh.side(" -")
		if len(want) == 0 {
			// Pure insertion: after old line OldStart ("@@ -N,0 +M,k @@"),
			// else where the previous hunk ended.
			at := from
			if h.HasPos {
				at = max(from, min(len(lines), h.OldStart))
			}
			return at, hh, nil
		}
		guess := from
		if h.HasPos {
			guess = max(from, hh.OldStart-1)
		}
		for _, eq := range []func(a, b string) bool{exactEq, trailingEq, indentEq} {
			if at, ok := search(lines, from, guess, want, eq); ok {
				return at, hh, nil
			}
		}
	}
	return 0, h, errors.New("its lines are not in the file")
}

// trimContext drops up to n context lines at each end of h; ok is false
// when nothing is left to drop.
func trimContext(h Hunk, n int) (Hunk, bool) {
	if n == 0 {
		return h, true
	}
	ls := h.Lines
	front, back := 0, 0
	for front < n && front < len(ls) && ls[front].Op == ' ' {
		front++
	}
	for back < n && len(ls)-back-1 > front && ls[len(ls)-back-1].Op == ' ' {
		back++
	}
	if front == 0 && back == 0 {
		return h, false
	}
	out := h
	out.Lines = ls[front : len(ls)-back]
	out.OldStart += front
	return out, true
}

// search looks for want in lines[from:], starting at guess and moving
// outwards.
func search(lines []string, from, guess int, want []string, eq func(a, b string) bool) (int, bool) {
	last := len(lines) - len(want)
	if last < from {
		return 0, false
	}
	guess = min(max(guess, from), last)
	for d := 0; ; d++ {
		lo, hi := guess-d, guess+d
		if lo < from && hi > last {
			return 0, false
		}
		if lo >= from && matchAt(lines, lo, want, eq) {
			return lo, true
		}
		if d > 0 && hi <= last && matchAt(lines, hi, want, eq) {
			return hi, true
		}
	}
}

func matchAt(lines []string, at int, want []string, eq func(a, b string) bool) bool {
	for i, w := range want {
		if !eq(lines[at+i], w) {
			return false
		}
	}
	return true
}

func exactEq(a, b string) bool    { return a == b }
func trailingEq(a, b string) bool { return strings.TrimRight(a, " \t") == strings.TrimRight(b, " \t") }
func indentEq(a, b string) bool   { return strings.TrimSpace(a) == strings.TrimSpace(b) }

// ApplyPatches applies every file patch to files (path → contents),
// returning the new set; files is not changed. A patch to a file that
// does not exist is an error unless it creates the file.
func ApplyPatches(files map[string]string, patches []FilePatch) (map[string]string, error) {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	for _, p := range patches {
		src := p.OldPath
		old, exists := out[src]
		if src == "" {
			old, exists = "", true
			if _, clash := out[p.NewPath]; clash {
				// "new file" over an existing one: models do this when they
				// rewrite a file; treat it as a replacement.
				old = ""
			}
		}
		if !exists {
			if len(p.Hunks) > 0 && len(p.Hunks[0].side(" -")) == 0 {
				old = "" // a creation written with the path on both sides
			} else {
				return nil, fmt.Errorf("%s: no such file to patch", src)
			}
		}
		got, err := ApplyPatch(old, p)
		if err != nil {
			return nil, err
		}
		if p.IsDelete() {
			delete(out, src)
			continue
		}
		if src != "" && src != p.NewPath {
			delete(out, src)
		}
		out[p.NewPath] = got
	}
	return out, nil
}
