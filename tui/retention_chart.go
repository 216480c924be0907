package tui

import (
	"strconv"
	"strings"

	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

const retentionCell = 5 // "100%" plus the incomplete mark

// retentionChart is the cohort table as a heat map (the cell's shade is its
// percentage), scrolled sideways to keep the selected period in view, with
// the average row and the average curve under it.
func retentionChart(sh *shared, r *query.RetentionResult, w, sel int) string {
	st := sh.st
	var b strings.Builder
	// Each wording whole, so that "any event" never sits in a slot meant
	// for an event's name (Chinese spaces those off).
	iv := valueLabel(r.Period)
	var title string
	switch {
	case r.Start == "" && r.Return == "":
		title = i18n.T("Retention by %s of first event, returning with any event", iv)
	case r.Start == "":
		title = i18n.T("Retention by %s of first event, returning with %s", iv, r.Return)
	case r.Return == "":
		title = i18n.T("Retention by %s of first %s, returning with any event", iv, r.Start)
	default:
		title = i18n.T("Retention by %s of first %s, returning with %s", iv, r.Start, r.Return)
	}
	b.WriteString(st.Title.Render(truncate(title, w)))
	if len(r.Cohorts) == 0 {
		return b.String() + "\n" + st.Dim.Render(i18n.T("no cohorts in range"))
	}
	p := max(r.Periods, 1)
	selC, selK := sel/p, sel%p
	labelW := 10
	if w < 60 {
		labelW = lipglossWidth(shortDate("2026-12-28")) // 12-28, 12月28日
	}
	visible := max((w-labelW-8)/(retentionCell+1), 1)
	first := max(0, selK-visible+1)
	last := min(p, first+visible)
	b.WriteString("\n" + padRight(valueLabel(r.Period), labelW) + " " + padLeft(i18n.T("size"), 6) + " ")
	for k := first; k < last; k++ {
		b.WriteString(" " + padLeft(strconv.Itoa(k), retentionCell))
	}
	for c, co := range r.Cohorts {
		label := co.Start
		if labelW < len(label) {
			label = shortDate(label)
		}
		b.WriteString("\n" + padRight(label, labelW) + " " + padLeft(thousands(co.Size), 6) + " ")
		for k := first; k < last; k++ {
			b.WriteString(" ")
			if k >= len(co.Retained) {
				b.WriteString(strings.Repeat(" ", retentionCell))
				continue
			}
			// The mark has its own column so the % signs line up.
			mark := " "
			if co.IncompleteFrom != nil && k >= *co.IncompleteFrom {
				mark = "*"
			}
			cell := padLeft(strconv.Itoa(int(co.Percent[k]+0.5))+"%", retentionCell-1) + mark
			style := st.Heat[heatLevel(co.Percent[k], len(st.Heat))]
			if c == selC && k == selK {
				style = st.Selected
				if st.Plain {
					cell = cell[:len(cell)-1] + "◂"
				}
			}
			b.WriteString(style.Render(padLeft(cell, retentionCell)))
		}
	}
	avg := i18n.T("average")
	if labelW < lipglossWidth(avg) {
		avg = i18n.T("avg") // unreached in Chinese: 平均 fits
	}
	b.WriteString("\n" + padRight(avg, labelW) + " " + padLeft("", 6) + " ")
	for k := first; k < last; k++ {
		cell := ""
		if k < len(r.Average) {
			cell = strconv.Itoa(int(r.Average[k]+0.5)) + "% "
		}
		b.WriteString(" " + st.Title.Render(padLeft(cell, retentionCell)))
	}
	hidden := ""
	if first > 0 || last < p {
		hidden = i18n.T(" · periods %d-%d of %d (→ scrolls)", first, last-1, p-1)
	}
	b.WriteString("\n" + st.Dim.Render(truncate(i18n.T("* = period not complete yet")+hidden, w)))
	if len(r.Average) > 1 {
		n := len(r.Average)
		plot := plotLines([]lineSeries{{values: r.Average}}, max(w-10, 10), asciigraph.Height(6), asciigraph.Precision(0), asciigraph.YAxisValueFormatter(axisLabel(0)),
			asciigraph.LowerBound(0), asciigraph.UpperBound(100), asciigraph.XAxisRange(0, float64(n-1)),
			asciigraph.XAxisTickCount(max(2, min(n, (w-8)/6))))
		b.WriteString("\n\n" + st.Title.Render(i18n.T("Average retained %% by %s", valueLabel(r.Period))) + "\n" + plot)
	}
	return b.String()
}

// heatLevel maps a percentage to one of n shades, darker for higher.
func heatLevel(pct float64, n int) int {
	switch {
	case pct >= 75:
		return n - 1
	case pct >= 50:
		return min(3, n-1)
	case pct >= 25:
		return min(2, n-1)
	case pct >= 10:
		return min(1, n-1)
	}
	return 0
}
