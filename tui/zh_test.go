package tui

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
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

// zhScreens are the workbench's screens driven in Chinese: every tab,
// then its views, dialogs and pages (keys as the harness types them).
var zhScreens = []struct {
	name string
	keys []string
}{
	{"trends", []string{"1"}},
	{"funnel", []string{"2"}},
	{"paths", []string{"3"}},
	{"retention", []string{"4"}},
	{"lifecycle", []string{"5"}},
	{"explore", []string{"6"}},
	{"segments", []string{"7"}},
	{"experiments", []string{"8"}},
	{"help", []string{"?"}},
	{"picker", []string{"j", "<enter>", "优惠"}},
	{"range", []string{"t"}},
	{"export", []string{"e"}},
	{"results_focus", []string{"l", "j"}},
	{"drill", []string{"l", "j", "<enter>"}},
	{"inprogress_explain", []string{"l", "j", "p", "<enter>"}},
	{"attribution", []string{"2", "<up>", "<enter>", "<down>", "<enter>"}},
	{"forecast", []string{"1", "l", "F"}},
	{"survival", []string{"4", "<enter>", "<down>", "<enter>"}},
	{"properties", []string{"6", "<enter>", "<down>", "<enter>"}},
	{"sequence", []string{"6", "<enter>", "<down>", "<down>", "<down>", "<enter>"}},
	{"timeline", []string{"6", "j", "<enter>", "<enter>"}},
	{"segments_preview", []string{"7", "j", "<enter>", "did purchase >= 2 in 30d", "<enter>"}},
	{"segments_saved", []string{"7", "j", "<enter>", "did purchase >= 2", "<enter>", "j", "<enter>", "buyers", "<enter>", "j", "<enter>", "<enter>", "l"}},
	{"segments_rfm", []string{"7", "<enter>", "<down>", "<enter>"}},
	{"segments_stages", []string{"7", "<enter>", "<down>", "<down>", "<enter>"}},
	{"segments_expr_error", []string{"7", "j", "<enter>", "did purchase >= 2 in"}},
	{"experiments_drill", []string{"8", "l", "j", "<enter>"}},
	{"experiments_weights_error", []string{"8", "j", "j", "j", "j", "j", "<enter>", "90/0", "<enter>"}},
	{"experiments_funnel", []string{"8", "j", "j", "<enter>", "add_to_cart", "<enter>", "a", "purchase", "<enter>"}},
}

// TestGoldenScreensChinese pins every screen of zhScreens in Chinese at
// 80x24 and 120x40 (testdata/zh_*.golden; -update rewrites them), and
// checks that no line is wider than the terminal: CJK text is two cells a
// character, so a width counted in bytes or runes would push it out.
func TestGoldenScreensChinese(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, c := range zhScreens {
			name := fmt.Sprintf("zh_%s_%dx%d", c.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				inLang(t, i18n.Chinese)
				h := newHarness(t, size[0], size[1])
				h.keys(c.keys...)
				scr := h.screen()
				lines := strings.Split(scr, "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines, want %d", len(lines), size[1])
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("line %d is %d cells wide: %q", i, w, l)
					}
				}
				golden(t, name, scr)
			})
		}
	}
}

// zhAllowed are the ASCII words a Chinese screen may show besides the
// data's own names and values (event and property names, values, user
// ids) and what the test typed. Each is kept on purpose:
var zhAllowed = map[string]string{
	"spoor": "the product's and its command's name", "English": "what L offers, in its own words",
	"enter": "key name", "esc": "key name", "Enter": "key name", "Esc": "key name", "tab": "key name", "shift": "key name", "ctrl": "key name",
	"KB":  "unit",
	"UTC": "time zone", "CSV": "format", "JSON": "format", "Markdown": "format", "OSC": "clipboard protocol",
	"SQL": "the language typed on the sql row", "sql": "the sql row's name: what is typed there",
	"RFM": "analysis name Chinese tools keep in English",
	// The filter and segment languages' keywords, in the hints that teach them.
	"in": "filter/segment keyword", "contains": "filter keyword", "is": "filter keyword", "set": "filter keyword",
	"not": "segment keyword", "did": "segment keyword", "where": "segment keyword", "and": "segment keyword",
	"or": "segment keyword", "first_seen": "segment keyword", "within": "segment keyword",
	// Products whose counting rules the funnel can follow, and ClickHouse's function.
	"clickhouse": "product name", "windowFunnel": "ClickHouse function",
	// Test and spec tokens shown as they are typed: the weights row's even, a spec file's name.
	"even": "weights value typed on the row", "run": "the spoor run command in a hint", "FILE": "placeholder of a command line",
	"import": "the spoor import command in a hint", "db": "flag in a hint", "demo": "the spoor demo command",
	"control": "the variant value the automatic control looks for", "Welch": "statistician's name (Welch t 检验)",
	"utm_source": "property name in a hint", "campaign": "property name in a hint", "channel": "property name in a hint",
	"direct": "attribution's (direct) value, as the JSON keeps it",
	// Statistics and model notation, written in Latin letters in Chinese
	// analytics and forecasting texts as in English ones.
	"MASE": "forecast accuracy measure (mean absolute scaled error), kept as an acronym",
	"MAE":  "forecast accuracy measure (mean absolute error), kept as an acronym",
	"ETS":  "the exponential smoothing model's notation, ETS(A,N,N)",
	"log":  "math notation: log(1+y) of a forecast model, the survival curve's log-log band and the log-rank test",
}

// allowedSet is zhAllowed as a set, for words cut short by a column.
var allowedSet = func() map[string]bool {
	m := map[string]bool{}
	for w := range zhAllowed {
		m[w] = true
	}
	return m
}()

// truncated reports whether w is the start of a data word cut short by
// a column (purchas… of purchase).
func truncated(w string, data map[string]bool) bool {
	for d := range data {
		if len(w) >= 2 && len(w) < len(d) && strings.HasPrefix(d, w) {
			return true
		}
	}
	return false
}

// TestChineseScreensComplete renders every screen of zhScreens in Chinese
// and fails on an ASCII word that is neither the data's (names, values,
// users), nor typed by the test, nor on zhAllowed: such a word is English
// that bypassed the catalog, whether the workbench drew it or an analysis
// package did (the tables under a chart, a verdict, a model's name).
func TestChineseScreensComplete(t *testing.T) {
	inLang(t, i18n.Chinese)
	word := regexp.MustCompile(`-{0,2}[A-Za-z][A-Za-z_]+(:[A-Za-z_]+)?`)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, c := range zhScreens {
			h := newHarness(t, size[0], size[1])
			data := map[string]bool{}
			addWords := func(s string) {
				for _, w := range word.FindAllString(s, -1) {
					data[w] = true
				}
			}
			for _, e := range h.m.sh.events {
				addWords(e.name)
			}
			for _, p := range h.m.sh.props {
				addWords(p.name)
				if v, err := h.m.sh.d.Prop(context.Background(), p.name); err == nil {
					for _, s := range v.Values {
						addWords(s)
					}
				}
			}
			addWords(h.m.sh.source) // the database's path or name
			for _, u := range h.m.sh.d.Users {
				addWords(u)
			}
			for _, k := range c.keys {
				addWords(k)
			}
			h.keys(c.keys...)
			scr := h.screen()
			if h.m.dlg != nil {
				// A dialog covers the results: check it and the chrome.
				lines := strings.Split(scr, "\n")
				scr = ansi.Strip(h.m.dlg.view(h.m.sh)) + "\n" + strings.Join(lines[:2], "\n") + "\n" + lines[len(lines)-1]
			}
			var english []string
			for _, w := range word.FindAllString(scr, -1) {
				if strings.HasPrefix(w, "-") || strings.Contains(w, ":") || data[w] || zhAllowed[w] != "" || truncated(w, data) || truncated(w, allowedSet) {
					continue // a flag, a segment:NAME reference, the data's, or kept on purpose
				}
				english = append(english, w)
			}
			if len(english) > 0 {
				t.Errorf("%s %dx%d: English words %q on a Chinese screen:\n%s", c.name, size[0], size[1], english, h.screen())
			}
		}
	}
}

// Exports are machine output (issue 18.3): a tab's result exported as
// CSV or JSON is the same bytes whether the workbench runs in Chinese or
// English, while the screens above it are Chinese. The tables are given
// English for the export; the interface language is never switched for it.
func TestExportsSameInEveryLanguage(t *testing.T) {
	export := func(l i18n.Lang, keys []string) (csv, js []byte, ok bool) {
		inLang(t, l)
		h := newHarness(t, 120, 40)
		h.keys(keys...)
		res := h.m.tab().res
		if res == nil {
			return nil, nil, false
		}
		var err error
		if csv, err = exportResult(res, "csv", "spoor", nil); err != nil {
			t.Fatal(err)
		}
		if i18n.Current() != l {
			t.Fatalf("exporting changed the language to %s", i18n.Current())
		}
		if js, err = exportResult(res, "json", "spoor", []byte("{}")); err != nil {
			t.Fatal(err)
		}
		return csv, js, true
	}
	for _, c := range zhScreens {
		zhCSV, zhJSON, ok := export(i18n.Chinese, c.keys)
		if !ok {
			continue
		}
		enCSV, enJSON, _ := export(i18n.English, c.keys)
		if !bytes.Equal(zhCSV, enCSV) {
			t.Errorf("%s: CSV under zh\n%s\nunder en\n%s", c.name, zhCSV, enCSV)
		}
		if !bytes.Equal(zhJSON, enJSON) {
			t.Errorf("%s: JSON under zh\n%s\nunder en\n%s", c.name, zhJSON, enJSON)
		}
	}
}
