// Package experiment evaluates A/B tests (docs/semantics.md#experiments): users are assigned to
// the variant named by their first value of a property, and each variant's
// conversion to a goal event or funnel after exposure is compared with the
// control's.
package experiment

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// DefaultWindow is the conversion window when none is given.
const DefaultWindow = "7d"

// Query is one experiment to evaluate. It is plain data so the CLI, the
// workbench and spec files all build it.
type Query struct {
	query.Common
	Variant string `json:"variant" toml:"variant"`                     // property carrying the variant
	Control string `json:"control,omitempty" toml:"control,omitempty"` // default: "control" if present, else the first name in order
	// Goal is a single conversion event, optionally with filters
	// ("purchase where price > 100"); Steps a funnel to complete after
	// exposure, each step with its own filters as in a funnel spec.
	Goal   string             `json:"goal,omitempty" toml:"goal,omitempty"`
	Steps  []query.FunnelStep `json:"steps,omitempty" toml:"steps,omitempty"`
	Window string             `json:"window,omitempty" toml:"window,omitempty"` // measured from exposure, inclusive; default 7d
	// Weights are the intended traffic shares for the sample-ratio check:
	// by name, or, when Name is empty, in display order (control first,
	// then the other variants by name). Empty means an even split.
	Weights []Weight `json:"weights,omitempty" toml:"weights,omitempty"`
	Revenue string   `json:"revenue,omitempty" toml:"revenue,omitempty"` // numeric property summed over goal events
	Alpha   float64  `json:"alpha,omitempty" toml:"alpha,omitempty"`     // default 0.05
	// MDE is the smallest relative lift worth detecting (default 0.10):
	// an inconclusive test with enough users to detect it at 80% power
	// shows "no detectable difference", one with fewer "too few users".
	MDE float64 `json:"mde,omitempty" toml:"mde,omitempty"`
}

// DefaultMDE is the minimum detectable relative lift when none is given.
const DefaultMDE = 0.10

// Weight is one intended traffic share.
type Weight struct {
	Name  string  `json:"name,omitempty" toml:"name,omitempty"`
	Share float64 `json:"share" toml:"share"`
}

// arm is what the scan counts for one variant.
type arm struct {
	name       string
	users      int
	converted  int
	inProgress int
	levels     []int     // funnel: users whose deepest step is k+1 (levels[k])
	revenue    []float64 // per exposed user, with --revenue
}

// scan holds one pass over every person.
type scan struct {
	arms     map[string]*arm
	excluded int
	// conflicts counts excluded users by their sorted set of variants,
	// so the output can say which variants were mixed.
	conflicts map[string]int
	// members, when not nil, collects one variant's users (Members).
	members *memberList
}

// Run evaluates the experiment on d.
func Run(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	return evaluate(ctx, d, q, nil)
}

// evaluate runs the experiment, collecting a variant's users into
// members when it is not nil.
func evaluate(ctx context.Context, d *query.Dataset, q Query, members *memberList) (*Result, error) {
	q, steps, window, err := check(q)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, len(steps))
	filters := make([]*query.Scope, len(steps))
	for k, st := range steps {
		if err := d.CheckEvent(st.Event); err != nil {
			return nil, err
		}
		ids[k], _ = d.EventID(st.Event)
		if len(st.Where) > 0 {
			// A scope with only filters: its Match is the step's condition.
			f, err := d.Resolve(ctx, query.Common{Where: st.Where})
			if err != nil {
				return nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
			}
			filters[k] = f
		}
	}
	vp, err := d.Prop(ctx, q.Variant)
	if err != nil {
		return nil, err
	}
	if err := checkVariant(q, len(vp.Values) > 0); err != nil {
		return nil, err
	}
	// An empty or null value is no assignment (a blank cell, a JSON null):
	// counting it as a variant would exclude every user as mixed.
	assigned := make([]bool, len(vp.Values)+1)
	for k, v := range vp.Values {
		assigned[k+1] = Assigned(v)
	}
	var rev *query.Prop
	if q.Revenue != "" {
		if rev, err = d.Prop(ctx, q.Revenue); err != nil {
			return nil, err
		}
		if err := checkRevenue(q, len(rev.Values) > 0); err != nil {
			return nil, err
		}
	}
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	sc := newScan()
	sc.members = members
	groups := map[group]*scan{} // with --by: a scan per group
	for p := range d.Users {
		if p%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !s.Person(p) {
			continue
		}
		sc.person(d, s, vp, assigned, rev, ids, filters, window, p)
		if s.By == nil {
			continue
		}
		if first := exposureOf(d, vp, assigned, p); first >= 0 {
			code := s.By.Codes[first]
			key := group{has: code > 0}
			if code > 0 {
				key.value = s.By.Values[code-1]
			}
			g := groups[key]
			if g == nil {
				g = newScan()
				groups[key] = g
			}
			g.person(d, s, vp, assigned, rev, ids, filters, window, p)
		}
	}
	return finish(q, steps, window, sc, groups)
}

// check checks what q asks without its data and fills in the defaults:
// the steps (the goal as a one-step funnel) and the window in ms.
func check(q Query) (Query, []query.FunnelStep, int64, error) {
	if q.Variant == "" {
		return q, nil, 0, i18n.Errorf("no variant property given (e.g. --variant exp_checkout)")
	}
	if (q.Goal == "") == (len(q.Steps) == 0) {
		return q, nil, 0, i18n.Errorf("give either a goal event (--goal) or funnel steps (--steps a,b,c)")
	}
	steps := q.Steps
	if q.Goal != "" {
		steps = query.FunnelSteps([]string{q.Goal})
	}
	if q.Window == "" {
		q.Window = DefaultWindow
	}
	window, err := query.ParseDuration(q.Window)
	if err != nil {
		return q, nil, 0, i18n.Errorf("--window: %w", err)
	}
	if window <= 0 {
		return q, nil, 0, i18n.Errorf("the conversion window must be positive, got %q", q.Window)
	}
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	if q.Alpha <= 0 || q.Alpha >= 1 {
		return q, nil, 0, i18n.Errorf("alpha must be between 0 and 1, got %v", q.Alpha)
	}
	if q.MDE == 0 {
		q.MDE = DefaultMDE
	}
	if q.MDE < 0 || math.IsNaN(q.MDE) || math.IsInf(q.MDE, 0) {
		return q, nil, 0, i18n.Errorf("the minimum detectable lift must be positive, got %v", q.MDE)
	}
	return q, steps, window, nil
}

// checkVariant fails when no event carries the variant property.
func checkVariant(q Query, carried bool) error {
	if !carried {
		return i18n.Errorf("no event carries the property %q; run spoor props to list the known properties", q.Variant)
	}
	return nil
}

// checkRevenue fails when no event carries the revenue property.
func checkRevenue(q Query, carried bool) error {
	if !carried {
		return i18n.Errorf("no event carries the revenue property %q", q.Revenue)
	}
	return nil
}

// Assigned reports whether a value of the variant property assigns a
// variant: an empty or null value does not.
func Assigned(v string) bool { return v != "" && v != "null" }

// group is a --by group: the value on the users' exposure events, or
// none (has false).
type group struct {
	value string
	has   bool
}

func newScan() *scan { return &scan{arms: map[string]*arm{}, conflicts: map[string]int{}} }

// finish analyzes the scan and, with --by, each group's: the experiment
// over the group's users alone, against the overall control (a group
// without it says so instead).
func finish(q Query, steps []query.FunnelStep, window int64, sc *scan, groups map[group]*scan) (*Result, error) {
	r, err := analyze(q, steps, window, sc)
	if err != nil || q.By == "" {
		return r, err
	}
	r.By, r.Breakdown = q.By, make([]Group, 0, len(groups))
	gq := q
	gq.Control = r.Control
	for key, g := range groups {
		grp := Group{Value: query.NoneValue}
		if key.has {
			grp.Value = key.value
		}
		if grp.Result, err = analyze(gq, steps, window, g); err != nil {
			grp.Result, grp.Note, grp.note = nil, i18n.InEnglish(err), i18n.ErrorMsg(err)
		}
		r.Breakdown = append(r.Breakdown, grp)
	}
	sort.Slice(r.Breakdown, func(i, j int) bool {
		a, b := r.Breakdown[i], r.Breakdown[j]
		if a.exposed() != b.exposed() {
			return a.exposed() > b.exposed()
		}
		return a.Value < b.Value
	})
	return r, nil
}

// exposureOf is person p's exposure event (the earliest carrying a
// variant), or -1.
func exposureOf(d *query.Dataset, vp *query.Prop, assigned []bool, p int) int {
	for i := int(d.Start[p]); i < int(d.Start[p+1]); i++ {
		if assigned[vp.Codes[i]] {
			return i
		}
	}
	return -1
}

// person assigns person p and measures their conversion.
func (sc *scan) person(d *query.Dataset, s *query.Scope, vp *query.Prop, assigned []bool, rev *query.Prop, ids []int32, filters []*query.Scope, window int64, p int) {
	lo, hi := int(d.Start[p]), int(d.Start[p+1])
	// The assignment is the earliest event carrying the property, over all
	// of the person's data: the variant is an attribute of the user, so
	// neither the date range nor the filters may hide an earlier value.
	first := exposureOf(d, vp, assigned, p)
	var seen []int32 // distinct variant codes, tiny
	for i := max(first, lo); first >= 0 && i < hi; i++ {
		if c := vp.Codes[i]; assigned[c] && !containsCode(seen, c) {
			seen = append(seen, c)
		}
	}
	// The user is in the experiment when that exposure falls in the date
	// range and passes the --where filters.
	if first < 0 || !s.Keep(first) {
		return
	}
	if len(seen) > 1 {
		sc.excluded++
		names := make([]string, len(seen))
		for k, c := range seen {
			names[k] = vp.Values[c-1]
		}
		sort.Strings(names)
		sc.conflicts[strings.Join(names, " + ")]++
		return
	}
	name := vp.Values[vp.Codes[first]-1]
	a := sc.arms[name]
	if a == nil {
		a = &arm{name: name, levels: make([]int, len(ids))}
		sc.arms[name] = a
	}
	a.users++
	exposure := d.Time[first]
	end := exposure + window // inclusive, like the funnel window
	// "At or after exposure" includes events stored before the exposure
	// event with the same timestamp.
	start := first
	for start > lo && d.Time[start-1] == exposure {
		start--
	}
	// Steps are matched greedily in order: taking the earliest event for
	// each step can only leave more room for the next, so greedy finds the
	// deepest level. One event completes at most one step.
	level, sum := 0, 0.0
	var reached int64 // when the goal was reached
	last := ids[len(ids)-1]
	value := func(i int) float64 {
		if c := rev.Codes[i]; c != 0 && !math.IsNaN(rev.Num[c-1]) {
			return rev.Num[c-1]
		}
		return 0
	}
	for i := start; i < hi && d.Time[i] <= end; i++ {
		if !s.Match(i) {
			continue
		}
		ev := d.Event[i]
		// Revenue sums every goal (last-step) event in the window once the
		// goal is reached: the one that completes it and any repeat.
		switch {
		case level < len(ids) && ev == ids[level] && (filters[level] == nil || filters[level].Match(i)):
			level++
			if level == len(ids) {
				reached = d.Time[i]
				if rev != nil {
					sum += value(i)
				}
			}
		case level == len(ids) && ev == last && rev != nil && (filters[level-1] == nil || filters[level-1].Match(i)):
			sum += value(i)
		}
	}
	if level > 0 {
		a.levels[level-1]++
	}
	if level == len(ids) {
		a.converted++
	} else if end > d.MaxTime {
		a.inProgress++
	}
	if rev != nil {
		a.revenue = append(a.revenue, sum)
	}
	if sc.members != nil && sc.members.variant == name {
		sc.members.list = append(sc.members.list, Member{User: d.Users[p], Exposed: exposure,
			Converted: level == len(ids), At: reached, InProgress: level < len(ids) && end > d.MaxTime})
	}
}

func containsCode(cs []int32, c int32) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}
