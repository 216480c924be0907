package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// pathsBranches is how many children of a node the tree draws; the rest
// are summed in one "… n more" line (the table below lists every path).
const pathsBranches = 4

// pathsChart draws the prefix tree with users, share and a share bar.
func pathsChart(sh *shared, r *query.PathsResult, w int) string {
	title := i18n.T("Paths after %s — %d users, %d distinct paths", r.Event, r.Users, r.DistinctPaths)
	if r.Direction == "to" {
		title = i18n.T("Paths leading to %s — %d users, %d distinct paths", r.Event, r.Users, r.DistinctPaths)
	}
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(title, w)))
	if r.Tree == nil || r.Users == 0 {
		b.WriteString("\n" + sh.st.Dim.Render(truncate(i18n.T("nobody did %s in range", r.Event), w)))
		return b.String()
	}
	// Names get the room first: deep branches indent them.
	nameW := min(32, max(14, w*45/100))
	var walk func(n *query.PathNode, prefix string)
	line := func(prefix, name string, users int64, share float64) {
		label := truncate(name, max(nameW-lipglossWidth(prefix), 4))
		pad := max(nameW-lipglossWidth(prefix)-lipglossWidth(label), 0)
		barW := max(w-nameW-20, 0)
		bar := sh.st.Bar.Render(strings.Repeat("▇", int(share*float64(barW)+0.5)))
		b.WriteString("\n" + sh.st.Dim.Render(prefix) + label + strings.Repeat(" ", pad) +
			fmt.Sprintf(" %8s %6s ", thousands(int(users)), output.Percent(share)) + bar)
	}
	walk = func(n *query.PathNode, prefix string) {
		kids := append([]*query.PathNode(nil), n.Children...)
		sort.SliceStable(kids, func(i, j int) bool { return kids[i].Users > kids[j].Users })
		for i, k := range kids {
			if i == pathsBranches {
				var users int64
				for _, rest := range kids[i:] {
					users += rest.Users
				}
				line(prefix+"└─ ", i18n.T("… %d more", len(kids)-i), users, float64(users)/float64(r.Users))
				break
			}
			end := i == len(kids)-1 || i == pathsBranches-1 && len(kids) == pathsBranches
			branch, next := "├─ ", "│  "
			if end {
				branch, next = "└─ ", "   "
			}
			line(prefix+branch, query.PathStepName(i18n.Current(), k.Event), k.Users, k.Share.Or(0))
			walk(k, prefix+next)
		}
	}
	line("", query.PathStepName(i18n.Current(), r.Tree.Event), r.Tree.Users, r.Tree.Share.Or(0))
	walk(r.Tree, "")
	return b.String()
}
