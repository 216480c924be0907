package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func fnExplainJSON(t *testing.T, d *Dataset, q FunnelQuery, user string) string {
	t.Helper()
	x, err := d.FunnelExplanation(context.Background(), q, user)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(x, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFunnelExplainJSON checks the whole JSON of hand-worked timelines, in
// a zone with an offset so that instants show it.
func TestFunnelExplainJSON(t *testing.T) {
	sh := fnLoc(t, "Asia/Shanghai")
	d := textTimeline(t, sh, `
u1 view   2026-01-01 10:00
u1 search 2026-01-01 10:01
u1 cart   2026-01-01 10:05
u1 view   2026-01-03 09:00
u1 buy    2026-01-09 10:00
u2 buy    2026-01-01 10:00
u2 view   2026-01-01 10:30
u3 search 2026-01-01 10:00
`+closeWindows)
	q := FunnelQuery{Steps: steps("view", "cart", "buy")}

	// u1: the attempt at 01-01 10:00 reaches cart, the one at 01-03 only
	// view, so the first counts; buy comes a day after its window.
	want := `{
 "user": "u1",
 "mode": "ordered",
 "window_seconds": 604800,
 "timezone": "Asia/Shanghai",
 "status": "dropped",
 "steps_reached": 2,
 "reason": "the next buy, at 2026-01-09 10:00:00.000, came after the window closed at 2026-01-08 10:00:00.000",
 "verdict": "dropped: reached step 2 of 3 (cart); the next buy, at 2026-01-09 10:00:00.000, came after the window closed at 2026-01-08 10:00:00.000",
 "window_start": "2026-01-01T10:00:00.000+08:00",
 "window_end": "2026-01-08T10:00:00.000+08:00",
 "steps": [
  {
   "step": 1,
   "event": "view",
   "reached": true,
   "time": "2026-01-01T10:00:00.000+08:00",
   "seconds_from_start": 0,
   "seconds_from_previous": null
  },
  {
   "step": 2,
   "event": "cart",
   "reached": true,
   "time": "2026-01-01T10:05:00.000+08:00",
   "seconds_from_start": 300,
   "seconds_from_previous": 300
  },
  {
   "step": 3,
   "event": "buy",
   "reached": false,
   "time": null,
   "seconds_from_start": null,
   "seconds_from_previous": null
  }
 ],
 "events": 5,
 "earlier_events": 0,
 "later_events": 0,
 "timeline": [
  {
   "time": "2026-01-01T10:00:00.000+08:00",
   "event": "view",
   "step": 1,
   "note": "step 1 (counted attempt)",
   "in_window": true
  },
  {
   "time": "2026-01-01T10:01:00.000+08:00",
   "event": "search",
   "in_window": true
  },
  {
   "time": "2026-01-01T10:05:00.000+08:00",
   "event": "cart",
   "step": 2,
   "note": "step 2 (+5m)",
   "in_window": true
  },
  {
   "time": "2026-01-03T09:00:00.000+08:00",
   "event": "view",
   "note": "another step-1 attempt, reaching step 1",
   "in_window": true
  },
  {
   "time": "2026-01-09T10:00:00.000+08:00",
   "event": "buy"
  }
 ]
}`
	if got := fnExplainJSON(t, d, q, "u1"); got != want {
		t.Errorf("u1 ordered:\n%s\nwant\n%s", got, want)
	}

	// u2 in any order: buy then view, 30 minutes apart. The chain notes
	// count distinct steps in time order; "step" names which step each
	// event filled.
	want = `{
 "user": "u2",
 "mode": "any",
 "window_seconds": 3600,
 "timezone": "Asia/Shanghai",
 "status": "dropped",
 "steps_reached": 2,
 "reason": "missing cart before the window closed at 2026-01-01 11:00:00.000",
 "verdict": "dropped: did 2 of 3 steps within one window; missing cart before the window closed at 2026-01-01 11:00:00.000",
 "window_start": "2026-01-01T10:00:00.000+08:00",
 "window_end": "2026-01-01T11:00:00.000+08:00",
 "steps": [
  {
   "step": 1,
   "event": "view",
   "reached": true,
   "time": "2026-01-01T10:30:00.000+08:00",
   "seconds_from_start": 1800,
   "seconds_from_previous": null
  },
  {
   "step": 2,
   "event": "cart",
   "reached": false,
   "time": null,
   "seconds_from_start": null,
   "seconds_from_previous": null
  },
  {
   "step": 3,
   "event": "buy",
   "reached": true,
   "time": "2026-01-01T10:00:00.000+08:00",
   "seconds_from_start": 0,
   "seconds_from_previous": null
  }
 ],
 "events": 2,
 "earlier_events": 0,
 "later_events": 0,
 "timeline": [
  {
   "time": "2026-01-01T10:00:00.000+08:00",
   "event": "buy",
   "step": 3,
   "note": "1 of 3 steps (counted attempt)",
   "in_window": true
  },
  {
   "time": "2026-01-01T10:30:00.000+08:00",
   "event": "view",
   "step": 1,
   "note": "2 of 3 steps (+30m)",
   "in_window": true
  }
 ]
}`
	if got := fnExplainJSON(t, d, FunnelQuery{Steps: q.Steps, Mode: "any", Window: "1h"}, "u2"); got != want {
		t.Errorf("u2 any order:\n%s\nwant\n%s", got, want)
	}

	// u3 never viewed: no window, nothing reached, the timeline as it is.
	want = `{
 "user": "u3",
 "mode": "ordered",
 "window_seconds": 604800,
 "timezone": "Asia/Shanghai",
 "status": "not_counted",
 "steps_reached": 0,
 "reason": "did no view",
 "verdict": "not counted: did no view",
 "window_start": null,
 "window_end": null,
 "steps": [
  {
   "step": 1,
   "event": "view",
   "reached": false,
   "time": null,
   "seconds_from_start": null,
   "seconds_from_previous": null
  },
  {
   "step": 2,
   "event": "cart",
   "reached": false,
   "time": null,
   "seconds_from_start": null,
   "seconds_from_previous": null
  },
  {
   "step": 3,
   "event": "buy",
   "reached": false,
   "time": null,
   "seconds_from_start": null,
   "seconds_from_previous": null
  }
 ],
 "events": 1,
 "earlier_events": 0,
 "later_events": 0,
 "timeline": [
  {
   "time": "2026-01-01T10:00:00.000+08:00",
   "event": "search"
  }
 ]
}`
	if got := fnExplainJSON(t, d, q, "u3"); got != want {
		t.Errorf("u3 not counted:\n%s\nwant\n%s", got, want)
	}
}

// TestFunnelExplainStatuses covers the statuses the JSON test does not:
// converted (no reason), in progress, not in the segment, a step filter.
func TestFunnelExplainStatuses(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00 src=ads
u1 cart 2026-01-01 10:05
u1 buy  2026-01-01 10:07
u2 view 2026-01-10 10:00 src=ads
zz view 2026-01-12 00:00 src=seo
`)
	q := FunnelQuery{Steps: []FunnelStep{{Event: "view", Where: []string{"src = ads"}}, {Event: "cart"}, {Event: "buy"}}}
	for _, c := range []struct {
		user, status, reason string
		reached              int
	}{
		{"u1", ExplainConverted, "", 3},
		{"u2", ExplainInProgress, "the window stays open until 2026-01-17 10:00:00.000, after the data's last event at 2026-01-12 00:00:00.000", 1},
		{"zz", ExplainNotCounted, "1 step events in range, none passing the step's own filters", 0},
	} {
		x, err := d.FunnelExplanation(context.Background(), q, c.user)
		if err != nil {
			t.Fatal(err)
		}
		if x.Status != c.status || x.Reason != c.reason || x.StepsReached != c.reached {
			t.Errorf("%s: status %q reason %q reached %d, want %q %q %d", c.user, x.Status, x.Reason, x.StepsReached, c.status, c.reason, c.reached)
		}
		if got := x.Steps[0].Where; len(got) != 1 || got[0] != "src = ads" {
			t.Errorf("%s: step 1 where %q", c.user, got)
		}
	}
	x, _ := d.FunnelExplanation(context.Background(), q, "u1")
	if s := x.Steps[2]; *s.SecondsFromStart != 420 || *s.SecondsFromPrevious != 120 {
		t.Errorf("u1 step 3: %v from start, %v from previous; want 420 and 120", *s.SecondsFromStart, *s.SecondsFromPrevious)
	}
}

// TestFunnelExplainSegmentAndTrim: a person outside --segment is not
// counted, with the reason; a long timeline shows the counted window and
// five events either side, and counts the rest.
func TestFunnelExplainSegmentAndTrim(t *testing.T) {
	var b strings.Builder
	// Events 0-29 come before the attempt (30, 31), 32-65 after its window.
	for h := 0; h < 30; h++ {
		fmt.Fprintf(&b, "u1 search 2026-01-01 %02d:00\n", h%24)
	}
	b.WriteString("u1 view 2026-01-03 00:00\nu1 cart 2026-01-03 00:01\n")
	for h := 0; h < 34; h++ {
		fmt.Fprintf(&b, "u1 search 2026-01-20 %02d:00\n", h%24)
	}
	b.WriteString("u2 view 2026-01-01 10:00\nu2 buy 2026-01-01 10:05\n" + closeWindows)
	d := textTimeline(t, time.UTC, b.String())
	q := FunnelQuery{Steps: steps("view", "cart", "buy")}
	x, err := d.FunnelExplanation(context.Background(), q, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if x.Events != 66 || x.EarlierEvents != 25 || x.LaterEvents != 29 || len(x.Timeline) != 12 ||
		x.Timeline[5].Step != 1 || x.Timeline[6].Step != 2 || !x.Timeline[6].InWindow || x.Timeline[7].InWindow {
		t.Errorf("trimmed timeline: %d events, %d earlier, %d later, %d shown: %+v", x.Events, x.EarlierEvents, x.LaterEvents, len(x.Timeline), x.Timeline)
	}
	if text := x.Text(); !strings.Contains(text, "  … 25 earlier events\n") || !strings.Contains(text, "  … 29 later events\n") {
		t.Errorf("text:\n%s", text)
	}

	d.Segments = segmentWhere(func(id string) bool { return id == "u2" })
	q.Segment = "only-u2"
	x, err = d.FunnelExplanation(context.Background(), q, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != ExplainNotCounted || x.Reason != "not in segment only-u2" || x.StepsReached != 0 || x.WindowStart != nil || x.Steps[0].Reached {
		t.Errorf("outside the segment: %+v", x)
	}
}

// TestFunnelExplainMatchesReference checks explanations of random
// timelines against the brute-force reference of funnel_ref_test.go (level,
// window still open, counted attempt, times between steps) and against
// their own rules: a reached step's event fills that step inside the
// counted window, the timeline names the same events, the text is the
// explanation's.
func TestFunnelExplainMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	const hour = int64(3_600_000)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c", "d"}
	iters := 1500
	if testing.Short() {
		iters = 200
	}
	checked := map[string]int{}
	for it := 0; it < iters; it++ {
		nn := 2 + rng.Intn(3)
		var raw []RawEvent
		for u := 0; u < 1+rng.Intn(4); u++ {
			ne := rng.Intn(10)
			if rng.Intn(6) == 0 {
				ne = 60 + rng.Intn(40) // long enough to be trimmed
			}
			for e := 0; e < ne; e++ {
				re := RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(nn)], Time: base + int64(rng.Intn([]int{3, 8, 60, 300}[it%4]))*hour}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y"}[rng.Intn(2)]}
				}
				raw = append(raw, re)
			}
		}
		if len(raw) == 0 {
			continue
		}
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		byUser := map[string][]refEvent{}
		for _, re := range raw {
			byUser[re.User] = append(byUser[re.User], refEvent{re.Event, re.Time, re.Props})
		}
		for u := range byUser {
			sort.SliceStable(byUser[u], func(i, j int) bool { return byUser[u][i].t < byUser[u][j].t })
		}
		d := NewDataset(raw, time.UTC)
		q := FunnelQuery{Mode: []string{FunnelOrdered, FunnelStrict, FunnelAny}[rng.Intn(3)]}
		win := []int64{0, 1, 5, 24, 100}[rng.Intn(5)] * hour
		q.Window = strconv.FormatInt(win/1000, 10) + "s"
		ns := 2 + rng.Intn(3)
		for k := 0; k < ns; k++ {
			st := FunnelStep{Event: d.Names[rng.Intn(len(d.Names))]}
			if rng.Intn(3) == 0 {
				st.Where = []string{"p = " + []string{"x", "y"}[rng.Intn(2)]}
			}
			q.Steps = append(q.Steps, st)
		}
		if rng.Intn(4) == 0 {
			q.Where = []string{"p != y"}
		}
		if q.Mode != FunnelAny && rng.Intn(3) == 0 {
			q.Exclude = []Exclusion{{Event: d.Names[rng.Intn(len(d.Names))]}}
		}
		ctx := context.Background()
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rq := &refQuery{steps: q.Steps, window: win, mode: p.mode, excl: q.Exclude, where: q.Where, from: p.s.From, to: p.s.To, maxTime: d.MaxTime}
		r, err := d.Funnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		w := newFunnelWorker(p)
		for u, id := range d.Users {
			// The reference is brute force, exponential in the events of a
			// person: long timelines take the engine's answer instead
			// (which TestFunnelMatchesReference checks on short ones).
			var want refPerson
			if len(byUser[id]) <= 12 {
				want = refFunnel(rq, byUser[id])
			} else {
				level, open := w.person(u)
				want = refPerson{level: level, open: open}
				if level >= 0 {
					want.t0 = d.Time[w.cur[0]]
					for k := 1; k <= level; k++ {
						want.deltas = append(want.deltas, d.Time[w.cur[k]]-d.Time[w.cur[k-1]])
					}
				}
			}
			if int(r.Level[u]) != want.level || r.InProgress[u] != want.open {
				t.Fatalf("iteration %d, user %s: funnel level %d open %v, reference %+v", it, id, r.Level[u], r.InProgress[u], want)
			}
			x, err := d.FunnelExplanation(ctx, q, id)
			if err != nil {
				t.Fatal(err)
			}
			fail := func(format string, a ...any) {
				b, _ := json.MarshalIndent(x, "", " ")
				t.Fatalf("iteration %d, user %s, query %+v: %s\nreference %+v\nevents %v\n%s", it, id, q, fmt.Sprintf(format, a...), want, byUser[id], b)
			}
			if x.StepsReached != want.level+1 || x.Status != refStatus(want, ns) {
				fail("%s with %d steps", x.Status, x.StepsReached)
			}
			if (x.Reason == "") != (x.Status == ExplainConverted) {
				fail("reason %q", x.Reason)
			}
			if text, _ := d.ExplainFunnel(ctx, q, id); text != x.Text() || !strings.Contains(text, "\n"+x.Verdict+"\n") {
				fail("text form differs from the explanation")
			}
			checkExplainSteps(t, d, p, u, x, want, fail)
			checked[p.mode+" "+x.Status]++
		}
	}
	t.Logf("users explained: %v", checked)
}

type failFunc func(format string, a ...any)

func refStatus(r refPerson, n int) string {
	switch {
	case r.level < 0:
		return ExplainNotCounted
	case r.level == n-1:
		return ExplainConverted
	case r.open:
		return ExplainInProgress
	}
	return ExplainDropped
}

// checkExplainSteps checks the steps and timeline of one explanation.
func checkExplainSteps(t *testing.T, d *Dataset, p *funnelPlan, u int, x *FunnelExplain, want refPerson, fail failFunc) {
	t.Helper()
	stamp := func(ms int64) string { return time.UnixMilli(ms).In(p.s.Loc).Format(explainTime) }
	if want.level < 0 {
		if x.WindowStart != nil || x.WindowEnd != nil {
			fail("a window without a counted attempt")
		}
	} else if *x.WindowStart != stamp(want.t0) || *x.WindowEnd != stamp(want.t0+p.window) {
		fail("window %s to %s, want from %s", *x.WindowStart, *x.WindowEnd, stamp(want.t0))
	}
	lo, hi := int(d.Start[u]), int(d.Start[u+1])
	// The matched events: per reached step, the person's considered events
	// at its time that fill it, inside the window; the steps need distinct
	// events (a matching), since one event never completes two steps.
	cands := map[int][]int{}
	reached := 0
	for k, s := range x.Steps {
		if !s.Reached {
			if s.Time != nil || s.SecondsFromStart != nil || s.SecondsFromPrevious != nil {
				fail("step %d not reached but timed", k+1)
			}
			if p.mode != FunnelAny && k <= want.level {
				fail("step %d not reached, the reference reaches %d", k+1, want.level+1)
			}
			continue
		}
		reached++
		for i := lo; i < hi; i++ {
			if stamp(d.Time[i]) == *s.Time && p.s.Match(i) && d.Event[i] == p.ev[k] && p.stepOK(i, k) {
				cands[k] = append(cands[k], i)
			}
		}
		if len(cands[k]) == 0 {
			fail("step %d: no event at %s fills it", k+1, *s.Time)
		}
		ms := want.t0 + int64(*s.SecondsFromStart*1000)
		if ms < want.t0 || ms > want.t0+p.window || stamp(ms) != *s.Time {
			fail("step %d at %s is outside the window or mistimed", k+1, *s.Time)
		}
		if p.mode != FunnelAny && len(p.excl) == 0 && k > 0 && *s.SecondsFromPrevious != float64(want.deltas[k-1])/1000 {
			fail("step %d: %v s from the previous step, reference %v ms", k+1, *s.SecondsFromPrevious, want.deltas[k-1])
		}
	}
	if !distinctEvents(cands) {
		fail("the reached steps cannot have distinct events")
	}
	if reached != x.StepsReached {
		fail("%d steps marked reached, %d counted", reached, x.StepsReached)
	}
	// The timeline: the shown slice of the person's events, each step
	// event marked with its step, and every reached step shown once unless
	// the slice was cut before it.
	if x.Events != hi-lo || x.EarlierEvents+len(x.Timeline)+x.LaterEvents != hi-lo {
		fail("timeline counts %d = %d + %d + %d", hi-lo, x.EarlierEvents, len(x.Timeline), x.LaterEvents)
	}
	if hi-lo <= explainFull && (x.EarlierEvents != 0 || x.LaterEvents != 0) {
		fail("a short timeline was cut")
	}
	seen := map[int]int{}
	for i, ev := range x.Timeline {
		j := lo + x.EarlierEvents + i
		if ev.Time != stamp(d.Time[j]) || ev.Event != d.Names[d.Event[j]] {
			fail("timeline entry %d is %s %s, want event %d", i, ev.Time, ev.Event, j)
		}
		if in := want.level >= 0 && d.Time[j] >= want.t0 && d.Time[j] <= want.t0+p.window; ev.InWindow != in {
			fail("timeline entry %d in_window %v", i, ev.InWindow)
		}
		if ev.Step > 0 {
			seen[ev.Step]++
			if s := x.Steps[ev.Step-1]; !s.Reached || *s.Time != ev.Time {
				fail("timeline entry %d marks step %d, which is %+v", i, ev.Step, s)
			}
		}
		// Where each event fills one step, the chain events are the steps'.
		if ev.chain && (p.mode != FunnelAny || oneStepPerEvent(p.q.Steps)) && ev.Step == 0 {
			fail("chain event %d has no step", i)
		}
	}
	for k, s := range x.Steps {
		if s.Reached && seen[k+1] != 1 && x.EarlierEvents == 0 {
			fail("step %d shown %d times in the timeline", k+1, seen[k+1])
		}
	}
}

// distinctEvents tells whether every step of cands can have its own event
// (augmenting paths over a handful of steps).
func distinctEvents(cands map[int][]int) bool {
	owner := map[int]int{}
	var try func(k int, seen map[int]bool) bool
	try = func(k int, seen map[int]bool) bool {
		for _, i := range cands[k] {
			if seen[i] {
				continue
			}
			seen[i] = true
			if o, ok := owner[i]; !ok || try(o, seen) {
				owner[i] = k
				return true
			}
		}
		return false
	}
	for k := range cands {
		if !try(k, map[int]bool{}) {
			return false
		}
	}
	return true
}

// oneStepPerEvent tells whether no event can fill two steps: distinct
// names, no step filters.
func oneStepPerEvent(steps []FunnelStep) bool {
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.Event] || len(s.Where) > 0 {
			return false
		}
		seen[s.Event] = true
	}
	return true
}
