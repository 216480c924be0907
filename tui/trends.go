package tui

import (
	"context"
	"encoding/json"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// trends is tab 1: one line per event (or breakdown value) over time.
type trends struct {
	analysisBase
	q            query.TrendsQuery
	hideAlerts   bool // anomaly markers are on unless toggled off
	showForecast bool // F: the chart continues as a forecast with its band
}

var (
	trendMeasures  = []string{"total", "users", "avg", "dau", "wau", "mau", "stickiness"}
	trendIntervals = []string{"day", "week", "month", "hour"}
)

// chartSeries is how many breakdown values a chart draws; the rest fold
// into "other" (the table and exports keep every value).
const chartSeries = 5

func (a *trends) kind() string          { return "trends" }
func (a *trends) common() *query.Common { return &a.q.Common }
func (a *trends) spec() ([]byte, error) { return specJSON(a, a.q) }
func (a *trends) load(raw []byte) error {
	var q query.TrendsQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// seed starts on the two most common events, daily users.
func (a *trends) seed(sh *shared) {
	a.q.Measure, a.q.Interval = "users", "day"
	for i := 0; i < 2 && i < len(sh.events); i++ {
		a.q.Events = append(a.q.Events, sh.events[i].name)
	}
}

func (a *trends) rows(sh *shared) []row {
	var rs []row
	addEvent := func(sh *shared) dialog {
		return newPicker(i18n.T("Add event"), eventItems(sh, false), false, func(v string) tea.Cmd {
			a.q.Events = append(a.q.Events, v)
			return nil
		})
	}
	for i := range a.q.Events {
		i := i
		rs = append(rs, row{label: i18n.T("event%d", i+1), value: a.q.Events[i],
			edit: func(sh *shared) dialog {
				return newPicker(i18n.T("Event"), eventItems(sh, false), false, func(v string) tea.Cmd { a.q.Events[i] = v; return nil })
			},
			remove: func() { a.q.Events = slices.Delete(a.q.Events, i, i+1) },
			move:   func(d int) bool { return swap(a.q.Events, i, i+d) },
			add:    addEvent,
		})
	}
	plus := i18n.T("+ event")
	if len(a.q.Events) == 0 {
		plus = i18n.T("all events (+ add)")
	}
	rs = append(rs, row{label: i18n.T("event"), value: plus, edit: addEvent, add: addEvent})
	rs = append(rs,
		row{label: i18n.T("measure"), value: valueLabel(orDefault(a.q.Measure, "total")), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Measure"), trendMeasures, func(v string) { a.q.Measure = v })
		}},
		row{label: i18n.T("every"), value: valueLabel(orDefault(a.q.Interval, "day")), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Interval"), trendIntervals, func(v string) { a.q.Interval = v })
		}},
		// Enter toggles the anomaly markers; the chart reads the flag when
		// drawn, so no query runs.
		row{label: i18n.T("alerts"), value: onOff(!a.hideAlerts), edit: func(sh *shared) dialog {
			a.hideAlerts = !a.hideAlerts
			return nil
		}},
		// Enter (or F on the chart) shows or hides the forecast, computed
		// in the background the first time it is shown; no query runs.
		row{label: i18n.T("future"), value: onOff(a.showForecast), edit: func(sh *shared) dialog {
			a.showForecast = !a.showForecast
			return nil
		}},
	)
	return append(rs, commonRows(sh, &a.q.Common, true)...)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (a *trends) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	q := a.q
	q.Events = slices.Clone(q.Events)
	q.Where = slices.Clone(q.Where)
	eng := sh.eng
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		full, err := eng.Trends(ctx, q)
		if err != nil {
			return nil, err
		}
		top, err := full.Top(ctx, chartSeries)
		if err != nil {
			return nil, err
		}
		r := &trendsResult{q: q, full: full, top: top, hide: &a.hideAlerts, show: &a.showForecast, eng: eng}
		// The detector and the forecast read the series (on a ClickHouse
		// table, the cells the server sent) and the data's bounds.
		if r.bounds, err = forecast.BoundsOn(ctx, eng, q.Common); err != nil {
			return nil, err
		}
		if r.alerts, err = chartAlerts(r.bounds, q, top); err != nil {
			return nil, err
		}
		return r, nil
	}, nil
}

// later computes the forecast the first time it is shown: fitting its
// models takes most of a run's time, and it is hidden unless asked for.
func (r *trendsResult) later() func(ctx context.Context) func() {
	if !*r.show || r.fcDone {
		return nil
	}
	return func(ctx context.Context) func() {
		iv, _ := query.ParseInterval(r.q.Interval)
		fc, err := forecast.TrendsWithin(ctx, r.bounds, r.q, r.top, forecast.DefaultHorizon(iv), 1)
		if ctx.Err() != nil {
			return nil
		}
		return func() { r.fc, r.fcErr, r.fcDone = fc, err, true }
	}
}

// trendsResult keeps every series for the table and exports, and the
// folded top series for the chart with their anomalous points.
type trendsResult struct {
	resultBase
	q         query.TrendsQuery
	full, top *query.TrendsResult
	alerts    []alert.Point
	hide      *bool        // the tab's toggle
	show      *bool        // the forecast's toggle
	eng       query.Engine // what ran it: why explains an anomaly on it
	bounds    forecast.Bounds
	// The forecast, computed once shown (later): fcDone is set with
	// fc or fcErr.
	fc     *forecast.Result
	fcErr  error
	fcDone bool
}

func (r *trendsResult) Tables(l i18n.Lang) []output.Table { return r.full.Tables(l) }
func (r *trendsResult) json() any                         { return r.full }

// items are the forecast's anomalies while it is shown (w explains the
// selected one); without them ↑/↓ scroll the table.
func (r *trendsResult) items() int { return len(r.forecastAnomalies()) }
func (r *trendsResult) chart(sh *shared, w, sel int) string {
	if *r.show {
		return forecastChart(sh, r, w, sel)
	}
	return trendsChart(sh, r.top, w, r.markers())
}

// markers are the anomalies the chart marks: none when toggled off.
func (r *trendsResult) markers() []alert.Point {
	if *r.hide {
		return nil
	}
	return r.alerts
}
