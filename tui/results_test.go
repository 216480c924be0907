package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// TestWideTableScrolls opens the funnel at 120x35, where its table's last
// column ("median time") is cut: only the lines that go on get a …, and
// → in the results shows the rest; ← comes back, then to the panel.
func TestWideTableScrolls(t *testing.T) {
	h := newHarness(t, 120, 35)
	marked := 0
	lines := strings.Split(h.screen(), "\n")
	for _, l := range lines[:len(lines)-1] { // the footer is not a result
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
			marked++
		}
	}
	if scr := h.screen(); strings.Contains(scr, "median time") || marked != 1 {
		t.Fatalf("want only the header cut (1 …), got %d:\n%s", marked, scr)
	}
	h.keys("l")
	h.contains("←→ scroll table")
	h.keys("<right>")
	if h.m.tab().xoff == 0 {
		t.Fatal("→ did not scroll the table")
	}
	h.contains("median time", "… event")
	for i := 0; i < 20; i++ {
		h.keys("<right>")
	}
	room := tableWidth(h.m.tab().res) - resultsWidth(120)
	if h.m.tab().xoff != room {
		t.Fatalf("scrolled to %d, the table ends at %d", h.m.tab().xoff, room)
	}
	for i := 0; i < 20 && h.m.tab().xoff > 0; i++ {
		h.keys("<left>")
	}
	if h.m.tab().xoff != 0 || h.m.focus != 1 {
		t.Fatalf("xoff %d focus %d after scrolling back", h.m.tab().xoff, h.m.focus)
	}
	h.keys("<left>")
	if h.m.focus != 0 {
		t.Fatal("← at the left edge did not go back to the panel")
	}
	// > and < scroll too, where ← → move a selection (retention's grid).
	h.keys("4", "l", ">")
	if h.m.tab().xoff == 0 && tableWidth(h.m.tab().res) > resultsWidth(120) {
		t.Fatal("> did not scroll the retention table")
	}
}

// TestEnterUsersOnlyWhereItWorks: the results footer offers "enter
// users" on tabs whose items list users, and not on Paths or Lifecycle,
// where Enter has nothing to open.
func TestEnterUsersOnlyWhereItWorks(t *testing.T) {
	h := newHarness(t, 160, 40)
	for tab, offers := range map[string]bool{"1": false, "2": true, "3": false, "4": true, "5": false} {
		h.keys(tab, "l")
		footer := h.screen()[strings.LastIndex(h.screen(), "\n"):]
		if strings.Contains(footer, "enter list users") != offers {
			t.Errorf("tab %s: footer %q, enter list users offered: want %v", tab, footer, offers)
		}
		if !offers {
			pages := len(h.m.pages)
			h.keys("<enter>")
			if len(h.m.pages) != pages || h.m.dlg != nil {
				t.Errorf("tab %s: enter opened something it does not advertise", tab)
			}
		}
		h.keys("<esc>")
	}
}

// TestChartAndTableAgree: the funnel chart's times and counts are written
// as its table writes them (it said "median 3.5h" over "3h 30m", and
// bars said 2,500 over 2500).
func TestChartAndTableAgree(t *testing.T) {
	h := newHarness(t, 160, 50)
	r := h.m.tab().res.(*funnelResult).r
	chart := r.Tables(i18n.English)[0]
	scr := h.screen()
	for i, s := range r.Steps {
		row := chart.Rows[i]
		if !strings.Contains(scr, " "+row[2]+" ") {
			t.Errorf("step %d: the chart lacks the table's users %q", i+1, row[2])
		}
		if s.MedianSeconds != nil && !strings.Contains(scr, "median "+output.Duration(*s.MedianSeconds)) {
			t.Errorf("step %d: the chart lacks median %q", i+1, output.Duration(*s.MedianSeconds))
		}
	}
	h.keys("6")
	ev := h.m.tab().res.(*listResult)
	// The chart groups thousands (1,009), the table does not.
	if line := strings.Split(h.screen(), "\n")[3]; !strings.Contains(strings.ReplaceAll(line, ",", ""), " "+ev.t.Rows[0][1]) {
		t.Errorf("explore bar %q lacks the table's count %q", line, ev.t.Rows[0][1])
	}
}

// TestFooterNamesWhatEnterDoes: the footer names Enter only where it acts,
// and with what it opens: the events list lists users, the property list
// values, an SQL result and the trends forecast's anomalies nothing (w
// explains an anomaly).
func TestFooterNamesWhatEnterDoes(t *testing.T) {
	k := DefaultKeyMap()
	enterHelp := func(items bool, enter string) string {
		for _, b := range k.ResultsHelp(items, enter, false) {
			if b.Help().Key == "enter" {
				return b.Help().Desc
			}
		}
		return ""
	}
	events := &listResult{does: listUsers, onEnter: func(*shared, int) tea.Cmd { return nil }}
	sqlRows := &listResult{}
	trendsRes := &trendsResult{}
	for _, c := range []struct {
		name string
		res  result
		want string
	}{{"events", events, "list users"}, {"sql", sqlRows, ""}, {"trends anomalies", trendsRes, ""}, {"funnel", &funnelResult{}, "list users"}} {
		if got := enterHelp(true, c.res.enter()); got != c.want {
			t.Errorf("%s: footer says enter %q, want %q", c.name, got, c.want)
		}
	}
	if got := enterHelp(false, "users"); got != "" {
		t.Errorf("no items: footer says enter %q", got)
	}
}
