package why

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// Value is one property's value in a group: its text, or None for units
// whose event lacks the key.
type Value struct {
	Text string
	None bool
	code int32 // the value's code in the local column (localCounter)
}

// label is the value as the ranking names it.
func (v Value) label() string {
	if v.None {
		return query.NoneValue
	}
	return v.Text
}

func (v Value) same(w Value) bool { return v.None == w.None && (v.None || v.Text == w.Text) }

// Group is the units of one value, or one pair of values, in each period:
// 0 every before period pooled, 1 after. A Backend may fold small values
// where it counts them (an id's thousands of values need not travel): a
// group with Folded > 0 and no Values stands for that many values, each
// with fewer than MinUnits units, their cells summed.
type Group struct {
	Values []Value
	Cells  [2]Cell
	Folded int
}

// distinct is how many values gs holds, folded ones included.
func distinct(gs []Group) int {
	n := 0
	for _, g := range gs {
		n += max(g.Folded, 1)
	}
	return n
}

// Pair asks for the units of every combination of the listed values of
// keys A and B (indexes into the keys given to Count): combinations
// without units are left out.
type Pair struct {
	A, B   int
	VA, VB []Value
}

// Counts are the metric's cells in each period, each period's length in
// days and, for each key, the groups of its values (every value that has
// units, a missing value as None; nil with no units at all).
type Counts struct {
	Total  [2]Cell
	Days   [2]int
	Values [][]Group
}

// Counter supplies what Analyze ranks: counts of the query's units
// (events, users or funnel entrants; a unit takes the properties of its
// event: the user's first matching one, the entrant's step-1 one) by
// property value. Every contribution, test, fold and rank is computed from
// them here, whichever engine counted them: a Dataset in memory, or a
// Backend where its events are.
type Counter interface {
	Count(ctx context.Context, keys []string) (*Counts, error)
	Pairs(ctx context.Context, pairs []Pair) ([][]Group, error)
	// Users are the users of the units whose keys (indexes) have values:
	// how many, and the 20 whose amount changed most (largest first, by
	// user id on ties), with their unscaled amounts.
	Users(ctx context.Context, keys []int, values []Value) (int, []DrillUser, error)
}

// Backend is an engine that counts why's units where its events are
// (package chquery's), with the same counts as a Dataset.
type Backend interface {
	WhyCounter(ctx context.Context, q Query) (Counter, error)
}

// Evaluate explains the change on e: in memory, or on a Backend.
func Evaluate(ctx context.Context, e query.Engine, q Query) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	c, err := query.On(ctx, e, q, localCounter, Backend.WhyCounter, "why")
	if err != nil {
		return nil, err
	}
	return analyze(ctx, q, c)
}

// Analyze explains the change on a Dataset.
func Analyze(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	return Evaluate(ctx, d, q)
}

// Kind is how q's units combine.
func (q Query) Kind() Kind {
	switch {
	case len(q.Steps) > 0:
		return Rate
	case q.Sum != "":
		return Sum
	}
	return Count
}

// Periods are q's periods, the after period first, each with the index of
// its Cell (1 after, 0 before).
func (q Query) Periods() []Period { return append([]Period{q.After}, q.Before...) }

// localCounter counts a Dataset's units: it collects them once and reads
// the keys' columns at them.
func localCounter(ctx context.Context, d *query.Dataset, q Query) (Counter, error) {
	l := &local{d: d, u: &units{}}
	for k, p := range q.Periods() {
		per := uint8(1)
		if k > 0 {
			per = 0
		}
		n, err := collect(ctx, d, q, q.Kind(), p, per, l.u)
		if err != nil {
			return nil, err
		}
		l.days[per] += n
	}
	return l, nil
}

type local struct {
	d    *query.Dataset
	u    *units
	days [2]int
	cols []*query.Prop // Count's keys at the units
}

func (l *local) Count(ctx context.Context, keys []string) (*Counts, error) {
	u, d := l.u, l.d
	out := &Counts{Days: l.days}
	for k := range u.idx {
		out.Total[u.period[k]].add(u.num[k], u.den[k])
	}
	if len(u.idx) == 0 {
		return out, nil
	}
	// Only the units' values are read, every column at once: reading them
	// is most of the time at millions of events.
	pick, err := d.Pick(ctx, u.idx)
	if err != nil {
		return nil, err
	}
	loaded, errs := loadProps(ctx, d, pick, keys)
	for n, key := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := loaded[n], errs[n]
		if name, ok := strings.CutPrefix(key, "segment:"); ok && d.Segments != nil {
			// A saved segment: in or out of it, per event's person.
			if p, err = d.Segments.Breakdown(ctx, d, name); err == nil {
				p = p.At(u.idx)
			}
		}
		if err != nil {
			return nil, err
		}
		l.cols = append(l.cols, p)
		cells := map[int32]*Group{}
		var gs []Group
		for k := range u.idx {
			c := p.Codes[k]
			g := cells[c]
			if g == nil {
				v := Value{None: c == 0, code: c}
				if c > 0 {
					v.Text = p.Values[c-1]
				}
				g = &Group{Values: []Value{v}}
				cells[c] = g
			}
			g.Cells[u.period[k]].add(u.num[k], u.den[k])
		}
		for _, g := range cells {
			gs = append(gs, *g)
		}
		out.Values = append(out.Values, gs)
	}
	return out, nil
}

func (l *local) Pairs(ctx context.Context, pairs []Pair) ([][]Group, error) {
	u := l.u
	out := make([][]Group, len(pairs))
	for n, pr := range pairs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pa, pb := l.cols[pr.A], l.cols[pr.B]
		// Dense code lookups for this pass: each listed value's place, 1..
		ra, rb := map[int32]int32{}, map[int32]int32{}
		for i, v := range pr.VA {
			ra[v.code] = int32(i + 1)
		}
		for i, v := range pr.VB {
			rb[v.code] = int32(i + 1)
		}
		w := int32(len(pr.VB) + 1)
		table := make([][2]Cell, int32(len(pr.VA)+1)*w)
		for k := range u.idx {
			ka, kb := ra[pa.Codes[k]], rb[pb.Codes[k]]
			if ka == 0 || kb == 0 {
				continue
			}
			table[ka*w+kb][u.period[k]].add(u.num[k], u.den[k])
		}
		for key := range table {
			if c := table[key]; c[0].N+c[1].N > 0 {
				out[n] = append(out[n], Group{Values: []Value{pr.VA[int32(key)/w-1], pr.VB[int32(key)%w-1]}, Cells: c})
			}
		}
	}
	return out, nil
}

func (l *local) Users(ctx context.Context, keys []int, values []Value) (int, []DrillUser, error) {
	u := l.u
	per := map[int32]*[2]float64{}
	for k := range u.idx {
		ok := true
		for j, key := range keys {
			ok = ok && l.cols[key].Codes[k] == values[j].code
		}
		if !ok {
			continue
		}
		g := per[u.person[k]]
		if g == nil {
			g = &[2]float64{}
			per[u.person[k]] = g
		}
		g[u.period[k]] += u.num[k]
	}
	top := make([]DrillUser, 0, len(per))
	for p, g := range per {
		top = append(top, DrillUser{User: l.d.Users[p], Before: g[0], After: g[1]})
	}
	return len(per), TopUsers(top), nil
}

// DrillTop is how many users a drill lists.
const DrillTop = 20

// TopUsers sorts users by how much their amount changed, largest first
// (by id on ties), and keeps the first DrillTop; a Backend merges its
// parts' lists with it.
func TopUsers(us []DrillUser) []DrillUser {
	sort.Slice(us, func(i, j int) bool {
		a, b := math.Abs(us[i].After-us[i].Before), math.Abs(us[j].After-us[j].Before)
		if a != b {
			return a > b
		}
		return us[i].User < us[j].User
	})
	return us[:min(len(us), DrillTop)]
}
