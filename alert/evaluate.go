package alert

import (
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Outcome is one saved alert evaluated over the latest data.
type Outcome struct {
	Name   string  `json:"name"`
	Metric string  `json:"metric"`
	Fired  bool    `json:"fired"`
	Points []Point `json:"points"`          // anomalies among the latest points
	Error  string  `json:"error,omitempty"` // the metric could not be computed
	// Latest is each series' newest point, so a quiet run still shows
	// what was checked.
	Latest []Point `json:"latest"`
}

// Evaluate checks the latest d.Points judged points of every series of r,
// judged by js (forecast.DetectTrends with d's window and threshold). A
// partly covered last interval is not judged, so the newest point checked
// is the last complete one.
func Evaluate(d Definition, r *query.TrendsResult, js [][]forecast.Judgement) Outcome {
	o := Outcome{Name: d.Name, Metric: d.Metric, Points: []Point{}, Latest: []Point{}}
	for k, s := range r.Series {
		n := len(s.Points)
		if n == 0 {
			continue
		}
		var judged []int
		for i, j := range js[k] {
			if j.Judged {
				judged = append(judged, i)
			}
		}
		for _, i := range judged[max(0, len(judged)-d.Points):] {
			if js[k][i].Anomaly {
				o.Points = append(o.Points, point(s, i, js[k][i]))
			}
		}
		if len(judged) == 0 {
			o.Latest = append(o.Latest, Point{Series: s.Label, Index: n - 1, T: s.Points[n-1].T, Value: s.Points[n-1].Value})
			continue
		}
		last := judged[len(judged)-1]
		o.Latest = append(o.Latest, point(s, last, js[k][last]))
	}
	o.Fired = len(o.Points) > 0
	return o
}

// Outcomes is the result of spoor alerts.
type Outcomes struct {
	Alerts []Outcome `json:"alerts"`
	Fired  int       `json:"fired"`
	Failed int       `json:"failed"`
}

// Add records one outcome.
func (r *Outcomes) Add(o Outcome) {
	r.Alerts = append(r.Alerts, o)
	if o.Fired {
		r.Fired++
	}
	if o.Error != "" {
		r.Failed++
	}
}

// Tables lists each alert's status and the points that fired it.
func (r *Outcomes) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("alert"), l.T("status"), l.T("series"), l.T("t"), l.T("value"), l.T("expected"), l.T("score")}}
	for _, o := range r.Alerts {
		switch {
		case o.Error != "":
			t.Rows = append(t.Rows, []string{o.Name, "error", "", "", "", "", o.Error})
		case o.Fired:
			for _, p := range o.Points {
				t.Rows = append(t.Rows, []string{o.Name, "FIRED " + p.Direction, p.Series, p.T, valueText(p.Value), num(p.Expected), zScore(p.Score)})
			}
		default:
			for _, p := range o.Latest {
				t.Rows = append(t.Rows, []string{o.Name, "ok", p.Series, p.T, valueText(p.Value), num(p.Expected), zScore(p.Score)})
			}
			if len(o.Latest) == 0 {
				t.Rows = append(t.Rows, []string{o.Name, "ok", "(no data)", "", "", "", ""})
			}
		}
	}
	return []output.Table{t}
}
