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
