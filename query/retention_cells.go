package query

import (
	"context"
	"fmt"
)

// RetentionCell is a count a backend made where the events are (package
// chquery): Members cohort memberships of the cohort period holding
// instant Cohort, whose start event has the --by value Value (HasValue
// false: without the property), were counted as returned in period Period
// (0: the memberships themselves, so their cells add up to the cohort's
// size). Cells of periods past what the table reports for their cohort are
// ignored, so a backend may send every period up to --periods.
type RetentionCell struct {
	Cohort   int64
	Value    string
	HasValue bool
	Period   int
	Members  int
}

// RetentionPersonsIn fetches, for the user lists of a result built from
// cells, the persons with a membership in the cohort period holding
// instant cohort (others may come too), as RetentionFromPersons takes them
// and in the order its lists should have.
type RetentionPersonsIn func(ctx context.Context, cohort int64) ([]RetentionPerson, error)

// RetentionFromCells builds the result of q in span over data whose events
// run from minTime to maxTime (empty: none) from counted cells, as
// Dataset.Retention builds it from its memberships: the same tables,
// average and breakdown. Its user lists come from persons, a cohort at a
// time (RetentionResult.Users).
func RetentionFromCells(q RetentionQuery, span Span, minTime, maxTime int64, empty bool, cells []RetentionCell, persons RetentionPersonsIn) (*RetentionResult, error) {
	r, err := retentionShell(q, span, minTime, maxTime, empty)
	if err != nil {
		return nil, err
	}
	r.personsIn = func(ctx context.Context, cohort int) (*RetentionResult, error) {
		// The middle of the period: inside it by hours even where a
		// backend's day arithmetic is off by a zone change.
		starts := r.plan.cal.Starts
		ps, err := persons(ctx, starts[cohort]+(starts[cohort+1]-starts[cohort])/2)
		if err != nil {
			return nil, err
		}
		return RetentionFromPersons(q, span, minTime, maxTime, empty, ps)
	}
	p := r.plan
	if p.cal == nil {
		return r, nil
	}
	type counts struct {
		size []int
		ret  [][]int
	}
	newCounts := func() *counts {
		size, ret := p.counts()
		return &counts{size, ret}
	}
	all := newCounts()
	var groups []*counts // per --by code
	var values []string  // code-1 -> value
	codes := map[string]int32{}
	var total []int // memberships per code
	for _, c := range cells {
		b := p.cal.Bucket(c.Cohort)
		if b < 0 || b >= p.cohorts || c.Period < 0 || c.Members < 0 {
			return nil, fmt.Errorf("retention: a cell of %d memberships in period %d of the cohort at %d, outside the table", c.Members, c.Period, c.Cohort)
		}
		if c.Period >= p.span(b) {
			continue
		}
		targets := []*counts{all}
		if q.By != "" {
			code := int32(0)
			if c.HasValue {
				var ok bool
				if code, ok = codes[c.Value]; !ok {
					values = append(values, c.Value)
					code = int32(len(values))
					codes[c.Value] = code
				}
			}
			for int(code) >= len(groups) {
				groups, total = append(groups, nil), append(total, 0)
			}
			if groups[code] == nil {
				groups[code] = newCounts()
			}
			targets = append(targets, groups[code])
			if c.Period == 0 {
				total[code] += c.Members
			}
		}
		for _, t := range targets {
			if c.Period == 0 {
				t.size[b] += c.Members
			}
			t.ret[b][c.Period] += c.Members
		}
	}
	r.Cohorts, r.Average = p.table(all.size, all.ret)
	if q.By != "" {
		r.Breakdown = groupsBySize(total, values, func(code int32) ([]RetentionCohort, []float64) {
			return p.table(groups[code].size, groups[code].ret)
		})
	}
	return r, nil
}

// Users lists the persons counted in row cohort at period k of the overall
// table (group < 0) or of Breakdown[group]'s, in person order: CellUsers
// or GroupCellUsers, and for a result built from cells the same list made
// from the cohort's persons, fetched where the events are. It returns nil
// for a group, row or period the result does not have.
func (r *RetentionResult) Users(ctx context.Context, group, cohort, k int) ([]string, error) {
	if r.personsIn == nil {
		if group < 0 {
			return r.CellUsers(cohort, k), nil
		}
		return r.GroupCellUsers(group, cohort, k), nil
	}
	if cohort < 0 || cohort >= len(r.Cohorts) || k < 0 || k >= len(r.Cohorts[cohort].Retained) || group >= len(r.Breakdown) {
		return nil, nil
	}
	sub, err := r.personsIn(ctx, cohort)
	if err != nil {
		return nil, err
	}
	if group < 0 {
		return sub.CellUsers(cohort, k), nil
	}
	// The cohort's persons alone may order the groups differently: the
	// group is the one of the same value.
	want := r.Breakdown[group]
	for g, grp := range sub.Breakdown {
		if grp.Value == want.Value && (grp.code == 0) == (want.code == 0) {
			return sub.GroupCellUsers(g, cohort, k), nil
		}
	}
	return []string{}, nil
}

// Remote reports whether the result's user lists are fetched where the
// events are (Users), so a caller may run Users in the background.
func (r *RetentionResult) Remote() bool { return r.personsIn != nil }
