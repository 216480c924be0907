package query

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Tables shows the prefix tree as indented lines, then the top paths, then
// the top transitions per step.
func (r *PathsResult) Tables() []output.Table {
	title := i18n.T("paths after the first %s: %s users", r.Event, strconv.FormatInt(r.Users, 10))
	if r.Direction == "to" {
		title = i18n.T("paths before the first %s, read back from it: %s users", r.Event, strconv.FormatInt(r.Users, 10))
	}
	tree := output.Table{
		Title:   title,
		Columns: []string{i18n.T("path"), i18n.T("users"), i18n.T("share")},
	}
	var walk func(n *PathNode, depth int)
	walk = func(n *PathNode, depth int) {
		tree.Rows = append(tree.Rows, []string{strings.Repeat("  ", depth) + PathStepName(n.Event), strconv.FormatInt(n.Users, 10), Percent(n.Share)})
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	if r.Users > 0 {
		walk(r.Tree, 0)
	}
	paths := output.Table{
		Title:   i18n.T("top %s of %s paths", strconv.Itoa(len(r.Paths)), strconv.Itoa(r.DistinctPaths)),
		Columns: []string{i18n.T("rank"), i18n.T("path"), i18n.T("users"), i18n.T("share")},
	}
	for i, p := range r.Paths {
		paths.Rows = append(paths.Rows, []string{strconv.Itoa(i + 1), pathText(p.Steps), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
	}
	moves := output.Table{Title: i18n.T("top transitions per step"), Columns: []string{i18n.T("step"), i18n.T("from"), i18n.T("to"), i18n.T("users"), i18n.T("share")}}
	for _, t := range r.Transitions {
		moves.Rows = append(moves.Rows, []string{strconv.Itoa(t.Step), PathStepName(t.From), PathStepName(t.To), strconv.FormatInt(t.Users, 10), Percent(t.Share)})
	}
	if r.By == "" {
		return []output.Table{tree, paths, moves}
	}
	// Per group, its top paths (JSON has each group's tree and moves too).
	groups := output.Table{Title: i18n.T("top paths by %s", r.By), Columns: []string{r.By, i18n.T("users"), i18n.T("rank"), i18n.T("path"), i18n.T("path users"), i18n.T("share")}}
	for _, g := range r.Breakdown {
		for i, p := range g.Paths {
			groups.Rows = append(groups.Rows, []string{g.Value, strconv.FormatInt(g.Users, 10), strconv.Itoa(i + 1),
				pathText(p.Steps), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
		}
	}
	return []output.Table{tree, paths, moves, groups}
}

// pathText is a path's steps as a person reads them, joined by arrows.
func pathText(steps []string) string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = PathStepName(s)
	}
	return strings.Join(names, " → ")
}
