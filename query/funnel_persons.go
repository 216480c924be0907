package query

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FunnelPerson is one person's outcome of a funnel as a backend that
// evaluates persons where the events are (package chquery) computes it:
// the same per-person result the Dataset's scan writes, from which
// FunnelFromPersons derives every count, so counts and user lists agree
// as they do locally.
type FunnelPerson struct {
	User string
	// Order is the person's place in the Dataset's lists (its stitched
	// user's id there); persons of equal Order are listed by User.
	Order uint64
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
	b, err := NewFunnelPersons(q, span)
	if err != nil {
		return nil, err
	}
	for _, ps := range persons {
		if err := b.Add(ps); err != nil {
			return nil, err
		}
	}
	return b.Result(), nil
}

// FunnelPersons assembles a funnel's result from per-person outcomes
// added one at a time in any order, as a backend reads them from its
// shards. They are kept as a few dozen bytes a person in blocks that are
// never copied to grow (growing slices of hundreds of thousands of
// persons cost the client more than the server's rows took to read),
// rather than as FunnelPersons, whose pointers and separate times cost a
// backend more to collect and sort than to compute on its server.
type FunnelPersons struct {
	q      FunnelQuery
	span   Span
	n      int
	rows   blocks[personRow]
	deltas blocks[int64] // each person's times to convert, in the order added
	index  map[string]int32
	values []string
}

// personRow is one person added to FunnelPersons.
type personRow struct {
	user  string
	order uint64
	start int64
	by    int32 // 1 + index in values; 0: no value
	level int8
	open  bool
}

// NewFunnelPersons checks q as Dataset.Funnel checks it (steps, mode,
// window, interval) and returns an empty result to add persons to.
func NewFunnelPersons(q FunnelQuery, span Span) (*FunnelPersons, error) {
	p := &funnelPlan{q: q, n: len(q.Steps)}
	if _, err := p.shape(); err != nil {
		return nil, err
	}
	return &FunnelPersons{q: q, span: span, n: p.n, index: map[string]int32{}}, nil
}

// Add adds one person's outcome; ps.Deltas is copied, so the caller may
// reuse it.
func (b *FunnelPersons) Add(ps FunnelPerson) error {
	if ps.Level < 0 || ps.Level >= b.n || len(ps.Deltas) != ps.Level {
		return fmt.Errorf("funnel: person %q has level %d and %d times for a %d-step funnel", ps.User, ps.Level, len(ps.Deltas), b.n)
	}
	var code int32
	if ps.HasBy {
		c, ok := b.index[ps.By]
		if !ok {
			b.values = append(b.values, ps.By)
			c = int32(len(b.values))
			b.index[ps.By] = c
		}
		code = c
	}
	b.rows.add(personRow{user: ps.User, order: ps.Order, start: ps.Start, by: code, level: int8(ps.Level), open: ps.Open && ps.Level < b.n-1})
	for _, d := range ps.Deltas {
		b.deltas.add(d)
	}
	return nil
}

// Result is the funnel of the persons added, its user lists in the order
// of FunnelPerson.Order, then of their ids (a Dataset's order when Order
// is its).
func (b *FunnelPersons) Result() *FunnelResult {
	q := b.q
	p := &funnelPlan{q: q, n: b.n}
	iv, _ := p.shape() // checked by NewFunnelPersons
	loc := b.span.Loc
	if loc == nil {
		loc = time.UTC
	}
	p.s = &Scope{Loc: loc, From: b.span.From, To: b.span.To}
	p.cal = NewCalendar(iv, loc, b.span.From, b.span.To)
	np := b.rows.Len()
	// The persons and their times in one slice each, copied once.
	rows, deltas := make([]personRow, 0, np), make([]int64, 0, b.deltas.Len())
	b.rows.each(func(vs []personRow) { rows = append(rows, vs...) })
	b.deltas.each(func(vs []int64) { deltas = append(deltas, vs...) })
	off := make([]int, np) // where each person's times start in deltas
	// Sorted by Order, then by the first 8 bytes of each name as a
	// number, then by the name: most comparisons are of integers held in
	// the slice, not of strings read through it (at 590,000 persons the
	// sort was most of the client's time).
	keys := make([]userKey, np)
	for u, at := 0, 0; u < np; u++ {
		keys[u], off[u] = userKey{order: rows[u].order, prefix: NamePrefix(rows[u].user), i: int32(u)}, at
		at += int(rows[u].level)
	}
	slices.SortFunc(keys, func(x, y userKey) int {
		if x.order != y.order {
			return cmp.Compare(x.order, y.order)
		}
		if x.prefix != y.prefix {
			return cmp.Compare(x.prefix, y.prefix)
		}
		if c := strings.Compare(rows[x.i].user, rows[y.i].user); c != 0 {
			return c
		}
		return int(x.i - y.i) // as added: a stable sort, at the cost of an unstable one
	})
	order := make([]int32, np)
	for u, k := range keys {
		order[u] = k.i
	}
	r := &FunnelResult{
		Mode: p.mode, WindowSeconds: float64(p.window) / 1000, Interval: string(p.cal.Interval),
		Semantics: p.semLabel(), Options: q.Options,
		By: q.By, Query: q, users: make([]string, np),
		Level: make([]int8, np), InProgress: make([]bool, np), Attempt: make([]int32, np),
	}
	var codes []int32
	if q.By != "" {
		// The breakdown reads a property column by Attempt: here one
		// value per person, Attempt being the person's own index; values
		// are numbered as they first come in id order.
		codes = make([]int32, np)
		renum := make([]int32, len(b.values)+1)
		var values []string
		for u, i := range order {
			if c := rows[i].by; c > 0 {
				if renum[c] == 0 {
					values = append(values, b.values[c-1])
					renum[c] = int32(len(values))
				}
				codes[u] = renum[c]
			}
		}
		r.byProp = newProp(q.By, values, codes)
		r.byCode = codes
		p.s.By = r.byProp
	}
	pt := funnelPart{atLevel: make([]int, p.n), prog: make([]int, p.n), trend: make([][3]int, p.cal.Len()),
		ms: make([]blocks[int64], p.n), code: make([]blocks[int32], p.n)}
	for u, i := range order {
		row := &rows[i]
		level, open := int(row.level), row.open
		r.users[u], r.Level[u], r.InProgress[u], r.Attempt[u] = row.user, int8(level), open, int32(u)
		pt.atLevel[level]++
		if open {
			pt.prog[level]++
		}
		if t := p.cal.Bucket(row.start); t >= 0 {
			pt.trend[t][0]++
			if level == p.n-1 {
				pt.trend[t][1]++
			}
			if open {
				pt.trend[t][2]++
			}
		}
		for k := 1; k <= level; k++ {
			pt.ms[k].add(deltas[off[i]+k-1])
			if codes != nil {
				pt.code[k].add(codes[u])
			}
		}
	}
	p.finish(r, []funnelPart{pt})
	return r
}

// userKey is a person's place in FunnelPersons' columns with its Order
// and its name's prefix (NamePrefix).
type userKey struct {
	order  uint64
	prefix uint64
	i      int32
}

// NamePrefix is the first 8 bytes of s as a big-endian number, zero
// padded: a < b when NamePrefix(a) < NamePrefix(b), and equal prefixes
// leave the order to the whole names.
func NamePrefix(s string) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}
