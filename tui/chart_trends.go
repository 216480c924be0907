package tui

import (
	"math"
	"strconv"
	"strings"

	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/query"
)

// trendsChartHeight is the plot's height in rows, axis excluded.
const trendsChartHeight = 10

// noColorChars draw each series with its own character when there are no
// colors (NO_COLOR), so lines stay apart.
var noColorChars = []string{"", "•", "+", "x", "o", "*"}

// trendsChart draws the series as one asciigraph line chart with dates on
// the x axis and a legend of labels and totals.
func trendsChart(sh *shared, r *query.TrendsResult, w int) string {
	title := sh.st.Title.Render(r.Measure + " per " + r.Interval + ", " + r.From + " → " + r.To)
	if len(r.Series) == 0 || len(r.Series[0].Points) == 0 {
		return title + "\n" + sh.st.Dim.Render("no events in range")
	}
	data := make([][]float64, len(r.Series))
	top := 0.0
	for i, s := range r.Series {
		data[i] = make([]float64, len(s.Points))
		for j, p := range s.Points {
			data[i][j] = p.Value
			top = math.Max(top, p.Value)
		}
	}
	prec := uint(0)
	if top < 10 {
		prec = 2
	}
	labelW := len(strconv.FormatFloat(top, 'f', int(prec), 64)) + 2
	n := len(r.Series[0].Points)
	opts := []asciigraph.Option{
		asciigraph.Height(trendsChartHeight),
		asciigraph.Width(max(w-labelW-6, 10)),
		asciigraph.Precision(prec), asciigraph.YAxisValueFormatter(axisLabel(prec)),
		asciigraph.LowerBound(0),
		asciigraph.XAxisRange(0, float64(n-1)),
		asciigraph.XAxisTickCount(max(2, min(n, (w-labelW)/12))),
		asciigraph.XAxisValueFormatter(func(v float64) string {
			i := min(max(int(math.Round(v)), 0), n-1)
			return shortDate(r.Series[0].Points[i].T)
		}),
	}
	if len(sh.st.SeriesColors) > 0 {
		opts = append(opts, asciigraph.SeriesColors(sh.st.SeriesColors[:min(len(data), len(sh.st.SeriesColors))]...))
	} else if len(data) > 1 {
		var cs []asciigraph.CharSet
		for i := range data {
			c := asciigraph.DefaultCharSet
			if ch := noColorChars[i%len(noColorChars)]; ch != "" {
				c = asciigraph.CreateCharSet(ch)
			}
			cs = append(cs, c)
		}
		opts = append(opts, asciigraph.SeriesChars(cs...))
	}
	plot := asciigraph.PlotMany(data, opts...)
	var legend []string
	for i, s := range r.Series {
		mark := "━"
		if len(sh.st.SeriesColors) == 0 && noColorChars[i%len(noColorChars)] != "" {
			mark = noColorChars[i%len(noColorChars)]
		}
		st := sh.st.Series[i%len(sh.st.Series)]
		legend = append(legend, st.Render(mark)+" "+truncate(s.Label, 24)+" "+sh.st.Dim.Render(formatTotal(r.Measure, s.Total)))
	}
	return title + "\n" + plot + "\n" + wrapJoin(legend, "   ", w)
}

// shortDate drops the year from YYYY-MM-DD labels to save axis room.
func shortDate(t string) string {
	if len(t) >= 10 {
		return t[5:]
	}
	return t
}

func formatTotal(measure string, v float64) string {
	if measure == "avg" || v != math.Trunc(v) {
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
