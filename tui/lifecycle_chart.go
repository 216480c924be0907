package tui

import (
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

const (
	lifecycleUp   = 8 // rows above the axis
	lifecycleDown = 4 // rows below it, for dormant users
)

// lifecycle segments bottom-up, each with its own character so the bars
// read without color too; names are catalog keys.
var lifecycleParts = []struct {
	name, char string
}{{i18n.N("returning"), "█"}, {i18n.N("resurrecting"), "▓"}, {i18n.N("new"), "▒"}, {i18n.N("dormant"), "░"}}

// lifecycleChart draws stacked bars per interval: returning, resurrecting
// and new above the axis, dormant below it, on one scale.
func lifecycleChart(sh *shared, r *query.LifecycleResult, w int) string {
	st := sh.st
	title := i18n.T("Lifecycle per %s", valueLabel(r.Interval))
	if r.Event != "" {
		title = i18n.T("Lifecycle per %s (active = did %s)", valueLabel(r.Interval), r.Event)
	}
	title = st.Title.Render(truncate(title, w))
	pts := r.Points
	if len(pts) == 0 {
		return title + "\n" + st.Dim.Render(i18n.T("no users in range"))
	}
	const axisW = 7
	cw := max(1, min(6, (w-axisW)/len(pts)))
	if len(pts)*cw > w-axisW {
		pts = pts[len(pts)-(w-axisW)/cw:] // the newest intervals; the table has them all
	}
	maxUp, maxDown := 1, 0
	for _, p := range pts {
		maxUp = max(maxUp, p.New+p.Returning+p.Resurrecting)
		maxDown = max(maxDown, abs(p.Dormant))
	}
	unit := math.Max(float64(maxUp)/lifecycleUp, float64(maxDown)/lifecycleDown)
	styles := []lipgloss.Style{st.Series[0], st.Series[2], st.Series[3], st.Negative}
	// Wide bars keep a one-cell gap so neighbours stay apart.
	bw, gap := cw, ""
	if cw >= 3 {
		bw, gap = cw-1, " "
	}
	cell := func(p query.LifecyclePoint, level float64, below bool) string {
		if below {
			if level < float64(abs(p.Dormant)) {
				return styles[3].Render(strings.Repeat(lifecycleParts[3].char, bw)) + gap
			}
			return strings.Repeat(" ", cw)
		}
		stack := []int{p.Returning, p.Resurrecting, p.New}
		top := 0
		for i, v := range stack {
			top += v
			if level < float64(top) {
				return styles[i].Render(strings.Repeat(lifecycleParts[i].char, bw)) + gap
			}
		}
		return strings.Repeat(" ", cw)
	}
	var b strings.Builder
	b.WriteString(title)
	for row := lifecycleUp - 1; row >= 0; row-- {
		label := ""
		if row == lifecycleUp-1 {
			label = thousands(int(unit * lifecycleUp))
		}
		b.WriteString("\n" + padLeft(label, axisW-2) + " ┤")
		for _, p := range pts {
			b.WriteString(cell(p, (float64(row)+0.5)*unit, false))
		}
	}
	b.WriteString("\n" + padLeft("0", axisW-2) + " ┼" + strings.Repeat("─", len(pts)*cw))
	downRows := int(math.Ceil(float64(maxDown) / unit))
	for row := 0; row < min(downRows, lifecycleDown); row++ {
		label := ""
		if row == min(downRows, lifecycleDown)-1 {
			label = "-" + thousands(int(unit*float64(row+1)))
		}
		b.WriteString("\n" + padLeft(label, axisW-2) + " ┤")
		for _, p := range pts {
			b.WriteString(cell(p, (float64(row)+0.5)*unit, true))
		}
	}
	// Dates read as on the trends chart: 06-01 in English, 6月1日 in Chinese.
	firstT, lastT := shortDate(pts[0].T), shortDate(pts[len(pts)-1].T)
	space := max(len(pts)*cw-ansi.StringWidth(firstT)-ansi.StringWidth(lastT), 1)
	b.WriteString("\n" + strings.Repeat(" ", axisW) + firstT + strings.Repeat(" ", space) + lastT)
	var legend []string
	for i, part := range lifecycleParts {
		legend = append(legend, styles[i].Render(part.char)+" "+i18n.Text(part.name))
	}
	b.WriteString("\n" + wrapJoin(legend, "   ", w))
	if len(pts) < len(r.Points) {
		b.WriteString("\n" + st.Dim.Render(i18n.T("last %d of %d intervals shown; the table has all", len(pts), len(r.Points))))
	}
	return b.String()
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
