package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEngramAndSizeCommands(t *testing.T) {
	code, stdout, stderr := runCLI(t, "engram", "info", "engram-27b")
	if code != 0 || !strings.Contains(stdout, "72404232") {
		t.Fatalf("engram info: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "size", "--claim", "offload", "--machine", "ddr5-5600x12,gen5,h200,cores=64")
	if code != 0 || !strings.Contains(stdout, "1.92") {
		t.Fatalf("size --claim offload: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := runCLI(t, "engram", "info", "no-such-config"); code == 0 {
		t.Error("an unknown configuration was accepted")
	}
}

func TestProbeQuickJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "probe", "--quick", "--json", "--skip", "bandwidth,latency,gather")
	if code != 0 {
		t.Fatalf("probe: exit %d\n%s", code, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("probe --json is not JSON: %v\n%s", err, stdout)
	}
}
