package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/sequence"
)

// TestExploreSequence drives Explore's sequence view as a person would:
// conditions and pattern through their prompts, the matched users with
// the count spoor match gives, and a user's timeline with the matched
// events marked.
func TestExploreSequence(t *testing.T) {
	h := newHarness(t, 100, 30)
	conds, pattern := "view_item,add_to_cart,purchase", "(?1).*(?2)(?t<=3600)(?3)"
	want, err := sequence.Run(context.Background(), h.m.sh.d, sequence.Query{Conditions: splitConditions(conds), Pattern: pattern})
	if err != nil {
		t.Fatal(err)
	}
	if want.Matched == 0 {
		t.Fatal("the fixture has no matching user: the test would show nothing")
	}
	h.keys("6", "j", "j", "j", "<enter>", conds, "<enter>", "j", "<enter>", pattern, "<enter>")
	h.contains(fmt.Sprintf("%s of %s users match %s", output.Count(want.Matched), output.Count(len(want.Users)), pattern))
	if e := h.m.tab().a.(*explore); e.Show != "sequence" || e.Conditions != conds || e.Pattern != pattern {
		t.Fatalf("explore %+v", e)
	}
	// The first listed user is one with the most matches; Enter shows
	// their timeline with three marked events.
	h.keys("l", "<enter>")
	s := h.screen()
	if !strings.Contains(s, "first match of "+pattern+" marked") || strings.Count(s, "← match event") != 3 {
		t.Fatalf("timeline:\n%s", s)
	}
	// A pattern the conditions cannot number is refused in its prompt.
	h.keys("<esc>", "h", "<enter>", "<ctrl+u>", "(?4)", "<enter>")
	h.contains("condition 4 is not one of the 3")
}
