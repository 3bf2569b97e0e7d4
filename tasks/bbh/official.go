package bbh

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The official BBH files are never part of the project; when a user has
// them (a clone of suzgunmirac/BIG-Bench-Hard) the self-check compares the
// solvers with their targets.

// DataDirEnv names the environment variable that points at a clone of
// BIG-Bench-Hard (the directory holding bbh/).
const DataDirEnv = "ENGRAMBENCH_BBH_DIR"

// officialExample is one record of bbh/<task>.json.
type officialExample struct {
	Input  string `json:"input"`
	Target string `json:"target"`
}

// findDataDir returns the BBH directory to use: the explicit one, else the
// environment's, else shared/datasets/BIG-Bench-Hard beside the working
// directory or any directory above it (a checkout's ../shared). found is
// false when none exists; dir then says where it looked.
func findDataDir(explicit string) (dir string, found bool) {
	if explicit == "" {
		explicit = os.Getenv(DataDirEnv)
	}
	if explicit != "" {
		return explicit, isDir(filepath.Join(explicit, "bbh"))
	}
	wd, err := os.Getwd()
	if err != nil {
		return "shared/datasets/BIG-Bench-Hard", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "datasets", "BIG-Bench-Hard")
		if isDir(filepath.Join(cand, "bbh")) {
			return cand, true
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return filepath.Join(wd, "..", "shared", "datasets", "BIG-Bench-Hard"), false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// loadOfficial reads the examples of one task from a BBH directory.
func loadOfficial(dir, task string) ([]officialExample, error) {
	b, err := os.ReadFile(filepath.Join(dir, "bbh", task+".json"))
	if err != nil {
		return nil, err
	}
	var f struct {
		Examples []officialExample `json:"examples"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", task, err)
	}
	if len(f.Examples) == 0 {
		return nil, fmt.Errorf("%s: no examples", task)
	}
	return f.Examples, nil
}
