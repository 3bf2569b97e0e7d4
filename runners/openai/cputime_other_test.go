//go:build !unix

package openai

import "time"

// cpuTime is unknown here; the CPU metric then reads 0.
func cpuTime() time.Duration { return 0 }
