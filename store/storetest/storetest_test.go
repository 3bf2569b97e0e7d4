package storetest

import "testing"

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable": "postgres://postgres@127.0.0.1:5432/x?sslmode=disable",
		"postgres://u:p@h":      "postgres://u:p@h/x",
		"postgresql://u@h:1/db": "postgresql://u@h:1/x",
	} {
		if got := withDatabase(in, "x"); got != want {
			t.Errorf("withDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}
