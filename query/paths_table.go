package query

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
)

// Tables shows the prefix tree as indented lines, then the top paths, then
// the top transitions per step.
func (r *PathsResult) Tables() []output.Table {
	title := "paths after the first " + r.Event + ": " + strconv.FormatInt(r.Users, 10) + " users"
	if r.Direction == "to" {
		title = "paths before the first " + r.Event + ", read back from it: " + strconv.FormatInt(r.Users, 10) + " users"
	}
	tree := output.Table{
		Title:   title,
		Columns: []string{"path", "users", "share"},
	}
	var walk func(n *PathNode, depth int)
	walk = func(n *PathNode, depth int) {
		tree.Rows = append(tree.Rows, []string{strings.Repeat("  ", depth) + n.Event, strconv.FormatInt(n.Users, 10), Percent(n.Share)})
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	if r.Users > 0 {
		walk(r.Tree, 0)
	}
	paths := output.Table{
		Title:   "top " + strconv.Itoa(len(r.Paths)) + " of " + strconv.Itoa(r.DistinctPaths) + " paths",
		Columns: []string{"rank", "path", "users", "share"},
	}
	for i, p := range r.Paths {
		paths.Rows = append(paths.Rows, []string{strconv.Itoa(i + 1), strings.Join(p.Steps, " → "), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
	}
	moves := output.Table{Title: "top transitions per step", Columns: []string{"step", "from", "to", "users", "share"}}
	for _, t := range r.Transitions {
		moves.Rows = append(moves.Rows, []string{strconv.Itoa(t.Step), t.From, t.To, strconv.FormatInt(t.Users, 10), Percent(t.Share)})
	}
	if r.By == "" {
		return []output.Table{tree, paths, moves}
	}
	// Per group, its top paths (JSON has each group's tree and moves too).
	groups := output.Table{Title: "top paths by " + r.By, Columns: []string{r.By, "users", "rank", "path", "path users", "share"}}
	for _, g := range r.Breakdown {
		for i, p := range g.Paths {
			groups.Rows = append(groups.Rows, []string{g.Value, strconv.FormatInt(g.Users, 10), strconv.Itoa(i + 1),
				strings.Join(p.Steps, " → "), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
		}
	}
	return []output.Table{tree, paths, moves, groups}
}
