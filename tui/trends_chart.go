package tui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// trendsChartHeight is the plot's height in rows, axis excluded.
const trendsChartHeight = 10

// noColorChars draw each series with its own character when there are no
// colors (NO_COLOR), so lines stay apart.
var noColorChars = []string{"", "•", "+", "x", "o", "*"}

// datedPlot draws lines of n points each, none above top, as one line
// chart w columns wide with dates on the x axis (date(i) is point i's);
// plotW is the width of the plot area, where markers go under it.
func datedPlot(lines []lineSeries, top float64, w, n int, date func(i int) string) (plot string, plotW int) {
	prec := uint(0)
	if top < 10 {
		prec = 2
	}
	labelW := len(strconv.FormatFloat(top, 'f', int(prec), 64)) + 2
	plotW = max(w-labelW-6, 10)
	plot = plotLines(lines, plotW,
		asciigraph.Height(trendsChartHeight),
		asciigraph.Precision(prec), asciigraph.YAxisValueFormatter(axisLabel(prec)),
		asciigraph.LowerBound(0),
		asciigraph.XAxisRange(0, float64(n-1)),
		asciigraph.XAxisTickCount(max(2, min(n, (w-labelW)/12))),
		asciigraph.XAxisValueFormatter(func(v float64) string {
			return shortDate(date(min(max(int(math.Round(v)), 0), n-1)))
		}),
	)
	return axisDates(plot, n, date), plotW
}

// axisDates places the x-axis labels of a plot over n points (drawn with
// XAxisRange(0, n-1)) by display width: asciigraph centres a label by its
// runes, which pushes a Chinese date (6月18日, two cells a character) off
// its tick and past the edge. Labels go where asciigraph puts ASCII ones:
// centred on each ┬ of the axis, skipped when they would touch the one
// before.
func axisDates(plot string, n int, date func(i int) string) string {
	lines := strings.Split(plot, "\n")
	axis := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "└") {
			axis = i
			break
		}
	}
	if axis < 0 || n < 1 {
		return plot
	}
	var ticks []int
	for c, r := range []rune(ansi.Strip(lines[axis])) { // one cell a rune: box drawing
		if r == '┬' {
			ticks = append(ticks, c)
		}
	}
	var b strings.Builder
	at, lastEnd := 0, -1
	for j, c := range ticks {
		i := 0
		if len(ticks) > 1 {
			i = int(math.Round(float64(j) / float64(len(ticks)-1) * float64(n-1)))
		}
		label := shortDate(date(min(max(i, 0), n-1)))
		lw := ansi.StringWidth(label)
		start := max(c-lw/2, 0)
		if start <= lastEnd {
			continue
		}
		b.WriteString(strings.Repeat(" ", start-at) + label)
		at = start + lw
		lastEnd = at
	}
	if axis+1 < len(lines) {
		lines[axis+1] = b.String()
	} else if b.Len() > 0 {
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n")
}

// trendsChart draws the series as one asciigraph line chart with dates on
// the x axis and a legend of labels and totals; anomalous points get a ▲
// under their column and a line each under the legend.
func trendsChart(sh *shared, r *query.TrendsResult, w int, alerts []alert.Point) string {
	title := sh.st.Title.Render(truncate(i18n.T("%s per %s, %s → %s", valueLabel(r.Measure), valueLabel(r.Interval), r.From, r.To), w))
	if len(r.Series) == 0 || len(r.Series[0].Points) == 0 {
		return title + "\n" + sh.st.Dim.Render(i18n.T("no events in range"))
	}
	top := 0.0
	lines := make([]lineSeries, len(r.Series))
	for i, s := range r.Series {
		lines[i].values = make([]float64, len(s.Points))
		for j, p := range s.Points {
			lines[i].values[j] = float64(p.Value) // NaN (undefined) is a gap
			top = math.Max(top, p.Value.Or(0))
		}
		switch {
		case len(sh.st.SeriesColors) > 0:
			lines[i].color = sh.st.SeriesColors[i%len(sh.st.SeriesColors)]
		case len(r.Series) > 1:
			// Without colors each series has its own character.
			if ch := noColorChars[i%len(noColorChars)]; ch != "" {
				cs := asciigraph.CreateCharSet(ch)
				lines[i].chars = &cs
			}
		}
	}
	n := len(r.Series[0].Points)
	plot, plotW := datedPlot(lines, top, w, n, func(i int) string { return r.Series[0].Points[i].T })
	var legend []string
	for i, s := range r.Series {
		mark := "━"
		if len(sh.st.SeriesColors) == 0 && noColorChars[i%len(noColorChars)] != "" {
			mark = noColorChars[i%len(noColorChars)]
		}
		st := sh.st.Series[i%len(sh.st.Series)]
		legend = append(legend, st.Render(mark)+" "+truncate(r.SeriesText(i18n.Current(), s), 24)+" "+sh.st.Dim.Render(formatTotal(r.Measure, s.Total)))
	}
	out := title + "\n" + plot
	if len(alerts) > 0 {
		out += "\n" + alertMarkers(sh, plot, alerts, n, plotW) + "\n" + wrapJoin(legend, "   ", w) + "\n" + alertList(sh, alerts, w)
		return out
	}
	return out + "\n" + wrapJoin(legend, "   ", w)
}

// chartAlerts finds the anomalous points of the charted series (q's
// result on d) with the one detector and the defaults of spoor trends
// --alerts: the points the forecast draws outside its band.
func chartAlerts(b forecast.Bounds, q query.TrendsQuery, r *query.TrendsResult) ([]alert.Point, error) {
	js, err := forecast.DetectTrendsWithin(b, q, r, alert.DefaultThreshold, alert.DefaultWindow)
	if err != nil {
		return nil, err
	}
	var out []alert.Point
	for k, s := range r.Series {
		out = append(out, alert.Series(s, js[k])...)
	}
	return out, nil
}

// alertMarkers is a row with ▲ under each anomalous point: asciigraph
// draws the first column on the y axis itself (┼), so point i sits
// pointColumn columns right of the axis.
func alertMarkers(sh *shared, plot string, alerts []alert.Point, n, width int) string {
	first := strings.Split(ansi.Strip(plot), "\n")[0]
	axis := strings.IndexAny(first, "┤┼")
	if axis < 0 {
		return ""
	}
	start := ansi.StringWidth(first[:axis])
	row := []rune(strings.Repeat(" ", start+width))
	for _, a := range alerts {
		if c := start + pointColumn(a.Index, n, width); c < len(row) {
			row[c] = '▲'
		}
	}
	return sh.st.Error.Render(strings.TrimRight(string(row), " "))
}

// alertListMax keeps the list from pushing the table off small screens.
const alertListMax = 4

// alertList says what each marker is: when, which series, how far off.
func alertList(sh *shared, alerts []alert.Point, w int) string {
	lines := make([]string, 0, alertListMax+1)
	for i, a := range alerts {
		if i == alertListMax {
			lines = append(lines, sh.st.Dim.Render(truncate(i18n.T("… %d more anomalies (spoor trends --alerts lists them all)", len(alerts)-i), w)))
			break
		}
		z := i18n.T("flat baseline")
		if !math.IsInf(a.Score, 0) {
			z = i18n.T("%s robust sd", strconv.FormatFloat(a.Score, 'f', 1, 64))
		}
		lines = append(lines, sh.st.Error.Render("▲ ")+truncate(i18n.T("%s %s %s: %s, expected %s (%s)", shortDate(a.T), a.Series, direction(a.Direction),
			fnum(float64(a.Value)), fnum(a.Expected), z), w-2))
	}
	return strings.Join(lines, "\n")
}

func onOff(on bool) string {
	if on {
		return valueLabel("on")
	}
	return valueLabel("off")
}

// direction is an anomaly's direction (alert's "spike" or "drop", or the
// forecast's "gap") as a person reads it.
func direction(d string) string {
	switch d {
	case "spike":
		return i18n.T("spike")
	case "drop":
		return i18n.T("drop")
	case "gap":
		return i18n.T("recording gap (left out of the forecast)")
	}
	return d
}

// shortDate drops the year from YYYY-MM-DD labels to save axis room:
// 06-18 in English, 6月18日 in Chinese (an hour keeps its time after it).
func shortDate(t string) string {
	if len(t) < 10 {
		return t
	}
	if i18n.Current() == i18n.Chinese {
		if d, err := time.Parse("2006-01-02", t[:10]); err == nil {
			return i18n.MonthDay(d) + t[10:]
		}
	}
	return t[5:]
}

func formatTotal(measure string, n query.Num) string {
	v := float64(n)
	switch {
	case !n.Valid():
		return "-"
	case measure == "avg" || v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return thousands(int(v))
}

// wrapJoin joins items with sep, starting a new line when one would pass w.
func wrapJoin(items []string, sep string, w int) string {
	var b strings.Builder
	lineW := 0
	for i, it := range items {
		iw := lipglossWidth(it)
		if i > 0 {
			if lineW+len(sep)+iw > w {
				b.WriteString("\n")
				lineW = 0
			} else {
				b.WriteString(sep)
				lineW += len(sep)
			}
		}
		b.WriteString(it)
		lineW += iw
	}
	return b.String()
}

// axisLabel formats y-axis values with prec decimals, never as "-0".
func axisLabel(prec uint) asciigraph.YAxisValueFormatterFunc {
	return func(v float64) string {
		s := strconv.FormatFloat(v, 'f', int(prec), 64)
		if strings.Trim(s, "-0.") == "" {
			return strings.TrimPrefix(s, "-")
		}
		return s
	}
}
