package query

import (
	"fmt"
	"time"
)

// Lifecycle cell kinds.
const (
	LifecycleUsers        = "users" // the group's persons active before the range ends (At unused)
	LifecycleNew          = "new"
	LifecycleReturning    = "returning"
	LifecycleResurrecting = "resurrecting"
	LifecycleDormant      = "dormant" // Users counted positive here
)

// LifecycleCell is a count a backend made where the events are (package
// chquery): Users persons of the --by group (Value, HasValue: the value on
// their first active event) are Kind in the interval holding instant At.
// Cells outside the reported intervals are ignored, so a backend may send
// every transition of a person's history.
type LifecycleCell struct {
	Value    string
	HasValue bool
	Kind     string
	At       int64
	Users    int
}

// LifecycleFromCells builds the result of q in span over data whose
// events run from minTime to maxTime (empty: none), as Dataset.Lifecycle
// does from its scan.
func LifecycleFromCells(q LifecycleQuery, span Span, minTime, maxTime int64, empty bool, cells []LifecycleCell) (*LifecycleResult, error) {
	iv, err := q.interval()
	if err != nil {
		return nil, err
	}
	loc := span.Loc
	if loc == nil {
		loc = time.UTC
	}
	r := &LifecycleResult{Interval: string(iv), Event: q.Event, Points: []LifecyclePoint{}, By: q.By}
	if q.By != "" {
		r.Breakdown = []LifecycleBreakdown{}
	}
	from, to := max(span.From, minTime), min(span.To, maxTime+1)
	if empty || from >= to {
		return r, nil
	}
	cal := NewCalendar(iv, loc, minTime, to)
	first, nb := cal.Bucket(from), cal.Bucket(to-1)+1
	n := nb - first
	groups := map[int32][]int{}
	var by *Prop
	codes := map[LifecycleCell]int32{} // by value and HasValue only
	if q.By != "" {
		by = &Prop{Key: q.By}
	}
	for _, c := range cells {
		code := int32(0)
		if by != nil && c.HasValue {
			key := LifecycleCell{Value: c.Value, HasValue: true}
			var ok bool
			if code, ok = codes[key]; !ok {
				by.Values = append(by.Values, c.Value)
				code = int32(len(by.Values))
				codes[key] = code
			}
		}
		g := groups[code]
		if g == nil {
			g = make([]int, 1+4*n)
			groups[code] = g
		}
		if c.Kind == LifecycleUsers {
			g[0] += c.Users
			continue
		}
		b := cal.Bucket(c.At)
		if b < first || b >= nb {
			continue
		}
		k := b - first
		switch c.Kind {
		case LifecycleNew:
			g[1+k] += c.Users
		case LifecycleReturning:
			g[1+n+k] += c.Users
		case LifecycleResurrecting:
			g[1+2*n+k] += c.Users
		case LifecycleDormant:
			g[1+3*n+k] -= c.Users
		default:
			return nil, fmt.Errorf("lifecycle: a count of kind %q", c.Kind)
		}
	}
	r.finish(by, cal, first, n, cal.Bucket(maxTime), []map[int32][]int{groups})
	return r, nil
}
