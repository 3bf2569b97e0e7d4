package reports

import (
	"fmt"
	"math"
)

// MinIntervalN is the fewest scored samples (or pairs) for which a report
// shows a 95% interval. Below it the Wilson interval's coverage swings
// well under 95% for some true rates, and a bootstrap interval is far too
// narrow, so the report prints the score with its n and a warning instead.
// It matches compare's default MinPairs.
const MinIntervalN = 10

// Estimate is a mean score with its n and either a 95% interval or the
// reason there is none. Scores are fractions of 1.
type Estimate struct {
	Mean float64 // NaN when N is 0
	N    int
	// Lo and Hi bound the 95% interval; they are NaN when Warning is set.
	Lo, Hi float64
	// Approx marks an interval built from fractional scores (the Wilson
	// form applied to a sum of partial credits): an approximation.
	Approx bool
	// Warning says why no interval is shown ("" when one is).
	Warning string
}

// HasInterval reports whether e carries an interval to show.
func (e Estimate) HasInterval() bool { return e.Warning == "" }

// Proportion is the mean of n scores summing to successes, with the 95%
// Wilson interval when n >= MinIntervalN. fractional says some score lay
// strictly between 0 and 1.
func Proportion(successes float64, n int, fractional bool) Estimate {
	nan := math.NaN()
	e := Estimate{Mean: nan, N: n, Lo: nan, Hi: nan, Approx: fractional}
	switch {
	case n <= 0:
		e.N = 0
		e.Warning = "no scored samples"
		return e
	case n < MinIntervalN:
		e.Mean = successes / float64(n)
		e.Warning = tooFew(n)
		return e
	}
	e.Mean = successes / float64(n)
	e.Lo, e.Hi = Wilson(successes, n, Z95)
	return e
}

func tooFew(n int) string {
	return fmt.Sprintf("n = %d is below %d: too few for a 95%% interval", n, MinIntervalN)
}

// cellEstimate is a cell's score as an Estimate.
func cellEstimate(c Cell) Estimate { return Proportion(c.Successes, c.N, c.Fractional) }

// estimateText renders e in percent: "62.0 [48.2, 74.1]", with † for an
// approximate interval, "62.0 ‡" when n is too small for an interval, and
// "n/a" with no scored sample. The n is printed by the caller, in its own
// column.
func estimateText(e Estimate) string {
	switch {
	case e.N == 0:
		return "n/a"
	case !e.HasInterval():
		return percent(e.Mean) + " ‡"
	}
	s := percent(e.Mean) + " [" + percent(e.Lo) + ", " + percent(e.Hi) + "]"
	if e.Approx {
		s += " †"
	}
	return s
}
