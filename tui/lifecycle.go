package tui

import (
	"context"
	"encoding/json"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// lifecycle is tab 5: new, returning, resurrecting and dormant users per
// interval.
type lifecycle struct {
	analysisBase
	q query.LifecycleQuery
}

func (a *lifecycle) kind() string          { return "lifecycle" }
func (a *lifecycle) common() *query.Common { return &a.q.Common }
func (a *lifecycle) spec() ([]byte, error) { return specJSON(a, a.q) }
func (a *lifecycle) load(raw []byte) error {
	var q query.LifecycleQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// seed starts weekly, which reads better than 60 thin daily bars.
func (a *lifecycle) seed(sh *shared) { a.q.Interval = "week" }

func (a *lifecycle) rows(sh *shared) []row {
	rs := []row{
		{label: i18n.T("active"), value: orDefault(a.q.Event, i18n.Text(anyEvent)), remove: func() { a.q.Event = "" }, edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Active means did"), eventItems(sh, true), false, func(v string) tea.Cmd {
				if v == anyEvent {
					v = ""
				}
				a.q.Event = v
				return nil
			})
		}},
		{label: i18n.T("every"), value: valueLabel(orDefault(a.q.Interval, "day")), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Interval"), []string{"day", "week", "month"}, func(v string) { a.q.Interval = v })
		}},
	}
	return append(rs, commonRows(sh, &a.q.Common, false)...)
}

func (a *lifecycle) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	q := a.q
	q.Where = slices.Clone(q.Where)
	eng := sh.eng
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := eng.Lifecycle(ctx, q)
		if err != nil {
			return nil, err
		}
		return &lifecycleResult{r: r}, nil
	}, nil
}

type lifecycleResult struct {
	resultBase
	r *query.LifecycleResult
}

func (r *lifecycleResult) Tables(l i18n.Lang) []output.Table   { return r.r.Tables(l) }
func (r *lifecycleResult) json() any                           { return r.r }
func (r *lifecycleResult) chart(sh *shared, w, sel int) string { return lifecycleChart(sh, r.r, w) }
