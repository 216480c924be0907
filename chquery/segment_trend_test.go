package chquery

import (
	"context"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
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

// A filter's passing values come from every event, also for the days
// before a value first appears: p = 9 is first stored on the last day, and
// the days' sizes, then the size now, count its person there.
func TestSegmentTrendLateValue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const dayMs = 86_400_000
	raw := []query.RawEvent{
		{User: "u1", Event: "a", Time: day0, Props: map[string]string{"p": "1"}},
		{User: "u2", Event: "a", Time: day0 + dayMs, Props: map[string]string{"p": "2"}},
		{User: "u2", Event: "a", Time: day0 + 3*dayMs, Props: map[string]string{"p": "9"}},
	}
	b := f.load(raw, time.UTC)
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		got, err := e.SegmentTrend(ctx, "did a where p > 4", nil, 4)
		if err != nil {
			t.Fatal(err)
		}
		users := []int{}
		for _, p := range got {
			users = append(users, p.Users)
		}
		if !slices.Equal(users, []int{0, 0, 0, 1}) {
			t.Fatalf("%s: members by day %v, want [0 0 0 1]", name, got)
		}
		if size, err := e.Segment(ctx, "did a where p > 4", nil, false); err != nil || size.Users != 1 {
			t.Fatalf("%s: size now %+v, %v; want 1", name, size, err)
		}
	}
}
