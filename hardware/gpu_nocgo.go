//go:build !cgo

package hardware

import "errors"

// Without cgo go-nvml cannot be built; nvidia-smi is the only way in.
var errNoCgo = errors.New("not in this build (built without cgo)")

func readNVMLGPUs() (GPUs, error) { return GPUs{}, errNoCgo }

func newNVMLSource() (Source, error) { return nil, errNoCgo }
