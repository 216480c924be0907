package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
)

// TestAxisDatesChinese: Chinese dates on a chart's x axis sit centred on
// their ticks by display width and never widen the plot; English labels
// land where asciigraph puts them.
func TestAxisDatesChinese(t *testing.T) {
	days := []string{"2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06", "2026-06-07",
		"2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12", "2026-06-13", "2026-06-14"}
	vals := make([]float64, len(days))
	for i := range vals {
		vals[i] = float64(i % 5)
	}
	for _, l := range []i18n.Lang{i18n.English, i18n.Chinese} {
		inLang(t, l)
		plot, _ := datedPlot([]lineSeries{{values: vals}}, 4, 60, len(days), func(i int) string { return days[i] })
		lines := strings.Split(plot, "\n")
		axis, labels := lines[len(lines)-2], lines[len(lines)-1]
		if w := ansi.StringWidth(labels); w > ansi.StringWidth(axis)+3 {
			t.Errorf("%s: label line %d cells, axis %d:\n%s", l, w, ansi.StringWidth(axis), plot)
		}
		// Each label's middle cell is under a tick.
		ticks := map[int]bool{}
		for c, r := range []rune(axis) {
			if r == '┬' {
				ticks[c] = true
			}
		}
		for _, want := range []string{shortDate(days[0]), shortDate(days[len(days)-1])} {
			i := strings.Index(labels, want)
			if i < 0 {
				t.Fatalf("%s: no label %q in %q", l, want, labels)
			}
			start := ansi.StringWidth(labels[:i])
			if mid := start + ansi.StringWidth(want)/2; !ticks[mid] {
				t.Errorf("%s: label %q centred on cell %d, no tick there:\n%s\n%s", l, want, mid, axis, labels)
			}
		}
		if l == i18n.Chinese && !strings.Contains(labels, "6月1日") {
			t.Errorf("zh axis labels %q lack 6月1日", labels)
		}
		if l == i18n.English {
			// On ASCII labels it changes nothing asciigraph wrote.
			raw := plotLines([]lineSeries{{values: vals}}, 50, asciigraph.Height(5), asciigraph.XAxisRange(0, float64(len(days)-1)),
				asciigraph.XAxisTickCount(5), asciigraph.XAxisValueFormatter(func(v float64) string { return shortDate(days[int(v+0.5)]) }))
			if got := axisDates(raw, len(days), func(i int) string { return days[i] }); got != raw {
				t.Errorf("English axis differs from asciigraph's:\n%s\n---\n%s", raw, got)
			}
		}
	}
}
