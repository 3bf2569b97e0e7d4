package runners

import (
	"fmt"
	"os"
	"strings"
)

// ReadKey reads an API key from file when one is named, else from the
// environment variable env; "" when env is empty or the variable is unset
// (a local server needs none; a runner that does says so). Errors name
// where the key was looked for, never what was found.
func ReadKey(env, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("api_key_file: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("api_key_file %s is empty", file)
		}
		return key, nil
	}
	if env == "" {
		return "", nil
	}
	return strings.TrimSpace(os.Getenv(env)), nil
}
