package tui

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/why"
)

// fcAnomaly is one past point outside its series' band.
type fcAnomaly struct {
	series int // index in top.Series and fc.Series
	index  int // point index in the forecast's history
	pt     alert.Point
}

// forecastAnomalies are the points outside the band of every forecast
// series, in series then time order: the one detector while the forecast
// is shown.
func (r *trendsResult) forecastAnomalies() []fcAnomaly {
	if r.fc == nil || !*r.show {
		return nil
	}
	var out []fcAnomaly
	for s, fs := range r.fc.Series {
		for i, p := range fs.Past {
			if !p.Anomaly {
				continue
			}
			dir := "spike"
			switch {
			case p.Gap:
				dir = "gap" // nothing recorded: left out of the forecast
			case p.Value < p.Expected:
				dir = "drop"
			}
			out = append(out, fcAnomaly{series: s, index: i, pt: alert.Point{Index: i, T: p.T, Series: fs.Name, Value: query.Num(p.Value), Expected: p.Expected, Lo: p.Lo, Hi: p.Hi, Direction: dir}})
		}
	}
	return out
}

// enter: nothing; w explains the selected anomaly (resultKeys names it).
func (r *trendsResult) enter() string { return "" }

func (r *trendsResult) resultKeys(k KeyMap) []key.Binding {
	if *r.show {
		return []key.Binding{k.Forecast, k.Why}
	}
	return []key.Binding{k.Forecast}
}

func (r *trendsResult) key(sh *shared, sel int, msg tea.KeyMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, sh.keys.Forecast):
		*r.show = !*r.show
		if *r.show && r.fcErr != nil {
			return statusCmd(i18n.T("forecast: %v", r.fcErr), true), true
		}
		return nil, true
	case key.Matches(msg, sh.keys.Why):
		return r.why(sh, sel), true
	}
	return nil, false
}

// why explains the selected anomaly as spoor why does: its day against the
// same weekday of up to four weeks before, over every property.
func (r *trendsResult) why(sh *shared, sel int) tea.Cmd {
	as := r.forecastAnomalies()
	if !*r.show {
		return statusCmd(i18n.T("F shows the forecast; w explains one of its anomalies"), false)
	}
	if len(as) == 0 {
		return statusCmd(i18n.T("no anomaly to explain: every point is inside its band"), false)
	}
	if iv, _ := query.ParseInterval(r.q.Interval); iv != query.Day {
		return statusCmd(i18n.T("why compares days: set every to day"), false)
	}
	a := as[min(sel, len(as)-1)]
	s := r.top.Series[a.series]
	q := why.Query{Events: r.q.Events, Measure: query.MeasureTotal, Keys: make([]string, 0, len(sh.props))}
	q.Where, q.Segment, q.TZ = append([]string(nil), r.q.Where...), r.q.Segment, r.q.TZ
	if s.Event != "" {
		q.Events = []string{s.Event}
	}
	if r.q.Measure == query.MeasureUsers || r.q.Measure == query.MeasureDAU {
		q.Measure = query.MeasureUsers
	}
	if r.q.By != "" && s.Value != query.NoneValue && s.Value != query.OtherValue && !strings.HasPrefix(r.q.By, "segment:") {
		q.Where = append(q.Where, r.q.By+" = "+s.Value)
	}
	for _, p := range sh.props {
		q.Keys = append(q.Keys, p.name)
	}
	for _, e := range sh.saved {
		if e.kind.Noun == segment.Segments.Noun {
			q.Keys = append(q.Keys, "segment:"+e.Name)
		}
	}
	q.After = why.Period{From: a.pt.T, To: a.pt.T}
	q.Before = why.SameWeekdays(a.pt.T, r.fc.Series[a.series].Past[0].T, 4)
	if len(q.Before) == 0 {
		return statusCmd(i18n.T("%s has no earlier week to compare with", a.pt.T), false)
	}
	eng := r.eng
	return func() tea.Msg {
		res, err := why.Evaluate(context.Background(), eng, q)
		if err != nil {
			return statusMsg{text: i18n.T("why: %v", err), err: true}
		}
		// The verdict and the totals get lines of their own: the table's
		// title would be cut at the screen's width.
		b := bytes.NewBufferString(i18n.T("%s against %s\nbefore %s, after %s, change %s\n%s\n\n",
			res.AfterPeriod, res.BeforePeriod, fnum(res.Before), fnum(res.After), fnum(res.Change), res.VerdictText()))
		if err := output.Write(b, "table", res); err != nil {
			return statusMsg{text: i18n.T("why: %v", err), err: true}
		}
		return pageMsg{p: &textPage{title: i18n.T("Why %s moved on %s", query.SeriesName(i18n.Current(), s.Label), a.pt.T), lines: strings.Split(strings.TrimRight(b.String(), "\n"), "\n")}}
	}
}

// forecastChart draws the history, each series continued as a dotted
// forecast, and the first series' band: its one-step anomaly band over the
// past and its 95% interval ahead. The anomalies (points outside the band)
// are marked, sel highlighted in the list under the legend.
func forecastChart(sh *shared, r *trendsResult, w, sel int) string {
	if !r.fcDone {
		return trendsChart(sh, r.top, w, r.markers()) + "\n" + sh.st.Status.Render(truncate(i18n.T("forecasting…"), w))
	}
	if r.fc == nil || len(r.fc.Series) == 0 || r.fc.Series[0].Refused != "" {
		msg := i18n.T("no forecast")
		switch {
		case r.fcErr != nil:
			msg = i18n.T("no forecast: %s", r.fcErr.Error())
		case r.fc != nil && len(r.fc.Series) > 0:
			msg = i18n.T("no forecast: %s", r.fc.Series[0].RefusedText())
		}
		// A series too short to forecast keeps the markers of the
		// detector's fallback, as with the forecast hidden.
		return trendsChart(sh, r.top, w, r.markers()) + "\n" + sh.st.Error.Render(truncate(msg, w))
	}
	fc := r.fc
	past := len(fc.Series[0].Past)
	h := fc.Horizon
	n := past + h
	nan := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	top := 0.0
	var lines []lineSeries
	dotted := asciigraph.CreateCharSet("·")
	for i, s := range fc.Series {
		if s.Refused != "" {
			continue
		}
		color := asciigraph.Default
		if len(sh.st.SeriesColors) > 0 {
			color = sh.st.SeriesColors[i%len(sh.st.SeriesColors)]
		}
		hist, ahead := nan(), nan()
		for j, p := range s.Past {
			hist[j] = p.Value
			top = math.Max(top, p.Value)
		}
		ahead[past-1] = s.Past[past-1].Value
		for j, p := range s.Forecast {
			ahead[past+j] = p.Value
			top = math.Max(top, p.Value)
		}
		lines = append(lines, lineSeries{values: hist, color: color}, lineSeries{values: ahead, color: color, chars: &dotted})
		if i > 0 {
			continue
		}
		lo, hi := nan(), nan()
		for j, p := range s.Past {
			lo[j], hi[j] = math.Max(p.Lo, 0), p.Hi
		}
		for j, p := range s.Forecast {
			lo[past+j], hi[past+j] = p.Lo95, p.Hi95
			top = math.Max(top, p.Hi95)
		}
		band := asciigraph.CreateCharSet("˙")
		bandColor := asciigraph.Default
		if len(sh.st.SeriesColors) > 0 {
			bandColor = asciigraph.DarkGray
		}
		lines = append(lines, lineSeries{values: lo, color: bandColor, chars: &band}, lineSeries{values: hi, color: bandColor, chars: &band})
	}
	labels := make([]string, 0, n)
	for _, p := range fc.Series[0].Past {
		labels = append(labels, p.T)
	}
	for _, p := range fc.Series[0].Forecast {
		labels = append(labels, p.T)
	}
	plot, plotW := datedPlot(lines, top, w, n, func(i int) string { return labels[i] })
	title := sh.st.Title.Render(truncate(i18n.T("%s per %s, forecast %d ahead (F hides) — %s %s", valueLabel(r.top.Measure), valueLabel(r.top.Interval), h, query.SeriesName(i18n.Current(), fc.Series[0].Name), fc.Series[0].ModelText()), w))
	bt := sh.st.Dim.Render(truncate(fc.Series[0].BacktestText(i18n.Current()), w))
	legend := sh.st.Dim.Render(truncate(i18n.T("solid: history · dotted: forecast · ˙ band: expected range (95%% ahead); ▲ outside it"), w))
	out := title + "\n" + plot
	as := r.forecastAnomalies()
	if len(as) > 0 {
		pts := make([]alert.Point, len(as))
		for i, a := range as {
			pts[i] = a.pt
			pts[i].Index = a.index
		}
		out += "\n" + alertMarkers(sh, plot, pts, n, plotW)
	}
	out += "\n" + legend + "\n" + bt
	if note := fc.NoteText(); note != "" {
		out += "\n" + sh.st.Dim.Render(truncate(note, w))
	}
	// The list shows alertListMax anomalies, scrolled to keep sel in view.
	first := max(0, min(sel-alertListMax+1, len(as)-alertListMax))
	for i, a := range as {
		if i < first {
			continue
		}
		if i == first+alertListMax {
			out += "\n" + sh.st.Dim.Render(truncate(i18n.T("… %d more (spoor forecast lists them all)", len(as)-i), w))
			break
		}
		mark := "  "
		if i == sel {
			mark = "› "
		}
		band := r.fc.Series[a.series].Past[a.index]
		out += "\n" + mark + sh.st.Error.Render("▲ ") + truncate(i18n.T("%s %s %s: %s, expected %s (band %s–%s)", shortDate(a.pt.T), a.pt.Series, direction(a.pt.Direction),
			fnum(float64(a.pt.Value)), fnum(band.Expected), fnum(math.Max(band.Lo, 0)), fnum(band.Hi)), w-4)
	}
	if len(as) > 0 {
		out += "\n" + sh.st.Dim.Render(truncate(i18n.T("↑/↓ picks an anomaly, w explains it (spoor why)"), w))
	}
	return out
}

func fnum(v float64) string {
	if math.Abs(v) >= 100 || v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
