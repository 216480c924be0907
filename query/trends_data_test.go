package query

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tpTaobao reads the public Taobao UserBehavior sample (user, item,
// category, behavior, epoch seconds; no header; not sorted by time), with
// the category as a property.
func tpTaobao(t *testing.T) []RawEvent {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "data", "taobao-userbehavior", "UserBehavior.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("public dataset not available (%v); see ../shared/data/README.md", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]RawEvent, 0, len(rows))
	for _, r := range rows {
		sec, err := strconv.ParseInt(strings.TrimSpace(r[4]), 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		evs = append(evs, RawEvent{User: r[0], Event: r[3], Time: sec * 1000, Props: map[string]string{"category": r[2]}})
	}
	return evs
}

// On a real export the engine agrees with the naive references, and the
// event counts agree with those its SOURCE.md documents.
func TestTrendsAndPathsOnTaobaoSample(t *testing.T) {
	evs := tpTaobao(t)
	loc := tpLoc(t, "Asia/Shanghai")
	d := NewDataset(evs, loc)
	ctx := context.Background()
	r, err := d.Trends(ctx, TrendsQuery{Events: []string{"pv", "cart", "fav", "buy"}})
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]float64{"pv": 3926, "cart": 190, "fav": 128, "buy": 77}
	for _, s := range r.Series {
		if s.Total != Num(documented[s.Label]) {
			t.Errorf("%s: %v events, SOURCE.md says %v", s.Label, s.Total, documented[s.Label])
		}
	}
	// The Tianchi window, 2017-11-25..2017-12-03 China time, leaves out
	// the 2017-09-11 outlier.
	window := Common{From: "2017-11-25", To: "2017-12-03"}
	for _, q := range []TrendsQuery{
		{Common: window, Measure: "users"},
		{Common: window, Measure: "dau", Events: []string{"buy"}},
		{Common: window, Measure: "wau", Interval: "week"},
		{Common: window, Measure: "stickiness", Events: []string{"pv", "buy"}},
		{Common: window, Measure: "avg"},
		{Measure: "mau", Interval: "month"},
	} {
		got, err := d.Trends(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveTrends(evs, loc, q)
		for _, s := range got.Series {
			w := want[s.Label]
			if w == nil || len(w.values) != len(s.Points) {
				t.Fatalf("%+v: series %q has %d points, reference %+v", q, s.Label, len(s.Points), w)
			}
			for i, p := range s.Points {
				if p.T != w.labels[i] || !sameNum(p.Value, w.values[i]) {
					t.Errorf("%+v: %q point %s = %v, reference %s %v", q, s.Label, p.T, p.Value, w.labels[i], w.values[i])
				}
			}
		}
	}
	for _, q := range []PathsQuery{
		{From: "pv", Top: 1 << 20},
		{To: "buy", Top: 1 << 20, Depth: 6},
		{From: "cart", Top: 1 << 20, SessionGap: "0", NoCollapse: true},
		{Common: window, To: "cart", Top: 1 << 20, SessionGap: "2h"},
	} {
		got, err := d.Paths(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := naivePaths(evs, loc, q)
		gotPaths := map[string]int64{}
		for _, p := range got.Paths {
			gotPaths[strings.Join(p.Steps, ">")] = p.Users
		}
		if !sameCounts(gotPaths, want) {
			t.Errorf("%+v: paths differ from the reference\n got  %v\n want %v", q, gotPaths, want)
		}
		if got.Users == 0 {
			t.Errorf("%+v: no users", q)
		}
	}
}
