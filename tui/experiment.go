package tui

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// experimentTab is tab 8 (docs/semantics.md#experiments): a variant property, its control, a
// goal event or funnel steps after exposure, and the conversion window.
// Its spec is the one spoor run executes ({"analysis":"experiment",...}).
type experimentTab struct {
	q experiment.Query
	// last is the tab's result on screen, whose variants the weights
	// prompt checks a split against.
	last *experimentResult
}

func (a *experimentTab) shown(res result) { a.last, _ = res.(*experimentResult) }

// warm: the variant property, which the tab's first run reads.
func (a *experimentTab) warm() []string {
	if a.q.Variant == "" {
		return nil
	}
	return []string{a.q.Variant}
}
func (a *experimentTab) stored(*savedEntry) {}

// The ecommerce sample's checkout test: the tab opens on it when the data
// carries the property.
const (
	defaultVariantProp = "exp_checkout"
	defaultGoal        = "purchase"
)

// The control picker's two first choices (catalog keys).
var (
	autoControl = i18n.N("(auto: control, else the first name)")
	chooseValue = i18n.N("choose from the values…")
)

func (a *experimentTab) kind() string          { return "experiment" }
func (a *experimentTab) common() *query.Common { return &a.q.Common }
func (a *experimentTab) spec() ([]byte, error) { return specJSON(a, a.q) }
func (a *experimentTab) load(raw []byte) error {
	var q experiment.Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return err
	}
	a.q = q
	return nil
}

// seed opens on exp_checkout → purchase when the data has both (the
// property keys are read with the data, in the load command).
func (a *experimentTab) seed(sh *shared) {
	if !slices.ContainsFunc(sh.events, func(e named) bool { return e.name == defaultGoal }) {
		return
	}
	if slices.ContainsFunc(sh.props, func(p named) bool { return p.name == defaultVariantProp }) {
		a.q.Variant, a.q.Goal = defaultVariantProp, defaultGoal
	}
}

func (a *experimentTab) rows(sh *shared) []row {
	q := &a.q
	rs := []row{
		{label: i18n.T("variant"), value: orDefault(q.Variant, i18n.T("(pick a property)")), edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Property that names each user's variant"), sh.props, true, func(v string) tea.Cmd {
				if v != q.Variant {
					q.Control = "" // the old control is no value of the new property
				}
				q.Variant = v
				return nil
			})
		}},
		// Enter lists the property's values (loaded in the background), led
		// by the automatic choice.
		{label: i18n.T("control"), value: orDefault(q.Control, i18n.T("(auto)")), edit: func(sh *shared) dialog {
			if q.Variant == "" {
				return newPrompt(i18n.T("Control variant"), i18n.T("pick the variant property first, or type the control's name"), q.Control, nil,
					func(v string) tea.Cmd { q.Control = v; return nil })
			}
			return newPicker(i18n.T("Control variant"), []named{choice(autoControl), choice(chooseValue)}, false, func(v string) tea.Cmd {
				if v == autoControl {
					q.Control = ""
					return nil
				}
				return loadValues(sh, q.Variant, func(k string, values []named) tea.Msg {
					return dialogMsg{newPicker(i18n.T("Control variant: value of %s", k), values, true, func(v string) tea.Cmd { q.Control = v; return nil })}
				})
			})
		}, remove: func() { q.Control = "" }},
	}
	goal := q.Goal
	if goal == "" && len(q.Steps) == 0 {
		goal = i18n.T("(pick an event)")
	} else if goal == "" {
		goal = i18n.T("funnel of %d steps", len(q.Steps))
	}
	rs = append(rs, row{label: i18n.T("goal"), value: goal, edit: func(sh *shared) dialog {
		return newPicker(i18n.T("Goal event (converts when done within the window after exposure)"), eventItems(sh, false), false, func(v string) tea.Cmd {
			q.Goal, q.Steps = v, nil
			return nil
		})
	}})
	addStep := func(sh *shared) dialog {
		return newPicker(i18n.T("Add funnel step %d", max(len(q.Steps), 1)+1), eventItems(sh, false), false, func(v string) tea.Cmd {
			// A goal becomes the funnel's first step.
			if q.Goal != "" {
				q.Steps = []query.FunnelStep{{Event: q.Goal}}
				q.Goal = ""
			}
			q.Steps = append(q.Steps, query.FunnelStep{Event: v})
			return nil
		})
	}
	for i := range q.Steps {
		i := i
		rs = append(rs, row{label: i18n.T("step %d", i+1), value: q.Steps[i].Event,
			edit: func(sh *shared) dialog {
				return newPicker(i18n.T("Step %d event", i+1), eventItems(sh, false), false, func(v string) tea.Cmd {
					q.Steps[i].Event = v
					return nil
				})
			},
			remove: func() {
				q.Steps = slices.Delete(q.Steps, i, i+1)
				// One step left is a goal.
				if len(q.Steps) == 1 {
					q.Goal, q.Steps = q.Steps[0].Event, nil
				}
			},
			move: func(d int) bool { return swap(q.Steps, i, i+d) },
			add:  addStep,
		})
	}
	rs = append(rs,
		row{label: i18n.T("step"), value: i18n.T("+ funnel step"), edit: addStep, add: addStep},
		row{label: i18n.T("window"), value: orDefault(q.Window, experiment.DefaultWindow), edit: func(sh *shared) dialog {
			return windowDialog(i18n.T("Conversion window after exposure"), &q.Window)
		}},
		// The intended split the sample-ratio check tests against; the
		// engine says when the count does not match the variants.
		row{label: i18n.T("weights"), value: weightsText(weightsLabel(q.Weights)), edit: func(sh *shared) dialog {
			cur := ""
			if len(q.Weights) > 0 {
				cur = weightsLabel(q.Weights)
			}
			return newPrompt(i18n.T("Intended traffic split (sample-ratio check)"),
				i18n.T("90/10, 50,25,25 (control first, then by name), A=90,B=10 or even"), cur,
				func(v string) error { return a.checkWeights(sh.d, v) },
				func(v string) tea.Cmd { q.Weights, _ = experiment.ParseWeights(v); return nil })
		}, remove: func() { q.Weights = nil }},
		row{label: i18n.T("revenue"), value: orDefault(q.Revenue, i18n.Text(noneChoice)), edit: func(sh *shared) dialog {
			items := append([]named{choice(noneChoice)}, sh.props...)
			return newPicker(i18n.T("Numeric property summed over goal events (Welch's t-test)"), items, false, func(v string) tea.Cmd {
				if v == noneChoice {
					v = ""
				}
				q.Revenue = v
				return nil
			})
		}, remove: func() { q.Revenue = "" }},
	)
	return append(rs, commonRows(sh, &q.Common, false)...)
}

// checkWeights reads a split the way spoor experiment --weights does and,
// when the result on screen ran this query on this data but for its
// weights, fits it to that result's variants, so a wrong count is caught
// in the prompt with the engine's words. Otherwise the run reports it.
func (a *experimentTab) checkWeights(d *query.Dataset, v string) error {
	ws, err := experiment.ParseWeights(v)
	if err != nil {
		return err
	}
	r := a.last
	if r == nil || r.d != d || !sameButWeights(r.q, a.q) {
		return nil
	}
	// A variant without users is one named only by the old weights; the
	// new ones decide whether it is an arm.
	var names []string
	for _, v := range r.r.Variants {
		if v.Users > 0 {
			names = append(names, v.Name)
		}
	}
	if _, err := experiment.ResolveWeights(ws, names); err != nil {
		// The prompt crops long lines; this one is worth reading whole.
		return errors.New(strings.TrimRight(wrap(err.Error(), 60), " \n"))
	}
	return nil
}

func sameButWeights(x, y experiment.Query) bool {
	x.Weights, y.Weights = nil, nil
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && string(bx) == string(by)
}

// weightsLabel writes weights the way the row accepts them back: 90/10,
// A=90,B=10, or even.
func weightsLabel(ws []experiment.Weight) string {
	if len(ws) == 0 {
		return "even"
	}
	parts := make([]string, len(ws))
	sep := "/"
	for i, w := range ws {
		parts[i] = strconv.FormatFloat(w.Share, 'g', -1, 64)
		if w.Name != "" {
			parts[i] = w.Name + "=" + parts[i]
			sep = ","
		}
	}
	return strings.Join(parts, sep)
}

func (a *experimentTab) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	switch {
	case a.q.Variant == "":
		return nil, i18n.Errorf("pick the property that names each user's variant: Enter on the variant row")
	case a.q.Goal == "" && len(a.q.Steps) < 2:
		return nil, i18n.Errorf("pick a goal event (Enter on goal) or at least two funnel steps (a adds one)")
	}
	q := a.q
	q.Where = slices.Clone(q.Where)
	q.Steps = slices.Clone(q.Steps)
	for i := range q.Steps {
		q.Steps[i].Where = slices.Clone(q.Steps[i].Where)
	}
	q.Weights = slices.Clone(q.Weights)
	var remote *chquery.Engine
	if sh.remote != nil {
		remote = sh.remote.eng
	}
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		var r *experiment.Result
		var err error
		if remote != nil {
			r, err = remote.Experiment(ctx, q)
		} else {
			r, err = experiment.Run(ctx, d, q)
		}
		if err != nil {
			return nil, err
		}
		return &experimentResult{r: r, q: q, d: d, remote: remote}, nil
	}, nil
}

// experimentResult draws the variants; its tables and JSON are the CLI's.
// It keeps the query and data it ran on, so a variant's users are listed
// from the same snapshot as its counts.
type experimentResult struct {
	resultBase
	r *experiment.Result
	q experiment.Query
	d *query.Dataset
	// remote is the ClickHouse table it ran on (d is nil then).
	remote *chquery.Engine
}

func (r *experimentResult) Tables(l i18n.Lang) []output.Table { return r.r.Tables(l) }
func (r *experimentResult) json() any                         { return r.r }

// items are the variants: Enter on one lists its users (open).
func (r *experimentResult) items() int { return len(r.r.Variants) }
func (r *experimentResult) chart(sh *shared, w, sel int) string {
	return experimentChart(sh, r.r, weightsLabel(r.q.Weights), w, sel)
}
