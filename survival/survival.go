// Package survival estimates how long users take to do something, counting
// the ones still waiting: Kaplan–Meier curves with a 95% band, median times
// with their intervals, and a log-rank test across groups
// (docs/semantics.md#survival).
package survival

import (
	"cmp"
	"context"
	"slices"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Query is spoor survival: the time from each user's first Start event in
// the range to their first Event after it.
type Query struct {
	query.Common
	Start string `json:"start"`
	Event string `json:"event"`
}

// Result is one curve per group (one group without --by).
type Result struct {
	Start  string  `json:"start"`
	Event  string  `json:"event"`
	By     string  `json:"by,omitempty"`
	Groups []Group `json:"groups"`
	// The log-rank test across the groups: null without --by, with fewer
	// than two groups holding an event, or over MaxLogrankGroups groups.
	LogrankChi2 query.Num `json:"logrank_chi2"`
	LogrankDF   int       `json:"logrank_df"`
	LogrankP    query.Num `json:"logrank_p"`
}

// Group is one curve.
type Group struct {
	Name     string `json:"name"`
	Users    int    `json:"users"`
	Events   int    `json:"events"`
	Censored int    `json:"censored"`
	// The median time, with its 95% interval read off the band
	// (Brookmeyer–Crowley); null where the curve (or the band) never
	// reaches 0.5.
	MedianSeconds query.Num `json:"median_seconds"`
	MedianLo95    query.Num `json:"median_lo95_seconds"`
	MedianHi95    query.Num `json:"median_hi95_seconds"`
	Curve         []Point   `json:"curve"`
}

// Point is the estimate just after one distinct event time.
type Point struct {
	TSeconds float64   `json:"t_seconds"`
	AtRisk   int       `json:"at_risk"`
	Events   int       `json:"events"`
	Survival float64   `json:"survival"`
	Lo95     query.Num `json:"lo95"` // null where the survival is 0
	Hi95     query.Num `json:"hi95"`
}

// AllUsers names the one group of a result without --by.
const AllUsers = "all users"

// MaxLogrankGroups bounds the log-rank test: its cost grows with the
// number of groups times the users; a breakdown with more groups still
// gets its curves, and a null test.
const MaxLogrankGroups = 100

// obs is one user: the time from the start to the event or to censoring,
// whether the event happened, and the user's group.
type obs struct {
	ms    int64
	event bool
	group int32
}

// Analyze computes the curves.
func Analyze(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	if q.Start == "" || q.Event == "" {
		return nil, i18n.Errorf("survival needs a start event and a target event")
	}
	for _, name := range []string{q.Start, q.Event} {
		if err := d.CheckEvent(name); err != nil {
			return nil, err
		}
	}
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	start, _ := d.EventID(q.Start)
	target, _ := d.EventID(q.Event)
	r := &Result{Start: q.Start, Event: q.Event, By: q.By, Groups: []Group{},
		LogrankChi2: query.Undefined, LogrankP: query.Undefined}
	users, names, err := collect(ctx, s, start, target)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return r, nil
	}
	// Groups in order of users, most first, then by name.
	size := make([]int, len(names))
	for _, o := range users {
		size[o.group]++
	}
	order := make([]int32, len(names))
	for g := range order {
		order[g] = int32(g)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(size[b], size[a]), cmp.Compare(names[a], names[b]))
	})
	rank := make([]int32, len(names))
	for i, g := range order {
		rank[g] = int32(i)
	}
	for i := range users {
		users[i].group = rank[users[i].group]
	}
	slices.SortFunc(users, func(a, b obs) int { return cmp.Compare(a.ms, b.ms) })
	per := make([][]obs, len(names))
	for _, o := range users {
		per[o.group] = append(per[o.group], o)
	}
	for i, g := range order {
		grp := kaplanMeier(per[i])
		grp.Name = names[g]
		r.Groups = append(r.Groups, grp)
	}
	if s.By != nil && len(names) <= MaxLogrankGroups {
		r.LogrankChi2, r.LogrankDF, r.LogrankP = logrank(users, len(names))
	}
	return r, nil
}

// collect finds each user's start and event (docs/semantics.md#survival):
// the clock starts at the first start event in the range that passes the
// filters; the event is the first target event, passing the filters, at
// or after that instant, other than the start event itself (so with the
// same name for both, it is the next one); without one the user is
// censored at the data's last event. names are the groups' labels,
// indexed by obs.group.
func collect(ctx context.Context, s *query.Scope, start, target int32) ([]obs, []string, error) {
	d := s.D
	var out []obs
	names := []string{AllUsers}
	var byCode map[int32]int32 // --by value code -> group
	if s.By != nil {
		names, byCode = nil, map[int32]int32{}
	}
	for p := range len(d.Users) {
		if p&4095 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if !s.Person(p) {
			continue
		}
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		si := -1
		for i := lo; i < hi; i++ {
			if d.Event[i] == start && s.Keep(i) {
				si = i
				break
			}
		}
		if si < 0 {
			continue
		}
		t0 := d.Time[si]
		// Events at the start's instant may be stored before it.
		first := si
		for first > lo && d.Time[first-1] == t0 {
			first--
		}
		o := obs{ms: d.MaxTime - t0}
		for i := first; i < hi; i++ {
			if i != si && d.Event[i] == target && s.Match(i) {
				o.ms, o.event = d.Time[i]-t0, true
				break
			}
		}
		if s.By != nil {
			code := s.By.Codes[si]
			g, ok := byCode[code]
			if !ok {
				g = int32(len(names))
				byCode[code] = g
				name := query.NoneValue
				if code != 0 {
					name = s.By.Values[code-1]
				}
				names = append(names, name)
			}
			o.group = g
		}
		out = append(out, o)
	}
	return out, names, nil
}
