package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// funnel is tab 2: steps, exclusions, window and mode; or, in its
// attribution view (attribution.go), credit of conversions to touches.
type funnel struct {
	analysisBase
	q    query.FunnelQuery
	View string // viewFunnel ("") or viewAttribution
	attr attributionView
	// shownFunnel is the funnel on screen: an edit of its trend interval,
	// breakdown or filters is answered from it (query.Dataset.FunnelAgain)
	// without scanning every person's events again. Only it keeps the
	// times FunnelAgain reads: a funnel no longer shown releases them
	// (kept in the cache, it is shown again as it is, and an edit of it
	// scans), for the next scan to reuse their memory.
	shownFunnel *query.FunnelResult
}

func (a *funnel) shown(res result) {
	old := a.shownFunnel
	a.shownFunnel = nil
	if fr, ok := res.(*funnelResult); ok {
		a.shownFunnel = fr.r
	}
	if old != a.shownFunnel {
		old.Release()
	}
}

func (a *funnel) attributing() bool { return a.View == viewAttribution }

var (
	funnelModes     = []string{"ordered", "strict", "any"}
	funnelIntervals = []string{"day", "week", "month"}
	// funnelCHOptions are ClickHouse windowFunnel's options, which the
	// options row toggles under the clickhouse semantics.
	funnelCHOptions = []string{query.CHStrictOrder, query.CHStrictDedup, query.CHStrictIncrease, query.CHStrictOnce, query.CHAllowReentry}
)

func (a *funnel) kind() string {
	if a.attributing() {
		return "attribution"
	}
	return "funnel"
}

func (a *funnel) common() *query.Common {
	if a.attributing() {
		return &a.attr.q.Common
	}
	return &a.q.Common
}

func (a *funnel) spec() ([]byte, error) {
	if a.attributing() {
		return specJSON(a, a.attr.q)
	}
	return specJSON(a, a.q)
}

func (a *funnel) load(raw []byte) error {
	if a.attributing() {
		var q attribution.Query
		if err := json.Unmarshal(raw, &q); err != nil {
			return err
		}
		a.attr.q = q
		return nil
	}
	var q query.FunnelQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// seed starts on the most common events in the order users first do
// them, which in an event export is usually the funnel's own order.
func (a *funnel) seed(sh *shared) {
	for _, e := range sh.funnelSeed {
		a.q.Steps = append(a.q.Steps, query.FunnelStep{Event: e})
	}
}

func (a *funnel) rows(sh *shared) []row {
	if a.attributing() {
		return append(a.attr.rows(sh), a.viewRow())
	}
	var rs []row
	addStep := func(sh *shared) dialog {
		return newPicker(i18n.T("Add step %d", len(a.q.Steps)+1), eventItems(sh, false), false, func(v string) tea.Cmd {
			a.q.Steps = append(a.q.Steps, query.FunnelStep{Event: v})
			return nil
		})
	}
	for i := range a.q.Steps {
		i := i
		st := &a.q.Steps[i]
		rs = append(rs, row{label: i18n.T("step %d", i+1), value: st.Event,
			edit: func(sh *shared) dialog {
				return newPicker(i18n.T("Step %d event", i+1), eventItems(sh, false), false, func(v string) tea.Cmd {
					a.q.Steps[i].Event = v
					return nil
				})
			},
			remove: func() { a.q.Steps = slices.Delete(a.q.Steps, i, i+1); a.fixExclusions() },
			move:   func(d int) bool { return swap(a.q.Steps, i, i+d) },
			add:    addStep,
			filter: func(sh *shared) dialog { return filterDialog(sh, &st.Where) },
		})
		for j := range st.Where {
			j := j
			rs = append(rs, row{label: "  " + i18n.T("where"), value: st.Where[j],
				remove: func() { a.q.Steps[i].Where = slices.Delete(a.q.Steps[i].Where, j, j+1) },
				edit: func(sh *shared) dialog {
					return newPrompt(i18n.T("Edit step filter"), i18n.Text(filterHint), a.q.Steps[i].Where[j], checkFilter,
						func(v string) tea.Cmd { a.q.Steps[i].Where[j] = v; return nil })
				}})
		}
	}
	rs = append(rs, row{label: i18n.T("step"), value: i18n.T("+ step"), edit: addStep, add: addStep})
	for i, ex := range a.q.Exclude {
		i := i
		rs = append(rs, row{label: i18n.T("not"), value: i18n.T("%s (steps %d-%d)", ex.Event, ex.From+1, ex.To+1),
			remove: func() { a.q.Exclude = slices.Delete(a.q.Exclude, i, i+1) },
			edit: func(sh *shared) dialog {
				n := len(a.q.Steps)
				return newPrompt(i18n.T("Exclude %s between steps", ex.Event), i18n.T("FROM-TO, two step numbers from 1 to %d", n),
					fmt.Sprintf("%d-%d", ex.From+1, ex.To+1), func(v string) error { _, _, err := stepRange(v, n); return err },
					func(v string) tea.Cmd {
						a.q.Exclude[i].From, a.q.Exclude[i].To, _ = stepRange(v, n)
						return nil
					})
			}})
	}
	rs = append(rs,
		row{label: i18n.T("not"), value: i18n.T("+ exclusion"), edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Exclude users who do this between the first and last step"), eventItems(sh, false), false, func(v string) tea.Cmd {
				a.q.Exclude = append(a.q.Exclude, query.Exclusion{Event: v, From: 0, To: max(len(a.q.Steps)-1, 1)})
				return nil
			})
		}},
		row{label: i18n.T("window"), value: orDefault(a.q.Window, "7d"), edit: func(sh *shared) dialog {
			return windowDialog(i18n.T("Conversion window"), &a.q.Window)
		}},
		row{label: i18n.T("mode"), value: valueLabel(orDefault(a.q.Mode, "ordered")), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Funnel mode"), funnelModes, func(v string) { a.q.Mode = v })
		}},
		// "rules", not "semantics": labels fit the panel's 8 columns.
		row{label: i18n.T("rules"), value: orDefault(a.q.Semantics, query.SemSpoor), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Count as which product does (--semantics)"), query.Semantics, func(v string) {
				a.q.Semantics = v
				if v != query.SemClickHouse {
					a.q.Options = nil // only windowFunnel has options; the engine refuses them elsewhere
				}
			})
		}},
	)
	// A spec file may spell it in capitals, as the engine accepts.
	if strings.EqualFold(strings.TrimSpace(a.q.Semantics), query.SemClickHouse) {
		rs = append(rs, row{label: i18n.T("options"), value: orDefault(strings.Join(a.q.Options, ","), i18n.T("none")), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Toggle a windowFunnel option (pick a set one to clear it)"), funnelCHOptions, func(v string) {
				if i := slices.Index(a.q.Options, v); i >= 0 {
					a.q.Options = slices.Delete(a.q.Options, i, i+1)
				} else {
					a.q.Options = append(a.q.Options, v)
				}
			})
		}})
	}
	rs = append(rs,
		row{label: i18n.T("trend"), value: i18n.T("per %s", valueLabel(orDefault(a.q.Interval, "day"))), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Conversion trend interval"), funnelIntervals, func(v string) { a.q.Interval = v })
		}},
	)
	// The view row comes last, where it moves no row people reach by habit.
	return append(append(rs, commonRows(sh, &a.q.Common, true)...), a.viewRow())
}

// stepRange reads "2-4" (1-based, as shown) into 0-based steps.
func stepRange(v string, steps int) (from, to int, err error) {
	a, b, ok := strings.Cut(v, "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || from < 1 || to > steps || from >= to {
		return 0, 0, i18n.Errorf("write two step numbers FROM-TO with 1 <= FROM < TO <= %d", steps)
	}
	return from - 1, to - 1, nil
}

// fixExclusions keeps exclusion ranges inside the steps after a removal.
func (a *funnel) fixExclusions() {
	last := max(len(a.q.Steps)-1, 1)
	for i := range a.q.Exclude {
		a.q.Exclude[i].To = min(a.q.Exclude[i].To, last)
		a.q.Exclude[i].From = min(a.q.Exclude[i].From, a.q.Exclude[i].To-1)
	}
}

func namedList(vs []string) []named {
	out := make([]named, len(vs))
	for i, v := range vs {
		out[i] = named{name: v}
	}
	return out
}

func (a *funnel) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	if a.attributing() {
		return a.attr.runner(sh.eng)
	}
	if len(a.q.Steps) < 2 {
		return nil, i18n.Errorf("a funnel needs at least two steps: press a to add one")
	}
	q := a.q
	q.Where = slices.Clone(q.Where)
	q.Exclude = slices.Clone(q.Exclude)
	q.Steps = slices.Clone(q.Steps)
	q.Options = slices.Clone(q.Options)
	for i := range q.Steps {
		q.Steps[i].Where = slices.Clone(q.Steps[i].Where)
	}
	eng, prev := sh.eng, a.shownFunnel
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, ok, err := d.FunnelAgain(ctx, prev, q)
		if !ok {
			// The times prev keeps cannot answer q: this scan takes
			// their memory instead of fresh (at 10M events, 15-20% of
			// a step or window edit's CPU).
			prev.Release()
			r, err = eng.Funnel(ctx, q)
		}
		if err != nil {
			return nil, err
		}
		return &funnelResult{r: r, top: r.TopBreakdown(chartSeries)}, nil
	}, nil
}

// funnelResult keeps the top breakdown values for the chart, folded once
// here rather than in View.
type funnelResult struct {
	resultBase
	r   *query.FunnelResult
	top []query.FunnelBreakdown
}

func (r *funnelResult) Tables(l i18n.Lang) []output.Table { return r.r.Tables(l) }
func (r *funnelResult) json() any                         { return r.r }
func (r *funnelResult) items() int                        { return len(r.r.Steps) }

// line is where step sel's bar is: after the title, each step before it
// takes its bar and its info lines.
func (r *funnelResult) line(_ *shared, w, sel int) int {
	at := 1
	for i := 0; i < sel && i < len(r.r.Steps); i++ {
		at += 1 + strings.Count(funnelInfo(r.r, i, w-funnelNameW(w)-1), "\n") + 1
	}
	return at
}

func (r *funnelResult) chart(sh *shared, w, sel int) string {
	return funnelChart(sh, r.r, r.top, w, sel)
}

func (r *funnelResult) explain(ctx context.Context, d *query.Dataset, user string) (string, error) {
	return d.ExplainFunnel(ctx, r.r.Query, user)
}

func (r *funnelResult) after(sh *shared, w int) string { return funnelTrend(sh, r.r, w) }

// drill lists who dropped off after step sel; on the last step, who
// converted. p lists who is still in progress (funnel_inprogress.go).
func (r *funnelResult) drill(sel int) (string, []string, bool) {
	if sel < 0 || sel >= len(r.r.Steps) {
		return "", nil, false
	}
	s := r.r.Steps[sel]
	if sel == len(r.r.Steps)-1 {
		return i18n.T("Converted: reached step %d %s", sel+1, s.Event) + r.overall(), r.r.UsersAt(sel), true
	}
	return i18n.T("Dropped off after step %d %s", sel+1, s.Event) + r.overall(), r.r.DroppedAt(sel), true
}

// overall says, with a breakdown on, that a step's users are those of
// every value: the chart shows the top values, but the lists come from the
// steps' totals.
func (r *funnelResult) overall() string {
	if r.r.By == "" {
		return ""
	}
	return i18n.T(" (overall, every %s)", r.r.By)
}
