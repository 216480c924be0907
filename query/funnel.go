package query

import (
	"context"
	"slices"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// FunnelStep is one funnel step: an event name and the step's own
// property filters (ANDed, on top of --where).
type FunnelStep struct {
	Event string   `json:"event" toml:"event"`
	Where []string `json:"where,omitempty" toml:"where,omitempty"`
}

// Exclusion holds an attempt at step From (0-based) when Event happens
// after the matched step From and before step To: strictly between their
// times once To is done, or anywhere in the window after From while it is
// not. To = 0 means the last step, so the zero value covers the whole
// funnel. Each step-1 attempt is judged on its own, and a later match of
// step From after the excluded event starts clean.
type Exclusion struct {
	Event string `json:"event" toml:"event"`
	From  int    `json:"from" toml:"from"`
	To    int    `json:"to" toml:"to"`
}

// FunnelQuery is a funnel analysis (docs/semantics.md#funnels).
type FunnelQuery struct {
	Common
	Steps    []FunnelStep `json:"steps" toml:"steps"`
	Window   string       `json:"window,omitempty" toml:"window,omitempty"` // default 7d
	Mode     string       `json:"mode,omitempty" toml:"mode,omitempty"`     // ordered (default), strict, any
	Exclude  []Exclusion  `json:"exclude,omitempty" toml:"exclude,omitempty"`
	Interval string       `json:"interval,omitempty" toml:"interval,omitempty"` // trend buckets of step-1 time, default day
	// Semantics names whose counting rules to follow: spoor (default),
	// posthog, mixpanel, amplitude or clickhouse; Options are ClickHouse
	// windowFunnel options (docs/semantics.md#vendor-semantics).
	Semantics string   `json:"semantics,omitempty" toml:"semantics,omitempty"`
	Options   []string `json:"options,omitempty" toml:"options,omitempty"`
}

// Funnel modes.
const (
	FunnelOrdered = "ordered"
	FunnelStrict  = "strict"
	FunnelAny     = "any"
)

// DefaultFunnelWindow is the conversion window when none is given.
const DefaultFunnelWindow = "7d"

// funnelPlan is a validated FunnelQuery resolved against a dataset.
type funnelPlan struct {
	q       FunnelQuery
	d       *Dataset
	s       *Scope
	n       int
	mode    string
	window  int64 // ms, inclusive
	maxTime int64 // the data's last event: windows ending after it are still open
	cal     *Calendar
	sem     string    // one of Semantics
	ch      chOptions // windowFunnel options, clickhouse semantics

	ev   []int32      // step -> event id
	filt [][]compiled // step -> its own filters
	// later lists, per event id, the steps >= 1 with that name in
	// descending order, so one event extends chains from the pre-event
	// state and never completes two steps of one chain.
	later [][]int32
	// only maps an event id to the one step >= 1 with that name (0: none)
	// when no name is on two of those steps and no step has a filter of
	// its own, else it is nil: an event alone at its instant then needs no
	// loop over steps and no filter test (the workbench's first funnel,
	// and most: a tenth of the 10M funnel's time went to those).
	only []int8
	any  [][]int32 // event id -> every step with that name (any mode)
	// Without step filters the steps an event fills follow from its name:
	// anyType maps an event id to an index in anyMasks (-1: no step).
	anyType  []int32
	anyMasks []uint64

	keep []keepMask // --where, for the lane pass (filtered)

	excl   []exclPlan
	exclTo [][]int   // step -> exclusions ending at that step
	exclBy [][]int32 // event id -> exclusions naming it
}

type exclPlan struct {
	id       int
	ev       int32
	from, to int
}

// FunnelSteps turns a list of step specs into steps. A spec is an event
// name optionally followed by " where FILTER" clauses, e.g.
// "purchase where price > 100 where coupon is set".
func FunnelSteps(specs []string) []FunnelStep {
	var steps []FunnelStep
	for _, spec := range specs {
		parts := strings.Split(spec, " where ")
		st := FunnelStep{Event: strings.TrimSpace(parts[0])}
		for _, w := range parts[1:] {
			if w = strings.TrimSpace(w); w != "" {
				st.Where = append(st.Where, w)
			}
		}
		steps = append(steps, st)
	}
	return steps
}

func (d *Dataset) planFunnel(ctx context.Context, q FunnelQuery) (*funnelPlan, error) {
	p := &funnelPlan{q: q, d: d, n: len(q.Steps), maxTime: d.MaxTime}
	iv, err := p.shape()
	if err != nil {
		return nil, err
	}
	for _, st := range q.Steps {
		if err := d.CheckEvent(st.Event); err != nil {
			return nil, err
		}
	}
	if p.s, err = d.Resolve(ctx, q.Common); err != nil {
		return nil, err
	}
	p.cal = NewCalendar(iv, p.s.Loc, p.s.From, p.s.To)
	p.keep = keepMasks(p.s)
	if err := p.index(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// shape checks what the query says without data: the number of steps,
// the mode, the window and the trend interval.
func (p *funnelPlan) shape() (Interval, error) {
	q := p.q
	if p.n == 0 {
		return "", i18n.Errorf("a funnel needs at least one step (e.g. --steps view,cart,purchase)")
	}
	if p.n > 127 {
		return "", i18n.Errorf("a funnel takes at most 127 steps, got %d", p.n)
	}
	switch strings.ToLower(q.Mode) {
	case "", FunnelOrdered:
		p.mode = FunnelOrdered
	case FunnelStrict:
		p.mode = FunnelStrict
	case FunnelAny, "unordered":
		p.mode = FunnelAny
	default:
		return "", i18n.Errorf("unknown funnel mode %q (use ordered, strict or any)", q.Mode)
	}
	if p.mode == FunnelAny && p.n > 64 {
		return "", i18n.Errorf("an any-order funnel takes at most 64 steps, got %d", p.n)
	}
	if err := p.planSemantics(); err != nil {
		return "", err
	}
	w := q.Window
	if w == "" {
		w = DefaultFunnelWindow
	}
	var err error
	if p.window, err = ParseDuration(w); err != nil {
		return "", i18n.Errorf("--window: %w", err)
	}
	if len(q.Exclude) > 0 && p.mode == FunnelAny {
		return "", i18n.Errorf("exclusions need an ordered or strict funnel: in any order there is no 'between two steps'")
	}
	for _, x := range q.Exclude {
		to := x.To
		if to == 0 {
			to = p.n - 1
		}
		if x.From < 0 || to <= x.From || to >= p.n {
			return "", i18n.Errorf("exclusion %s: steps %d to %d are not two steps of this %d-step funnel (1-based, from before to)", x.Event, x.From+1, to+1, p.n)
		}
	}
	return ParseInterval(q.Interval)
}

// index resolves the steps and exclusions against the dataset's names and
// properties.
func (p *funnelPlan) index(ctx context.Context) error {
	d, q := p.d, p.q
	p.later = make([][]int32, len(d.Names))
	p.any = make([][]int32, len(d.Names))
	for k, st := range q.Steps {
		id, _ := d.EventID(st.Event)
		p.ev = append(p.ev, id)
		var fs []compiled
		for _, w := range st.Where {
			f, err := ParseFilter(w)
			if err != nil {
				return i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
			}
			c, err := f.compile(ctx, d)
			if err != nil {
				return err
			}
			fs = append(fs, c)
		}
		p.filt = append(p.filt, fs)
		p.any[id] = append(p.any[id], int32(k))
	}
	if p.mode == FunnelAny && !slices.ContainsFunc(q.Steps, func(st FunnelStep) bool { return len(st.Where) > 0 }) {
		p.anyType = make([]int32, len(d.Names))
		for id, ks := range p.any {
			p.anyType[id] = -1
			if len(ks) > 0 {
				var m uint64
				for _, k := range ks {
					m |= 1 << uint(k)
				}
				p.anyType[id] = int32(len(p.anyMasks))
				p.anyMasks = append(p.anyMasks, m)
			}
		}
	}
	for k := p.n - 1; k >= 1; k-- {
		p.later[p.ev[k]] = append(p.later[p.ev[k]], int32(k))
	}
	p.simplify()
	if len(q.Exclude) > 0 {
		p.exclTo = make([][]int, p.n)
		p.exclBy = make([][]int32, len(d.Names))
	}
	for i, x := range q.Exclude {
		if err := d.CheckEvent(x.Event); err != nil {
			return i18n.Errorf("exclusion: %w", err)
		}
		to := x.To
		if to == 0 {
			to = p.n - 1
		}
		id, _ := d.EventID(x.Event)
		p.excl = append(p.excl, exclPlan{id: i, ev: id, from: x.From, to: to})
		p.exclTo[to] = append(p.exclTo[to], i)
		p.exclBy[id] = append(p.exclBy[id], int32(i))
	}
	return nil
}

// simplify sets only when every step's name and filters allow it.
func (p *funnelPlan) simplify() {
	if slices.ContainsFunc(p.filt, func(fs []compiled) bool { return len(fs) > 0 }) {
		return
	}
	only := make([]int8, len(p.later))
	for ev, ks := range p.later {
		switch len(ks) {
		case 0:
		case 1:
			only[ev] = int8(ks[0])
		default:
			return
		}
	}
	p.only = only
}

// stepOK reports whether event i passes step k's own filters (its name is
// checked by the caller).
func (p *funnelPlan) stepOK(i int, k int) bool {
	for _, c := range p.filt[k] {
		if !c.ok[c.codes[i]] {
			return false
		}
	}
	return true
}

// matches reports whether event i can be step k: name and step filters.
func (p *funnelPlan) matches(i int, k int) bool {
	return p.d.Event[i] == p.ev[k] && p.stepOK(i, k)
}

// Funnel computes a funnel (docs/semantics.md#funnels). The choices where the rules leave
// room, all checked against the brute-force reference in the tests:
//   - A person enters only with a step-1 event inside the date range, but
//     later steps may complete after the range end, within the window (as
//     PostHog does): a range selects who started, not who finished.
//   - Ordered: "at or after" compares times, so events at one instant may
//     fill consecutive steps in any storage order. Strict: steps are
//     consecutive events in storage order; events hidden by --where are
//     not there at all, so they neither fill nor break anything.
//   - The counted attempt is the latest step-1 event reaching the deepest
//     step; in progress means its window ends after the data's last event.
//   - Times to convert are those of the chain that first reached the
//     deepest step, taking the latest events for the earlier steps.
//   - Any order: level k means k+1 distinct steps in one window starting at
//     one of them; times are when the count grew.
//   - Exclusions: see Exclusion.
func (d *Dataset) Funnel(ctx context.Context, q FunnelQuery) (*FunnelResult, error) {
	p, err := d.planFunnel(ctx, q)
	if err != nil {
		return nil, err
	}
	return p.run(ctx)
}
