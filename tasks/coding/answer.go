package coding

import (
	"path"
	"regexp"
	"strings"
)

// Block is one fenced code block of an answer.
type Block struct {
	Lang   string // first word of the info string, lower case ("" when untagged)
	Info   string // the whole info string
	Path   string // a file path named by the info string, a header line above, or a comment on the first line
	Code   string // the contents, ending in a newline unless empty
	Closed bool   // false when the answer ended inside the block (a truncated generation)
	Start  int    // byte offset of the opening fence in the answer
}

var (
	fenceRE = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$")
	// A path-like token: at least one dot or slash, no spaces, a
	// plausible extension.
	pathTokenRE  = regexp.MustCompile(`^\.?/?[A-Za-z0-9_.\-/]*[A-Za-z0-9_\-]\.(go|py|mod|sum|txt|md|json|yaml|yml|toml|ini|cfg|sh|c|h|js|ts|rs|java|rb|csv)$|^go\.mod$|^Makefile$`)
	headerWordRE = regexp.MustCompile(`(?i)^(?:(?:new|modified|updated|changed|complete|full|edited)\s+)?(?:file|path|filename)\s*[:=]?\s*`)
	commentRE    = regexp.MustCompile(`^\s*(?://|#|--|/\*)\s*(?:(?:file|path|filename)\s*[:=]?\s*)?([A-Za-z0-9_.\-/]+)\s*(?:\*/)?\s*$`)
	infoPathRE   = regexp.MustCompile(`(?:^|[\s{,])(?:title|file|filename|path|name)\s*[=:]\s*["']?([^"'\s},]+)`)
)

// Blocks finds the fenced code blocks of an answer: ``` or ~~~ fences of
// three or more characters, closed by a fence of the same character at
// least as long; an unclosed block runs to the end.
func Blocks(answer string) []Block {
	lines := splitLines(answer)
	var out []Block
	offset := 0
	offsets := make([]int, len(lines))
	for i, l := range lines {
		offsets[i] = offset
		offset += len(l) + 1
	}
	for i := 0; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		fence := m[2]
		info := strings.TrimSpace(m[3])
		if fence[0] == '`' && strings.Contains(info, "`") {
			continue
		}
		b := Block{Info: info, Start: offsets[i]}
		if f := strings.Fields(info); len(f) > 0 {
			b.Lang = strings.ToLower(strings.TrimLeft(f[0], "{."))
		}
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			if c := closingFence(lines[j], fence); c {
				b.Closed = true
				break
			}
			body = append(body, lines[j])
		}
		if !b.Closed && len(body) > 0 && body[len(body)-1] == "" {
			body = body[:len(body)-1] // the answer's final newline
		}
		// An indented opening fence indents its contents by the same amount.
		if ind := len(m[1]); ind > 0 {
			for k, l := range body {
				body[k] = trimIndent(l, ind)
			}
		}
		if len(body) > 0 {
			b.Code = strings.Join(body, "\n") + "\n"
		}
		b.Path = blockPath(b, lines, i)
		if f := strings.Fields(info); len(f) > 0 && b.Path != "" && cleanPath(strings.Trim(f[0], "{}:")) == b.Path {
			b.Lang = langOfPath(b.Path) // the info string began with the path ("```cmd/main.go")
		}
		out = append(out, b)
		i = j
	}
	return out
}

func closingFence(line, fence string) bool {
	t := strings.TrimRight(line, " \t")
	lead := len(t) - len(strings.TrimLeft(t, " "))
	if lead > 3 {
		return false
	}
	t = t[lead:]
	if len(t) < len(fence) || t[0] != fence[0] {
		return false
	}
	return strings.Trim(t, string(fence[0])) == ""
}

func trimIndent(l string, n int) string {
	k := 0
	for k < n && k < len(l) && l[k] == ' ' {
		k++
	}
	return l[k:]
}

// splitLines splits on "\n", dropping a "\r" before it.
func splitLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// blockPath finds the file a block is for: a path in the info string
// ("go title=a/b.go", "python path=x.py", "go a/b.go"), a header line just
// above the fence ("### a/b.go", "**a/b.go**", "File: a/b.go"), or a
// comment on the block's first line ("// a/b.go", "# file: x.py").
func blockPath(b Block, lines []string, fenceLine int) string {
	if m := infoPathRE.FindStringSubmatch(b.Info); m != nil && isPath(m[1]) {
		return cleanPath(m[1])
	}
	f := strings.Fields(b.Info)
	for _, tok := range f {
		tok = strings.Trim(tok, "{}:")
		if i := strings.IndexByte(tok, ':'); i > 0 && isPath(tok[i+1:]) { // python:src/x.py
			return cleanPath(tok[i+1:])
		}
		if isPath(tok) && (len(f) > 1 || strings.ContainsAny(tok, "./")) {
			return cleanPath(tok)
		}
	}
	for k := fenceLine - 1; k >= 0 && k >= fenceLine-2; k-- {
		l := strings.TrimSpace(lines[k])
		if l == "" {
			continue
		}
		if p := headerPath(l); p != "" {
			return p
		}
		// "Here is cmd/main.go:" — a sentence ending in a path.
		if strings.HasSuffix(l, ":") {
			words := strings.Fields(strings.TrimSuffix(l, ":"))
			if len(words) > 0 {
				w := strings.Trim(words[len(words)-1], "`*_\"'")
				if isPath(w) && strings.ContainsAny(w, "./") {
					return cleanPath(w)
				}
			}
		}
		break
	}
	if first, _, _ := strings.Cut(b.Code, "\n"); first != "" {
		if m := commentRE.FindStringSubmatch(first); m != nil && isPath(m[1]) && strings.Contains(m[1], ".") {
			return cleanPath(m[1])
		}
	}
	return ""
}

// headerPath reads a header line naming a file: "### a/b.go",
// "**a/b.go**", "File: `a/b.go`", "> a/b.go (new)".
func headerPath(l string) string {
	t := strings.TrimSpace(l)
	t = strings.TrimLeft(t, "#*_>-` \t")
	t = headerWordRE.ReplaceAllString(t, "")
	if i := strings.Index(t, " ("); i > 0 && strings.HasSuffix(t, ")") {
		t = t[:i]
	}
	t = strings.TrimRight(t, "*_`: \t")
	t = strings.TrimLeft(t, "*_`")
	if isPath(t) && strings.ContainsAny(t, "./") {
		return cleanPath(t)
	}
	return ""
}

func isPath(s string) bool {
	s = strings.TrimPrefix(s, "./")
	return s != "" && pathTokenRE.MatchString(s) && !strings.Contains(s, "..") && !strings.HasPrefix(s, "/")
}

func cleanPath(s string) string { return path.Clean(strings.TrimPrefix(s, "./")) }

// langOfPath names the language of a file by its extension.
func langOfPath(p string) string {
	switch path.Ext(p) {
	case ".go":
		return "go"
	case ".py":
		return "python"
	case ".mod":
		return "go.mod"
	}
	return ""
}

// langAliases maps info-string tags to languages.
var langAliases = map[string]string{
	"python": "python", "py": "python", "python3": "python", "py3": "python", "pycon": "python",
	"go": "go", "golang": "go",
	"diff": "diff", "patch": "diff", "udiff": "diff",
}

// normLang returns the language a block's tag names ("" for untagged or
// unknown).
func normLang(b Block) string {
	if l, ok := langAliases[b.Lang]; ok {
		return l
	}
	if b.Lang == "" && b.Path != "" {
		return langOfPath(b.Path)
	}
	return ""
}

// CodeFor picks the code of an answer meant for lang ("python" or "go"):
// the blocks tagged with lang, or untagged, preferring the first that
// defines entry (a function name; "" for any). Without fences the whole
// answer is code. ok is false when the answer has fences but none of them
// can hold lang code: the answer is malformed.
func CodeFor(answer, lang, entry string) (code string, fenced, ok bool) {
	blocks := Blocks(answer)
	if len(blocks) == 0 {
		return answer, false, true
	}
	var tagged, untagged []Block
	for _, b := range blocks {
		switch l := normLang(b); {
		case l == lang:
			tagged = append(tagged, b)
		case b.Lang == "" && l == "":
			untagged = append(untagged, b)
		}
	}
	cands := append(tagged, untagged...)
	if len(cands) == 0 {
		return "", true, false
	}
	if entry != "" {
		for _, b := range cands {
			if definesEntry(b.Code, lang, entry) {
				return b.Code, true, true
			}
		}
	}
	return cands[0].Code, true, true
}

// definesEntry reports whether code defines the function entry at the top
// level.
func definesEntry(code, lang, entry string) bool {
	if entry == "" {
		return false
	}
	var re *regexp.Regexp
	switch lang {
	case "python":
		re = regexp.MustCompile(`(?m)^(?:async\s+)?def\s+` + regexp.QuoteMeta(entry) + `\s*\(`)
	case "go":
		re = regexp.MustCompile(`(?m)^func\s+` + regexp.QuoteMeta(entry) + `\s*[\[(]`)
	default:
		return false
	}
	return re.MatchString(code)
}

// truncateAtStops cuts a completion at the first stop sequence.
func truncateAtStops(s string, stops []string) string {
	cut := len(s)
	for _, st := range stops {
		if st == "" {
			continue
		}
		if i := strings.Index(s, st); i >= 0 && i < cut {
			cut = i
		}
	}
	return s[:cut]
}

// reasoningTags open the reasoning blocks some models write before their
// answer when a runner did not take them out.
var reasoningTags = []string{"think", "thinking", "reasoning"}

// StripReasoning removes reasoning blocks at the start of an answer
// ("<think>...</think>"); an unclosed one means the answer was cut off
// while reasoning, and nothing is left.
func StripReasoning(answer string) string {
	for {
		t := strings.TrimLeft(answer, " \t\r\n")
		found := false
		for _, tag := range reasoningTags {
			if rest, ok := strings.CutPrefix(t, "<"+tag+">"); ok {
				_, after, closed := strings.Cut(rest, "</"+tag+">")
				if !closed {
					return ""
				}
				answer, found = after, true
				break
			}
		}
		if !found {
			return answer
		}
	}
}
