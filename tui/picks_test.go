package tui

import (
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sample"
)

// demoHarness opens a generated demo scenario as spoor demo does.
func demoHarness(t *testing.T, scenario string, w, h int) *harness {
	t.Helper()
	m := New(context.Background(), demoOpener(scenario), false)
	m.sh.since = func(time.Time) time.Duration { return 0 }
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	t.Cleanup(func() {
		if m.sh.db != nil {
			m.sh.db.Close()
		}
	})
	if m.sh.d == nil {
		t.Fatalf("%s did not load: %s", scenario, m.status)
	}
	return hs
}

// TestDemoDefaultsAreTrue opens each demo on the tabs whose first query
// the data chooses: retention does not count a system event as a
// return, paths start where something follows, and the segment hint
// names events the data has.
func TestDemoDefaultsAreTrue(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the demo scenarios")
	}
	for _, sc := range sample.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			h := demoHarness(t, sc.Name, 120, 40)
			t.Logf("picks: %+v", h.m.sh.picks)
			h.keys("4")
			r := h.m.tab().res.(*retentionResult).r
			if r.Return == "" || r.Return == "trial_expired" {
				t.Fatalf("retention returns with %q", r.Return)
			}
			// Week 2 is not 100% for every complete cohort.
			all := true
			for _, c := range r.Cohorts {
				if len(c.Percent) > 2 && (c.IncompleteFrom == nil || *c.IncompleteFrom > 2) && c.Size > 0 {
					all = all && c.Percent[2] >= 99.95
				}
			}
			if all {
				t.Fatalf("every cohort keeps 100%% at week 2 returning with %q", r.Return)
			}
			h.keys("3")
			p := h.m.tab().res.(*pathsResult).r
			if p.Tree == nil || len(p.Tree.Children) == 0 {
				t.Fatalf("paths after %q: no tree", p.Event)
			}
			for _, k := range p.Tree.Children {
				if k.Event == "(end)" && k.Share >= 0.999 {
					t.Fatalf("paths after %q: (end) %.1f%%", p.Event, 100*k.Share)
				}
			}
			h.keys("7")
			scr := h.screen()
			i := strings.Index(scr, "e.g. did ")
			if i < 0 {
				t.Fatalf("no segment hint:\n%s", scr)
			}
			for _, e := range []string{h.m.sh.picks.repeat} {
				if _, ok := h.m.sh.d.EventID(e); !ok {
					t.Fatalf("the hint's event %q is not in the data", e)
				}
			}
			if !strings.Contains(scr, "did "+quoteWord(h.m.sh.picks.repeat)) {
				t.Fatalf("the hint does not name %q:\n%s", h.m.sh.picks.repeat, scr)
			}
		})
	}
}

// pickCountsRef is pickCounts written the obvious way: for every event,
// look ahead past its repeats.
func pickCountsRef(d *query.Dataset, events []named) (users, followed, repeaters []int) {
	n := len(events)
	slot := map[int32]int{}
	for i := 0; i < n; i++ {
		id, _ := d.EventID(events[i].name)
		slot[id] = i
	}
	const dayMs = 24 * 60 * 60 * 1000
	users, followed, repeaters = make([]int, n), make([]int, n), make([]int, n)
	for p := 0; p+1 < len(d.Start); p++ {
		first := map[int]int64{}
		wasFollowed, repeated := map[int]bool{}, map[int]bool{}
		lo, hi := d.Start[p], d.Start[p+1]
		for i := lo; i < hi; i++ {
			s, ok := slot[d.Event[i]]
			if !ok {
				continue
			}
			day := d.Time[i] / dayMs
			if f, seen := first[s]; !seen {
				first[s] = day
			} else if f != day {
				repeated[s] = true
			}
			j := i + 1
			for j < hi && d.Event[j] == d.Event[i] {
				j++
			}
			if j < hi && d.Time[j]-d.Time[j-1] <= followGap {
				wasFollowed[s] = true
			}
		}
		for s := range first {
			users[s]++
		}
		for s := range wasFollowed {
			followed[s]++
		}
		for s := range repeated {
			repeaters[s]++
		}
	}
	return users, followed, repeaters
}

// pickCounts counts runs of one event at once; on random timelines full
// of repeats and gaps it counts as the event-by-event reference does.
func TestPickCountsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
	for trial := 0; trial < 200; trial++ {
		var ev []query.RawEvent
		// Times in 2026, and around the epoch, where days (divided towards
		// zero) are not calendar days.
		start := []int64{time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), -3 * 24 * 3600 * 1000, -2 * followGap}[rng.IntN(3)]
		for u := 0; u < 1+rng.IntN(12); u++ {
			at := start
			for k := 0; k < rng.IntN(30); k++ {
				// Mostly a few seconds apart, sometimes past the gap or a day.
				at += []int64{1000, 5000, followGap, followGap + 1, 26 * 3600 * 1000}[rng.IntN(5)]
				ev = append(ev, query.RawEvent{User: strconv.Itoa(u), Event: names[rng.IntN(1+rng.IntN(len(names)))], Time: at})
			}
		}
		d := query.NewDataset(ev, time.UTC)
		events := eventCounts(d)
		cand := events[:min(pickCandidates, len(events))]
		u, f, r := pickCounts(d, cand)
		wu, wf, wr := pickCountsRef(d, cand)
		if !slices.Equal(u, wu) || !slices.Equal(f, wf) || !slices.Equal(r, wr) {
			t.Fatalf("trial %d: users %v followed %v repeaters %v, reference %v %v %v", trial, u, f, r, wu, wf, wr)
		}
		// The event counts and the first funnel's steps, counted in parts,
		// as counted in one pass.
		counts := map[string]int{}
		for _, e := range ev {
			counts[e.Event]++
		}
		for _, e := range events {
			if counts[e.name] != e.count {
				t.Fatalf("trial %d: %s counted %d, want %d", trial, e.name, e.count, counts[e.name])
			}
		}
		if got, want := firstSteps(d, events), funnelSeedRef(d, events, seedSteps); !slices.Equal(got, want) {
			t.Fatalf("trial %d: funnel seed %q, reference %q", trial, got, want)
		}
	}
}

// firstSteps are the first funnel's steps firstChoices makes.
func firstSteps(d *query.Dataset, events []named) []string {
	steps, _ := firstChoices(d, events)
	return steps
}

// funnelSeedRef is the first funnel's steps counted in one pass over the
// persons, each walked until it has done all n events.
func funnelSeedRef(d *query.Dataset, events []named, n int) []string {
	n = min(n, len(events))
	slot := eventSlots(d, events[:n])
	rankSum := make([]float64, n)
	users := make([]int, n)
	for p := 0; p+1 < len(d.Start); p++ {
		seen := make([]bool, n)
		rank := 0
		for i := d.Start[p]; i < d.Start[p+1] && rank < n; i++ {
			s := slot[d.Event[i]]
			if s < 0 || seen[s] {
				continue
			}
			seen[s] = true
			rankSum[s] += float64(rank)
			users[s]++
			rank++
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return rankSum[order[a]]/float64(max(users[order[a]], 1)) < rankSum[order[b]]/float64(max(users[order[b]], 1))
	})
	out := make([]string, n)
	for i, s := range order {
		out[i] = events[s].name
	}
	return out
}
