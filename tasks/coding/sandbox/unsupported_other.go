//go:build !linux

package sandbox

import (
	"errors"
	"runtime"
)

// errNeedsLinux is why the isolating backends are missing here: both are
// built on Linux namespaces.
var errNeedsLinux = errors.New("sandboxing needs Linux namespaces; this is " + runtime.GOOS + " (run the coding tasks on Linux, or with the unsafe backend none)")

func newBwrap(Config) (backend, error) { return nil, errNeedsLinux }

func newNamespaces(Config) (backend, error) { return nil, errNeedsLinux }
