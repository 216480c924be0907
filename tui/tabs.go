package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// tabNames are the tabs in the product's order, on keys 1-8.
var tabNames = [8]string{"Trends", "Funnel", "Paths", "Retention", "Lifecycle", "Explore", "Segments", "Experiments"}

// Shorter spellings for narrow terminals: every tab stays visible.
var (
	tabShort  = [8]string{"Trends", "Funnel", "Paths", "Retain", "Life", "Explore", "Segs", "A/B"}
	tabShort2 = [8]string{"Trend", "Funnel", "Path", "Ret", "Life", "Expl", "Seg", "A/B"}
	tabTiny   = [8]string{"Tr", "Fu", "Pa", "Re", "Li", "Ex", "Se", "AB"}
)

const (
	tabTrends = iota
	tabFunnel
	tabPaths
	tabRetention
	tabLifecycle
	tabExplore
	tabSegments
	tabExperiments
)

// tabBar draws every tab name, the active one highlighted, choosing the
// longest spelling that fits the width.
func tabBar(sh *shared, active int) string {
	for _, names := range [][8]string{tabNames, tabShort, tabShort2, tabTiny} {
		for _, gap := range []string{" ", ""} {
			parts := make([]string, len(names))
			for i, n := range names {
				label := string(rune('1'+i)) + " " + n
				if i == active {
					if sh.st.Plain {
						label = "[" + label + "]"
					}
					parts[i] = sh.st.TabActive.Render(label)
				} else {
					parts[i] = sh.st.Tab.Render(label)
				}
			}
			bar := strings.Join(parts, gap)
			if lipgloss.Width(bar) <= sh.width {
				return bar
			}
		}
	}
	// Narrower than 8 tiny tabs: numbers only.
	var b strings.Builder
	for i := range tabNames {
		label := string(rune('1' + i))
		if i == active {
			b.WriteString(sh.st.TabActive.Render(label))
		} else {
			b.WriteString(sh.st.Tab.Render(label))
		}
	}
	return clip(b.String(), sh.width)
}
