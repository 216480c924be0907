package segment

import (
	"context"
	"errors"
	"testing"
	"time"
)

// FuzzParse: any input either parses or fails with a ParseError whose
// column lies inside the expression (or just after it); what parses also
// evaluates without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"did purchase >= 2 in 30d and not did refund", "first_seen within 7d", "country = CN",
		"did view_item where category = shoes >= 3 in 14d", "did add_to_cart then not begin_checkout within 24h",
		"streak view_item by product_id >= 3 days without purchase", "active in 30d and silent for 14d",
		"(did a or not b in (1, 2)) and 'x y' is not set", "last_seen between 2026-03-01 and 2026-03-02",
	} {
		f.Add(s)
	}
	_, d := timeline(f, time.UTC, basics)
	f.Fuzz(func(t *testing.T, expr string) {
		n, err := Parse(expr)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Col < 1 || pe.Col > len([]rune(expr))+1 {
				t.Fatalf("%q: %v", expr, err)
			}
			return
		}
		e, err := Compile(context.Background(), d, n)
		if err != nil {
			return // e.g. a date the evaluator cannot place
		}
		for p := range d.Users {
			if e.Match(p) {
				e.Explain(p)
			}
		}
	})
}
