package chquery

import (
	"context"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/spoorhq/spoor/segment"
)

// TestSegmentTrendMatchesLocal compares the size day by day of random
// expressions (every kind of term, relative windows, equal times, zones
// with DST and half hours) with segment.Trend's, and the properties no
// event carries with the local evaluator's, on one server and on the
// two-shard cluster.
func TestSegmentTrendMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(41))
	ctx := context.Background()
	extra := []string{"q = 1", "did a where q is set or p = x", "did zz where q = 1 then b where p = x", "streak a by q >= 1 days", "did b where p = x then c where r != 2"}
	for round := range runs(6, 2) {
		raw, loc, base := randomSegmentData(rng, 12)
		b := f.load(raw, loc)
		exprs := []string{randomExpr(rng, loc, base, 2), randomExpr(rng, loc, base, 1), extra[round%len(extra)]}
		for _, expr := range exprs {
			n, err := segment.Parse(expr)
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			days := 1 + rng.Intn(16)
			want, err := segment.Trend(ctx, b.local, n, days)
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			ev, err := segment.Compile(ctx, b.local, n)
			if err != nil {
				t.Fatal(err)
			}
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.SegmentTrend(ctx, expr, nil, days)
				if err != nil {
					t.Fatalf("round %d, %s, %q: %v", round, name, expr, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d, %s (%s), %q over %d days:\n got %+v\nwant %+v", round, name, loc, expr, days, got, want)
				}
				size, err := e.Segment(ctx, expr, nil, false)
				if err != nil || !slices.Equal(size.Unset, ev.Unset) || !slices.Equal(size.Unknown, ev.Unknown) {
					t.Fatalf("round %d, %s, %q: unset %q unknown %q (%v); locally %q %q", round, name, expr, size.Unset, size.Unknown, err, ev.Unset, ev.Unknown)
				}
			}
		}
	}
}
