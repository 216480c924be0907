package tui

import (
	"testing"
)

// TestGoldenFunnelInProgress pins the funnel's in-progress screens at
// 80x24: the footer offering p, the list, a user's explanation, the list
// with a breakdown on, and the status line of a step with nobody in
// progress (-update rewrites them).
func TestGoldenFunnelInProgress(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"funnel_results_focus", []string{"l", "j"}},
		{"funnel_inprogress", []string{"l", "j", "p"}},
		{"funnel_inprogress_explain", []string{"l", "j", "p", "<enter>"}},
		{"funnel_inprogress_by", []string{"j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "<enter>", "country", "<enter>", "l", "j", "j", "p"}},
		{"funnel_inprogress_none", []string{"l", "p"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 80, 24)
			h.keys(c.keys...)
			golden(t, c.name+"_80x24", h.screen())
		})
	}
}
