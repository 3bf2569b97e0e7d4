package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/internal/fakeanthropic"
	"github.com/engrambench/engrambench/internal/fakeopenai"
	"github.com/engrambench/engrambench/results"
)

// remoteSuite runs two BBH tasks and a needle against both remote kinds.
func remoteSuite(t *testing.T, openaiURL, anthropicURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "remote.yaml")
	suite := `name: remote
runners:
  oa:
    kind: openai
    url: ` + openaiURL + `
    model: fake-model
    api_key_env: EB_TEST_OPENAI_KEY
  an:
    kind: anthropic
    url: ` + anthropicURL + `
    model: claude-fake
    api_key_env: EB_TEST_ANTHROPIC_KEY
tasks:
  - set: bbh-gen
    tasks: [boolean_expressions, word_sorting]
    n: 3
  - set: ruler
    tasks: [niah_single_1]
    n: 2
`
	if err := os.WriteFile(path, []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKeysNeverLeave runs remote runners that need API keys, with the
// response cache on, and looks for the keys in every file the run and the
// cache left and in everything printed.
func TestKeysNeverLeave(t *testing.T) {
	const oaKey, anKey = "sk-test-7d1f0c9e-openai-secret", "sk-ant-test-5b2e-anthropic-secret"
	t.Setenv("EB_TEST_OPENAI_KEY", oaKey)
	t.Setenv("EB_TEST_ANTHROPIC_KEY", anKey)
	oa := fakeopenai.New(fakeopenai.Options{APIKey: oaKey})
	defer oa.Close()
	an := fakeanthropic.New(fakeanthropic.Config{APIKey: anKey})
	defer an.Close()

	out, cache := t.TempDir(), t.TempDir()
	suite := remoteSuite(t, oa.URL, an.URL)
	code, stdout, stderr := runCLI(t, "run", suite, "--out", out, "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	dir := onlyRunDir(t, out)
	_, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 2*(2*3+2) {
		t.Fatalf("%d samples", len(samples))
	}
	for _, s := range samples {
		if s.Error != "" {
			t.Fatalf("sample %s failed: %s", s.Key, s.Error)
		}
	}
	scan := func(where string, b []byte) {
		for _, k := range []string{oaKey, anKey} {
			if bytes.Contains(b, []byte(k)) {
				t.Errorf("%s holds an API key", where)
			}
		}
	}
	scan("stdout", []byte(stdout))
	scan("stderr", []byte(stderr))
	files := 0
	for _, root := range []string{out, cache} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				scan(p, b)
				files++
			}
			return nil
		})
	}
	if files < 5 {
		t.Fatalf("scanned only %d files: the cache wrote nothing?", files)
	}

	// The same suite again, cached: not one request reaches a server, and
	// the scores are the same.
	before := oa.Requests() + int64(an.Requests())
	out2 := t.TempDir()
	if code, _, stderr := runCLI(t, "run", suite, "--out", out2, "--cache-dir", cache); code != 0 {
		t.Fatalf("cached rerun: exit %d\n%s", code, stderr)
	}
	if after := oa.Requests() + int64(an.Requests()); after != before {
		t.Fatalf("cached rerun sent %d requests", after-before)
	}
	_, again, _ := results.ReadRunDir(onlyRunDir(t, out2))
	scores := func(ss []results.Sample) map[string]float64 {
		m := map[string]float64{}
		for _, s := range ss {
			// Run ids differ; runner, instance and repeat do not.
			m[s.Runner+"|"+s.InstanceID+"|"+fmt.Sprint(s.Repeat)] = *s.Score
		}
		return m
	}
	if a, b := scores(samples), scores(again); !maps.Equal(a, b) {
		t.Fatalf("cached rerun scored differently:\n%v\n%v", a, b)
	}
	for _, s := range again {
		if !s.Cached {
			t.Errorf("sample %s was not served from the cache", s.Key)
		}
	}
}

func TestServingSuiteRunsAgainstTheSimulatedServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.yaml")
	os.WriteFile(path, []byte(`name: load
runners:
  target: {kind: simulated, ttft_ms: 20, tpot_ms: 2}
serving:
  mode: closed
  concurrency: [1, 4]
  duration: 0.3
  prompt_tokens: [32]
  output_tokens: [8]
`), 0o644)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", path, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	dir := onlyRunDir(t, out)
	run, err := results.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != results.StatusComplete || len(run.Serving) != 2 || run.Serving[1].Concurrency != 4 || run.Serving[0].Succeeded == 0 {
		t.Fatalf("serving run: %+v", run)
	}
	if run.Serving[0].TTFT.P50 < 0.02 {
		t.Errorf("TTFT p50 %.3f below the simulated 20 ms", run.Serving[0].TTFT.P50)
	}
	for _, f := range []string{"requests.jsonl", reportFile, summaryFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if !bytes.Contains([]byte(stdout), []byte("closed/concurrency=4")) {
		t.Errorf("report lacks the steps:\n%s", stdout)
	}
	if code, _, stderr := runCLI(t, "run", "--resume", dir); code == 0 || !bytes.Contains([]byte(stderr), []byte("not resumable")) {
		t.Errorf("resuming a load test: exit %d, %s", code, stderr)
	}
}

func TestLongPPLThroughPromptLogprobs(t *testing.T) {
	oa := fakeopenai.New(fakeopenai.Options{})
	defer oa.Close()
	docs := t.TempDir()
	os.WriteFile(filepath.Join(docs, "a.go"), []byte(strings.Repeat("package main\n\nfunc main() { println(\"hello\") }\n", 40)), 0o644)
	path := filepath.Join(t.TempDir(), "ppl.yaml")
	os.WriteFile(path, []byte(`name: ppl
runners:
  oa: {kind: openai, url: `+oa.URL+`, model: fake-model, endpoint: completions, api_key_env: ""}
tasks:
  - set: longppl
    tasks: [code]
    code_dir: `+docs+`
    window: 128
    stride: 64
    n: 1
`), 0o644)
	out := t.TempDir()
	code, _, stderr := runCLI(t, "run", path, "--out", out, "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	_, samples, err := results.ReadRunDir(onlyRunDir(t, out))
	if err != nil || len(samples) == 0 {
		t.Fatalf("%d samples, %v", len(samples), err)
	}
	for _, s := range samples {
		if s.Error != "" || !strings.Contains(s.ScoreDetail, "nll_sum=") {
			t.Fatalf("window %s: error %q detail %q", s.Key, s.Error, s.ScoreDetail)
		}
	}
}
