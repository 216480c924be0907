package query

import (
	"context"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// semLevels renders, per semantics, each user's 0-based level as
// fnLevels does: "spoor u1:2 | posthog u1:1 | ...".
func semLevels(t *testing.T, d *Dataset, q FunnelQuery, sems ...string) string {
	t.Helper()
	var out []string
	for _, sem := range sems {
		q.Semantics = sem
		out = append(out, sem+" "+fnLevels(d, fnRun(t, d, q)))
	}
	return strings.Join(out, " | ")
}

// TestFunnelSemanticsDiffer holds, on small timelines, each place where
// the products count the same funnel differently
// (docs/semantics.md#vendor-semantics).
func TestFunnelSemanticsDiffer(t *testing.T) {
	all := Semantics
	for _, c := range []struct {
		name     string
		timeline string
		q        FunnelQuery
		want     string
	}{{
		// Mixpanel's documented example: the window runs from the first
		// A and a later A does not restart it; the others reach C from
		// the A at 13:30.
		name: "window from the first step-1 event",
		timeline: `
u A 2026-01-05 13:00
u A 2026-01-05 13:30
u B 2026-01-05 13:45
u C 2026-01-05 14:15`,
		q:    FunnelQuery{Steps: steps("A", "B", "C"), Window: "1h"},
		want: "spoor u:2 | posthog u:2 | mixpanel u:1 | amplitude u:2 | clickhouse u:2",
	}, {
		// windowFunnel's default mode lets one row fill both view steps.
		name: "one event, two same-named steps",
		timeline: `
u view 2026-01-05 10:00
u buy  2026-01-05 10:05`,
		q:    FunnelQuery{Steps: steps("view", "view", "buy")},
		want: "spoor u:0 | posthog u:0 | mixpanel u:0 | amplitude u:0 | clickhouse u:2",
	}, {
		// PostHog and windowFunnel read only the range's events; the
		// others let later steps finish after it, within the window.
		name: "conversion after the range",
		timeline: `
u view 2026-01-05 23:00
u buy  2026-01-06 01:00`,
		q:    FunnelQuery{Common: Common{From: "2026-01-05", To: "2026-01-05"}, Steps: steps("view", "buy"), Window: "1d"},
		want: "spoor u:1 | posthog u:0 | mixpanel u:1 | amplitude u:1 | clickhouse u:0",
	}, {
		// Mixpanel's unique users enter once, at their first step 1.
		name: "only the first entry counts",
		timeline: `
u view 2026-01-01 10:00
u view 2026-01-10 10:00
u buy  2026-01-10 10:05`,
		q:    FunnelQuery{Steps: steps("view", "buy"), Window: "1d"},
		want: "spoor u:1 | posthog u:1 | mixpanel u:0 | amplitude u:1 | clickhouse u:1",
	}, {
		// PostHog's strict funnel keeps a step that its own event
		// repeats; spoor's (and Amplitude's exact order) break there.
		name: "strict: a repeated step",
		timeline: `
u A 2026-01-05 10:00
u B 2026-01-05 10:01
u B 2026-01-05 10:02
u C 2026-01-05 10:03`,
		q:    FunnelQuery{Steps: steps("A", "B", "C"), Mode: FunnelStrict},
		want: "spoor u:1 | posthog u:2 | amplitude u:1",
	}, {
		// Any order: PostHog counts distinct steps in a trailing window,
		// each event for the first step it meets; spoor matches events to
		// steps, so the pro view fills the second step.
		name: "any order: an event meeting two steps",
		timeline: `
u C    2026-01-05 10:00
u A    2026-01-05 10:30
u B    2026-01-05 10:50
v view 2026-01-05 10:00 plan=pro
v view 2026-01-05 10:10 plan=free
w A    2026-01-05 10:00
w B    2026-01-05 10:40
w C    2026-01-05 11:30`,
		q:    FunnelQuery{Steps: steps("A", "B", "C"), Mode: FunnelAny, Window: "1h"},
		want: "spoor u:2 v:- w:1 | posthog u:2 v:- w:1",
	}, {
		name: "any order: same-named steps",
		timeline: `
v view 2026-01-05 10:00 plan=pro
v view 2026-01-05 10:10 plan=free`,
		q:    FunnelQuery{Steps: steps("view", "view where plan = pro"), Mode: FunnelAny, Window: "1h"},
		want: "spoor v:1 | posthog v:0",
	}} {
		t.Run(c.name, func(t *testing.T) {
			d := textTimeline(t, time.UTC, c.timeline+"\n"+closeWindows)
			sems := all
			switch c.q.Mode {
			case FunnelStrict:
				sems = []string{SemSpoor, SemPostHog, SemAmplitude}
			case FunnelAny:
				sems = []string{SemSpoor, SemPostHog}
			}
			got := strings.ReplaceAll(semLevels(t, d, c.q, sems...), " zz:-", "")
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestFunnelSemanticsCountedAttempt: spoor counts the latest step-1
// event reaching the deepest step, Amplitude the earliest ("earliest,
// longest path"), Mixpanel its only entry, and PostHog and windowFunnel
// stop at the first full conversion, so --by reads different events.
func TestFunnelSemanticsCountedAttempt(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u view 2026-01-05 10:00 plan=a
u buy  2026-01-05 10:05
u view 2026-01-07 10:00 plan=b
u buy  2026-01-07 10:05
`+closeWindows)
	q := FunnelQuery{Steps: steps("view", "buy"), Window: "1d", Common: Common{By: "plan"}}
	for sem, want := range map[string]string{SemSpoor: "b", SemAmplitude: "a", SemMixpanel: "a", SemPostHog: "a", SemClickHouse: "a"} {
		q.Semantics = sem
		r := fnRun(t, d, q)
		var got []string
		for _, b := range r.Breakdown {
			if b.Steps[1].Users == 1 {
				got = append(got, b.Value)
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s: converted under plan %v, want %s", sem, got, want)
		}
	}
}

// TestVendorSemanticsMatchReference checks Amplitude and Mixpanel against
// brute-force restatements of their documented rules on random persons:
// Amplitude, the deepest level over every step-1 event in range (the
// reference's enumeration of every chain) and the earliest attempt
// reaching it; Mixpanel, the deepest chain of events in stored order from
// the first step-1 event in range.
func TestVendorSemanticsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	ctx := context.Background()
	for it := 0; it < 2000; it++ {
		raw, byUser := heavyRandom(rng, 1+rng.Intn(3), 1, 14)
		d := NewDataset(raw, time.UTC)
		q, win := heavyQuery(rng)
		q.Exclude = nil
		if rng.Intn(3) == 0 {
			q.Mode = FunnelStrict
		}
		for _, sem := range []string{SemAmplitude, SemMixpanel} {
			if sem == SemMixpanel && q.Mode == FunnelStrict {
				continue
			}
			q.Semantics = sem
			p, err := d.planFunnel(ctx, q)
			if err != nil {
				t.Fatalf("iteration %d: %v", it, err)
			}
			rq := &refQuery{steps: q.Steps, window: win, mode: p.mode, where: q.Where, from: p.s.From, to: p.s.To, maxTime: d.MaxTime}
			w := newFunnelWorker(p)
			for u, id := range d.Users {
				level, _ := w.person(u)
				var ev []refEvent
				for _, e := range byUser[id] {
					if refFilterOK(rq.where, e) {
						ev = append(ev, e)
					}
				}
				wantLevel, wantT0 := -1, int64(0)
				for a := range ev {
					if ev[a].t < rq.from || ev[a].t >= rq.to || !rq.stepOK(ev[a], 0) {
						continue
					}
					if sem == SemMixpanel {
						wantLevel, wantT0 = refInOrder(rq, ev, a), ev[a].t
						break
					}
					if l, _ := refAttempt(rq, ev, a); l > wantLevel {
						wantLevel, wantT0 = l, ev[a].t
					}
				}
				if level != wantLevel || level >= 0 && d.Time[w.cur[0]] != wantT0 {
					t.Fatalf("iteration %d, %s, user %s: level %d at %d, reference %d at %d\nquery %+v\nevents %v",
						it, sem, id, level, d.Time[w.cur[0]], wantLevel, wantT0, q, byUser[id])
				}
			}
		}
	}
}

// refInOrder is the deepest level of any chain from ev[a] whose events
// come one after another in stored order within the window.
func refInOrder(q *refQuery, ev []refEvent, a int) int {
	best := 0
	var rec func(prev, k int)
	rec = func(prev, k int) {
		best = max(best, k-1)
		if k == len(q.steps) {
			return
		}
		for j := prev + 1; j < len(ev); j++ {
			if ev[j].t <= ev[a].t+q.window && q.stepOK(ev[j], k) {
				rec(j, k+1)
			}
		}
	}
	rec(a, 1)
	return best
}

// The funnel table's title names another product's rules and options,
// and stays as before under spoor's.
func TestFunnelSemanticsTitle(t *testing.T) {
	d := textTimeline(t, time.UTC, "u A 2026-01-05 13:00\nu B 2026-01-05 13:30")
	for _, c := range []struct {
		sem  string
		opts []string
		want string
	}{
		{"", nil, "funnel (ordered, window 1h)"},
		{SemMixpanel, nil, "funnel (mixpanel rules, ordered, window 1h)"},
		{SemClickHouse, []string{"strict_order"}, "funnel (clickhouse rules strict_order, ordered, window 1h)"},
	} {
		r, err := d.Funnel(context.Background(), FunnelQuery{Steps: steps("A", "B"), Window: "1h", Semantics: c.sem, Options: c.opts})
		if err != nil {
			t.Fatalf("%s: %v", c.sem, err)
		}
		if got := r.Tables(i18n.English)[0].Title; got != c.want {
			t.Errorf("%s %v: title %q, want %q", c.sem, c.opts, got, c.want)
		}
	}
}
