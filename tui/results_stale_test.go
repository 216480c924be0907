package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/spinner"
)

// The frames spinner ticks draw while an edited query runs take the old
// result's greyed text from the frame before, and only when nothing it is
// drawn from changed: each equals the frame drawn afresh, also after the
// old result, the selection, the scroll or the size changed between two
// ticks.
func TestTickFramesReuseOnlyUnchangedStaleText(t *testing.T) {
	h := newHarness(t, 100, 30)
	first := h.m.tab().res
	h.run(press(h, "J")) // another result, current
	moved := h.m.tab().res
	if moved == first {
		t.Fatal("the edit showed no other result")
	}
	if press(h, "J") == nil || h.m.running != tabFunnel { // in flight: moved stays, greyed
		t.Fatal("the second edit started no run")
	}
	fresh := func() string {
		h.m.stale = staleFrame{}
		return h.m.View()
	}
	tick := func() string {
		h.m.Update(spinner.TickMsg{}) // another spinner's: the frame stays
		if !h.m.ticked {
			t.Fatal("a tick is not marked")
		}
		return h.m.View()
	}
	// check draws a frame, which keeps its text, makes change, and then
	// compares the tick's frame with one drawn afresh.
	check := func(what string, change func()) {
		t.Helper()
		h.m.View()
		change()
		got := tick()
		if want := fresh(); got != want {
			t.Fatalf("%s: the tick's frame\n%s\nis not the frame drawn afresh\n%s", what, got, want)
		}
		if !strings.Contains(got, staleLine) {
			t.Fatalf("%s: no stale line in\n%s", what, got)
		}
	}
	check("unchanged", func() {})
	if h.m.stale.res != moved || h.m.stale.text == "" {
		t.Fatal("the stale text was not kept for the next tick")
	}
	check("another old result", func() { h.m.tab().res = first })
	if h.m.stale.res != first {
		t.Fatal("the kept text is not the other result's")
	}
	check("the old result back", func() { h.m.tab().res = moved })
	check("another step selected", func() { h.m.tab().sel = 1 })
	check("scrolled", func() { h.m.tab().scroll = 3 })
	check("scrolled sideways", func() { h.m.tab().xoff = 4 })
	check("resized", func() { h.m.sh.width, h.m.sh.height = 80, 24 })
	// A key, not a tick: drawn afresh whatever was kept.
	h.m.stale.text = "stale text that must not show"
	h.keys("j")
	if s := h.m.View(); strings.Contains(s, "must not show") {
		t.Fatalf("a frame after a key reused the kept text:\n%s", s)
	}
}
