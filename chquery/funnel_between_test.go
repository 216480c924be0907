package chquery

import (
	"maps"
	"math/rand"
	"slices"
	"strconv"
	"strings"
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

// TestFunnelBetweenInsideHandChecked: a b c d e within an hour, x
// excluded between b and d, and y from step 1 to c (then to b): an
// exclusion from step 1 ending between the other's steps. Levels by hand
// (1-based; minutes after 10:00), y to c:
//
//	p1  a0 b1 c2 d3 e4                 5
//	p2  a0 b1 y2 c3 d4 e5              1: c after the y; below c, y holds at a
//	p3  a0 b1 c2 y3 d4 e5              5
//	p4  a0 b1 c2 x3 b4 y5 c6 d7        2: d only through b4 (b1 has the x
//	                                      before d), whose c6 follows the y; c
//	                                      by b1 c2 is held at b by the x, and the
//	                                      chain from b4 that would escape it
//	                                      passes c after the y
//	p5  a0 b1 x2 b3 c4 y5 d6 e7        5 through b3 (3, 1, 2, 1 min)
//	p7  a0 b1 c2 d3 x4 y5 b6 c7 d8 e9  5 through d3 (1, 1, 1, 6 min): d8's chain
//	                                      may not take c7 (after the y), and
//	                                      through c2 it has the x after b1
//	p8  a0 b1 c2 d3 y4                 4: d passes c before the y
//	p9  a0 b1 c2 y3                    3
//	p10 a0 b1 c2 y3 x4                 2: c held at b by the x
//	p11 a0 b1 x2 y3 b4 c5              1: c after the y
//
// y to b: p2 5 (its y follows b), p4 4 (b4 c6 d7: 4, 2, 1 min), p11 2 (c
// by b1 c5 is held at b by the x, and from b4, after the x, b follows the
// y), the rest as above. x between b and e, y to d: every y but p8's
// comes before a d of the chain, so those persons count at a (held at
// step 1 below d); p7 is held at b: d by b1 c2 d3 has the x after b1, and
// the c by b6 c7 that escapes it is below d, held at a by the y.
func TestFunnelBetweenInsideHandChecked(t *testing.T) {
	f := newFixture(t)
	var raw []query.RawEvent
	for _, p := range []struct {
		user   string
		events string // name and minute after 10:00
	}{
		{"p1", "a0 b1 c2 d3 e4"}, {"p2", "a0 b1 y2 c3 d4 e5"}, {"p3", "a0 b1 c2 y3 d4 e5"},
		{"p4", "a0 b1 c2 x3 b4 y5 c6 d7"}, {"p5", "a0 b1 x2 b3 c4 y5 d6 e7"},
		{"p7", "a0 b1 c2 d3 x4 y5 b6 c7 d8 e9"}, {"p8", "a0 b1 c2 d3 y4"}, {"p9", "a0 b1 c2 y3"},
		{"p10", "a0 b1 c2 y3 x4"}, {"p11", "a0 b1 x2 y3 b4 c5"},
	} {
		for _, e := range strings.Fields(p.events) {
			m, err := strconv.Atoi(e[1:])
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, eventAt(p.user, e[:1], 10, m))
		}
	}
	b := f.load(append(raw, eventAt("zz", "other", 24*30, 0)), time.UTC)
	for _, tc := range []struct {
		xTo, yTo int
		levels   map[string]int
		medians  []float64 // per step after the first, seconds
	}{
		// d: p1 1, p3 2, p5 2, p7 1, p8 1 min (p7 6 min through d8).
		{3, 2, map[string]int{"p1": 5, "p2": 1, "p3": 5, "p4": 2, "p5": 5, "p7": 5, "p8": 4, "p9": 3, "p10": 2, "p11": 1}, []float64{60, 60, 60, 60}},
		// b: eight at 1 min, p5 3, p4 4.
		{3, 1, map[string]int{"p1": 5, "p2": 5, "p3": 5, "p4": 4, "p5": 5, "p7": 5, "p8": 4, "p9": 3, "p10": 2, "p11": 2}, []float64{60, 60, 60, 60}},
		{4, 3, map[string]int{"p1": 5, "p2": 1, "p3": 1, "p4": 1, "p5": 1, "p7": 2, "p8": 4, "p9": 1, "p10": 1, "p11": 1}, []float64{60, 60, 60, 60}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps(strings.Fields("a b c d e")), Window: "1h",
			Exclude: []query.Exclusion{{Event: "x", From: 1, To: tc.xTo}, {Event: "y", To: tc.yTo}}}
		r := sameFunnel(t, b, q)
		levels := map[string]int{}
		for k := range q.Steps {
			for _, u := range r.UsersAt(k) {
				levels[u] = k + 1
			}
		}
		_, medians := stepFigures(r)
		if !maps.Equal(levels, tc.levels) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("x to %d, y to %d: levels %v, medians %v; want %v, %v", tc.xTo+1, tc.yTo+1, levels, medians, tc.levels, tc.medians)
		}
	}
}

// TestFunnelBetweenMatchesLocal compares ordered funnels whose exclusions
// run between two steps after the first (one or several events, a step's
// own event among them), half of them beside exclusions from step 1 that
// end anywhere (between the two too; a quarter beside two), with the local engine
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
			q.Window = randomWindow(rng, hour, 0, 1, 2, 4, 8)
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
			for i := 0; i < 2 && rng.Intn(2) == 0; i++ {
				// From step 1 to any step: before from, in [from, to)
				// or after (and, one time in four, a second one).
				x := query.Exclusion{Event: []string{"y", "x", q.Steps[rng.Intn(n)].Event}[rng.Intn(3)], To: 1 + rng.Intn(n-1)}
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
