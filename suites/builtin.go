package suites

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// DefaultSuite is what `engrambench run` runs with no suite named.
const DefaultSuite = "quick"

// BuiltinNames lists the embedded suites.
func BuiltinNames() []string {
	entries, _ := builtinFS.ReadDir("builtin")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Builtin returns an embedded suite's text.
func Builtin(name string) ([]byte, bool) {
	b, err := builtinFS.ReadFile(path.Join("builtin", name+".yaml"))
	return b, err == nil
}

// Open resolves a suite argument: a built-in name, or a file path. It
// returns the text and the name to use in messages.
func Open(arg string) (data []byte, source string, err error) {
	if arg == "" {
		arg = DefaultSuite
	}
	if b, ok := Builtin(arg); ok && !strings.ContainsAny(arg, "/\\.") {
		return b, "builtin:" + arg, nil
	}
	b, err := os.ReadFile(arg)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("unknown suite %q: not a built-in suite (%s) and no such file", arg, strings.Join(BuiltinNames(), ", "))
	}
	if err != nil {
		return nil, "", fmt.Errorf("read suite: %w", err)
	}
	return b, arg, nil
}

// LoadArg opens and loads a suite argument.
func LoadArg(arg string, cat Catalog) (*Suite, error) {
	data, source, err := Open(arg)
	if err != nil {
		return nil, err
	}
	return Load(source, data, cat)
}
