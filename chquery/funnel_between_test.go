package chquery

import (
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFunnelBetweenHandChecked: refund excluded between cart and buy
// (--exclude refund:2-3). u1's refund comes between its cart and buy, so
// it stays at cart; u2's second cart, after its refund, converts; u3's
// refund comes before its cart, u4's at its buy's instant; u5 never buys;
// u6's refund comes after its window. Then, over four steps a b c d:
// with x excluded between b and d, w1's x after its b, within the window,
// holds it at b although it did c, and w3's too although it did d; w2's x
// comes before its b. With x excluded between b and c, w3's second c,
// after an x, may not follow its b: its chain is a b c d by the first c.
func TestFunnelBetweenHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	raw := []query.RawEvent{
		ev("u1", "view", 10, 0), ev("u1", "cart", 10, 1), ev("u1", "refund", 10, 2), ev("u1", "buy", 10, 3),
		ev("u2", "view", 10, 0), ev("u2", "cart", 10, 1), ev("u2", "refund", 10, 2), ev("u2", "cart", 10, 4), ev("u2", "buy", 10, 9),
		ev("u3", "view", 10, 0), ev("u3", "refund", 10, 1), ev("u3", "cart", 10, 2), ev("u3", "buy", 10, 3),
		ev("u4", "view", 10, 0), ev("u4", "cart", 10, 1), ev("u4", "refund", 10, 3), ev("u4", "buy", 10, 3),
		ev("u5", "view", 10, 0), ev("u5", "cart", 10, 1), ev("u5", "refund", 10, 30),
		ev("u6", "view", 10, 0), ev("u6", "cart", 10, 1), ev("u6", "buy", 10, 2), ev("u6", "refund", 12, 0),
		ev("w1", "a", 10, 0), ev("w1", "b", 10, 1), ev("w1", "c", 10, 2), ev("w1", "x", 10, 3),
		ev("w2", "a", 10, 0), ev("w2", "x", 10, 1), ev("w2", "b", 10, 2), ev("w2", "c", 10, 3),
		ev("w3", "a", 10, 0), ev("w3", "b", 10, 1), ev("w3", "c", 10, 2), ev("w3", "x", 10, 3), ev("w3", "c", 10, 4), ev("w3", "d", 10, 5),
		ev("zz", "other", 24*30, 0),
	}
	b := f.load(raw, time.UTC)
	for _, tc := range []struct {
		steps    []string
		from, to int
		users    []int
		medians  []float64 // per step after the first, seconds
	}{
		// To buy: u2 5m (from its second cart), u3 1m, u4 2m, u6 1m.
		{[]string{"view", "cart", "buy"}, 1, 2, []int{6, 6, 4}, []float64{60, 90}},
		// w1 and w3 held at b, w2 at c.
		{[]string{"a", "b", "c", "d"}, 1, 3, []int{3, 3, 1, 0}, []float64{60, 60}},
		// w3 converts through its first c: 3m from c to d, not 1m.
		{[]string{"a", "b", "c", "d"}, 1, 2, []int{3, 3, 3, 1}, []float64{60, 60, 180}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps(tc.steps), Window: "1h", Exclude: []query.Exclusion{{Event: "refund", From: tc.from, To: tc.to}}}
		if tc.steps[0] == "a" {
			q.Exclude[0].Event = "x"
		}
		r := sameFunnel(t, b, q)
		users, medians := stepFigures(r)
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("%v, x from %d to %d: users per step %v, medians %v; want %v, %v", tc.steps, tc.from+1, tc.to+1, users, medians, tc.users, tc.medians)
		}
	}
}

// TestFunnelBetweenBesideStartHandChecked: a b c d within an hour, x
// excluded between c and d, and y from step 1 to b, then over the whole
// funnel. v1 (a b c d) converts. v2's y comes between its a and b: at a
// either way. v3's x comes between its c and d: held at c, and at a when
// its later y runs to d. v4's y comes after its b: it converts, and is
// held at a when y runs to d. v5's second a, after its y, starts a clean
// chain (3m from c to d). v6 (a b y b c d) converts through its first b,
// the second coming after the y: 3m from b to c, not 1m.
func TestFunnelBetweenBesideStartHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	raw := []query.RawEvent{
		ev("v1", "a", 10, 0), ev("v1", "b", 10, 1), ev("v1", "c", 10, 2), ev("v1", "d", 10, 3),
		ev("v2", "a", 10, 0), ev("v2", "y", 10, 1), ev("v2", "b", 10, 2), ev("v2", "c", 10, 3), ev("v2", "d", 10, 4),
		ev("v3", "a", 10, 0), ev("v3", "b", 10, 1), ev("v3", "c", 10, 4), ev("v3", "x", 10, 5), ev("v3", "d", 10, 6), ev("v3", "y", 10, 7),
		ev("v4", "a", 10, 0), ev("v4", "b", 10, 1), ev("v4", "c", 10, 2), ev("v4", "y", 10, 3), ev("v4", "d", 10, 4),
		ev("v5", "a", 10, 0), ev("v5", "y", 10, 1), ev("v5", "a", 10, 2), ev("v5", "b", 10, 3), ev("v5", "c", 10, 4), ev("v5", "d", 10, 7),
		ev("v6", "a", 10, 0), ev("v6", "b", 10, 1), ev("v6", "y", 10, 2), ev("v6", "b", 10, 3), ev("v6", "c", 10, 4), ev("v6", "d", 10, 5),
		ev("zz", "other", 24*30, 0),
	}
	b := f.load(raw, time.UTC)
	for _, tc := range []struct {
		yTo     int
		users   []int
		medians []float64 // per step after the first, seconds
		p75c    float64   // the third quartile from b to c
	}{
		// b to c: v1, v4, v5 1m, v3 and v6 3m; c to d: v1, v6 1m, v4 2m,
		// v5 3m.
		{1, []int{6, 5, 5, 4}, []float64{60, 60, 90}, 180},
		{0, []int{6, 2, 2, 2}, []float64{60, 60, 120}, 60},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"a", "b", "c", "d"}), Window: "1h", Exclude: []query.Exclusion{{Event: "x", From: 2, To: 3}, {Event: "y", To: tc.yTo}}}
		r := sameFunnel(t, b, q)
		users, medians := stepFigures(r)
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) || *r.Steps[2].P75Seconds != tc.p75c {
			t.Fatalf("y to %d: users per step %v, medians %v, b to c %+v; want %v, %v, %v", tc.yTo+1, users, medians, r.Steps[2], tc.users, tc.medians, tc.p75c)
		}
	}
}

// TestFunnelBetweenMatchesLocal compares ordered funnels whose exclusions
// run between two steps after the first (one or several events, a step's
// own event among them), half of them beside exclusions from step 1 that
// end before the first or at or after the second, with the local engine
// on random timelines: equal
// times (excluded events at the steps' instants too), repeated starts,
// windows in milliseconds landing on event times, --where, --by, ranges,
// zones whose clocks change inside the data (zoneOf), every other
// dataset read in parts (partsEvery).
func TestFunnelBetweenMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(23))
	const hour = int64(3_600_000)
	parts := partsEvery(t)
	for it := 0; it < runs(4, 2); it++ {
		loc, t0, day, _ := zoneOf(t, it)
		parts(it)
		names := []string{"a", "b", "c", "d", "x", "y"}
		b := f.load(halfHourly(rng, t0, names, 16), loc)
		for qi := 0; qi < 10; qi++ {
			var q query.FunnelQuery
			win := []int64{0, 1, 2, 4, 8}[rng.Intn(5)]*hour + int64(rng.Intn(2))
			q.Window = strconv.FormatFloat(float64(win)/1000, 'f', -1, 64) + "s"
			order := rng.Perm(4)
			for k := 0; k < 3+rng.Intn(2); k++ {
				st := query.FunnelStep{Event: names[order[k]]}
				if rng.Intn(4) == 0 {
					st.Where = randomFilter(rng)
				}
				q.Steps = append(q.Steps, st)
			}
			n := len(q.Steps)
			from := 1 + rng.Intn(n-2)
			to := from + 1 + rng.Intn(n-1-from)
			if to == n-1 && rng.Intn(2) == 0 {
				to = 0 // to the last step
			}
			q.Exclude = []query.Exclusion{{Event: "x", From: from, To: to}}
			if rng.Intn(3) == 0 {
				q.Exclude = append(q.Exclude, query.Exclusion{Event: "y", From: from, To: to})
			}
			if rng.Intn(4) == 0 {
				q.Exclude[0].Event = q.Steps[rng.Intn(n)].Event // a step's own event
			}
			if rng.Intn(2) == 0 {
				// From step 1 to a step outside [from, to).
				last := to
				if to == 0 {
					last = n - 1
				}
				var tos []int
				for k := 1; k < n; k++ {
					if k < from || k >= last {
						tos = append(tos, k)
					}
				}
				x := query.Exclusion{Event: []string{"y", "x", q.Steps[rng.Intn(n)].Event}[rng.Intn(3)], To: tos[rng.Intn(len(tos))]}
				if x.To == n-1 && rng.Intn(2) == 0 {
					x.To = 0
				}
				q.Exclude = append(q.Exclude, x)
			}
			randomScope(rng, &q, day)
			if rng.Intn(3) == 0 {
				q.Interval = "hour"
			}
			sameFunnel(t, b, q)
		}
	}
}
