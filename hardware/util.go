package hardware

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// formatBytes writes exact powers-of-two sizes as "16 KiB", "1 GiB", and
// anything else as humanBytes does.
func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return humanBytes(n)
}

// humanBytes is n with one decimal in the largest binary unit that fits.
func humanBytes(n uint64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ParseBytes reads sizes like "512MiB", "2GiB", "1G", "4096" (bytes).
// K, M, G and T suffixes are binary, with or without "iB" or "B".
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRightFunc(t, func(r rune) bool { return unicode.IsLetter(r) })
	unit := strings.ToUpper(strings.TrimSpace(t[len(num):]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I")
	shift := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}
	sh, ok := shift[unit]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || v < 0 || v*float64(uint64(1)<<sh) >= 1<<63 {
		return 0, fmt.Errorf("%q is not a size like 512MiB or 2GiB", s)
	}
	return uint64(v * float64(uint64(1)<<sh)), nil
}
