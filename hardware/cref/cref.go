// Package cref holds the C references of engrambench's memory probes:
// STREAM Triad with OpenMP, the dependent pointer chase and the two-phase
// row gather, written by the project to do the same work as the Go
// kernels with the same seeds. They are compiled on the machine under
// test (gcc -O3 -march=native -fopenmp) when a calibration runs; no binary
// is ever committed.
package cref

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed src/*.c src/*.h
var sources embed.FS

// Programs are the compiled references.
const (
	Triad  = "triad"
	Chase  = "chase"
	Gather = "gather"
)

// Flags are the compiler flags every reference is built with.
var Flags = []string{"-O3", "-march=native", "-fopenmp"}

// Set is the references compiled into a directory.
type Set struct {
	Dir      string
	Compiler string // the compiler's first --version line
}

// ErrNoCompiler is returned by Build when the C compiler is not on PATH.
var ErrNoCompiler = errors.New("C compiler not found")

// Build writes the sources into dir and compiles each program with cc.
func Build(ctx context.Context, cc, dir string) (*Set, error) {
	path, err := exec.LookPath(cc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoCompiler, cc)
	}
	ents, err := sources.ReadDir("src")
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		b, err := sources.ReadFile("src/" + e.Name())
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return nil, err
		}
	}
	s := &Set{Dir: dir}
	if out, err := exec.CommandContext(ctx, path, "--version").Output(); err == nil {
		s.Compiler = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	for _, p := range []string{Triad, Chase, Gather} {
		args := append(append([]string{}, Flags...), "-o", filepath.Join(dir, p), filepath.Join(dir, p+".c"))
		cmd := exec.CommandContext(ctx, path, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
		}
	}
	return s, nil
}

// Run runs one program with extra environment variables and returns what
// it printed as "key value" lines.
func (s *Set) Run(ctx context.Context, prog string, env []string, args ...string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.Dir, prog), args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return parse(out), nil
}

func parse(out []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}
