package survival

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"gonum.org/v1/gonum/stat/distuv"
)

// refUser is one user as the slow reference sees them.
type refUser struct {
	group string
	ms    int64
	event bool
}

// refUsers reads the rules literally from the raw events (storage order):
// the start is the earliest start event in [from, to) passing the filter
// (the first stored among equal times); the event the earliest target
// event passing the filter at or after it, other than the start itself.
func refUsers(events []query.RawEvent, start, target string, from, to int64, pass func(query.RawEvent) bool) map[string]refUser {
	maxT := int64(math.MinInt64)
	for _, e := range events {
		maxT = max(maxT, e.Time)
	}
	out := map[string]refUser{}
	users := map[string]bool{}
	for _, e := range events {
		users[e.User] = true
	}
	for u := range users {
		si := -1
		for i, e := range events {
			if e.User == u && e.Event == start && e.Time >= from && e.Time < to && pass(e) && (si < 0 || e.Time < events[si].Time) {
				si = i
			}
		}
		if si < 0 {
			continue
		}
		g, ok := events[si].Props["g"]
		if !ok {
			g = query.NoneValue
		}
		r := refUser{group: g, ms: maxT - events[si].Time}
		for i, e := range events {
			if i != si && e.User == u && e.Event == target && pass(e) && e.Time >= events[si].Time && (!r.event || e.Time-events[si].Time < r.ms) {
				r.ms, r.event = e.Time-events[si].Time, true
			}
		}
		out[u] = r
	}
	return out
}

// refCurve is Kaplan–Meier by definition: at each distinct event time,
// the users with a time at or after it are at risk.
func refCurve(us []refUser) []Point {
	var times []int64
	for _, u := range us {
		if u.event && !slices.Contains(times, u.ms) {
			times = append(times, u.ms)
		}
	}
	slices.Sort(times)
	var out []Point
	s, g := 1.0, 0.0
	for _, t := range times {
		n, d := 0, 0
		for _, u := range us {
			if u.ms >= t {
				n++
			}
			if u.ms == t && u.event {
				d++
			}
		}
		s *= float64(n-d) / float64(n)
		p := Point{TSeconds: float64(t) / 1000, AtRisk: n, Events: d, Survival: s, Lo95: query.Undefined, Hi95: query.Undefined}
		if d < n {
			g += float64(d) / float64(n*(n-d))
			// log(−log S) ± z·√g/|ln S|, back-transformed.
			ll, se := math.Log(-math.Log(s)), math.Sqrt(g)/math.Abs(math.Log(s))
			p.Lo95 = query.Num(math.Exp(-math.Exp(ll + 1.959963984540054*se)))
			p.Hi95 = query.Num(math.Exp(-math.Exp(ll - 1.959963984540054*se)))
		}
		out = append(out, p)
	}
	return out
}

// refLogrank is the test by definition, per event time and pair of
// groups, solved on the first k−1 groups by Gaussian elimination (the
// way survdiff drops one group).
func refLogrank(byGroup map[string][]refUser) (float64, int) {
	var names []string
	for g := range byGroup {
		names = append(names, g)
	}
	sort.Strings(names)
	k := len(names)
	var all []refUser
	for _, g := range names {
		all = append(all, byGroup[g]...)
	}
	var times []int64
	for _, u := range all {
		if u.event && !slices.Contains(times, u.ms) {
			times = append(times, u.ms)
		}
	}
	oe, exp := make([]float64, k), make([]float64, k)
	v := make([][]float64, k)
	for i := range v {
		v[i] = make([]float64, k)
	}
	for _, t := range times {
		n, d := make([]float64, k), make([]float64, k)
		var nt, dt float64
		for gi, g := range names {
			for _, u := range byGroup[g] {
				if u.ms >= t {
					n[gi]++
					nt++
				}
				if u.ms == t && u.event {
					d[gi]++
					dt++
				}
			}
		}
		for gi := range k {
			oe[gi] += d[gi] - n[gi]*dt/nt
			exp[gi] += n[gi] * dt / nt
			for hi := range k {
				if nt > 1 {
					delta := 0.0
					if gi == hi {
						delta = 1
					}
					v[gi][hi] += dt * (nt - dt) / (nt - 1) * n[gi] / nt * (delta - n[hi]/nt)
				}
			}
		}
	}
	// As R's survdiff: only groups with expected events count (a group
	// never at risk at an event time has a zero row in V), on one degree
	// of freedom fewer than there are of them. Solve V x = O−E on all but
	// the last of them.
	var keep []int
	for gi := range k {
		if exp[gi] > 0 {
			keep = append(keep, gi)
		}
	}
	m := len(keep) - 1
	a := make([][]float64, max(m, 0))
	for i := range m {
		for j := range m {
			a[i] = append(a[i], v[keep[i]][keep[j]])
		}
		a[i] = append(a[i], oe[keep[i]])
	}
	for c := range m {
		p := c
		for r := c + 1; r < m; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := range m {
			if r != c {
				f := a[r][c] / a[c][c]
				for j := c; j <= m; j++ {
					a[r][j] -= f * a[c][j]
				}
			}
		}
	}
	chi := 0.0
	for i := range m {
		chi += oe[keep[i]] * a[i][m] / a[i][i]
	}
	return chi, m
}

// TestRandomAgainstReference compares Analyze with the slow reference on
// random small timelines full of ties (times on a 10-minute grid, several
// events per instant), with a range, a filter and a breakdown.
func TestRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 21))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	step := int64(10 * time.Minute / time.Millisecond)
	tests := 0
	for iter := range 300 {
		var events []query.RawEvent
		users := 5 + rng.IntN(60)
		for u := range users {
			for range 1 + rng.IntN(8) {
				name := []string{"a", "b", "c"}[rng.IntN(3)]
				e := ev("u"+strconv.Itoa(u), name, base+int64(rng.IntN(60))*step)
				if rng.IntN(3) > 0 {
					e.Props["g"] = []string{"x", "y", "z"}[rng.IntN(3)]
				}
				if rng.IntN(5) == 0 {
					e.Props["k"] = "drop"
				}
				events = append(events, e)
			}
		}
		rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		start, target := "a", []string{"b", "a"}[iter%2]
		var from, to int64
		// The range is whole days in Common; cut it by hand instead: the
		// reference gets the same instants the dates give.
		c := query.Common{By: "g", Where: []string{"k != drop"}}
		if iter%3 == 0 {
			c.From, c.To = "2026-03-01", "2026-03-01"
			from, to = base, base+24*hour
		} else {
			from, to = math.MinInt64, math.MaxInt64
		}
		if iter%4 == 0 {
			c.By = ""
		}
		d := query.NewDataset(events, time.UTC)
		if _, ok := d.EventID(target); !ok {
			continue
		}
		if _, ok := d.EventID(start); !ok {
			continue
		}
		r := run(t, events, Query{Common: c, Start: start, Event: target})
		ref := refUsers(events, start, target, from, to, func(e query.RawEvent) bool { return e.Props["k"] != "drop" })
		byGroup := map[string][]refUser{}
		for _, u := range ref {
			g := u.group
			if c.By == "" {
				g = AllUsers
			}
			byGroup[g] = append(byGroup[g], u)
		}
		if len(r.Groups) != len(byGroup) {
			t.Fatalf("iter %d: %d groups, reference %d", iter, len(r.Groups), len(byGroup))
		}
		for _, g := range r.Groups {
			us := byGroup[g.Name]
			events, censored := 0, 0
			for _, u := range us {
				if u.event {
					events++
				} else {
					censored++
				}
			}
			if g.Users != len(us) || g.Events != events || g.Censored != censored {
				t.Fatalf("iter %d group %s: users %d events %d censored %d, reference %d %d %d", iter, g.Name, g.Users, g.Events, g.Censored, len(us), events, censored)
			}
			want := refCurve(us)
			if len(want) != len(g.Curve) {
				t.Fatalf("iter %d group %s: %d points, reference %d", iter, g.Name, len(g.Curve), len(want))
			}
			for i, p := range g.Curve {
				w := want[i]
				if p.TSeconds != w.TSeconds || p.AtRisk != w.AtRisk || p.Events != w.Events || !near(p.Survival, w.Survival) ||
					!sameNum(p.Lo95, w.Lo95) || !sameNum(p.Hi95, w.Hi95) {
					t.Fatalf("iter %d group %s point %d: %+v, reference %+v", iter, g.Name, i, p, w)
				}
			}
		}
		if c.By == "" || len(byGroup) < 2 {
			continue
		}
		chi, df := refLogrank(byGroup)
		if df < 1 { // one group with expected events: nothing to test
			if r.LogrankChi2.Valid() || r.LogrankDF != 0 {
				t.Fatalf("iter %d: chi2 %v on %d df, want none: one group has expected events", iter, r.LogrankChi2, r.LogrankDF)
			}
			continue
		}
		if math.IsNaN(chi) || math.IsInf(chi, 0) {
			continue // a singular reduced matrix: the reference cannot say
		}
		if r.LogrankDF != df || math.Abs(float64(r.LogrankChi2)-chi) > 1e-7*max(1, chi) {
			t.Fatalf("iter %d: chi2 %v on %d df, reference %v on %d", iter, r.LogrankChi2, r.LogrankDF, chi, df)
		}
		if p := (distuv.ChiSquared{K: float64(df)}).Survival(chi); math.Abs(float64(r.LogrankP)-p) > 1e-9 {
			t.Fatalf("iter %d: p %v, reference %v", iter, r.LogrankP, p)
		}
		tests++
	}
	if tests < 100 {
		t.Errorf("only %d log-rank comparisons ran", tests)
	}
}

func sameNum(a, b query.Num) bool {
	if !b.Valid() {
		return !a.Valid()
	}
	return a.Valid() && math.Abs(float64(a)-float64(b)) <= 1e-9
}
