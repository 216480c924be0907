package tui

import (
	"bytes"
	"reflect"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// panelWidth is the query panel's share of the width: a quarter, within
// bounds that keep both the panel and the chart readable.
func panelWidth(w int) int { return max(22, min(34, w*3/10)) }

// resultsWidth is what the panel and the gap beside it leave the results.
func resultsWidth(w int) int { return max(w-panelWidth(w)-1, 1) }

// analysisView lays out the query panel beside the chart and its table.
func (m *Model) analysisView(t *tabState, w, h int) string {
	pw := panelWidth(w)
	panelStyle := m.sh.st.Panel
	if m.focus == 0 {
		panelStyle = m.sh.st.PanelFocused
	}
	inner := pw - panelStyle.GetHorizontalFrameSize()
	// A fixed width, so the chart does not shift as the query's rows change.
	panel := panelStyle.Width(pw - panelStyle.GetHorizontalBorderSize()).Height(h).MaxHeight(h).Render(m.panelView(t, inner, h))
	res := m.resultsView(t, resultsWidth(w), h)
	return lipgloss.JoinHorizontal(lipgloss.Top, panel, " ", res)
}

// panelView lists the query's rows as "label value", the cursor row marked.
func (m *Model) panelView(t *tabState, w, h int) string {
	st := m.sh.st
	rows := t.a.rows(m.sh)
	cur := min(t.row, len(rows)-1)
	var b strings.Builder
	b.WriteString(st.Title.Render(truncate(i18n.T("%s query", i18n.Text(tabNames[m.active])), w)) + "\n")
	const lw = 8
	start := max(0, min(cur-(h-3)/2, len(rows)-(h-2)))
	for i := start; i < len(rows) && i-start < h-2; i++ {
		r := rows[i]
		label := padRight(r.label, lw)
		val := truncate(r.value, w-lw-2)
		line := st.Label.Render(label) + st.Value.Render(val)
		if i == cur {
			marker := "▸ "
			if m.focus != 0 {
				marker = "› "
			}
			line = st.Cursor.Render(marker) + st.Label.Render(label) + st.Selected.Render(val)
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// resultsView is the chart, then the exact numbers, from line t.scroll
// (kept in range and on the selection by followResults, not here: View
// changes no state).
func (m *Model) resultsView(t *tabState, w, h int) string {
	st := m.sh.st
	switch {
	case t.err != nil && t.res == nil:
		return st.Error.Render(fitLines(wrap(t.err.Error(), w), w, h))
	case t.res == nil && m.running == m.active:
		return m.spin.View() + " " + i18n.T("computing…")
	case t.res == nil:
		return st.Dim.Render(i18n.T("no result yet"))
	}
	if !current(t) {
		// The result of the query before the edit stays in view while the
		// new one runs, so the screen does not jump, but without its
		// colors and under a line that says it is not the answer.
		head := st.Status.Render(i18n.T("not yet updated: this is the result before your last edit"))
		if m.running == m.active {
			head = m.spin.View() + " " + st.Status.Render(i18n.T("computing… below, the result before your last edit"))
		}
		if h <= 1 {
			return fitLines(head, w, h)
		}
		return fitLines(head, w, 1) + "\n" + m.staleText(t, w, h)
	}
	lines := m.resultLines(t, w)
	top := max(min(t.scroll, len(lines)-h), 0)
	return fitLines(strings.Join(lines[top:], "\n"), w, h)
}

// staleFrame is the old result's text as last drawn below the line that
// says it is not the answer (h-1 lines of a results view h high), and
// what it was drawn from.
type staleFrame struct {
	res                     result
	w, h, scroll, xoff, sel int
	lang                    i18n.Lang
	text                    string
}

// staleText is the old result t shows while its edited query runs,
// greyed, h-1 lines of it. The frames a spinner tick draws (ten a second
// while a run is in flight: at 100M events a dozen an edit) change only
// the spinner: they take the text the frame before drew when it was drawn
// from the same result the same way, rather than draw the chart and
// tables again, strip their colors and grey them.
func (m *Model) staleText(t *tabState, w, h int) string {
	k := staleFrame{res: t.res, w: w, h: h, scroll: t.scroll, xoff: t.xoff, sel: t.sel, lang: i18n.Current()}
	// A result that is not a pointer cannot be told from another equal
	// to it (nor compared, if it holds slices): never reused.
	reuse := m.ticked && reflect.ValueOf(t.res).Kind() == reflect.Pointer
	if was := m.stale; reuse && was.text != "" {
		was.text = ""
		if was == k {
			return m.stale.text
		}
	}
	lines := m.resultLines(t, w)
	top := max(min(t.scroll, len(lines)-h), 0)
	old := ansi.Strip(strings.Join(lines[top:], "\n"))
	k.text = fitLines(m.sh.st.Dim.Render(old), w, h-1)
	m.stale = staleFrame{}
	if reflect.ValueOf(t.res).Kind() == reflect.Pointer {
		m.stale = k
	}
	return k.text
}

// resultLines are the results drawn at width w: the chart, the tables
// (scrolled sideways by t.xoff) and what follows them.
func (m *Model) resultLines(t *tabState, w int) []string {
	var b strings.Builder
	if chart := t.res.chart(m.sh, w, t.sel); chart != "" {
		b.WriteString(chart + "\n\n")
	}
	b.WriteString(m.sh.st.Dim.Render(scrollLines(tableText(t.res), t.xoff, w)))
	// A secondary chart (the funnel's conversion trend) follows the table.
	if more := t.res.after(m.sh, w); more != "" {
		b.WriteString("\n\n" + more)
	}
	return strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
}

// followResults keeps t.scroll within the results and, while they have
// focus, on the selected item when it is a line of the chart. Keys and
// resizes call it; View only reads t.scroll.
func (m *Model) followResults(t *tabState) {
	if t.res == nil {
		t.scroll = 0
		return
	}
	w := resultsWidth(m.sh.width)
	h := max(m.sh.height-3, 1) // header, tab bar and footer take a line each
	if at := t.res.line(m.sh, w, t.sel); at >= 0 && m.focus == 1 {
		if at < t.scroll {
			t.scroll = at
		} else if at >= t.scroll+h {
			t.scroll = at - h + 1
		}
	}
	t.scroll = max(min(t.scroll, len(m.resultLines(t, w))-h), 0)
}

// tableText renders the exact numbers the way the CLI prints them,
// without the spaces that pad lines to the table's width.
func tableText(r output.Tabular) string {
	var buf bytes.Buffer
	if err := output.Write(&buf, "table", r); err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// tableWidth is the widest line of the result's tables.
func tableWidth(r output.Tabular) int {
	w := 0
	for _, l := range strings.Split(tableText(r), "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// scrollLines shows the cells [x, x+w) of each line of plain text, with
// … where a line goes on past either edge, and nowhere else.
func scrollLines(text string, x, w int) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lw := ansi.StringWidth(l)
		cut := ansi.Cut(l, x, x+w)
		if lw > x+w {
			cut = ansi.Truncate(cut, w-1, "") + "…"
		}
		if x > 0 && lw > x {
			cut = "…" + ansi.TruncateLeft(cut, 1, "")
		}
		lines[i] = cut
	}
	return strings.Join(lines, "\n")
}

// scrollStep is how far ← and → move a wide table.
const scrollStep = 8

// scrollTable moves the tables sideways by d cells, within their width;
// it reports false at the left edge, where ← goes back to the panel.
func (m *Model) scrollTable(t *tabState, d int) bool {
	if t.res == nil {
		return false
	}
	room := tableWidth(t.res) - resultsWidth(m.sh.width)
	if d < 0 && t.xoff == 0 || d > 0 && t.xoff >= room {
		return false
	}
	t.xoff = max(0, min(t.xoff+d, room))
	return true
}

// wrap breaks text into lines of at most w cells at spaces. Its text is
// plain and may quote the data (errors, verdicts), so control characters
// are shown as escapes.
func wrap(s string, w int) string {
	return wrapStyle.Width(max(w, 1)).Render(visibleLines(s))
}

// wrapStyle only wraps; it has no colors, so it is not part of the theme.
var wrapStyle = lipgloss.NewStyle()
