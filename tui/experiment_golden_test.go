package tui

import (
	"fmt"
	"testing"
)

// TestGoldenExperimentStates pins the Experiments tab's weights and
// drill-down screens at 80x24 and 120x40 (-update rewrites them).
func TestGoldenExperimentStates(t *testing.T) {
	weightsRow := []string{"8", "j", "j", "j", "j", "j", "<enter>"}
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"experiments_weights", append(weightsRow[:7:7], "90/10", "<enter>")},
		{"experiments_weights_error", append(weightsRow[:7:7], "90/0", "<enter>")},
		{"experiments_weights_count", append(weightsRow[:7:7], "50,25,25", "<enter>")},
		{"experiments_drill", []string{"8", "l", "j", "<enter>"}},
	} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1]), func(t *testing.T) {
				h := newHarness(t, size[0], size[1])
				h.keys(c.keys...)
				golden(t, fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1]), h.screen())
			})
		}
	}
}
