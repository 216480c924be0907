package chquery

import (
	"context"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFunnelStrictOnceHandChecked: windowFunnel's strict_once where it
// parts from the default. u1 does a, b at 10:00 and a, b, c at 10:05; u3
// a 10:00, b 10:01, a 10:04, b 10:05, c 10:05. The default extends the
// latest chain (u1 a b c at 10:05; u3 a 10:04, b 10:05, c); strict_once
// ends at c from the first chain allowing it, the one from an earlier
// instant (u1 a b at 10:00; u3 a 10:00, b 10:01). With strict_increase
// as well, u1's b at 10:00 cannot follow its a of the same instant, and
// its chain from 10:05 has no step 2 before that instant; u3's does.
func TestFunnelStrictOnceHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	b := f.load([]query.RawEvent{
		ev("u1", "a", 10, 0), ev("u1", "b", 10, 0), ev("u1", "a", 10, 5), ev("u1", "b", 10, 5), ev("u1", "c", 10, 5),
		ev("u3", "a", 10, 0), ev("u3", "b", 10, 1), ev("u3", "a", 10, 4), ev("u3", "b", 10, 5), ev("u3", "c", 10, 5),
		ev("zz", "other", 24*30, 0),
	}, time.UTC)
	for _, tc := range []struct {
		options []string
		users   []int
		medians []float64 // seconds, to steps 2 and 3
	}{
		{nil, []int{2, 2, 2}, []float64{30, 0}},
		{[]string{query.CHStrictOnce}, []int{2, 2, 2}, []float64{30, 270}},
		{[]string{query.CHStrictOnce, query.CHStrictIncrease}, []int{2, 2, 1}, []float64{180, 240}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"a", "b", "c"}), Window: "1h", Semantics: query.SemClickHouse, Options: tc.options}
		r := sameFunnel(t, b, q)
		users, medians := stepFigures(r)
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("%v: users per step %v, medians %v; want %v, %v", tc.options, users, medians, tc.users, tc.medians)
		}
	}
}

// TestFunnelStrictOnceMatchesLocal compares windowFunnel's strict_once,
// alone and with every other option, over steps of different names or
// (half the funnels) drawn from three names with one filter per name,
// with the local engine on random timelines crowded at
// few instants (several rows of a step at one instant, stored out of
// order), windows in milliseconds, --where, --by, ranges, zones with a
// clock change, and every other dataset read in parts (partsEvery).
func TestFunnelStrictOnceMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(57))
	const hour = int64(3_600_000)
	parts := partsEvery(t)
	for it := 0; it < runs(4, 2); it++ {
		loc, t0, day, _ := zoneOf(t, it)
		parts(it)
		names := []string{"a", "b", "c", "d", "z"}
		b := f.load(randomEvents(rng, 30, 14, names, slotted(rng, t0, 6, hour), withP(rng, 2, "x", "y", "10")), loc)
		for qi := 0; qi < 10; qi++ {
			q := query.FunnelQuery{Semantics: query.SemClickHouse, Options: []string{query.CHStrictOnce}}
			for _, o := range []string{query.CHStrictIncrease, query.CHStrictDedup, query.CHStrictOrder} {
				if rng.Intn(2) == 0 {
					q.Options = append(q.Options, o)
				}
			}
			if slices.Contains(q.Options, query.CHStrictOrder) && rng.Intn(2) == 0 {
				q.Options = append(q.Options, query.CHAllowReentry)
			}
			q.Window = randomWindow(rng, hour, 0, 1, 2, 5)
			order := rng.Perm(4)
			shared := rng.Intn(2) == 0 // steps may share a name, with one filter per name
			step := oneFilterPerName(rng, 3)
			for k := 0; k < 1+rng.Intn(4); k++ {
				name := names[order[k]]
				if shared {
					name = names[rng.Intn(3)]
				}
				q.Steps = append(q.Steps, step(name))
			}
			randomScope(rng, &q, day)
			sameFunnel(t, b, q)
		}
	}
}

// TestFunnelStrictOnceSharedHandChecked: strict_once over view, view, buy.
// u1 views twice at 10:00 (stored p=x, then p=y) and buys at 10:05: its
// chains of two views at 10:00 are (v2, v1) and (v1, v2), made in that
// order; at 10:05 the last made (start v1, x) carries on: 0 s and 300 s.
// u2's one view cannot fill two steps: it stays at view. u3 views at
// 10:00 and 10:02 and buys at 10:03: 120 s, 60 s. u4 views three times
// at 10:00 (x, y, z), buys at 10:10: the last chain made, (v2, v3),
// starts at y: 0 s, 600 s. u5 views twice (x, y) and buys at 10:00: the
// search ends at the first chain made there, (v2, v1, buy), so y: 0 s,
// 0 s. u6 views at 10:00 and 10:01, buys at 10:20: 60 s, 1140 s. So 6, 5,
// 5 users, medians 0 s and 300 s; converting by p: x 1 (u1), y 2 (u4,
// u5), w 2 (u3, u6). Under the default rules one view fills both view
// steps: everyone converts, the latest start carrying on (to buy: u1
// 300 s, u2 60, u3 60, u4 600, u5 0, u6 1140, median 180).
// Then a person with 60 views at one instant over four view steps has
// 60 + 60*59 + 60*59*58 chains there, more than ClickHouse's lists are
// let to hold: both engines fail (with strict_order too; not with
// strict_deduplication, which stops at the second view of step 2); over
// three steps, 60 + 60*59, it converts.
func TestFunnelStrictOnceSharedHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := func(u, e string, m int, p string) query.RawEvent { return propEventAt(u, e, 10, m, p) }
	b := f.load([]query.RawEvent{
		ev("u1", "view", 0, "x"), ev("u1", "view", 0, "y"), ev("u1", "buy", 5, ""),
		ev("u2", "view", 0, "x"), ev("u2", "buy", 1, ""),
		ev("u3", "view", 0, "w"), ev("u3", "view", 2, "w"), ev("u3", "buy", 3, ""),
		ev("u4", "view", 0, "x"), ev("u4", "view", 0, "y"), ev("u4", "view", 0, "z"), ev("u4", "buy", 10, ""),
		ev("u5", "view", 0, "x"), ev("u5", "view", 0, "y"), ev("u5", "buy", 0, ""),
		ev("u6", "view", 0, "w"), ev("u6", "view", 1, "w"), ev("u6", "buy", 20, ""),
		ev("zz", "other", 24*60, ""),
	}, time.UTC)
	steps := query.FunnelSteps([]string{"view", "view", "buy"})
	for _, tc := range []struct {
		options []string
		users   []int
		medians []float64 // seconds, to steps 2 and 3
		by      map[string]int
	}{
		{nil, []int{6, 6, 6}, []float64{0, 180}, nil},
		{[]string{query.CHStrictOnce}, []int{6, 5, 5}, []float64{0, 300}, map[string]int{"x": 1, "y": 2, "w": 2}},
	} {
		q := query.FunnelQuery{Steps: steps, Window: "1h", Semantics: query.SemClickHouse, Options: tc.options}
		if tc.by != nil {
			q.By = "p"
		}
		r := sameFunnel(t, b, q)
		users, medians := stepFigures(r)
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("%v: users per step %v, medians %v; want %v, %v", tc.options, users, medians, tc.users, tc.medians)
		}
		for _, bd := range r.Breakdown {
			if bd.Steps[2].Users != tc.by[bd.Value] {
				t.Fatalf("%v: %q converts %d, want %d", tc.options, bd.Value, bd.Steps[2].Users, tc.by[bd.Value])
			}
		}
	}
	var crowd []query.RawEvent
	for i := 0; i < 60; i++ {
		crowd = append(crowd, eventAt("crowd", "view", 10, 0))
	}
	b = f.load(crowd, time.UTC)
	q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"view", "view", "view", "view"}), Semantics: query.SemClickHouse, Options: []string{query.CHStrictOnce}}
	if _, err := b.local.Funnel(context.Background(), q); err == nil {
		t.Fatal("local: no error for 60 views at one instant over four view steps")
	}
	sameFunnel(t, b, q)
	// strict_order stops nothing here; strict_deduplication stops at the
	// second view of step 2, after 60 + 59 chains.
	for _, o := range []string{query.CHStrictOrder, query.CHStrictDedup} {
		q.Options = []string{query.CHStrictOnce, o}
		if _, err := b.local.Funnel(context.Background(), q); (err == nil) != (o == query.CHStrictDedup) {
			t.Fatalf("local, %s: error %v", o, err)
		}
		sameFunnel(t, b, q)
	}
	q.Options = []string{query.CHStrictOnce}
	q.Steps = q.Steps[:3] // 60 + 60*59 chains: within the bound
	if r := sameFunnel(t, b, q); r.Steps[2].Users != 1 {
		t.Fatalf("60 views at one instant, three view steps: %d at step 3, want 1", r.Steps[2].Users)
	}
}

// TestFunnelStrictOnceSharedStops: strict_once over view, view, buy with
// the options that end the search. u1 views at 10:00 and 10:01 and buys
// at 10:02; u2 views at 10:00, 10:01, 10:02 and buys at 10:03; u3 views
// twice at 10:00 (p=x, then p=y) and buys at 10:01; u4 views at 10:00,
// does z at 10:01, views at 10:02, buys at 10:03; u5 buys at 10:00, then
// views at 10:01 and 10:02 and buys at 10:03; u6 views at 10:00, buys at
// 10:01, views at 10:02, buys at 10:03. strict_deduplication stops u2 at
// its third view (step 2 had a chain) and u3 at its second view of 10:00
// (its first made the chain (y, x)): both at view 2, u3 counted from y
// (u2 has no p).
// strict_order stops u4 at z and u6 at its first buy (no chain at step
// 2) at step 1; with allow_reentry that buy is passed over and u6
// converts.
func TestFunnelStrictOnceSharedStops(t *testing.T) {
	f := newFixture(t)
	ev := func(u, e string, m int, p string) query.RawEvent { return propEventAt(u, e, 10, m, p) }
	b := f.load([]query.RawEvent{
		ev("u1", "view", 0, ""), ev("u1", "view", 1, ""), ev("u1", "buy", 2, ""),
		ev("u2", "view", 0, ""), ev("u2", "view", 1, ""), ev("u2", "view", 2, ""), ev("u2", "buy", 3, ""),
		ev("u3", "view", 0, "x"), ev("u3", "view", 0, "y"), ev("u3", "buy", 1, ""),
		ev("u4", "view", 0, ""), ev("u4", "z", 1, ""), ev("u4", "view", 2, ""), ev("u4", "buy", 3, ""),
		ev("u5", "buy", 0, ""), ev("u5", "view", 1, ""), ev("u5", "view", 2, ""), ev("u5", "buy", 3, ""),
		ev("u6", "view", 0, ""), ev("u6", "buy", 1, ""), ev("u6", "view", 2, ""), ev("u6", "buy", 3, ""),
		ev("zz", "other", 24*60, ""),
	}, time.UTC)
	for _, tc := range []struct {
		options []string
		users   []int
	}{
		{[]string{query.CHStrictDedup}, []int{6, 6, 4}},
		{[]string{query.CHStrictOrder}, []int{6, 4, 4}},
		{[]string{query.CHStrictOrder, query.CHAllowReentry}, []int{6, 5, 5}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"view", "view", "buy"}), Window: "1h", Semantics: query.SemClickHouse, Options: append([]string{query.CHStrictOnce}, tc.options...), Common: query.Common{By: "p"}}
		r := sameFunnel(t, b, q)
		var users []int
		for _, s := range r.Steps {
			users = append(users, s.Users)
		}
		if !slices.Equal(users, tc.users) {
			t.Fatalf("%v: users per step %v, want %v", tc.options, users, tc.users)
		}
		if tc.options[0] == query.CHStrictDedup {
			for _, bd := range r.Breakdown {
				if want := map[string]int{"y": 1, "(none)": 1}[bd.Value]; bd.Steps[1].Users-bd.Steps[2].Users != want {
					t.Fatalf("%v: %q stops at view 2: %d, want %d", tc.options, bd.Value, bd.Steps[1].Users-bd.Steps[2].Users, want)
				}
			}
		}
	}
}
