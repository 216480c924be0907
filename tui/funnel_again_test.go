package tui

import (
	"context"
	"encoding/json"
	"testing"
)

// TestFunnelEditsReuseResult: picking another trend interval or
// --by property is answered from the funnel on screen (the same
// per-person result, not a new search of every attempt), and the answer
// is the engine's for the edited query; any other edit runs the funnel
// again.
func TestFunnelEditsReuseResult(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("2")
	before, ok := h.m.tab().res.(*funnelResult)
	if !ok {
		t.Fatalf("no funnel on screen: %v", h.m.tab().err)
	}
	goRow(t, h, "trend")
	h.keys("<enter>", "week", "<enter>")
	after, ok := h.m.tab().res.(*funnelResult)
	if !ok || funnelQ(t, h).Interval != "week" || after.r.Interval != "week" {
		t.Fatalf("after the edit: %+v, query %+v", h.m.tab().res, funnelQ(t, h))
	}
	if &after.r.Level[0] != &before.r.Level[0] {
		t.Error("the interval edit scanned the events again")
	}
	want, err := h.m.sh.d.Funnel(context.Background(), funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := json.Marshal(after.r)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("shown %s\nengine %s", gj, wj)
	}
	// A --by edit walks each person's counted attempt again, with the
	// same per-person result.
	goRow(t, h, "by")
	h.keys("<enter>", "country", "<enter>")
	byCountry, ok := h.m.tab().res.(*funnelResult)
	if !ok || funnelQ(t, h).By != "country" || &byCountry.r.Level[0] != &before.r.Level[0] {
		t.Fatalf("after the --by edit: %+v, query %+v", h.m.tab().res, funnelQ(t, h))
	}
	want, err = h.m.sh.d.Funnel(context.Background(), funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	gj, _ = json.Marshal(byCountry.r)
	wj, _ = json.Marshal(want)
	if string(gj) != string(wj) || len(want.Breakdown) < 2 {
		t.Fatalf("shown %s\nengine %s", gj, wj)
	}
	goRow(t, h, "window")
	h.keys("<enter>", "1d", "<enter>")
	again, ok := h.m.tab().res.(*funnelResult)
	if !ok || again.r.WindowSeconds != 86400 || &again.r.Level[0] == &byCountry.r.Level[0] {
		t.Fatalf("a window edit was not run: %+v", h.m.tab().res)
	}
}
