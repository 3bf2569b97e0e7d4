// Package kubernetes_test checks the manifests of deploy/kubernetes: each
// is decoded strictly into the Kubernetes API types (k8s.io/api), so an
// unknown or misspelt field fails, and then checked for what engrambench
// needs of it: the shard count agreeing with the Job's completions, the
// Secrets and the ConfigMap it names existing, the suite loading, a
// non-root user, resources, and the flags it passes being the CLI's own.
package kubernetes_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/suites"
)

// object is one decoded manifest document.
type object struct {
	file string
	kind string
	obj  any
}

// decode strictly decodes every document of every manifest here.
func decode(t *testing.T) []object {
	t.Helper()
	files, _ := filepath.Glob("*.yaml")
	if len(files) < 5 {
		t.Fatalf("manifests: %v", files)
	}
	var out []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocs(b) {
			o, err := decodeDoc(doc)
			if err != nil {
				t.Fatalf("%s, document %d: %v", f, i+1, err)
			}
			o.file = f
			out = append(out, o)
		}
	}
	return out
}

// splitDocs splits a YAML stream at its "---" lines, dropping empty
// documents (comments only).
func splitDocs(b []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		var m map[string]any
		if yaml.Unmarshal([]byte(d), &m) == nil && len(m) == 0 {
			continue
		}
		docs = append(docs, []byte(d))
	}
	return docs
}

// decodeDoc decodes one document into the type its kind names as the API
// server's strict field validation does: YAML with a key twice, an unknown
// field, or a field in the wrong case (encoding/json would accept
// "readOnlyRootFileSystem") is an error.
func decodeDoc(doc []byte) (object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return object{}, err
	}
	var obj any
	switch head.APIVersion + " " + head.Kind {
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "batch/v1 CronJob":
		obj = &batchv1.CronJob{}
	default:
		return object{}, fmt.Errorf("unexpected apiVersion %q kind %q", head.APIVersion, head.Kind)
	}
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return object{}, err
	}
	strict, err := kjson.UnmarshalStrict(j, obj)
	if err == nil && len(strict) > 0 {
		err = errors.Join(strict...)
	}
	if err != nil {
		return object{}, err
	}
	return object{kind: head.Kind, obj: obj}, nil
}

func TestStrictDecodingCatchesTypos(t *testing.T) {
	b, err := os.ReadFile("job-shards.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, typo := range [][2]string{
		{"completionMode:", "completionMod:"},
		{"readOnlyRootFilesystem:", "readOnlyRootFileSystem:"},
		{"memory: 4Gi", "memory: 4 GB"},
		{"restartPolicy: OnFailure", "restartPolicy: OnFailure\n      restartPolicy: Never"},
		{"completions: 8", "completions: eight"},
		{"type: Unconfined", "type: Unconfined\n          typo: 1"},
	} {
		bad := bytes.Replace(b, []byte(typo[0]), []byte(typo[1]), 1)
		if bytes.Equal(bad, b) {
			t.Fatalf("%q not in job-shards.yaml", typo[0])
		}
		if _, err := decodeDoc(bad); err == nil {
			t.Errorf("%q → %q decoded without an error", typo[0], typo[1])
		}
	}
}

// pod is a pod template with where it came from and the Job around it.
type pod struct {
	name string
	job  batchv1.JobSpec
	spec corev1.PodSpec
}

func pods(objs []object) []pod {
	var out []pod
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *batchv1.Job:
			out = append(out, pod{o.file, v.Spec, v.Spec.Template.Spec})
		case *batchv1.CronJob:
			out = append(out, pod{o.file, v.Spec.JobTemplate.Spec, v.Spec.JobTemplate.Spec.Template.Spec})
		}
	}
	return out
}

func TestManifests(t *testing.T) {
	objs := decode(t)
	secrets := map[string]*corev1.Secret{}
	configMaps := map[string]*corev1.ConfigMap{}
	claims := map[string]bool{}
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *corev1.Secret:
			secrets[v.Name] = v
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *corev1.PersistentVolumeClaim:
			claims[v.Name] = true
		}
	}
	ps := pods(objs)
	if len(ps) != 3 {
		t.Fatalf("want the shards Job, the report Job and the CronJob, got %d pod templates", len(ps))
	}
	for _, p := range ps {
		t.Run(p.name, func(t *testing.T) {
			sc := p.spec.SecurityContext
			if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
				t.Error("the pod does not run as a non-root user")
			}
			if sc != nil && sc.RunAsUser != nil && *sc.RunAsUser != 10001 {
				t.Errorf("runAsUser %d, the Dockerfile's user is 10001", *sc.RunAsUser)
			}
			if p.spec.RestartPolicy == corev1.RestartPolicyAlways {
				t.Error("a Job's pods cannot restart Always")
			}
			for _, v := range p.spec.Volumes {
				if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil {
					t.Errorf("volume %s names ConfigMap %s, which is not here", v.Name, v.ConfigMap.Name)
				}
				if v.PersistentVolumeClaim != nil && !claims[v.PersistentVolumeClaim.ClaimName] {
					t.Errorf("volume %s names claim %s, which is not here", v.Name, v.PersistentVolumeClaim.ClaimName)
				}
			}
			if len(p.spec.Containers) != 1 {
				t.Fatalf("%d containers", len(p.spec.Containers))
			}
			c := p.spec.Containers[0]
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("resources: %+v", c.Resources)
			}
			cs := c.SecurityContext
			if cs == nil || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation || cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Error("the container may gain privileges or keeps capabilities")
			}
			// procMount Unmasked is only valid in a pod with its own user
			// namespace.
			if cs != nil && cs.ProcMount != nil && *cs.ProcMount == corev1.UnmaskedProcMount && (p.spec.HostUsers == nil || *p.spec.HostUsers) {
				t.Error("procMount Unmasked needs hostUsers: false")
			}
			vars := map[string]bool{}
			for _, e := range c.Env {
				vars[e.Name] = true
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					s := secrets[r.Name]
					if s == nil {
						t.Errorf("env %s names Secret %s, which is not here", e.Name, r.Name)
					} else if _, ok := s.StringData[r.Key]; !ok {
						t.Errorf("env %s names key %s of Secret %s, which it lacks", e.Name, r.Key, r.Name)
					}
				}
				if f := e.ValueFrom.FieldRef; f != nil && !regexp.MustCompile(`^(metadata\.(name|namespace|uid)|metadata\.(labels|annotations)\['[^']+'\])$`).MatchString(f.FieldPath) {
					t.Errorf("env %s: fieldPath %s is not one the downward API gives env vars", e.Name, f.FieldPath)
				}
			}
			if !vars["ENGRAMBENCH_STORE"] || !vars["RUN_ID"] {
				t.Error("the pod lacks ENGRAMBENCH_STORE or RUN_ID")
			}
			for _, m := range c.VolumeMounts {
				if !slices.ContainsFunc(p.spec.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name }) {
					t.Errorf("mount of unknown volume %s", m.Name)
				}
			}
		})
	}
}

// expand substitutes $(VAR) as the kubelet does in args.
func expand(s string, env map[string]string) string {
	return regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func TestShardJobMapsItsIndexToTheShard(t *testing.T) {
	objs := decode(t)
	var job *batchv1.Job
	var report *batchv1.Job
	for _, o := range objs {
		if j, ok := o.obj.(*batchv1.Job); ok {
			if o.file == "job-shards.yaml" {
				job = j
			} else {
				report = j
			}
		}
	}
	if job == nil || report == nil {
		t.Fatal("no shards or report Job")
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion || spec.Completions == nil {
		t.Fatal("the shards Job is not an Indexed Job with completions")
	}
	n := int(*spec.Completions)
	c := spec.Template.Spec.Containers[0]
	runID := envValue(c.Env, "RUN_ID")
	if runID == "" || runID != envValue(report.Spec.Template.Spec.Containers[0].Env, "RUN_ID") {
		t.Fatalf("the shards' RUN_ID %q and the report's differ", runID)
	}
	for i := range n {
		var args []string
		for _, a := range c.Args {
			args = append(args, expand(a, map[string]string{"JOB_COMPLETION_INDEX": fmt.Sprint(i), "RUN_ID": runID}))
		}
		at := slices.Index(args, "--shard")
		if at < 0 || args[at+1] != fmt.Sprintf("%d/%d", i, n) || !slices.Contains(args, runID) {
			t.Fatalf("index %d runs %v", i, args)
		}
		if i == 0 {
			cliAccepts(t, args)
		}
	}
	var args []string
	for _, a := range report.Spec.Template.Spec.Containers[0].Args {
		args = append(args, expand(a, map[string]string{"RUN_ID": runID}))
	}
	cliAccepts(t, args)
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestCronJobShardsAndReports(t *testing.T) {
	var cj *batchv1.CronJob
	for _, o := range decode(t) {
		if v, ok := o.obj.(*batchv1.CronJob); ok {
			cj = v
		}
	}
	if cj == nil {
		t.Fatal("no CronJob")
	}
	spec := cj.Spec.JobTemplate.Spec
	c := spec.Template.Spec.Containers[0]
	shards := envValue(c.Env, "SHARDS")
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion || spec.Completions == nil || fmt.Sprint(*spec.Completions-1) != shards {
		t.Fatalf("completions %v, SHARDS %s: want SHARDS + 1 indexed completions", spec.Completions, shards)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Error("two nights could overlap")
	}
	if len(c.Command) != 2 || c.Command[0] != "/bin/sh" || len(c.Args) != 1 {
		t.Fatalf("command %v args %d", c.Command, len(c.Args))
	}
	// Run the script with a stub engrambench that prints its arguments.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "engrambench"), []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"), 0o755)
	n := int(*spec.Completions)
	for i := range n {
		cmd := exec.Command("/bin/sh", "-c", c.Args[0])
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "JOB_COMPLETION_INDEX=" + fmt.Sprint(i), "SHARDS=" + shards, "RUN_ID=engrambench-nightly-29113560"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("index %d: %v\n%s", i, err, out)
		}
		args := strings.Split(strings.TrimSpace(string(out)), "\n")
		if i < n-1 {
			if args[0] != "run" || args[slices.Index(args, "--shard")+1] != fmt.Sprintf("%d/%s", i, shards) || !slices.Contains(args, "engrambench-nightly-29113560") {
				t.Fatalf("index %d runs %v", i, args)
			}
		} else if args[0] != "report" || args[slices.Index(args, "--run")+1] != "engrambench-nightly-29113560" || !slices.Contains(args, "--wait") {
			t.Fatalf("the last index runs %v", args)
		}
		if i == 0 || i == n-1 {
			cliAccepts(t, args)
		}
	}
}

func TestSuiteConfigMapLoads(t *testing.T) {
	for _, o := range decode(t) {
		cm, ok := o.obj.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		for name, data := range cm.Data {
			if _, err := suites.Load(name, []byte(data), catalog.Default()); err != nil {
				t.Errorf("ConfigMap %s, %s: %v", cm.Name, name, err)
			}
		}
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var from, user []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			from = append(from, strings.Join(f[1:], " "))
		case "USER":
			user = append(user, f[1])
		}
	}
	if len(from) < 2 || !strings.HasSuffix(from[0], "AS build") || !strings.Contains(string(b), "COPY --from=build /out/engrambench") {
		t.Fatalf("not a multi-stage build copying the binary from the build stage: FROM %v", from)
	}
	if len(user) == 0 || strings.HasPrefix(user[len(user)-1], "0") || strings.HasPrefix(user[len(user)-1], "root") {
		t.Fatalf("the image runs as %v", user)
	}
	if u := user[len(user)-1]; u != "10001:10001" {
		t.Errorf("USER %s; the manifests run as 10001", u)
	}
	for _, pkg := range []string{"bubblewrap", "python3", "util-linux"} {
		if !strings.Contains(string(b), pkg) {
			t.Errorf("the image lacks %s, which the coding sandbox uses", pkg)
		}
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if goVersion == nil || !strings.HasPrefix(from[0], "golang:"+string(goVersion[1])+"-") {
		t.Errorf("build stage %q; go.mod wants go %s", from[0], goVersion[1])
	}
}

// cliAccepts checks that engrambench parses args: every flag known and
// well formed. It appends a flag value the command refuses only after
// parsing all flags (so exit 2 with that refusal means the rest parsed),
// and stands a small suite file in for a suite path under /etc.
func cliAccepts(t *testing.T, args []string) {
	t.Helper()
	bin := engrambench(t)
	args = slices.Clone(args)
	for i, a := range args {
		if strings.HasPrefix(a, "/etc/engrambench/suite/") {
			args[i] = "quick"
		}
	}
	var probe, want string
	switch args[0] {
	case "run":
		probe, want = "--limit=-1", "--limit must be 0 or more"
	case "report":
		probe, want = "--wait=-1s", "--wait must be 0 or more"
	default:
		t.Fatalf("unexpected command %v", args)
	}
	cmd := exec.Command(bin, append(args, probe)...)
	cmd.Env = append(os.Environ(), "ENGRAMBENCH_STORE=sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), want) {
		t.Fatalf("engrambench %v: %v\n%s", args, err, out)
	}
}

var built string

// TestMain removes the binary engrambench built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

// engrambench builds the CLI once.
func engrambench(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the engrambench binary")
	}
	if built == "" {
		dir, err := os.MkdirTemp("", "engrambench-k8s-")
		if err != nil {
			t.Fatal(err)
		}
		built = filepath.Join(dir, "engrambench")
		if runtime.GOOS == "windows" {
			built += ".exe"
		}
		if out, err := exec.Command("go", "build", "-o", built, "../../cmd/engrambench").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return built
}
