package query

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestFunnelFromPersonsMatchesScan: the result assembled from per-person
// outcomes equals the Dataset's own for the same persons (u1 converts in
// 5m then 55m, u2 stops at cart, u3 at view, u4 never views).
func TestFunnelFromPersonsMatchesScan(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	at := func(h, m int) int64 { return day + int64(h)*3_600_000 + int64(m)*60_000 }
	raw := []RawEvent{
		{User: "u1", Event: "view", Time: at(10, 0), Props: map[string]string{"c": "CN"}}, {User: "u1", Event: "cart", Time: at(10, 5)}, {User: "u1", Event: "buy", Time: at(11, 0)},
		{User: "u2", Event: "view", Time: at(10, 0)}, {User: "u2", Event: "cart", Time: at(34, 0)},
		{User: "u3", Event: "view", Time: at(12, 0), Props: map[string]string{"c": "CN"}},
		{User: "u4", Event: "cart", Time: at(10, 0)},
		{User: "zz", Event: "other", Time: at(24*30, 0)},
	}
	d := NewDataset(raw, time.UTC)
	q := FunnelQuery{Steps: FunnelSteps([]string{"view", "cart", "buy"}), Common: Common{By: "c"}}
	want, err := d.Funnel(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	persons := []FunnelPerson{
		{User: "u1", Level: 2, Start: at(10, 0), By: "CN", HasBy: true, Deltas: []int64{5 * 60_000, 55 * 60_000}},
		{User: "u2", Level: 1, Start: at(10, 0), Deltas: []int64{24 * 3_600_000}},
		{User: "u3", Level: 0, Start: at(12, 0), By: "CN", HasBy: true, Deltas: []int64{}},
	}
	span, err := q.Span(time.UTC, d.MinTime, d.MaxTime)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FunnelFromPersons(q, span, persons)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Fatalf("got  %s\nwant %s", gj, wj)
	}
	if u := got.DroppedAt(1); !slices.Equal(u, []string{"u2"}) {
		t.Fatalf("dropped at cart: %v, want u2", u)
	}
	if _, err := FunnelFromPersons(q, span, []FunnelPerson{{User: "x", Level: 1}}); err == nil {
		t.Fatal("a person at level 1 without a time to convert was accepted")
	}
}
