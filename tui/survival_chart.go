package tui

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/survival"
)

// survivalRows are the Retention tab's rows in its survival view.
func (a *retention) survivalRows(sh *shared) []row {
	pick := func(title string, set func(string)) func(sh *shared) dialog {
		return func(sh *shared) dialog {
			return newPicker(title, eventItems(sh, false), false, func(v string) tea.Cmd { set(v); return nil })
		}
	}
	rs := []row{
		a.viewRow(),
		{label: i18n.T("start"), value: orDefault(a.sq.Start, "-"), edit: pick(i18n.T("Clock starts at the first"), func(v string) { a.sq.Start = v })},
		{label: i18n.T("event"), value: orDefault(a.sq.Event, "-"), edit: pick(i18n.T("Time until the first"), func(v string) { a.sq.Event = v })},
	}
	return append(rs, commonRows(sh, &a.sq.Common, true)...)
}

func (a *retention) survivalRunner() (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	if a.sq.Start == "" || a.sq.Event == "" {
		return nil, i18n.Errorf("pick the start and the target event: Enter on the start and event rows")
	}
	q := a.sq
	q.Where = slices.Clone(q.Where)
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := survival.Analyze(ctx, d, q)
		if err != nil {
			return nil, err
		}
		return newSurvivalResult(r), nil
	}, nil
}

// survivalResult is the survival view's curves; it has no items. A curve
// has a point per distinct event time, 180,000 of them on 10M events,
// and the screen redraws its table on every key: it shows at most
// viewPoints per group, while exports and copies write every point.
type survivalResult struct {
	resultBase
	r     *survival.Result // every point
	shown *survival.Result // at most viewPoints per group
	cut   bool             // shown lacks some points
}

// viewPoints bounds the curve rows drawn per group.
const viewPoints = 200

func newSurvivalResult(r *survival.Result) *survivalResult {
	shown := *r
	shown.Groups = slices.Clone(r.Groups)
	res := &survivalResult{r: r, shown: &shown}
	for i, g := range shown.Groups {
		if n := len(g.Curve); n > viewPoints {
			// Evenly spaced points, the first and the last among them.
			c := make([]survival.Point, viewPoints)
			for k := range c {
				c[k] = g.Curve[k*(n-1)/(viewPoints-1)]
			}
			shown.Groups[i].Curve, res.cut = c, true
		}
	}
	return res
}

func (r *survivalResult) Tables(l i18n.Lang) []output.Table {
	ts := r.shown.Tables(l)
	if r.cut {
		ts[1].Title += l.T("; at most %d points per group shown, export (e) writes every one", viewPoints)
	}
	return ts
}

func (r *survivalResult) full() output.Tabular { return r.r }
func (r *survivalResult) json() any            { return r.r }
func (r *survivalResult) enter() string        { return "" }

func (r *survivalResult) chart(sh *shared, w, _ int) string { return survivalChart(sh, r.r, w) }

// survivalChartHeight is the plot's height in rows, axis excluded.
const survivalChartHeight = 10

// survivalChart draws each group's Kaplan–Meier curve as a step line
// (the share still waiting, 100% at the start), with a legend that
// counts the users still waiting as censored, not as failures.
func survivalChart(sh *shared, r *survival.Result, w int) string {
	st := sh.st
	title := i18n.T("Still waiting for %s after first %s", r.Event, r.Start)
	if r.By != "" {
		title = i18n.T("Still waiting for %s after first %s, by %s", r.Event, r.Start, r.By)
	}
	out := st.Title.Render(truncate(title, w))
	if len(r.Groups) == 0 {
		return out + "\n" + st.Dim.Render(i18n.T("nobody did %s in range", r.Start))
	}
	tmax := 0.0
	for _, g := range r.Groups {
		if n := len(g.Curve); n > 0 {
			tmax = math.Max(tmax, g.Curve[n-1].TSeconds)
		}
	}
	unit, name := timeUnit(tmax)
	const labelW = 6
	cols := max(w-labelW-4, 10)
	groups := r.Groups
	if len(groups) > len(noColorChars)*2 {
		groups = groups[:len(noColorChars)*2] // the largest; the table has them all
	}
	lines := make([]lineSeries, len(groups))
	for i, g := range groups {
		lines[i].values = stepColumns(g.Curve, tmax, cols)
		switch {
		case len(st.SeriesColors) > 0:
			lines[i].color = st.SeriesColors[i%len(st.SeriesColors)]
		case len(groups) > 1:
			if ch := noColorChars[i%len(noColorChars)]; ch != "" {
				cs := asciigraph.CreateCharSet(ch)
				lines[i].chars = &cs
			}
		}
	}
	plot := plotLines(lines, cols, asciigraph.Height(survivalChartHeight), asciigraph.Precision(0),
		asciigraph.YAxisValueFormatter(func(v float64) string { return fmt.Sprintf("%.0f%%", v) }),
		asciigraph.LowerBound(0), asciigraph.UpperBound(100),
		asciigraph.XAxisRange(0, tmax/unit), asciigraph.XAxisTickCount(max(2, min(8, cols/10))),
		asciigraph.XAxisValueFormatter(func(v float64) string { return trimFloat(v) }))
	out += "\n" + plot + "\n" + st.Dim.Render(padLeft(i18n.T("%s since first %s", name, r.Start), w-2))
	var legend []string
	for i, g := range groups {
		mark := "━"
		if len(st.SeriesColors) == 0 && noColorChars[i%len(noColorChars)] != "" {
			mark = noColorChars[i%len(noColorChars)]
		}
		median := i18n.T("median %s", output.Duration(float64(g.MedianSeconds)))
		if !g.MedianSeconds.Valid() {
			median = i18n.T("median not reached")
		}
		legend = append(legend, clip(st.Series[i%len(st.Series)].Render(mark)+" "+truncate(r.GroupName(i18n.Current(), g), 20)+" "+
			st.Dim.Render(i18n.T("%d of %d did it · %d censored · %s", g.Events, g.Users, g.Censored, median)), w))
	}
	out += "\n" + strings.Join(legend, "\n")
	// Censored users are not failures: they were still waiting when the
	// data ends, and count as at risk until then.
	note := i18n.T("censored: still waiting at the data's last event")
	if r.LogrankP.Valid() {
		note += i18n.T(" · log-rank p = %s", strconv.FormatFloat(float64(r.LogrankP), 'f', 4, 64))
	}
	out += "\n" + st.Dim.Render(truncate(note, w))
	return out
}

// stepColumns samples a curve's step function, in percent, at cols
// evenly spaced times from 0 to tmax: one value per column, so the plot
// draws flat runs and vertical drops, never a slope between two points.
func stepColumns(curve []survival.Point, tmax float64, cols int) []float64 {
	out := make([]float64, cols)
	j, s := 0, 100.0
	for c := range out {
		t := tmax * float64(c) / float64(max(cols-1, 1))
		for ; j < len(curve) && curve[j].TSeconds <= t; j++ {
			s = 100 * curve[j].Survival
		}
		out[c] = s
	}
	return out
}

// timeUnit picks the x axis unit for a span of seconds: seconds per unit
// and its name.
func timeUnit(sec float64) (float64, string) {
	switch {
	case sec >= 3*86400:
		return 86400, i18n.T("days")
	case sec >= 3*3600:
		return 3600, i18n.T("hours")
	case sec >= 180:
		return 60, i18n.T("minutes")
	}
	return 1, i18n.T("seconds")
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) || v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
