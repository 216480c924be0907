package tui

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/survival"
)

// TestSurvivalView switches the Retention tab to its survival view, as a
// person would: the curves come from survival.Analyze with the seeded
// events, the chart says who is still waiting, and --by adds the test.
func TestSurvivalView(t *testing.T) {
	h := newHarness(t, 100, 40)
	h.keys("4")
	goRow(t, h, "view")
	h.keys("<enter>", "survival", "<enter>")
	a := h.m.tab().a.(*retention)
	seed := h.m.sh.funnelSeed
	if a.kind() != "survival" || a.sq.Start != seed[0] || a.sq.Event != seed[len(seed)-1] {
		t.Fatalf("survival view: kind %s, query %+v (seed %v)", a.kind(), a.sq, seed)
	}
	res, ok := h.m.tab().res.(*survivalResult)
	if !ok {
		t.Fatalf("result %T, want the survival curves", h.m.tab().res)
	}
	want, err := survival.Analyze(context.Background(), h.m.sh.d, a.sq)
	if err != nil {
		t.Fatal(err)
	}
	// As JSON: undefined statistics are NaN, which DeepEqual never equals.
	got, _ := json.Marshal(res.r)
	if exp, _ := json.Marshal(want); string(got) != string(exp) {
		t.Fatalf("the view's result differs from survival.Analyze")
	}
	g := want.Groups[0]
	h.contains("Still waiting for "+a.sq.Event, "days since first "+a.sq.Start, "censored: still waiting")
	h.contains(g.Name + " " + strconv.Itoa(g.Events) + " of " + strconv.Itoa(g.Users) + " did it · " + strconv.Itoa(g.Censored) + " censored")

	goRow(t, h, "by")
	h.keys("<enter>", "device", "<enter>")
	res = h.m.tab().res.(*survivalResult)
	if len(res.r.Groups) != 3 || !res.r.LogrankP.Valid() {
		t.Fatalf("by device: %d groups, p %v", len(res.r.Groups), res.r.LogrankP)
	}
	h.contains("log-rank p = ")

	// Back to the cohorts: the retention query was kept.
	goRow(t, h, "view")
	h.keys("<enter>", "cohorts", "<enter>")
	if a.kind() != "retention" {
		t.Fatalf("kind %s after switching back", a.kind())
	}
	if _, ok := h.m.tab().res.(*retentionResult); !ok {
		t.Fatalf("result %T, want the cohort table", h.m.tab().res)
	}
}

// TestOpenSurvivalSpec: a saved survival spec opens in the Retention tab's
// survival view, and the tab saves it back as the same kind.
func TestOpenSurvivalSpec(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	spec := `{"analysis":"survival","start":"page_view","event":"purchase","by":"device"}`
	if err := os.WriteFile("wait.json", []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 100, 30)
	h.keys("o", "<enter>")
	if h.m.active != tabRetention {
		t.Fatalf("opened spec shows tab %d", h.m.active)
	}
	a := h.m.tab().a.(*retention)
	if !a.survival || a.sq.Start != "page_view" || a.sq.Event != "purchase" || a.sq.By != "device" {
		t.Fatalf("opened %+v", a.sq)
	}
	if _, ok := h.m.tab().res.(*survivalResult); !ok {
		t.Fatalf("result %T", h.m.tab().res)
	}
	b, err := a.spec()
	if err != nil || !strings.Contains(string(b), `"analysis": "survival"`) || !strings.Contains(string(b), `"event": "purchase"`) {
		t.Fatalf("spec %s %v", b, err)
	}
}

// TestStepColumns: S = 0.5 from 10 s, 0.25 from 20 s, sampled at 0, 5,
// 10, 15 and 20 s: flat, then a drop at each event time.
func TestStepColumns(t *testing.T) {
	curve := []survival.Point{{TSeconds: 10, Survival: 0.5}, {TSeconds: 20, Survival: 0.25}}
	if got := stepColumns(curve, 20, 5); !reflect.DeepEqual(got, []float64{100, 100, 50, 50, 25}) {
		t.Errorf("columns %v", got)
	}
}

// TestSurvivalTableAbridged: a curve of 1,000 points shows 200 on screen,
// the first and the last among them, and an export writes all 1,000.
func TestSurvivalTableAbridged(t *testing.T) {
	g := survival.Group{Name: "all users", Users: 1000, Events: 1000}
	for i := range 1000 {
		g.Curve = append(g.Curve, survival.Point{TSeconds: float64(i + 1), AtRisk: 1000 - i, Events: 1, Survival: float64(999-i) / 1000})
	}
	res := newSurvivalResult(&survival.Result{Start: "a", Event: "b", Groups: []survival.Group{g}})
	curve := res.Tables(i18n.English)[1]
	if len(curve.Rows) != viewPoints || curve.Rows[0][2] != "1" || curve.Rows[viewPoints-1][2] != "1000" ||
		!strings.Contains(curve.Title, "export (e) writes every one") {
		t.Fatalf("screen table: %d rows, first %v, last %v, title %q", len(curve.Rows), curve.Rows[0], curve.Rows[len(curve.Rows)-1], curve.Title)
	}
	out, err := exportResult(res, "csv", "spoor survival", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "\nall users,"); n != 1000+1 { // the summary row and every point
		t.Errorf("export has %d rows of the group, want 1001", n)
	}
	if len(res.r.Groups[0].Curve) != 1000 {
		t.Errorf("the full result lost points: %d", len(res.r.Groups[0].Curve))
	}
}
