package tui

import (
	"strings"
	"testing"
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
