package tui

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/survival"
)

// retention is tab 4: cohorts by first start event, returns per period;
// or, in its survival view, Kaplan–Meier curves of the time from the
// first start event to a target event.
type retention struct {
	analysisBase
	q query.RetentionQuery
	// survival shows the survival view, whose query is sq: a spec of
	// kind "survival" (loadKind switches to it).
	survival bool
	sq       survival.Query
}

func (a *retention) kind() string {
	if a.survival {
		return "survival"
	}
	return "retention"
}

func (a *retention) common() *query.Common {
	if a.survival {
		return &a.sq.Common
	}
	return &a.q.Common
}

func (a *retention) spec() ([]byte, error) {
	if a.survival {
		return specJSON(a, a.sq)
	}
	return specJSON(a, a.q)
}

func (a *retention) load(raw []byte) error {
	if a.survival {
		var q survival.Query
		if err := json.Unmarshal(raw, &q); err != nil {
			return err
		}
		a.sq = q
		return nil
	}
	var q query.RetentionQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// loadKind opens a spec of either kind the tab holds.
func (a *retention) loadKind(kind string, raw []byte) (bool, error) {
	if kind != "retention" && kind != "survival" {
		return false, nil
	}
	was := a.survival
	a.survival = kind == "survival"
	err := a.load(raw)
	if err != nil {
		a.survival = was
	}
	return true, err
}

// seed starts weekly (daily cohorts of a short sample are mostly noise),
// counting as a return the event most users do on more than one day:
// with any event, a system event (a trial expiring on its own) would
// count as the user coming back.
func (a *retention) seed(sh *shared) { a.q.Period, a.q.Return = "week", sh.picks.repeat }

// viewRow switches between the cohort table and the survival curves;
// the first switch to survival carries the range, filters and start event
// over.
func (a *retention) viewRow() row {
	return row{label: i18n.T("view"), value: valueLabel(map[bool]string{false: "cohorts", true: "survival"}[a.survival]), edit: func(sh *shared) dialog {
		return choiceDialog(i18n.T("Show"), []string{"cohorts", "survival"}, func(v string) {
			a.survival = v == "survival"
			if a.survival && a.sq.Start == "" && a.sq.Event == "" {
				a.sq.Common = a.q.Common
				a.sq.Where = slices.Clone(a.q.Where)
				// The cohort's start event, else the first of the events
				// users do first; the last of those as the target
				// (session_start → add_to_cart on the sample), else the
				// return event.
				a.sq.Start, a.sq.Event = a.q.Start, a.q.Return
				if seed := sh.funnelSeed; len(seed) > 1 {
					a.sq.Start = cmp.Or(a.sq.Start, seed[0])
					a.sq.Event = seed[len(seed)-1]
				}
			}
		})
	}}
}

func (a *retention) rows(sh *shared) []row {
	pickEvent := func(title string, set func(string)) func(sh *shared) dialog {
		return func(sh *shared) dialog {
			return newPicker(title, eventItems(sh, true), false, func(v string) tea.Cmd {
				if v == anyEvent {
					v = ""
				}
				set(v)
				return nil
			})
		}
	}
	if a.survival {
		return a.survivalRows(sh)
	}
	period := query.Interval(orDefault(a.q.Period, "day"))
	rs := []row{
		a.viewRow(),
		{label: i18n.T("start"), value: orDefault(a.q.Start, i18n.Text(anyEvent)), edit: pickEvent(i18n.T("Cohort by first event"), func(v string) { a.q.Start = v }),
			remove: func() { a.q.Start = "" }},
		{label: i18n.T("return"), value: orDefault(a.q.Return, i18n.Text(anyEvent)), edit: pickEvent(i18n.T("Returned when they did"), func(v string) { a.q.Return = v }),
			remove: func() { a.q.Return = "" }},
		{label: i18n.T("period"), value: valueLabel(string(period)), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Period"), []string{"day", "week", "month"}, func(v string) { a.q.Period, a.q.Periods = v, 0 })
		}},
		{label: i18n.T("periods"), value: strconv.Itoa(orInt(a.q.Periods, query.DefaultPeriods[period])), edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Periods shown (period 0 included)"), i18n.T("a number from 2 to 400"), strconv.Itoa(orInt(a.q.Periods, query.DefaultPeriods[period])),
				checkPeriods, func(v string) tea.Cmd { a.q.Periods, _ = strconv.Atoi(v); return nil })
		}},
		{label: i18n.T("returns"), value: valueLabel(map[bool]string{false: "in period k", true: "in k or later"}[a.q.Unbounded]), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Counts as returned in period k"), []string{"in period k", "in k or later"}, func(v string) { a.q.Unbounded = v == "in k or later" })
		}},
		{label: i18n.T("cohort"), value: valueLabel(map[bool]string{false: "first time", true: "recurring"}[a.q.Recurring]), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Cohort membership"), []string{"first time", "recurring"}, func(v string) { a.q.Recurring = v == "recurring" })
		}},
	}
	return append(rs, commonRows(sh, &a.q.Common, true)...)
}

func checkPeriods(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 || n > 400 {
		return i18n.Errorf("periods: a number from 2 to 400")
	}
	return nil
}

func (a *retention) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	if a.survival {
		return a.survivalRunner()
	}
	q := a.q
	q.Where = slices.Clone(q.Where)
	eng := sh.eng
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := eng.Retention(ctx, q)
		if err != nil {
			return nil, err
		}
		return &retentionResult{r: r}, nil
	}, nil
}

// retentionResult selects one cell of the cohort table: item sel is
// cohort sel/Periods, period sel%Periods.
type retentionResult struct {
	resultBase
	r *query.RetentionResult
}

func (r *retentionResult) Tables(l i18n.Lang) []output.Table { return r.r.Tables(l) }
func (r *retentionResult) json() any                         { return r.r }
func (r *retentionResult) items() int                        { return len(r.r.Cohorts) * r.r.Periods }
func (r *retentionResult) line(_ *shared, w, sel int) int    { return 2 + sel/max(r.r.Periods, 1) }

func (r *retentionResult) chart(sh *shared, w, sel int) string {
	return retentionChart(sh, r.r, w, sel)
}

func (r *retentionResult) drill(sel int) (string, []string, bool) {
	title, c, k, ok := r.cell(sel)
	if !ok {
		return "", nil, false
	}
	return title, r.r.CellUsers(c, k), true
}

// open fetches the users of a cell of a result computed on ClickHouse,
// which holds counts, not memberships, in the background; a local result
// lists them at once (drill).
func (r *retentionResult) open(sh *shared, sel int) tea.Cmd {
	title, c, k, ok := r.cell(sel)
	if !ok || !r.r.Remote() {
		return nil
	}
	res := r.r
	return func() tea.Msg {
		users, err := res.Users(context.Background(), -1, c, k)
		if err != nil {
			return statusMsg{text: i18n.T("users of %s: %v", title, err), err: true}
		}
		return pageMsg{p: usersPage(sh, "retention", title, users)}
	}
}

// cell is the cohort and period of item sel, and the title of its users.
func (r *retentionResult) cell(sel int) (title string, c, k int, ok bool) {
	p := max(r.r.Periods, 1)
	c, k = sel/p, sel%p
	if c >= len(r.r.Cohorts) || k >= len(r.r.Cohorts[c].Retained) {
		return "", 0, 0, false
	}
	title = i18n.T("Cohort %s, %s %d", r.r.Cohorts[c].Start, valueLabel(r.r.Period), k)
	if r.r.By != "" {
		// The heat map is the overall table even with a breakdown on.
		title += i18n.T(" (overall, every %s)", r.r.By)
	}
	return title, c, k, true
}

// move walks the grid: up/down change cohort, left/right change period;
// ok is false at the left edge, so focus goes back to the panel.
func (r *retentionResult) move(sel int, dir string) (int, bool, bool) {
	p := max(r.r.Periods, 1)
	c, k := sel/p, sel%p
	switch dir {
	case "up":
		c = max(c-1, 0)
	case "down":
		c = min(c+1, max(len(r.r.Cohorts)-1, 0))
	case "left":
		if k == 0 {
			return sel, false, true
		}
		k--
	case "right":
		k = min(k+1, p-1)
	}
	return c*p + k, true, true
}
