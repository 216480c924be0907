package query

import (
	"fmt"
	"time"
)

// FunnelPerson is one person's outcome of a funnel as a backend that
// evaluates persons where the events are (package chquery) computes it:
// the same per-person result the Dataset's scan writes, from which
// FunnelFromPersons derives every count, so counts and user lists agree
// as they do locally.
type FunnelPerson struct {
	User  string
	Level int   // deepest 0-based step reached; persons with no step-1 event in range are left out
	Open  bool  // in progress: stopped before the last step, the counted attempt's window still open
	Start int64 // the counted attempt's step-1 time, epoch ms
	// By is the --by value on the counted attempt's step-1 event; HasBy
	// is false when the event lacks the property.
	By    string
	HasBy bool
	// Deltas[k-1] is the time to convert from step k-1 to step k (ms), k
	// = 1..Level, along the chain the Dataset reports.
	Deltas []int64
}

// FunnelFromPersons builds the result of q in span from the persons who
// entered the funnel. q is checked as Dataset.Funnel checks it (steps,
// mode, window, interval); its names are the backend's to check.
func FunnelFromPersons(q FunnelQuery, span Span, persons []FunnelPerson) (*FunnelResult, error) {
	p := &funnelPlan{q: q, n: len(q.Steps)}
	iv, err := p.shape()
	if err != nil {
		return nil, err
	}
	loc := span.Loc
	if loc == nil {
		loc = time.UTC
	}
	p.s = &Scope{Loc: loc, From: span.From, To: span.To}
	p.cal = NewCalendar(iv, loc, span.From, span.To)
	np := len(persons)
	r := &FunnelResult{
		Mode: p.mode, WindowSeconds: float64(p.window) / 1000, Interval: string(p.cal.Interval),
		Semantics: p.semLabel(), Options: q.Options,
		By: q.By, Query: q, users: make([]string, np),
		Level: make([]int8, np), InProgress: make([]bool, np), Attempt: make([]int32, np),
	}
	if q.By != "" {
		// The breakdown reads a property column by Attempt: here one
		// value per person, Attempt being the person's own index.
		r.byProp = personValues(q.By, persons)
		p.s.By = r.byProp
	}
	pt := funnelPart{atLevel: make([]int, p.n), prog: make([]int, p.n), trend: make([][3]int, p.cal.Len()),
		ms: make([]blocks[int64], p.n), code: make([]blocks[int32], p.n)}
	for u, ps := range persons {
		if ps.Level < 0 || ps.Level >= p.n || len(ps.Deltas) != ps.Level {
			return nil, fmt.Errorf("funnel: person %q has level %d and %d times for a %d-step funnel", ps.User, ps.Level, len(ps.Deltas), p.n)
		}
		open := ps.Open && ps.Level < p.n-1
		r.users[u], r.Level[u], r.InProgress[u], r.Attempt[u] = ps.User, int8(ps.Level), open, int32(u)
		pt.atLevel[ps.Level]++
		if open {
			pt.prog[ps.Level]++
		}
		if b := p.cal.Bucket(ps.Start); b >= 0 {
			pt.trend[b][0]++
			if ps.Level == p.n-1 {
				pt.trend[b][1]++
			}
			if open {
				pt.trend[b][2]++
			}
		}
		for k := 1; k <= ps.Level; k++ {
			pt.ms[k].add(ps.Deltas[k-1])
			if r.byProp != nil {
				pt.code[k].add(r.byProp.Codes[u])
			}
		}
	}
	p.finish(r, []funnelPart{pt})
	return r, nil
}

// personValues is a property column over persons: value i is person i's.
func personValues(key string, persons []FunnelPerson) *Prop {
	codes := make([]int32, len(persons))
	index := map[string]int32{}
	var values []string
	for i, ps := range persons {
		if !ps.HasBy {
			continue
		}
		c, ok := index[ps.By]
		if !ok {
			values = append(values, ps.By)
			c = int32(len(values))
			index[ps.By] = c
		}
		codes[i] = c
	}
	return newProp(key, values, codes)
}
