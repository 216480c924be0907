package tui

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// paths is tab 3: what users do after (or before) an event, as a tree.
type paths struct {
	analysisBase
	q query.PathsQuery
}

func (a *paths) kind() string          { return "paths" }
func (a *paths) common() *query.Common { return &a.q.Common }
func (a *paths) spec() ([]byte, error) { return specJSON(a, a.q) }
func (a *paths) load(raw []byte) error {
	var q query.PathsQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// seed starts after the data's path anchor (firstChoices): a common
// event that its users follow with another.
func (a *paths) seed(sh *shared) { a.q.From = sh.picks.anchor }

func (a *paths) rows(sh *shared) []row {
	dir, anchor := "after", a.q.From
	if a.q.To != "" {
		dir, anchor = "before", a.q.To
	}
	collapse := "yes"
	if a.q.NoCollapse {
		collapse = "no"
	}
	rs := []row{
		{label: i18n.T("paths"), value: valueLabel(dir), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Paths after the event, or leading to it"), []string{"after", "before"}, func(v string) {
				ev := a.q.From + a.q.To
				a.q.From, a.q.To = "", ""
				if v == "before" {
					a.q.To = ev
				} else {
					a.q.From = ev
				}
			})
		}},
		{label: i18n.T("event"), value: orDefault(anchor, i18n.T("(pick one)")), edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Anchor event"), eventItems(sh, false), false, func(v string) tea.Cmd {
				if a.q.To != "" {
					a.q.To = v
				} else {
					a.q.From = v
				}
				return nil
			})
		}},
		{label: i18n.T("depth"), value: strconv.Itoa(orInt(a.q.Depth, 4)), edit: func(sh *shared) dialog {
			p := choiceDialog(i18n.T("Steps shown (1 to %d)", query.MaxPathDepth), []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, func(v string) {
				a.q.Depth, _ = strconv.Atoi(v)
			})
			p.typed = func(v string) (string, error) {
				if n, err := strconv.Atoi(v); err != nil || n < 1 || n > query.MaxPathDepth {
					return "", i18n.Errorf("depth: a number of steps from 1 to %d", query.MaxPathDepth)
				}
				return i18n.T("depth %s", v), nil
			}
			return p
		}},
		{label: i18n.T("session"), value: orDefault(a.q.SessionGap, "30m"), edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Session gap"), i18n.T("a longer gap ends the path: 30m, 2h, 1d; 0 disables sessions"), a.q.SessionGap,
				checkDuration, func(v string) tea.Cmd { a.q.SessionGap = v; return nil })
		}},
		{label: i18n.T("repeats"), value: i18n.T("collapse %s", valueLabel(collapse)), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Collapse immediate repeats of an event"), []string{"yes", "no"}, func(v string) { a.q.NoCollapse = v == "no" })
		}},
	}
	return append(rs, commonRows(sh, &a.q.Common, false)...)
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func checkDuration(v string) error {
	_, err := query.ParseDuration(v)
	return err
}

func (a *paths) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	q := a.q
	q.Where = slices.Clone(q.Where)
	eng := sh.eng
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := eng.Paths(ctx, q)
		if err != nil {
			return nil, err
		}
		return &pathsResult{r: r}, nil
	}, nil
}

type pathsResult struct {
	resultBase
	r *query.PathsResult
}

func (r *pathsResult) Tables(l i18n.Lang) []output.Table   { return r.r.Tables(l) }
func (r *pathsResult) json() any                           { return r.r }
func (r *pathsResult) chart(sh *shared, w, sel int) string { return pathsChart(sh, r.r, w) }
