package execute

import (
	"fmt"
	"sync"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
)

// price is a runner's token prices in dollars per million tokens.
type price struct{ in, cachedIn, out float64 }

func priceOf(p params.Values) price {
	pr := price{in: p.Float("price_input"), out: p.Float("price_output")}
	pr.cachedIn = pr.in
	if p.Has("price_cached_input") {
		pr.cachedIn = p.Float("price_cached_input")
	}
	return pr
}

// cost is what a response's tokens cost at these prices. Cached prompt
// tokens are charged at the cached price.
func (pr price) cost(u runners.Usage) float64 {
	cached := min(max(u.CachedTokens, 0), u.PromptTokens)
	return (float64(u.PromptTokens-cached)*pr.in + float64(cached)*pr.cachedIn + float64(u.CompletionTokens)*pr.out) / 1e6
}

// spend tracks what a run has spent against its budget. Responses served
// from the response cache cost nothing.
type spend struct {
	mu     sync.Mutex
	budget results.Budget
	tokens int
	usd    float64
}

// newSpend starts counting against b from what prior (the samples a
// resumed run had finished; nil for none) spent.
func newSpend(b results.Budget, prior *spend) *spend {
	s := &spend{budget: b}
	if prior != nil {
		s.tokens, s.usd = prior.tokens, prior.usd
	}
	return s
}

// add counts a finished sample and reports whether the budget is now spent.
func (s *spend) add(x results.Sample) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !x.Cached {
		s.tokens += x.Usage.PromptTokens + x.Usage.CompletionTokens
		s.usd += x.CostUSD
	}
	return s.exhaustedLocked()
}

func (s *spend) exhausted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exhaustedLocked()
}

func (s *spend) exhaustedLocked() bool {
	return (s.budget.Tokens > 0 && s.tokens >= s.budget.Tokens) || (s.budget.USD > 0 && s.usd >= s.budget.USD)
}

func (s *spend) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("spent %d tokens and $%.6f of a budget of %s", s.tokens, s.usd, budgetString(s.budget))
}

func budgetString(b results.Budget) string {
	switch {
	case b.Tokens > 0 && b.USD > 0:
		return fmt.Sprintf("%d tokens or $%.2f", b.Tokens, b.USD)
	case b.Tokens > 0:
		return fmt.Sprintf("%d tokens", b.Tokens)
	case b.USD > 0:
		return fmt.Sprintf("$%.2f", b.USD)
	}
	return "none"
}
