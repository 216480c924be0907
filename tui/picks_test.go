package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
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
