package longctx

import (
	"context"
	"fmt"
)

// fitted is a sample sized to a token budget.
type fitted struct {
	units  int
	text   string
	tokens int // real count of text
}

// maxFitCounts bounds the full-prompt counts of the estimate-and-verify
// phase; the exact search after it runs only when the estimate is off.
const maxFitCounts = 3

// countFunc counts the tokens of a whole prompt with the measuring
// tokenizer (exact; possibly a server round trip).
type countFunc func(ctx context.Context, s string) (int, error)

// fit finds a haystack size whose prompt counts at most budget tokens. It
// estimates from per-unit counts (cached: a shared haystack's units are
// counted once per run) and the count of the bare prompt, then verifies
// with real counts of the whole prompt: usually one count confirms the
// estimate. It stops at the first counted prompt within slack tokens
// under the budget; otherwise (slack 0, or an estimate that keeps
// missing) it returns the largest haystack that fits.
//
// Token counts are not exactly additive where units meet the needle or
// the frame, and a runner's tokenizer is not the one the unit counts come
// from, so each miss is fed back: a scale for proportional error, an
// offset for the rest. If that does not settle it within maxFitCounts,
// an exact search on real counts finishes the job. The bound itself is
// never estimated: only a really counted prompt is returned.
func fit(ctx context.Context, count countFunc, s sample, budget, slack int) (fitted, error) {
	bare := s.text(0)
	base, err := count(ctx, bare)
	if err != nil {
		return fitted{}, err
	}
	if base > budget {
		return fitted{}, fmt.Errorf("the prompt alone is %d tokens, over the budget of %d", base, budget)
	}
	best := fitted{0, bare, base} // largest known to fit
	over := -1                    // smallest known not to fit; -1 while unknown

	prefix := []int{0} // prefix[k]: estimated tokens of k units
	largestUnder := func(limit float64) int {
		for float64(prefix[len(prefix)-1]) <= limit {
			k := len(prefix) - 1
			if k >= maxUnits {
				break
			}
			prefix = append(prefix, prefix[k]+s.unitTokens(k))
		}
		// prefix is increasing: search the first k with prefix[k] > limit.
		lo, hi := 0, len(prefix)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if float64(prefix[mid]) > limit {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo - 1
	}
	measure := func(k int) (int, error) {
		t := s.text(k)
		c, err := count(ctx, t)
		if err != nil {
			return 0, err
		}
		if c <= budget {
			if k > best.units {
				best = fitted{k, t, c}
			}
		} else if over < 0 || k < over {
			over = k
		}
		return c, nil
	}

	scale, offset := 1.0, 0.0
	for n := range maxFitCounts {
		k := largestUnder((float64(budget-base) - offset) / scale)
		if over >= 0 && k >= over {
			k = over - 1
		}
		if k <= best.units {
			break
		}
		c, err := measure(k)
		if err != nil {
			return fitted{}, err
		}
		est := float64(base) + scale*float64(prefix[k]) + offset
		miss := float64(c) - est
		if c <= budget && (budget-c <= slack || miss == 0) {
			return best, nil // miss 0: the estimate held, so k+1 units would pass the budget
		}
		if n == 0 && prefix[k] > 0 && c > base {
			// First miss: take it as proportional (another tokenizer).
			scale = float64(c-base) / float64(prefix[k])
			offset = 0
		} else {
			offset += miss
		}
	}

	// Exact search: gallop up from the best fit until a count passes the
	// budget (the answer is usually one unit up), then bisect.
	for step := 1; over < 0; step *= 2 {
		if best.units+step > maxUnits {
			return fitted{}, fmt.Errorf("no haystack of up to %d units reaches %d tokens", maxUnits, budget)
		}
		if _, err := measure(best.units + step); err != nil {
			return fitted{}, err
		}
	}
	for over-best.units > 1 {
		if _, err := measure((best.units + over) / 2); err != nil {
			return fitted{}, err
		}
	}
	return best, nil
}

// maxUnits is far beyond any length a model takes (1M tokens is about
// 100K filler sentences); it stops a sample whose text does not grow.
const maxUnits = 1 << 22
