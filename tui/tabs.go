package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/spoorhq/spoor/i18n"
)

// tabNames are the tabs in the product's order, on keys 1-8: catalog
// keys, shown with i18n.Text.
var tabNames = [8]string{i18n.N("Trends"), i18n.N("Funnel"), i18n.N("Paths"), i18n.N("Retention"), i18n.N("Lifecycle"), i18n.N("Explore"), i18n.N("Segments"), i18n.N("Experiments")}

// Shorter spellings for narrow terminals: every tab stays visible.
var (
	tabShort  = [8]string{i18n.N("Trends"), i18n.N("Funnel"), i18n.N("Paths"), i18n.N("Retain"), i18n.N("Life"), i18n.N("Explore"), i18n.N("Segs"), i18n.N("A/B")}
	tabShort2 = [8]string{i18n.N("Trend"), i18n.N("Funnel"), i18n.N("Path"), i18n.N("Ret"), i18n.N("Life"), i18n.N("Expl"), i18n.N("Seg"), i18n.N("A/B")}
	tabTiny   = [8]string{i18n.N("Tr"), i18n.N("Fu"), i18n.N("Pa"), i18n.N("Re"), i18n.N("Li"), i18n.N("Ex"), i18n.N("Se"), i18n.N("AB")}
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
				label := string(rune('1'+i)) + " " + i18n.Text(n)
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
