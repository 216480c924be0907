package sequence

import (
	"context"
	"fmt"
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
	// Events are those events' Dataset indices, for timelines.
	Events []int32 `json:"-"`
	// Person is the Dataset person index.
	Person int `json:"-"`
}

// timeLayout is the event_times format.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

type condition struct {
	ev    int32 // -1: the event never occurs
	scope *query.Scope
}

// Run evaluates q for every person of d (docs/semantics.md#sequence-patterns).
// The events a person's pattern sees are those in the range that pass
// --where and meet at least one condition, in stored (time) order.
func Run(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	if len(q.Conditions) == 0 {
		return nil, i18n.Errorf("give the conditions the pattern numbers: --conditions signup,purchase")
	}
	p, err := Parse(q.Pattern, len(q.Conditions))
	if err != nil {
		return nil, err
	}
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	res := &Result{Users: []UserResult{}, Pattern: q.Pattern, Conditions: q.Conditions}
	conds := make([]condition, len(q.Conditions))
	for k, spec := range q.Conditions {
		st := query.FunnelSteps([]string{spec})[0]
		conds[k].ev = -1
		if id, ok := d.EventID(st.Event); ok {
			conds[k].ev = id
		} else {
			res.Notes = append(res.Notes, i18n.T("condition %d: no event is named %q, so it never matches", k+1, st.Event))
		}
		if len(st.Where) > 0 {
			if conds[k].scope, err = d.Resolve(ctx, query.Common{Where: st.Where}); err != nil {
				return nil, i18n.Errorf("condition %d (%s): %w", k+1, spec, err)
			}
		}
	}
	m := p.NewMatcher()
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
		r, err := m.Eval(ctx, ev)
		if err != nil {
			return nil, i18n.Errorf("user %s: %w", d.Users[u], err)
		}
		ur := UserResult{User: d.Users[u], Match: r.Match, Count: r.Count, EventTimes: []string{}, Person: u}
		for _, i := range r.Events {
			ur.Events = append(ur.Events, idx[i])
			ur.EventTimes = append(ur.EventTimes, time.UnixMilli(d.Time[idx[i]]).In(s.Loc).Format(timeLayout))
		}
		if r.Match {
			res.Matched++
		}
		res.Users = append(res.Users, ur)
	}
	return res, nil
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
