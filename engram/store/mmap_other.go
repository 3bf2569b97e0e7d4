//go:build !linux

package store

import (
	"errors"
	"os"
)

// Without Linux mappings, anonymous tables live on the Go heap and file
// mode is unavailable.
func mapAnon(n int64) (raw, data []byte, err error) {
	b := make([]byte, n)
	return nil, b, nil
}

func mapFile(f *os.File, off, n int64, writable bool) (raw, data []byte, err error) {
	return nil, nil, errors.New("file-mapped tables need Linux")
}

func unmap(raw []byte) error { return nil }

func memAvailable() (uint64, error) {
	return 0, errors.New("memory availability is unknown on this OS")
}

func diskAvailable(dir string) (uint64, error) {
	return 0, errors.New("disk space is unknown on this OS")
}

func hugeBytes(p []byte) int64 { return -1 }
