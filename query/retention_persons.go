package query

import (
	"fmt"
	"time"
)

// RetentionPerson is one person's periods as a backend that evaluates
// persons where the events are (package chquery) finds them, in any
// instant of each period: the periods of their first start event in range
// (every period with one, with --recurring) with the --by value on that
// period's first start event, and every period they did a return event
// in. FunnelFromPersons's counterpart: memberships, counts and user lists
// come from these as the Dataset's scan makes them.
type RetentionPerson struct {
	User string
	// Order is the person's place in the Dataset's lists (its stitched
	// user's id there); RetentionFromPersons takes persons in list order.
	Order   uint64
	Starts  []int64
	By      []string
	HasBy   []bool
	Returns []int64
}

// RetentionFromPersons builds the result of q in span over data whose
// events run from minTime to maxTime (empty: none); persons without a
// start event in the cohort periods may be left out.
func RetentionFromPersons(q RetentionQuery, span Span, minTime, maxTime int64, empty bool, persons []RetentionPerson) (*RetentionResult, error) {
	r, err := retentionShell(q, span, minTime, maxTime, empty)
	if err != nil || r.plan.cal == nil {
		return r, err
	}
	p, s := r.plan, r.plan.s
	var m retMembers
	by := &Prop{Key: q.By}
	codes := map[string]int32{}
	var byCodes []int32 // per membership: the Prop's code, for m.first
	bucket := func(at int64) (int32, error) {
		b := p.cal.Bucket(at)
		if b < 0 {
			return 0, fmt.Errorf("retention: a period at %d, outside the calendar", at)
		}
		return int32(b), nil
	}
	var starts, firsts, returns []int32
	for u, ps := range persons {
		p.users = append(p.users, ps.User)
		starts, firsts, returns = starts[:0], firsts[:0], returns[:0]
		for i, at := range ps.Starts {
			b, err := bucket(at)
			if err != nil {
				return nil, err
			}
			if int(b) >= p.cohorts || len(starts) > 0 && (!p.recurring || starts[len(starts)-1] >= b) {
				return nil, fmt.Errorf("retention: person %q has start periods out of order or past the cohorts", ps.User)
			}
			starts = append(starts, b)
			if p.keepFirst {
				code := int32(0)
				if ps.HasBy[i] {
					c, ok := codes[ps.By[i]]
					if !ok {
						by.Values = append(by.Values, ps.By[i])
						c = int32(len(by.Values))
						codes[ps.By[i]] = c
					}
					code = c
				}
				firsts = append(firsts, int32(len(byCodes)))
				byCodes = append(byCodes, code)
			}
		}
		for _, at := range ps.Returns {
			b, err := bucket(at)
			if err != nil {
				return nil, err
			}
			if len(returns) > 0 && returns[len(returns)-1] >= b {
				return nil, fmt.Errorf("retention: person %q has return periods out of order", ps.User)
			}
			returns = append(returns, b)
		}
		p.add(u, starts, firsts, returns, &m)
	}
	if p.keepFirst {
		// The breakdown reads the --by code of each membership's start
		// event through m.first: here an index into byCodes.
		s.By = newProp(q.By, by.Values, byCodes)
	}
	r.m = []retMembers{m}
	r.Cohorts, r.Average = p.tally(r.m, nil, 0)
	if s.By != nil {
		r.Breakdown = p.breakdown(r.m)
	}
	return r, nil
}

// retentionShell is the result of q with its plan and calendar and no
// cohorts yet, for a backend's rows to fill.
func retentionShell(q RetentionQuery, span Span, minTime, maxTime int64, empty bool) (*RetentionResult, error) {
	loc := span.Loc
	if loc == nil {
		loc = time.UTC
	}
	p, err := newRetPlan(q, &Scope{Loc: loc, From: span.From, To: span.To})
	if err != nil {
		return nil, err
	}
	p.calendar(minTime, maxTime, empty)
	return &RetentionResult{Period: string(p.iv), Periods: p.periods, Start: q.Start, Return: q.Return,
		Unbounded: q.Unbounded, Recurring: q.Recurring, By: q.By, plan: p,
		Cohorts: []RetentionCohort{}, Average: []float64{}}, nil
}
