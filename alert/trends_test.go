package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func series(label string, vals ...float64) query.TrendSeries {
	s := query.TrendSeries{Label: label}
	for i, v := range vals {
		s.Points = append(s.Points, query.TrendPoint{T: fmt.Sprintf("2026-03-%02d", i+1), Value: query.Num(v)})
	}
	return s
}

// judge is what spoor alerts does with a result whose series are all
// judged (a daily period; these short series get the trailing fallback).
func judge(r *query.TrendsResult, window int) [][]forecast.Judgement {
	var out [][]forecast.Judgement
	for _, s := range r.Series {
		y := make([]float64, len(s.Points))
		for i, p := range s.Points {
			y[i] = float64(p.Value)
		}
		out = append(out, forecast.Detect(y, 7, DefaultThreshold, window))
	}
	return out
}

func TestEvaluateLatestPoints(t *testing.T) {
	base := []float64{10, 11, 10, 11, 10, 11, 10, 11}
	// "a" spikes at point 8 and drops at the last point 10; "b" is quiet;
	// "c" is flat and jumps by one on its last point.
	a := series("a", append(append([]float64{}, base...), 30, 10.5, 2)...)
	b := series("b", append(append([]float64{}, base...), 10, 11, 10)...)
	c := series("c", 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6)
	r := &query.TrendsResult{Series: []query.TrendSeries{a, b, c}}
	d := Definition{Name: "x", Metric: "--events e", Threshold: 3.5, Window: 14, Points: 1}
	o := Evaluate(d, r, judge(r, 14))
	if !o.Fired || len(o.Points) != 2 || o.Points[0].Series != "a" || o.Points[0].T != "2026-03-11" || o.Points[0].Direction != "drop" ||
		o.Points[1].Series != "c" || o.Points[1].Direction != "spike" {
		t.Fatalf("latest point: %+v", o.Points)
	}
	if len(o.Latest) != 3 || o.Latest[1].Value != 10 {
		t.Fatalf("latest: %+v", o.Latest)
	}
	// With the last three points checked, a's spike on day 9 counts too.
	d.Points = 3
	if o := Evaluate(d, r, judge(r, 14)); len(o.Points) != 3 || o.Points[0].T != "2026-03-09" {
		t.Fatalf("last 3 points: %+v", o.Points)
	}
	// A flat baseline's infinite score is written as "inf" in JSON.
	body, err := json.Marshal(o.Points[1])
	if err != nil || !strings.Contains(string(body), `"score":"inf"`) {
		t.Fatalf("%s %v", body, err)
	}
	body, _ = json.Marshal(o.Points[0])
	if !strings.Contains(string(body), `"score":-`) {
		t.Fatalf("finite score: %s", body)
	}
	// Quiet and empty series do not fire.
	quiet := &query.TrendsResult{Series: []query.TrendSeries{b, {Label: "empty"}}}
	if o := Evaluate(d, quiet, judge(quiet, 14)); o.Fired || len(o.Latest) != 1 {
		t.Fatalf("quiet: %+v", o)
	}
}

func TestForTrendsBreakdown(t *testing.T) {
	r := &query.TrendsResult{Series: []query.TrendSeries{
		series("buy · CN", 3, 4, 3, 4, 3, 4, 3, 4, 20),
		series("buy · US", 3, 4, 3, 4, 3, 4, 3, 4, 3),
	}}
	ta := ForTrends(r, judge(r, 14), DefaultWindow, DefaultThreshold)
	if len(ta.Anomalies) != 1 || ta.Anomalies[0].Series != "buy · CN" || ta.Anomalies[0].Index != 8 || ta.Anomalies[0].Detector != forecast.DetectorTrailing {
		t.Fatalf("%+v", ta)
	}
	tables := ta.Tables(i18n.English)
	last := tables[len(tables)-1]
	if len(last.Rows) != 1 || last.Rows[0][0] != "buy · CN" || last.Rows[0][7] != "spike" {
		t.Fatalf("anomaly table: %+v", last)
	}
}

func TestSavedDefinitions(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "a.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ds, err := List(ctx, db); err != nil || len(ds) != 0 {
		t.Fatalf("empty list: %v %v", ds, err)
	}
	if err := Save(ctx, db, Definition{Name: "b", Metric: "--events buy"}, false); err != nil {
		t.Fatal(err)
	}
	if err := Save(ctx, db, Definition{Name: "a", Metric: "--measure users", Threshold: 5, Window: 28, Points: 2}, false); err != nil {
		t.Fatal(err)
	}
	if err := Save(ctx, db, Definition{Name: "a", Metric: "--measure dau"}, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("duplicate saved: %v", err)
	}
	ds, err := List(ctx, db)
	if err != nil || len(ds) != 2 || ds[0].Name != "a" || ds[0].Threshold != 5 || ds[0].Window != 28 || ds[0].Points != 2 || ds[1].Threshold != DefaultThreshold || ds[1].Created == "" {
		t.Fatalf("list: %+v %v", ds, err)
	}
	if err := Save(ctx, db, Definition{Name: "a", Metric: "--measure dau"}, true); err != nil {
		t.Fatal(err)
	}
	if d, err := Get(ctx, db, "a"); err != nil || d.Metric != "--measure dau" || d.Window != DefaultWindow {
		t.Fatalf("replaced: %+v %v", d, err)
	}
	if err := Remove(ctx, db, "a"); err != nil {
		t.Fatal(err)
	}
	if err := Remove(ctx, db, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	if _, err := Get(ctx, db, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get removed: %v", err)
	}
	for _, bad := range []Definition{{Metric: "--events x"}, {Name: "n"}, {Name: "n", Metric: "m", Threshold: -1}, {Name: "n", Metric: "m", Points: -2}} {
		if err := Save(ctx, db, bad, false); err == nil {
			t.Errorf("saved %+v", bad)
		}
	}
}

// A point the detector did not judge (a partly covered last interval) is
// neither checked nor the latest: the newest judged point is.
func TestEvaluateSkipsUnjudged(t *testing.T) {
	r := &query.TrendsResult{Series: []query.TrendSeries{series("a", 10, 11, 10, 11, 10, 11, 10, 11, 30, 1)}}
	js := judge(r, 14)
	js[0][9] = forecast.Judgement{} // as DetectTrends leaves a partial interval
	o := Evaluate(Definition{Name: "x", Threshold: 3.5, Window: 14, Points: 1}, r, js)
	if !o.Fired || len(o.Points) != 1 || o.Points[0].Index != 8 || o.Latest[0].Index != 8 || o.Latest[0].Detector != forecast.DetectorTrailing {
		t.Fatalf("%+v", o)
	}
}
