package coding

import (
	"strings"
	"testing"
)

func TestFixImports(t *testing.T) {
	cases := []struct{ in, want, not string }{
		{"package p\n\nfunc F(s string) []string { return strings.Fields(s) }\n", "\"strings\"", ""},
		{"package p\n\nimport \"fmt\"\n\nfunc F() int { return 1 }\n", "", "\"fmt\""},
		{"package p\n\nimport (\n\t\"fmt\"\n\t\"sort\"\n)\n\nfunc F(x []int) { sort.Ints(x) }\n", "\"sort\"", "\"fmt\""},
		{"package p\n\nfunc F(x []int) { slices.Sort(x); _ = utf8.RuneLen('x') }\n", "\"unicode/utf8\"", ""},
		// A local variable named like a package is not an import.
		{"package p\n\nfunc F() int {\n\tstrings := []int{1}\n\treturn len(strings)\n}\n", "", "\"strings\""},
		// Blank and dot imports stay.
		{"package p\n\nimport _ \"embed\"\n\nfunc F() {}\n", "_ \"embed\"", ""},
	}
	for _, c := range cases {
		got := fixImports(c.in)
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%q:\n%s\nlacks %s", c.in, got, c.want)
		}
		if c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%q:\n%s\nstill has %s", c.in, got, c.not)
		}
	}
	bad := "package p\n\nfunc F( {"
	if fixImports(bad) != bad {
		t.Error("a file that does not parse was changed")
	}
	if src := "package p\n\nimport \"strings\"\n\nfunc F() string { return strings.ToLower(\"A\") }\n"; fixImports(src) != src {
		t.Error("a correct file was changed")
	}
}

func TestSetPackage(t *testing.T) {
	if got := setPackage("// doc\npackage main\n\nfunc F() {}\n", "solution"); got != "// doc\npackage solution\n\nfunc F() {}\n" {
		t.Fatalf("%q", got)
	}
	if got := setPackage("func F() {}\n", "solution"); !strings.HasPrefix(got, "package solution\n") {
		t.Fatalf("%q", got)
	}
}
