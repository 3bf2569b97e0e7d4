package coding

import (
	"fmt"
	"strings"
)

// archive is one problem file of our own sets: "key: value" header lines
// (a key may repeat), then sections, each opened by a line "-- name --".
// Lines of a section are kept byte for byte; the section ends at the next
// marker. Lines starting with "#" in the header are comments.
type archive struct {
	file     string
	meta     map[string][]string
	sections []section
}

type section struct {
	name string
	text string
}

func parseArchive(file, data string) (*archive, error) {
	a := &archive{file: file, meta: map[string][]string{}}
	lines := strings.SplitAfter(data, "\n")
	cur := -1
	for i, l := range lines {
		if name, ok := sectionMarker(l); ok {
			for _, s := range a.sections {
				if s.name == name {
					return nil, fmt.Errorf("%s:%d: section %q twice", file, i+1, name)
				}
			}
			a.sections = append(a.sections, section{name: name})
			cur = len(a.sections) - 1
			continue
		}
		if cur >= 0 {
			a.sections[cur].text += l
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key: value before the first section, got %q", file, i+1, t)
		}
		k = strings.TrimSpace(k)
		a.meta[k] = append(a.meta[k], strings.TrimSpace(v))
	}
	return a, nil
}

func sectionMarker(l string) (string, bool) {
	t := strings.TrimRight(l, "\r\n")
	if !strings.HasPrefix(t, "-- ") || !strings.HasSuffix(t, " --") || len(t) < 7 {
		return "", false
	}
	return strings.TrimSpace(t[3 : len(t)-3]), true
}

// get returns the single value of a header key ("" when absent).
func (a *archive) get(k string) string {
	if v := a.meta[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// section returns a section's text and whether it exists.
func (a *archive) section(name string) (string, bool) {
	for _, s := range a.sections {
		if s.name == name {
			return s.text, true
		}
	}
	return "", false
}

// must returns a section's text or an error naming the file.
func (a *archive) must(name string) (string, error) {
	t, ok := a.section(name)
	if !ok {
		return "", fmt.Errorf("%s: no section %q", a.file, name)
	}
	return t, nil
}

// files returns the sections under a prefix ("skeleton/") as path →
// contents, the prefix removed.
func (a *archive) files(prefix string) map[string]string {
	out := map[string]string{}
	for _, s := range a.sections {
		if p, ok := strings.CutPrefix(s.name, prefix); ok && p != "" {
			out[p] = s.text
		}
	}
	return out
}

// mutation is a textual edit that breaks a reference solution: the first
// occurrence of old becomes new.
type mutation struct{ old, new string }

// parseMutation reads "OLD => NEW"; \n and \t in either side stand for a
// newline and a tab.
func parseMutation(s string) (mutation, error) {
	a, b, ok := strings.Cut(s, " => ")
	if !ok && strings.HasSuffix(s, " =>") {
		a, b, ok = strings.TrimSuffix(s, " =>"), "", true // delete OLD
	}
	if !ok {
		return mutation{}, fmt.Errorf("mutation %q: want OLD => NEW", s)
	}
	un := strings.NewReplacer(`\n`, "\n", `\t`, "\t")
	return mutation{old: un.Replace(a), new: un.Replace(b)}, nil
}

func (m mutation) apply(s string) (string, error) {
	if !strings.Contains(s, m.old) {
		return "", fmt.Errorf("mutation: %q is not in the reference", m.old)
	}
	return strings.Replace(s, m.old, m.new, 1), nil
}
