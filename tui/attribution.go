package tui

import (
	"context"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// The Funnel tab's views: the funnel itself, or attribution (README,
// Attribution and campaigns): the conversions of an event credited to the
// values of a touch property under every model, side by side.
const (
	viewFunnel      = "funnel"
	viewAttribution = "attribution"
)

// attributionView is the Funnel tab's attribution view. Its query is the
// spec spoor run executes; Model orders the values and is the spec's
// model, while the chart draws every model.
type attributionView struct {
	q attribution.Query
}

// seed picks purchase, else the funnel's last step, as the conversion, a touch-like
// property (utm_source, campaign, channel, source) as the touch, and
// revenue when the data has it.
func (v *attributionView) seed(sh *shared, steps []query.FunnelStep) {
	if len(steps) > 0 {
		v.q.Conversion = steps[len(steps)-1].Event
	}
	if slices.ContainsFunc(sh.events, func(e named) bool { return e.name == "purchase" }) {
		v.q.Conversion = "purchase"
	}
	for _, k := range []string{"utm_source", "campaign", "channel", "source", "utm_campaign"} {
		if hasProp(sh, k) {
			v.q.Touch = k
			break
		}
	}
	if hasProp(sh, "revenue") {
		v.q.Revenue = "revenue"
	}
}

func hasProp(sh *shared, k string) bool {
	return slices.ContainsFunc(sh.props, func(p named) bool { return p.name == k })
}

// loadKind opens a spec of either kind the tab holds (severalKinds).
func (a *funnel) loadKind(kind string, raw []byte) (bool, error) {
	if kind != "funnel" && kind != "attribution" {
		return false, nil
	}
	was := a.View
	a.View = map[bool]string{false: viewFunnel, true: viewAttribution}[kind == "attribution"]
	err := a.load(raw)
	if err != nil {
		a.View = was
	}
	return true, err
}

// viewRow switches the Funnel tab between its views; the attribution view
// starts from the funnel's last step.
func (a *funnel) viewRow() row {
	return row{label: i18n.T("view"), value: valueLabel(orDefault(a.View, viewFunnel)), edit: func(sh *shared) dialog {
		return choiceDialog(i18n.T("Funnel tab view"), []string{viewFunnel, viewAttribution}, func(v string) {
			a.View = v
			if v == viewAttribution && a.attr.q.Conversion == "" && a.attr.q.Touch == "" {
				// The first switch carries the range and filters over.
				a.attr.q.Common = a.q.Common
				a.attr.q.Where = slices.Clone(a.q.Where)
				a.attr.q.By = ""
				a.attr.seed(sh, a.q.Steps)
			}
		})
	}}
}

func (v *attributionView) rows(sh *shared) []row {
	q := &v.q
	return append([]row{
		{label: i18n.T("convert"), value: orDefault(q.Conversion, i18n.T("(pick an event)")), edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Conversion event (each one is credited)"), eventItems(sh, false), false, func(s string) tea.Cmd {
				q.Conversion = s
				return nil
			})
		}},
		{label: i18n.T("touch"), value: orDefault(q.Touch, i18n.T("(pick a property)")), edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Touch property (utm_source, campaign, channel…)"), sh.props, false, func(s string) tea.Cmd {
				q.Touch = s
				return nil
			})
		}},
		{label: i18n.T("window"), value: orDefault(q.Window, "30d"), edit: func(sh *shared) dialog {
			return windowDialog(i18n.T("Lookback before each conversion"), &q.Window)
		}},
		{label: i18n.T("decay"), value: i18n.T("half-life %s", orDefault(q.HalfLife, "7d")), edit: func(sh *shared) dialog {
			return windowDialog(i18n.T("Time decay half-life"), &q.HalfLife)
		}},
		{label: i18n.T("revenue"), value: orDefault(q.Revenue, i18n.Text(noneChoice)), remove: func() { q.Revenue = "" }, edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Revenue property of the conversion (credited the same way)"), append([]named{choice(noneChoice)}, sh.props...), false, func(s string) tea.Cmd {
				if s == noneChoice {
					s = ""
				}
				q.Revenue = s
				return nil
			})
		}},
		{label: i18n.T("order"), value: i18n.T("by %s", modelLabel(i18n.Current(), orDefault(q.Model, attribution.Last))), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Order the values by the credit of"), attribution.Models, func(s string) { q.Model = s })
		}},
	}, commonRows(sh, &q.Common, false)...)
}

// runner credits the conversions under every model on eng: the loaded
// events, or a ClickHouse table (one row per converting person comes
// back, credited by package attribution's own loop).
func (v *attributionView) runner(eng query.Engine) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	switch {
	case v.q.Conversion == "":
		return nil, i18n.Errorf("pick the conversion event: Enter on convert")
	case v.q.Touch == "":
		return nil, i18n.Errorf("pick the touch property (utm_source, campaign…): Enter on touch")
	}
	q := v.q
	q.Where = slices.Clone(q.Where)
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r := &attributionResult{order: orDefault(q.Model, attribution.Last)}
		for _, m := range attribution.Models {
			q.Model = m
			res, err := attribution.Evaluate(ctx, eng, q)
			if err != nil {
				return nil, err
			}
			r.models = append(r.models, res)
		}
		r.sortValues()
		return r, nil
	}, nil
}

// attributionResult is every model's credit of the same conversions.
type attributionResult struct {
	resultBase
	models []*attribution.Result // in attribution.Models order
	order  string                // the model whose credit orders the values
	values []string              // every value credited by any model, in that order
}

// sortValues orders the values most credited first under the order
// model, then by the others' best, then by name.
func (r *attributionResult) sortValues() {
	credit := map[string][]float64{}
	for k, m := range r.models {
		for _, row := range m.Rows {
			if credit[row.Touch] == nil {
				credit[row.Touch] = make([]float64, len(r.models))
				r.values = append(r.values, row.Touch)
			}
			credit[row.Touch][k] = row.Conversions
		}
	}
	o := max(slices.Index(attribution.Models, r.order), 0)
	slices.SortStableFunc(r.values, func(a, b string) int {
		ca, cb := credit[a], credit[b]
		switch {
		case ca[o] != cb[o]:
			if ca[o] > cb[o] {
				return -1
			}
			return 1
		case slices.Max(ca) != slices.Max(cb):
			if slices.Max(ca) > slices.Max(cb) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
}

// credit is value v's row under model k (zero when it got nothing).
func (r *attributionResult) credit(k int, v string) attribution.Row {
	for _, row := range r.models[k].Rows {
		if row.Touch == v {
			return row
		}
	}
	row := attribution.Row{Touch: v, Revenue: query.Undefined}
	if r.models[k].Revenue.Valid() {
		row.Revenue = 0
	}
	return row
}

// Tables is the conversions credited to each value under each model, and
// the revenue the same way when a revenue property is set.
func (r *attributionResult) Tables(l i18n.Lang) []output.Table {
	m := r.models[0]
	cols := []string{l.T("touch")}
	for _, model := range attribution.Models {
		cols = append(cols, modelLabel(l, model))
	}
	conv := output.Table{Title: l.T("%s credited by %s under each model (%d conversions, lookback %s)", m.Conversion, m.Touch, m.Conversions, output.Seconds(m.WindowSeconds).In(l)),
		Columns: cols}
	rev := output.Table{Title: l.T("revenue credited under each model"), Columns: conv.Columns}
	for _, v := range r.values {
		c, rv := []string{v}, []string{v}
		for k := range r.models {
			row := r.credit(k, v)
			c = append(c, strconv.FormatFloat(row.Conversions, 'f', 2, 64))
			rv = append(rv, strconv.FormatFloat(row.Revenue.Or(0), 'f', 2, 64))
		}
		conv.Rows = append(conv.Rows, c)
		rev.Rows = append(rev.Rows, rv)
	}
	if m.Revenue.Valid() {
		return []output.Table{conv, rev}
	}
	return []output.Table{conv}
}

// json is every model's result, each the JSON spoor attribution prints.
func (r *attributionResult) json() any {
	return map[string]any{"models": r.models}
}

// chart draws, for each value, one bar per model: the models side by
// side, on one scale (the largest credit of any value and model).
func (r *attributionResult) chart(sh *shared, w, _ int) string {
	st := sh.st
	m := r.models[0]
	var b strings.Builder
	title := i18n.T("%s credited by %s · %d conversions · lookback %s · half-life %s", m.Conversion, m.Touch,
		m.Conversions, output.Duration(m.WindowSeconds), output.Duration(*r.models[slices.Index(attribution.Models, attribution.TimeDecay)].HalfLifeSeconds))
	b.WriteString(st.Title.Render(truncate(title, w)))
	if len(r.values) == 0 {
		b.WriteString("\n" + st.Dim.Render(wrap(i18n.T("no conversions in the range"), w)))
		return b.String()
	}
	top := 0.0
	for _, res := range r.models {
		for _, row := range res.Rows {
			top = max(top, row.Conversions)
		}
	}
	nameW := min(18, max(8, w/5))
	modelW := 0
	for _, model := range attribution.Models {
		modelW = max(modelW, lipglossWidth(modelLabel(i18n.Current(), model)))
	}
	numW := 9
	barW := max(w-nameW-modelW-numW-3, 4)
	for _, v := range r.values {
		for k, model := range attribution.Models {
			name := ""
			if k == 0 {
				name = v
			}
			label := st.Dim.Render(padRight(modelLabel(i18n.Current(), model), modelW))
			if model == orDefault(r.order, attribution.Last) {
				label = st.Label.Render(padRight(modelLabel(i18n.Current(), model), modelW))
			}
			c := r.credit(k, v).Conversions
			full := 0
			if top > 0 {
				full = int(c/top*float64(barW) + 0.5)
			}
			bar := st.Series[k%len(st.Series)].Render(strings.Repeat("█", full)) + strings.Repeat(" ", barW-full)
			b.WriteString("\n" + padRight(truncate(name, nameW), nameW) + " " + label + " " + bar + " " + padLeft(strconv.FormatFloat(c, 'f', 1, 64), numW))
		}
	}
	b.WriteString("\n" + st.Dim.Render(wrap(i18n.T("each conversion counts once, split by the model; (direct): no touch in the lookback"), w)))
	return b.String()
}

// modelLabel is an attribution model (its --model value) as a person
// reads it.
func modelLabel(l i18n.Lang, model string) string {
	switch model {
	case attribution.First:
		return l.T("first")
	case attribution.Last:
		return l.T("last")
	case attribution.Linear:
		return l.T("linear")
	case attribution.TimeDecay:
		return l.T("time_decay")
	case attribution.Position:
		return l.T("position")
	}
	return model
}
