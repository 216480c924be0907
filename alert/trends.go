// Package alert marks the anomalous points of trends series with the one
// detector, forecast.Detect (docs/semantics.md#churn-risk-and-alerts), and
// keeps saved alert definitions that spoor alerts evaluates after each
// import.
package alert

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Defaults of an alert and of trends --alerts: the detector's.
const (
	DefaultWindow    = forecast.TrailingWindow // the fallback's trailing points
	DefaultThreshold = forecast.OutlierZ       // robust standard deviations
)

// Point is a judged point of a named series, for listing and charts.
type Point struct {
	Series   string    `json:"series"`
	Index    int       `json:"index"` // position in the series' points
	T        string    `json:"t"`     // the interval's first day, as in the trends output
	Value    query.Num `json:"value"` // null when undefined (avg with no active user)
	Expected float64   `json:"expected"`
	Lo       float64   `json:"lo"`
	Hi       float64   `json:"hi"`
	// Score is how far Value is from Expected in robust standard
	// deviations (on log(1+y) for a log model); ±Inf (JSON "inf"/"-inf")
	// on a flat trailing baseline.
	Score     float64 `json:"score"`
	Direction string  `json:"direction"`
	Detector  string  `json:"detector"` // "forecast", or "trailing" for a series too short to forecast
}

// MarshalJSON writes an infinite score as the string "inf" or "-inf",
// which JSON numbers cannot hold.
func (p Point) MarshalJSON() ([]byte, error) {
	type plain Point
	var score any = p.Score
	if math.IsInf(p.Score, 0) {
		score = scoreSign(p.Score) + "inf"
	}
	return json.Marshal(struct {
		plain
		Score any `json:"score"`
	}{plain(p), score})
}

func scoreSign(s float64) string {
	if s < 0 {
		return "-"
	}
	return ""
}

// point is the judged point i of s.
func point(s query.TrendSeries, i int, j forecast.Judgement) Point {
	dir := "drop"
	if j.Value > j.Expected {
		dir = "spike"
	}
	return Point{Series: s.Label, Index: i, T: s.Points[i].T, Value: s.Points[i].Value, Expected: j.Expected, Lo: j.Lo, Hi: j.Hi,
		Score: j.Score, Direction: dir, Detector: j.Detector}
}

// Series lists the anomalous points of one trend series, given the
// detector's judgement of each of its points (forecast.DetectTrends).
func Series(s query.TrendSeries, js []forecast.Judgement) []Point {
	var out []Point
	for i, j := range js {
		if j.Anomaly {
			out = append(out, point(s, i, j))
		}
	}
	return out
}

// TrendsAlerts is a trends result with the anomalies of its series. Its
// JSON is the trends JSON plus "anomalies", "alert_window" and
// "alert_threshold"; its tables are the trends tables plus one listing
// the anomalies.
type TrendsAlerts struct {
	*query.TrendsResult
	Window    int     `json:"alert_window"`
	Threshold float64 `json:"alert_threshold"`
	Anomalies []Point `json:"anomalies"`
}

// ForTrends marks the anomalies of every series of r, judged by js
// (forecast.DetectTrends with this window and threshold).
func ForTrends(r *query.TrendsResult, js [][]forecast.Judgement, window int, threshold float64) *TrendsAlerts {
	ta := &TrendsAlerts{TrendsResult: r, Window: window, Threshold: threshold, Anomalies: []Point{}}
	for k, s := range r.Series {
		ta.Anomalies = append(ta.Anomalies, Series(s, js[k])...)
	}
	return ta
}

// Tables is the trends tables followed by the anomalies.
func (ta *TrendsAlerts) Tables(l i18n.Lang) []output.Table {
	return append(ta.TrendsResult.Tables(l), AnomalyTable(l, ta.Anomalies, ta.Window, ta.Threshold))
}

// AnomalyTable lists anomalous points.
func AnomalyTable(l i18n.Lang, ps []Point, window int, threshold float64) output.Table {
	t := output.Table{
		Title:   l.T("anomalies (beyond %v robust standard deviations of the one-step forecast; for a series too short to forecast, of the trailing %d points' median)", strconv.FormatFloat(threshold, 'g', -1, 64), window),
		Columns: []string{l.T("series"), l.T("t"), l.T("value"), l.T("expected"), l.T("lo"), l.T("hi"), l.T("score"), l.T("direction"), l.T("detector")},
	}
	for _, p := range ps {
		t.Rows = append(t.Rows, []string{p.Series, p.T, valueText(p.Value), num(p.Expected), num(p.Lo), num(p.Hi), zScore(p.Score), p.Direction, p.Detector})
	}
	return t
}

// num rounds to 2 decimals: the expected value and band are estimates.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func valueText(v query.Num) string {
	if !v.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(v), 'f', -1, 64)
}

func zScore(z float64) string {
	if math.IsInf(z, 0) {
		return scoreSign(z) + "inf (flat baseline)"
	}
	return strconv.FormatFloat(z, 'f', 2, 64)
}
