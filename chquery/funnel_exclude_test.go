package chquery

import (
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFunnelExcludeSharedHandChecked: view, view, buy with refund
// excluded. u1's refund comes between its views: its first attempt is
// held at step 1 and its second view starts no chain to a third; u2's
// second view comes after its refund, which holds the first attempt, and
// the second view starts a clean one that converts; u3's refund comes at
// its buy's instant (allowed); u4's after its window. With refund
// excluded only up to the second view, u1 stays at view (the refund
// comes before its second view) and w1, whose refund comes after its
// second view, converts; excluded over the whole funnel, w1 is held.
func TestFunnelExcludeSharedHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	raw := []query.RawEvent{
		ev("u1", "view", 10, 0), ev("u1", "refund", 10, 1), ev("u1", "view", 10, 2), ev("u1", "buy", 10, 3),
		ev("u2", "view", 10, 0), ev("u2", "refund", 10, 1), ev("u2", "view", 10, 2), ev("u2", "view", 10, 3), ev("u2", "buy", 10, 5),
		ev("u3", "view", 10, 0), ev("u3", "view", 10, 1), ev("u3", "refund", 10, 3), ev("u3", "buy", 10, 3),
		ev("u4", "view", 10, 0), ev("u4", "view", 10, 1), ev("u4", "buy", 10, 2), ev("u4", "refund", 12, 0),
		ev("w1", "view", 10, 0), ev("w1", "view", 10, 1), ev("w1", "refund", 10, 2), ev("w1", "buy", 10, 3),
		ev("zz", "other", 24*30, 0),
	}
	b := f.load(raw, time.UTC)
	for _, tc := range []struct {
		to      int
		users   []int
		medians []float64 // per step after the first, seconds
	}{
		// From view to view 1m for everyone converting; to buy u2 2m
		// (from its second view), u3 2m, u4 1m.
		{0, []int{5, 3, 3}, []float64{60, 120}},
		// w1 too, 2m to buy.
		{1, []int{5, 4, 4}, []float64{60, 120}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"view", "view", "buy"}), Window: "1h", Exclude: []query.Exclusion{{Event: "refund", To: tc.to}}}
		r := sameFunnel(t, b, q)
		users, medians := stepFigures(r)
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("refund to step %d: users per step %v, medians %v; want %v, %v", tc.to+1, users, medians, tc.users, tc.medians)
		}
	}
}

// TestFunnelExcludeSharedMatchesLocal compares ordered funnels whose
// steps share names (a name's steps with one filter) and whose
// exclusions run from step 1 to any step (one or two, of different or
// the same steps To, a step's own event among them), or all from one
// later step to the last (laterSQL), with the local
// engine on random timelines: equal times (excluded events at the steps'
// instants too), repeated starts, windows in milliseconds landing on
// event times, --where, --by, ranges, zones whose clocks change inside
// the data (zoneOf), every other dataset read in parts (partsEvery).
func TestFunnelExcludeSharedMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(51))
	const hour = int64(3_600_000)
	parts := partsEvery(t)
	for it := 0; it < runs(4, 2); it++ {
		loc, t0, day, _ := zoneOf(t, it)
		parts(it)
		names := []string{"a", "b", "c", "x", "y"}
		b := f.load(halfHourly(rng, t0, names, 18), loc)
		for qi := 0; qi < 10; qi++ {
			var q query.FunnelQuery
			q.Window = randomWindow(rng, hour, 0, 1, 2, 4, 8)
			step := oneFilterPerName(rng, 4)
			for len(q.Steps) < 2+rng.Intn(3) || distinctNames(q.Steps) {
				q.Steps = append(q.Steps, step(names[rng.Intn(3)]))
			}
			n := len(q.Steps)
			q.Exclude = []query.Exclusion{{Event: "x"}}
			if rng.Intn(2) == 0 {
				q.Exclude[0].To = 1 + rng.Intn(n-1)
			}
			if rng.Intn(2) == 0 {
				q.Exclude = append(q.Exclude, query.Exclusion{Event: []string{"y", "x"}[rng.Intn(2)], To: rng.Intn(n)})
			}
			if it == 0 && n > 2 && rng.Intn(2) == 0 {
				// laterSQL: every exclusion from one later step to the last
				// (on one dataset: its query is long to analyse).
				from := 1 + rng.Intn(n-2)
				for i := range q.Exclude {
					q.Exclude[i].From, q.Exclude[i].To = from, []int{0, n - 1}[rng.Intn(2)]
				}
			}
			if rng.Intn(4) == 0 {
				q.Exclude[0].Event = q.Steps[rng.Intn(n)].Event // a step's own event
			}
			randomScope(rng, &q, day)
			if rng.Intn(3) == 0 {
				q.Interval = "hour"
			}
			sameFunnel(t, b, q)
		}
	}
}

// TestFunnelExcludeSharedHeavy: one person with 200,000 events, many at
// equal times, under exclusions from step 1 over steps sharing a name
// (to the last step, two of them: one to a middle step) and from step 2 to
// the last (laterSQL, over two views with filters no view meets both of:
// disjointNames), is evaluated in time linear in their events,
// equal to local.
func TestFunnelExcludeSharedHeavy(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 events")
	}
	f := newFixture(t)
	rng := rand.New(rand.NewSource(3))
	var raw []query.RawEvent
	for i := 0; i < 200_000; i++ {
		raw = append(raw, query.RawEvent{User: "heavy", Event: []string{"view", "cart", "buy", "other"}[rng.Intn(4)], Time: day0 + int64(i/3)*60_000, Props: map[string]string{"p": []string{"x", "y", "z"}[i%3]}})
	}
	raw = append(raw, query.RawEvent{User: "light", Event: "view", Time: day0})
	b := f.load(raw, time.UTC)
	steps := query.FunnelSteps([]string{"view", "cart", "view", "buy"})
	for _, ex := range [][]query.Exclusion{
		{{Event: "other"}},
		{{Event: "other", To: 1}, {Event: "buy", To: 2}},
	} {
		q := query.FunnelQuery{Steps: steps, Window: "1h", Exclude: ex}
		start := time.Now()
		sameFunnel(t, b, q)
		t.Logf("%+v on the three engines: %v (a shared machine)", ex, time.Since(start))
	}
	// laterSQL, over views of two filters: as costly as over one.
	disjoint := slices.Clone(steps)
	disjoint[0].Where, disjoint[2].Where = []string{"p = x"}, []string{"p = y"}
	q := query.FunnelQuery{Steps: disjoint, Window: "1h", Exclude: []query.Exclusion{{Event: "other", From: 1}}}
	start := time.Now()
	sameFunnel(t, b, q)
	t.Logf("%+v on the three engines: %v (a shared machine)", q.Steps, time.Since(start))
}
