package tui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/i18n"
)

// TestAttributionView: the Funnel tab's attribution view, driven by keys,
// runs every model on the conversion and touch picked, and draws each
// model's credit as the engine computes it.
func TestAttributionView(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("2")
	goRow(t, h, "view")
	h.keys("<enter>", "attribution", "<enter>")
	f := h.m.tabs[tabFunnel].a.(*funnel)
	if f.kind() != "attribution" || f.attr.q.Conversion != "purchase" {
		t.Fatalf("view %q, query %+v", f.kind(), f.attr.q)
	}
	// The fixture has no utm_source: the touch is to be picked first.
	h.contains("pick the touch property")
	goRow(t, h, "touch")
	h.keys("<enter>", "城市", "<enter>")
	h.contains("purchase credited by 城市", "first", "time_decay", "position", "(direct)")
	res, ok := h.m.tabs[tabFunnel].res.(*attributionResult)
	if !ok {
		t.Fatalf("result %T", h.m.tabs[tabFunnel].res)
	}
	// Every model's numbers are the engine's, for the same query.
	differ := false
	for k, m := range attribution.Models {
		q := f.attr.q
		q.Model = m
		want, err := attribution.Compute(context.Background(), h.m.sh.d, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range want.Rows {
			if got := res.credit(k, row.Touch); got.Conversions != row.Conversions || got.Users != row.Users {
				t.Errorf("%s %s: %+v, engine %+v", m, row.Touch, got, row)
			}
			if first := res.credit(0, row.Touch); first.Conversions != row.Conversions {
				differ = true
			}
		}
	}
	// The city is set on coupon events only, a few per user: the models
	// must not all agree, or the view shows one model five times.
	if !differ {
		t.Error("every model gave the same credit")
	}
	// Tables: a column per model, the values in the order model's order.
	tb := res.Tables(i18n.English)
	if len(tb) != 2 || strings.Join(tb[0].Columns, ",") != "touch,first,last,linear,time_decay,position" || tb[0].Rows[0][0] != res.values[0] {
		t.Errorf("tables %+v", tb)
	}
	// Saved as a spec of kind attribution, which the tab opens back from
	// the funnel view.
	spec, err := f.spec()
	if err != nil || !strings.Contains(string(spec), `"analysis": "attribution"`) || !strings.Contains(string(spec), `"touch": "城市"`) {
		t.Fatalf("spec %s %v", spec, err)
	}
	var raw map[string]any
	json.Unmarshal(spec, &raw)
	delete(raw, "analysis")
	b, _ := json.Marshal(raw)
	f.View = viewFunnel
	if held, err := f.loadKind("attribution", b); !held || err != nil || f.kind() != "attribution" || f.attr.q.Touch != "城市" {
		t.Errorf("loadKind: %v %v %q %+v", held, err, f.kind(), f.attr.q)
	}
	if held, _ := f.loadKind("retention", b); held {
		t.Error("the funnel tab took a retention spec")
	}
	// Back to the funnel: its steps are as they were.
	goRow(t, h, "view")
	h.keys("<enter>", "funnel", "<enter>")
	if f.kind() != "funnel" || len(f.q.Steps) < 2 {
		t.Errorf("back to the funnel: %q %+v", f.kind(), f.q.Steps)
	}
	h.contains("Funnel")
}
