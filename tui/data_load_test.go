package tui

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/spoorhq/spoor/query"
)

// topValues counts each value's events over parts of the column: the
// counts and their order (most first, ties in the column's value order)
// are those of one pass, unset events (code 0) counted for no value.
func TestTopValuesCountsEveryEvent(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, n := range []int{0, 1, 7, 1000, 100_001} {
		p := &query.Prop{Key: "k", Values: []string{"a", "b", "c", "d", "e"}, Codes: make([]int32, n)}
		want := make([]named, len(p.Values))
		for i, v := range p.Values {
			want[i].name = v
		}
		for i := range p.Codes {
			c := int32(rng.Intn(len(p.Values)+1)) * int32(rng.Intn(2)) // many unset
			p.Codes[i] = c
			if c > 0 {
				want[c-1].count++
			}
		}
		slices.SortStableFunc(want, func(a, b named) int { return b.count - a.count })
		if got := topValues(p); !slices.Equal(got, want) {
			t.Fatalf("%d events: %v, want %v", n, got, want)
		}
	}
}
