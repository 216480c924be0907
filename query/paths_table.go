package query

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Tables shows the prefix tree as indented lines, then the top paths, then
// the top transitions per step.
func (r *PathsResult) Tables(l i18n.Lang) []output.Table {
	title := l.T("paths after the first %s: %s users", r.Event, strconv.FormatInt(r.Users, 10))
	if r.Direction == "to" {
		title = l.T("paths before the first %s, read back from it: %s users", r.Event, strconv.FormatInt(r.Users, 10))
	}
	tree := output.Table{
		Title:   title,
		Columns: []string{l.T("path"), l.T("users"), l.T("share")},
	}
	var walk func(n *PathNode, depth int)
	walk = func(n *PathNode, depth int) {
		tree.Rows = append(tree.Rows, []string{strings.Repeat("  ", depth) + PathStepName(l, n.Event), strconv.FormatInt(n.Users, 10), Percent(n.Share)})
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	if r.Users > 0 {
		walk(r.Tree, 0)
	}
	paths := output.Table{
		Title:   l.T("top %s of %s paths", strconv.Itoa(len(r.Paths)), strconv.Itoa(r.DistinctPaths)),
		Columns: []string{l.T("rank"), l.T("path"), l.T("users"), l.T("share")},
	}
	for i, p := range r.Paths {
		paths.Rows = append(paths.Rows, []string{strconv.Itoa(i + 1), pathText(l, p.Steps), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
	}
	moves := output.Table{Title: l.T("top transitions per step"), Columns: []string{l.T("step"), l.T("from"), l.T("to"), l.T("users"), l.T("share")}}
	for _, t := range r.Transitions {
		moves.Rows = append(moves.Rows, []string{strconv.Itoa(t.Step), PathStepName(l, t.From), PathStepName(l, t.To), strconv.FormatInt(t.Users, 10), Percent(t.Share)})
	}
	if r.By == "" {
		return []output.Table{tree, paths, moves}
	}
	// Per group, its top paths (JSON has each group's tree and moves too).
	groups := output.Table{Title: l.T("top paths by %s", r.By), Columns: []string{r.By, l.T("users"), l.T("rank"), l.T("path"), l.T("path users"), l.T("share")}}
	for _, g := range r.Breakdown {
		for i, p := range g.Paths {
			groups.Rows = append(groups.Rows, []string{GroupName(l, r.By, g.Value), strconv.FormatInt(g.Users, 10), strconv.Itoa(i + 1),
				pathText(l, p.Steps), strconv.FormatInt(p.Users, 10), Percent(p.Share)})
		}
	}
	return []output.Table{tree, paths, moves, groups}
}

// pathText is a path's steps as a person reads them, joined by arrows.
func pathText(l i18n.Lang, steps []string) string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = PathStepName(l, s)
	}
	return strings.Join(names, " → ")
}
