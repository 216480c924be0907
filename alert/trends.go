package alert

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Point is an anomalous point of a named series, for listing and charts.
type Point struct {
	Series    string    `json:"series"`
	Index     int       `json:"index"` // position in the series' points
	T         string    `json:"t"`     // the interval's first day, as in the trends output
	Value     query.Num `json:"value"` // null when undefined (avg with no active user)
	Median    float64   `json:"median"`
	MAD       float64   `json:"mad"`
	Score     float64   `json:"score"` // robust z; ±Inf (JSON "inf"/"-inf") on a flat baseline
	Direction string    `json:"direction"`
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

// Series finds the anomalous points of one trend series.
func Series(s query.TrendSeries, window int, threshold float64) []Point {
	vals := make([]float64, len(s.Points))
	for i, p := range s.Points {
		vals[i] = float64(p.Value) // an undefined point (NaN) is skipped by Detect
	}
	var out []Point
	for _, a := range Detect(vals, window, threshold) {
		dir := "drop"
		if a.Spike() {
			dir = "spike"
		}
		out = append(out, Point{Series: s.Label, Index: a.Index, T: s.Points[a.Index].T, Value: query.Num(a.Value),
			Median: a.Median, MAD: a.MAD, Score: a.Score, Direction: dir})
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

// ForTrends marks the anomalies of every series of r (window and
// threshold ≤ 0 mean the defaults, 14 points and 3.5).
func ForTrends(r *query.TrendsResult, window int, threshold float64) *TrendsAlerts {
	if window <= 0 {
		window = DefaultWindow
	}
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	ta := &TrendsAlerts{TrendsResult: r, Window: window, Threshold: threshold, Anomalies: []Point{}}
	for _, s := range r.Series {
		ta.Anomalies = append(ta.Anomalies, Series(s, window, threshold)...)
	}
	return ta
}

// Tables is the trends tables followed by the anomalies.
func (ta *TrendsAlerts) Tables() []output.Table {
	return append(ta.TrendsResult.Tables(), AnomalyTable(ta.Anomalies, ta.Window, ta.Threshold))
}

// AnomalyTable lists anomalous points.
func AnomalyTable(ps []Point, window int, threshold float64) output.Table {
	t := output.Table{
		Title:   fmt.Sprintf("anomalies (robust z beyond %g against the trailing %d points)", threshold, window),
		Columns: []string{"series", "t", "value", "baseline median", "MAD", "robust z", "direction"},
	}
	for _, p := range ps {
		t.Rows = append(t.Rows, []string{p.Series, p.T, valueText(p.Value), num(p.Median), num(p.MAD), zScore(p.Score), p.Direction})
	}
	return t
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func valueText(v query.Num) string {
	if !v.Valid() {
		return "-"
	}
	return num(float64(v))
}

func zScore(z float64) string {
	if math.IsInf(z, 0) {
		return scoreSign(z) + "inf (flat baseline)"
	}
	return strconv.FormatFloat(z, 'f', 2, 64)
}
