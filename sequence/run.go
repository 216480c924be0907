package sequence

import (
	"context"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Query is one spoor match question: conditions (an event name, or
// "event where filter ..." as funnel steps take them) and a pattern over
// them, numbered from 1, with the common options (range, --where,
// --segment) choosing the events and persons.
type Query struct {
	query.Common
	Conditions []string
	Pattern    string
}

// Result is every person with an event in scope, in dataset order; its
// JSON is {"users": [...], "matched": N} (docs/json.md).
type Result struct {
	Users   []UserResult `json:"users"`
	Matched int          `json:"matched"`

	Pattern    string   `json:"-"`
	Conditions []string `json:"-"`
	// Notes name conditions that can never match (an event that never
	// occurs): not an error, but worth saying.
	Notes []string `json:"-"`
}

// UserResult is one person's answer.
type UserResult struct {
	User  string `json:"user"`
	Match bool   `json:"match"`
	Count int    `json:"count"`
	// EventTimes are sequenceMatchEvents': the events of the first match,
	// one per (?N) atom, or of the longest partial match; ISO 8601 with
	// milliseconds in the display timezone.
	EventTimes []string `json:"event_times"`
	// Events are those events' Dataset indices, for timelines (none on
	// a Backend).
	Events []int32 `json:"-"`
	// Marks are those events' times and names, for a timeline read from
	// elsewhere.
	Marks []Mark `json:"-"`
	// Person is the Dataset person index.
	Person int `json:"-"`
}

// Mark is one event of a match: its time (epoch ms) and name.
type Mark struct {
	T     int64
	Event string
}

// timeLayout is the event_times format.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Backend is an engine that matches patterns where its events are
// (package chquery's), with the same results as Run.
type Backend interface {
	Match(ctx context.Context, q Query) (*Result, error)
}

// Evaluate runs q on e: in memory, or on a Backend.
func Evaluate(ctx context.Context, e query.Engine, q Query) (*Result, error) {
	return query.On(ctx, e, q, Run, Backend.Match, "spoor match")
}

// Collector builds a Result person by person, so Run and a Backend share
// the pattern's evaluation and the result's form: Run feeds it a
// Dataset's persons, a Backend the rows its server sends.
type Collector struct {
	m     *Matcher
	res   *Result
	loc   *time.Location
	steps []query.FunnelStep // each condition's event and filters
}

// NewCollector checks q's conditions and pattern; loc is the zone of the
// event times.
func NewCollector(q Query, loc *time.Location) (*Collector, error) {
	if len(q.Conditions) == 0 {
		return nil, i18n.Errorf("give the conditions the pattern numbers: --conditions signup,purchase")
	}
	p, err := Parse(q.Pattern, len(q.Conditions))
	if err != nil {
		return nil, err
	}
	return &Collector{
		m:     p.NewMatcher(),
		res:   &Result{Users: []UserResult{}, Pattern: q.Pattern, Conditions: q.Conditions},
		loc:   loc,
		steps: query.FunnelSteps(q.Conditions),
	}, nil
}

// Steps are the conditions as funnel steps: an event and its filters.
func (c *Collector) Steps() []query.FunnelStep { return c.steps }

// Never notes that condition k (0-based) names an event that never
// occurs, so it never matches.
func (c *Collector) Never(k int) {
	c.res.Notes = append(c.res.Notes, i18n.T("condition %d: no event is named %q, so it never matches", k+1, c.steps[k].Event))
}

// Add answers one person with an event in scope from those of their
// events, in time order, that meet a condition. The UserResult it
// returns is the one in the Result, valid until the next Add.
func (c *Collector) Add(ctx context.Context, user string, ev []Event) (Answer, *UserResult, error) {
	r, err := c.m.Eval(ctx, ev)
	if err != nil {
		return r, nil, i18n.Errorf("user %s: %w", user, err)
	}
	ur := UserResult{User: user, Match: r.Match, Count: r.Count, EventTimes: []string{}}
	for _, i := range r.Events {
		ur.EventTimes = append(ur.EventTimes, time.UnixMilli(ev[i].T).In(c.loc).Format(timeLayout))
		ur.Marks = append(ur.Marks, Mark{T: ev[i].T, Event: c.steps[bits.TrailingZeros32(ev[i].Conds)].Event})
	}
	if r.Match {
		c.res.Matched++
	}
	c.res.Users = append(c.res.Users, ur)
	return r, &c.res.Users[len(c.res.Users)-1], nil
}

// Result is every person added so far.
func (c *Collector) Result() *Result { return c.res }

// Run evaluates q for every person of d (docs/semantics.md#sequence-patterns).
// The events a person's pattern sees are those in the range that pass
// --where and meet at least one condition, in stored (time) order.
func Run(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	c, err := NewCollector(q, s.Loc)
	if err != nil {
		return nil, err
	}
	type condition struct {
		ev    int32 // -1: the event never occurs
		scope *query.Scope
	}
	conds := make([]condition, len(q.Conditions))
	for k, st := range c.Steps() {
		conds[k].ev = -1
		if id, ok := d.EventID(st.Event); ok {
			conds[k].ev = id
		} else {
			c.Never(k)
		}
		if len(st.Where) > 0 {
			if conds[k].scope, err = d.Resolve(ctx, query.Common{Where: st.Where}); err != nil {
				return nil, i18n.Errorf("condition %d (%s): %w", k+1, q.Conditions[k], err)
			}
		}
	}
	var ev []Event
	var idx []int32
	for u := range d.Users {
		if u&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !s.Person(u) {
			continue
		}
		ev, idx = ev[:0], idx[:0]
		seen := false
		for j := int(d.Start[u]); j < int(d.Start[u+1]); j++ {
			if !s.Keep(j) {
				continue
			}
			seen = true
			var c uint32
			for k, cd := range conds {
				if d.Event[j] == cd.ev && (cd.scope == nil || cd.scope.Match(j)) {
					c |= 1 << uint(k)
				}
			}
			if c != 0 {
				ev = append(ev, Event{T: d.Time[j], Conds: c})
				idx = append(idx, int32(j))
			}
		}
		if !seen {
			continue
		}
		r, ur, err := c.Add(ctx, d.Users[u], ev)
		if err != nil {
			return nil, err
		}
		ur.Person = u
		for _, i := range r.Events {
			ur.Events = append(ur.Events, idx[i])
		}
	}
	return c.Result(), nil
}

// Tables is the table, CSV and Markdown form: one row per person.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	t := output.Table{
		Title:   l.T("%d of %d users match %s over %s", r.Matched, len(r.Users), r.Pattern, conditionList(l, r.Conditions)),
		Columns: []string{l.T("user"), l.T("match"), l.T("count"), l.T("event times")},
	}
	for _, u := range r.Users {
		match := l.T("false") // true and false in CSV, as in JSON
		if u.Match {
			match = l.T("true")
		}
		t.Rows = append(t.Rows, []string{u.User, match, strconv.Itoa(u.Count), strings.Join(u.EventTimes, " ")})
	}
	return []output.Table{t}
}

// conditionList numbers the conditions as the pattern does, in a list of
// l's punctuation.
func conditionList(l i18n.Lang, cs []string) string {
	var parts []string
	for k, c := range cs {
		parts = append(parts, fmt.Sprintf("(?%d) %s", k+1, c))
	}
	return strings.Join(parts, l.T(", "))
}
