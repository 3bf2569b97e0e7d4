package longctx

import (
	"fmt"

	"github.com/engrambench/engrambench/tokenize"
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

// fit finds the largest haystack whose prompt counts at most budget tokens
// with tok. It estimates from per-unit counts (made once per run) and the
// count of the bare prompt, then verifies with real counts of the whole
// prompt: usually one count confirms the estimate. Token counts are not
// exactly additive where units meet the needle or the frame, so when the
// estimate misses, the miss is carried as an offset, and if that does not
// settle it an exact search on real counts finishes the job. The bound
// itself is never estimated: only a really counted prompt is returned.
func fit(tok tokenize.Tokenizer, s sample, budget int) (fitted, error) {
	bare := s.text(0)
	base := tok.Count(bare)
	if base > budget {
		return fitted{}, fmt.Errorf("the prompt alone is %d tokens, over the budget of %d", base, budget)
	}
	best := fitted{0, bare, base} // largest known to fit
	over := -1                    // smallest known not to fit; -1 while unknown

	prefix := []int{0} // prefix[k]: estimated tokens of k units
	largestUnder := func(limit int) int {
		for prefix[len(prefix)-1] <= limit {
			k := len(prefix) - 1
			prefix = append(prefix, prefix[k]+s.unitTokens(k))
		}
		// prefix is increasing: search the first k with prefix[k] > limit.
		lo, hi := 0, len(prefix)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if prefix[mid] > limit {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo - 1
	}
	count := func(k int) int {
		t := s.text(k)
		c := tok.Count(t)
		if c <= budget {
			if k > best.units {
				best = fitted{k, t, c}
			}
		} else if over < 0 || k < over {
			over = k
		}
		return c
	}

	offset := 0
	for range maxFitCounts {
		k := largestUnder(budget - base - offset)
		if over >= 0 && k >= over {
			k = over - 1
		}
		if k <= best.units {
			break
		}
		c := count(k)
		miss := c - (base + prefix[k])
		if c <= budget && miss == offset {
			return best, nil // the estimate held; k+1 units would pass the budget
		}
		offset = miss
	}

	// Exact search: gallop up from the best fit until a count passes the
	// budget (the answer is usually one unit up), then bisect.
	for step := 1; over < 0; step *= 2 {
		if best.units+step > maxUnits {
			return fitted{}, fmt.Errorf("no haystack of up to %d units reaches %d tokens", maxUnits, budget)
		}
		count(best.units + step)
	}
	for over-best.units > 1 {
		count((best.units + over) / 2)
	}
	return best, nil
}

// maxUnits is far beyond any length a model takes (1M tokens is about
// 100K filler sentences); it stops a sample whose text does not grow.
const maxUnits = 1 << 26
