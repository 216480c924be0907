package survival

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

const hour = int64(time.Hour / time.Millisecond)

// last is the data's last event in the hand-made timelines: users who
// never do the target are censored here.
var last = time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC).UnixMilli()

func ev(user, name string, at int64, props ...string) query.RawEvent {
	e := query.RawEvent{User: user, Event: name, Time: at, Props: map[string]string{}}
	for i := 0; i+1 < len(props); i += 2 {
		e.Props[props[i]] = props[i+1]
	}
	return e
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

func nearNum(a query.Num, b float64) bool {
	if math.IsNaN(b) {
		return !a.Valid()
	}
	return a.Valid() && near(float64(a), b)
}

func run(t *testing.T, events []query.RawEvent, q Query) *Result {
	t.Helper()
	r, err := Analyze(context.Background(), query.NewDataset(events, time.UTC), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKaplanMeierHandChecked: eight users, times from signup to purchase
// (e = purchase, c = censored at the data's last event, zz's ping):
//
//	A 1h e · B 2h e · C 2h e · D 2h c · E 3h c · F 4h e · H 5h e · G 10h c
//
// D is censored at 2h, the time B and C buy: events come first, so D is
// still at risk at 2h. Censorings (3h, 10h) make no curve point.
//
//	t   n  d  S                    Greenwood g = Σ d/(n(n−d))
//	1h  8  1  7/8        = 0.875   1/56              = 0.017857
//	2h  7  2  0.875·5/7  = 0.625   + 2/35            = 0.075
//	4h  3  1  0.625·2/3  = 0.41667 + 1/6             = 0.241667
//	5h  2  1  0.41667/2  = 0.20833 + 1/2             = 0.741667
//
// Log-log band, s = √g / |ln S|, bounds S^exp(±1.96·s):
// 1h: s = 0.133631/0.133531 = 1.000749, exp(1.96·s) = 7.1085, so
// lo = 0.875^7.1085 = 0.387000 and hi = 0.875^(1/7.1085) = 0.981393;
// 2h: s = 0.273861/0.470004 = 0.582677: lo 0.229333, hi 0.860698;
// 4h: s = 0.491596/0.875469 = 0.561523: lo 0.071967, hi 0.747326;
// 5h: s = 0.861201/1.568616 = 0.549019: lo 0.010043, hi 0.585787.
// Median: S first ≤ 0.5 at 4h. Its interval: the lower band first ≤ 0.5
// at 1h; the upper band never (0.586 at the end): not reached.
func TestKaplanMeierHandChecked(t *testing.T) {
	var events []query.RawEvent
	buy := func(u string, startAgo, after int64) {
		events = append(events, ev(u, "signup", last-startAgo*hour), ev(u, "purchase", last-startAgo*hour+after*hour))
	}
	censor := func(u string, startAgo int64) { events = append(events, ev(u, "signup", last-startAgo*hour)) }
	buy("A", 100, 1)
	buy("B", 100, 2)
	buy("C", 50, 2)
	censor("D", 2)
	censor("E", 3)
	events = append(events, ev("E", "view", last-hour)) // not the target: still censored
	buy("F", 100, 4)
	buy("H", 100, 5)
	censor("G", 10)
	events = append(events, ev("zz", "ping", last))
	r := run(t, events, Query{Start: "signup", Event: "purchase"})
	if len(r.Groups) != 1 || r.Groups[0].Name != AllUsers || r.LogrankP.Valid() {
		t.Fatalf("groups %+v, logrank %v: want one group %q and no test", r.Groups, r.LogrankP, AllUsers)
	}
	g := r.Groups[0]
	if g.Users != 8 || g.Events != 5 || g.Censored != 3 {
		t.Errorf("users %d events %d censored %d, want 8, 5, 3", g.Users, g.Events, g.Censored)
	}
	want := []struct {
		h         float64
		n, d      int
		s, lo, hi float64
	}{
		{1, 8, 1, 0.875, 0.387000014032, 0.981392965879},
		{2, 7, 2, 0.625, 0.229333322429, 0.860698276914},
		{4, 3, 1, 5.0 / 12, 0.071967497501, 0.747326185499},
		{5, 2, 1, 5.0 / 24, 0.010042786627, 0.585787170361},
	}
	if len(g.Curve) != len(want) {
		t.Fatalf("curve %+v, want %d points", g.Curve, len(want))
	}
	for i, w := range want {
		p := g.Curve[i]
		if p.TSeconds != w.h*3600 || p.AtRisk != w.n || p.Events != w.d || !near(p.Survival, w.s) ||
			math.Abs(float64(p.Lo95)-w.lo) > 1e-9 || math.Abs(float64(p.Hi95)-w.hi) > 1e-9 {
			t.Errorf("point %d = %+v, want t %vh n %d d %d S %v band %v..%v", i, p, w.h, w.n, w.d, w.s, w.lo, w.hi)
		}
	}
	if !nearNum(g.MedianSeconds, 4*3600) || !nearNum(g.MedianLo95, 3600) || g.MedianHi95.Valid() {
		t.Errorf("median %v (%v..%v), want 4h (1h..not reached)", g.MedianSeconds, g.MedianLo95, g.MedianHi95)
	}
}

// TestCurveEndsAtZero: when the last user at risk has the event, S is 0
// and the band is undefined; the median interval reads the bound as 0.
//
//	A 1h e · B 2h e: S(1h) = 1/2, S(2h) = 0.
func TestCurveEndsAtZero(t *testing.T) {
	r := run(t, []query.RawEvent{
		ev("A", "signup", last-10*hour), ev("A", "purchase", last-9*hour),
		ev("B", "signup", last-10*hour), ev("B", "purchase", last-8*hour),
	}, Query{Start: "signup", Event: "purchase"})
	c := r.Groups[0].Curve
	if len(c) != 2 || c[0].Survival != 0.5 || c[1].Survival != 0 || c[1].Lo95.Valid() || c[1].Hi95.Valid() {
		t.Fatalf("curve %+v, want S 0.5 then 0 with no band", c)
	}
	// 1h: g = 1/2, s = 0.7071/0.6931 = 1.0201, lo = 0.5^exp(1.9994) = 0.0250.
	g := r.Groups[0]
	if !nearNum(g.MedianSeconds, 3600) || !nearNum(g.MedianLo95, 3600) || !nearNum(g.MedianHi95, 7200) {
		t.Errorf("median %v (%v..%v), want 1h (1h..2h)", g.MedianSeconds, g.MedianLo95, g.MedianHi95)
	}
}

// TestClockRules: who starts when and what counts as the event.
func TestClockRules(t *testing.T) {
	day := 24 * hour
	events := []query.RawEvent{
		// The first signup in the range starts the clock: the one on
		// 01-02 is before the range (01-05 on).
		ev("range", "signup", last-8*day), ev("range", "signup", last-3*day), ev("range", "purchase", last-2*day),
		// A purchase at the start's very instant counts (t = 0), even
		// stored before the signup.
		ev("same", "purchase", last-5*hour), ev("same", "signup", last-5*hour),
		// A purchase before the start does not count: censored.
		ev("before", "purchase", last-6*hour), ev("before", "signup", last-5*hour),
		// A purchase filtered out by --where does not exist.
		ev("where", "signup", last-5*hour), ev("where", "purchase", last-4*hour, "channel", "refund"),
		ev("where", "purchase", last-2*hour),
		ev("zz", "ping", last),
	}
	r := run(t, events, Query{Common: query.Common{From: "2026-01-05", Where: []string{"channel != refund"}}, Start: "signup", Event: "purchase"})
	// range 1d e, same 0 e, before 5h c, where 3h e.
	g := r.Groups[0]
	if g.Users != 4 || g.Events != 3 || g.Censored != 1 {
		t.Fatalf("users %d events %d censored %d, want 4, 3, 1", g.Users, g.Events, g.Censored)
	}
	var times []float64
	for _, p := range g.Curve {
		times = append(times, p.TSeconds)
	}
	if len(times) != 3 || times[0] != 0 || times[1] != 3*3600 || times[2] != 86400 {
		t.Errorf("event times %v s, want 0, 3h, 1d", times)
	}

	// Start and target the same event: the start itself never counts,
	// another at the same instant does.
	events = []query.RawEvent{
		ev("once", "purchase", last-5*hour),
		ev("twice", "purchase", last-5*hour), ev("twice", "purchase", last-2*hour),
		ev("tie", "purchase", last-5*hour), ev("tie", "purchase", last-5*hour), ev("tie", "purchase", last-hour),
		ev("zz", "ping", last),
	}
	g = run(t, events, Query{Start: "purchase", Event: "purchase"}).Groups[0]
	// once 5h c, twice 3h e, tie 0 e.
	if g.Users != 3 || g.Events != 2 || len(g.Curve) != 2 || g.Curve[0].TSeconds != 0 || g.Curve[1].TSeconds != 3*3600 {
		t.Errorf("repeat purchase: %+v, want twice at 3h and tie at 0, once censored", g)
	}
}

// TestLogrankAML is R's survdiff example (Surv(time, status) ~ x on the
// aml data of the survival package: acute myelogenous leukemia,
// maintained chemotherapy or not; weeks, + censored):
//
//	Maintained     9 13 13+ 18 23 28+ 31 34 45+ 48 161+
//	Nonmaintained  5 5 8 8 12 16+ 23 27 30 33 43 45
//
// R prints Observed 7 and 11, Expected 10.69 and 7.31, Chisq = 3.4 on 1
// degree of freedom, p = 0.0653 (3.396 exactly, p = 0.06534).
func TestLogrankAML(t *testing.T) {
	week := 7 * 24 * hour
	var events []query.RawEvent
	add := func(x string, weeks []int64, censored map[int]bool) {
		for i, w := range weeks {
			u := x + string(rune('a'+i))
			// A censored patient's clock runs to the data's last event.
			events = append(events, ev(u, "signup", last-w*week, "x", x))
			if !censored[i] {
				events = append(events, ev(u, "relapse", last))
			}
		}
	}
	add("Maintained", []int64{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161}, map[int]bool{2: true, 5: true, 8: true, 10: true})
	add("Nonmaintained", []int64{5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45}, map[int]bool{5: true})
	r := run(t, events, Query{Common: query.Common{By: "x"}, Start: "signup", Event: "relapse"})
	if len(r.Groups) != 2 || r.Groups[0].Name != "Nonmaintained" || r.Groups[1].Name != "Maintained" {
		t.Fatalf("groups %+v, want Nonmaintained (12 users) then Maintained (11)", r.Groups)
	}
	if r.Groups[1].Events != 7 || r.Groups[0].Events != 11 {
		t.Errorf("events %d and %d, want 7 and 11", r.Groups[1].Events, r.Groups[0].Events)
	}
	if math.Abs(float64(r.LogrankChi2)-3.3964) > 5e-5 || r.LogrankDF != 1 || math.Abs(float64(r.LogrankP)-0.06534) > 5e-6 {
		t.Errorf("log-rank chi2 %v on %d df, p %v; want 3.3964 on 1, p 0.06534", r.LogrankChi2, r.LogrankDF, r.LogrankP)
	}
	// The Maintained curve is the textbook one: S = 0.909, 0.818, 0.716,
	// 0.614, 0.491, 0.368, 0.184 at 9, 13, 18, 23, 31, 34, 48 weeks;
	// median 31 weeks.
	m := r.Groups[1]
	wantS := []float64{10.0 / 11, 10.0 / 11 * 9 / 10, 0.8181818 * 7 / 8, 0.7159091 * 6 / 7, 0.6136364 * 4 / 5, 0.4909091 * 3 / 4, 0.3681818 / 2}
	for i, p := range m.Curve {
		if math.Abs(p.Survival-wantS[i]) > 1e-6 {
			t.Errorf("Maintained S[%d] = %v, want %v", i, p.Survival, wantS[i])
		}
	}
	if !nearNum(m.MedianSeconds, float64(31*week/1000)) {
		t.Errorf("Maintained median %v s, want 31 weeks", m.MedianSeconds)
	}
}

// TestEmpty: nobody started in the range: no groups, no test.
func TestEmpty(t *testing.T) {
	r := run(t, []query.RawEvent{ev("a", "purchase", last), ev("a", "signup", last)},
		Query{Common: query.Common{From: "2030-01-01", By: "x"}, Start: "signup", Event: "purchase"})
	if len(r.Groups) != 0 || r.LogrankP.Valid() {
		t.Errorf("result %+v, want no groups", r)
	}
}
