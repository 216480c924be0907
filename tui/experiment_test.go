package tui

import (
	"context"
	"github.com/spoorhq/spoor/output"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/specfile"
)

// naiveArms counts, person by person, the users and converters of each
// variant: a user's variant is the only value of prop they carry (two
// values exclude them), exposure is their first event with it, and they
// convert with a goal event within window ms of exposure, inclusive.
func naiveArms(t *testing.T, d *query.Dataset, prop, goal string, window int64) (users, conv map[string]int, excluded int) {
	t.Helper()
	p, err := d.Prop(context.Background(), prop)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.EventID(goal)
	users, conv = map[string]int{}, map[string]int{}
	for u := range d.Users {
		seen := map[string]bool{}
		exposed := int64(-1)
		var v string
		for i := d.Start[u]; i < d.Start[u+1]; i++ {
			if c := p.Codes[i]; c != 0 {
				v = p.Values[c-1]
				seen[v] = true
				if exposed < 0 {
					exposed = d.Time[i]
				}
			}
		}
		switch {
		case len(seen) > 1:
			excluded++
			continue
		case len(seen) == 0:
			continue
		}
		users[v]++
		for i := d.Start[u]; i < d.Start[u+1]; i++ {
			if d.Event[i] == g && d.Time[i] >= exposed && d.Time[i] <= exposed+window {
				conv[v]++
				break
			}
		}
	}
	return users, conv, excluded
}

func expTab(h *harness) *experimentTab { return h.m.tabs[tabExperiments].a.(*experimentTab) }

func TestExperimentOpensOnCheckoutTestAndMatchesNaiveCounts(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("8")
	q := expTab(h).q
	if q.Variant != "exp_checkout" || q.Goal != "purchase" {
		t.Fatalf("seeded experiment %+v, want exp_checkout → purchase", q)
	}
	r := h.m.tab().res.(*experimentResult).r
	users, conv, excluded := naiveArms(t, h.m.sh.d, "exp_checkout", "purchase", 7*86_400_000)
	if r.Excluded != excluded || excluded == 0 {
		t.Fatalf("excluded %d, naive %d (the fixture mixes some users)", r.Excluded, excluded)
	}
	for _, v := range r.Variants {
		if v.Users != users[v.Name] || v.Conversions != conv[v.Name] {
			t.Fatalf("%s: %d users %d conversions, naive %d and %d", v.Name, v.Users, v.Conversions, users[v.Name], conv[v.Name])
		}
	}
	if r.Variants[0].Name != "control" || !r.Variants[0].Control {
		t.Fatalf("first variant %+v, want the control", r.Variants[0])
	}
	c, tr := r.Variants[0], r.Variants[1]
	h.contains("Experiment exp_checkout → purchase · window 7d",
		thousands(c.Users)+" users · "+thousands(c.Conversions)+" conv",
		output.Percent(float64(tr.Rate)), "lift "+signedPct(tr.Lift), "p "+pText(tr.P),
		"excluded: "+thousands(excluded)+" users seen with more than one variant", "SRM vs even: ok (p ")
	if !strings.Contains(h.screen(), r.Text[:40]) {
		t.Fatalf("verdict %q not on screen", r.Text)
	}
}

func TestExperimentEditsReachTheEngine(t *testing.T) {
	h := newHarness(t, 120, 40)
	ctx := context.Background()
	h.keys("8")
	// The control picked from the property's values.
	goRow(t, h, "control")
	h.keys("<enter>", "choose", "<enter>", "treatment", "<enter>")
	if got := expTab(h).q.Control; got != "treatment" {
		t.Fatalf("control %q", got)
	}
	if v := h.m.tab().res.(*experimentResult).r.Variants[0]; v.Name != "treatment" || !v.Control {
		t.Fatalf("first variant %+v after picking treatment as control", v)
	}
	// Back to automatic, a goal of add_to_cart and a 1-day window.
	h.keys("<enter>", "auto", "<enter>")
	goRow(t, h, "goal")
	h.keys("<enter>", "add_to_cart", "<enter>")
	goRow(t, h, "window")
	h.keys("<enter>", "1d", "<enter>")
	q := expTab(h).q
	if q.Control != "" || q.Goal != "add_to_cart" || q.Window != "1d" {
		t.Fatalf("query %+v", q)
	}
	users, conv, _ := naiveArms(t, h.m.sh.d, "exp_checkout", "add_to_cart", 86_400_000)
	for _, v := range h.m.tab().res.(*experimentResult).r.Variants {
		if v.Users != users[v.Name] || v.Conversions != conv[v.Name] {
			t.Fatalf("%s: %d/%d, naive %d/%d", v.Name, v.Conversions, v.Users, conv[v.Name], users[v.Name])
		}
	}
	// Adding a step turns the goal into a two-step funnel.
	h.keys("a", "purchase", "<enter>")
	q = expTab(h).q
	if q.Goal != "" || len(q.Steps) != 2 || q.Steps[0].Event != "add_to_cart" || q.Steps[1].Event != "purchase" {
		t.Fatalf("after adding a step: %+v", q)
	}
	want, err := experiment.Run(ctx, h.m.sh.d, q)
	if err != nil {
		t.Fatal(err)
	}
	got := h.m.tab().res.(*experimentResult).r
	for i, v := range got.Variants {
		w := want.Variants[i]
		if len(v.Steps) != 2 || v.Steps[1].Users != w.Steps[1].Users || v.Conversions != w.Conversions {
			t.Fatalf("%s funnel %+v, want %+v", v.Name, v.Steps, w.Steps)
		}
	}
	h.contains("Funnel per variant", "2 purchase", output.Percent(float64(got.Variants[0].Steps[1].Conversion)))
	// Removing a step leaves a goal again.
	goRow(t, h, "step 2")
	h.keys("d")
	if q := expTab(h).q; q.Goal != "add_to_cart" || len(q.Steps) != 0 {
		t.Fatalf("after removing step 2: %+v", q)
	}
	// Without a variant property the tab says what to do.
	expTab(h).q.Variant = ""
	h.m.tabs[tabExperiments].key = ""
	h.run(h.m.rerun())
	if err := h.m.tab().err; err == nil || !strings.Contains(err.Error(), "variant") {
		t.Fatalf("no variant: err %v", err)
	}
}

// The whisker spans the interval around the bar's end on a shared scale.
func TestWhiskerBar(t *testing.T) {
	sh := &shared{st: DefaultStyles(false)}
	v := experiment.Variant{Rate: 0.25, Low: 0.2, High: 0.3}
	got := whiskerBar(sh, v, 0.5, 20) // 2.5 points a column
	want := "████████├█──┤       "
	if got != want {
		t.Fatalf("whisker %q, want %q", got, want)
	}
	nan := experiment.Num(math.NaN())
	v = experiment.Variant{Rate: nan, Low: nan, High: nan}
	if got := whiskerBar(sh, v, 0.5, 10); got != strings.Repeat(" ", 10) {
		t.Fatalf("undefined rate draws %q", got)
	}
}

// The tab saves the spec spoor run executes, and reopens it.
func TestExperimentSaveAndReopen(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	h := newHarness(t, 100, 30)
	h.keys("8", "s", "<enter>")
	b, err := os.ReadFile(filepath.Join(dir, "analyses", "experiment.json"))
	if err != nil {
		t.Fatalf("save wrote nothing: %v (status %q)", err, h.m.status)
	}
	spec, err := specfile.Parse(b)
	if err != nil {
		t.Fatalf("saved spec does not parse: %v\n%s", err, b)
	}
	if q := spec.Query.(*experiment.Query); q.Variant != "exp_checkout" || q.Goal != "purchase" {
		t.Fatalf("saved %+v", q)
	}
	goRow(t, h, "goal")
	h.keys("<enter>", "view_item", "<enter>")
	h.keys("o", "<enter>")
	if q := expTab(h).q; q.Goal != "purchase" || h.m.active != tabExperiments {
		t.Fatalf("reopened %+v on tab %d (status %q)", q, h.m.active, h.m.status)
	}
}
