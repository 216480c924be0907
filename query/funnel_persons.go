package query

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
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
//
// A backend reading several answers at once fills one FunnelPersonsPart
// per answer (Parts); Result then sorts and counts each part on a
// goroutine of its own and merges them, so that work is shared by the
// cores instead of following the last answer on one (at 1M events it was
// the client's largest cost after the server's answers).
type FunnelPersons struct {
	q     FunnelQuery
	span  Span
	n     int
	parts []*FunnelPersonsPart // Add's is the first
}

// FunnelPersonsPart is a share of FunnelPersons' persons, filled by one
// goroutine at a time; the parts of one FunnelPersons may be filled at
// once.
type FunnelPersonsPart struct {
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
	by    int32 // 1 + index in its part's values; 0: no value
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
	b := &FunnelPersons{q: q, span: span, n: p.n}
	b.Parts(1)
	return b, nil
}

// Parts adds k empty parts to b and returns them.
func (b *FunnelPersons) Parts(k int) []*FunnelPersonsPart {
	out := make([]*FunnelPersonsPart, k)
	for i := range out {
		out[i] = &FunnelPersonsPart{n: b.n, index: map[string]int32{}}
	}
	b.parts = append(b.parts, out...)
	return out
}

// Add adds one person's outcome to b's first part (FunnelPersonsPart.Add).
func (b *FunnelPersons) Add(ps FunnelPerson) error { return b.parts[0].Add(ps) }

// Add adds one person's outcome; ps.Deltas is copied, so the caller may
// reuse it.
func (b *FunnelPersonsPart) Add(ps FunnelPerson) error {
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
	// The persons in one slice, each part's at its own offset (base), and
	// their keys: each part copies, counts and sorts its own at once.
	base := make([]int, len(b.parts)+1)
	for i, bp := range b.parts {
		base[i+1] = base[i] + bp.rows.Len()
	}
	np := base[len(b.parts)]
	rows, keys := make([]personRow, np), make([]userKey, np)
	pts := make([]funnelPart, len(b.parts))
	var wg sync.WaitGroup
	for i, bp := range b.parts {
		pts[i] = p.newPart()
		wg.Go(func() { bp.sort(p, rows[base[i]:base[i+1]], keys[base[i]:base[i+1]], base[i], &pts[i]) })
	}
	wg.Wait()
	keys = mergeKeys(keys, base, rows)
	r := &FunnelResult{
		Mode: p.mode, WindowSeconds: float64(p.window) / 1000, Interval: string(p.cal.Interval),
		Semantics: p.semLabel(), Options: q.Options,
		By: q.By, Query: q, users: make([]string, np),
		Level: make([]int8, np), InProgress: make([]bool, np), Attempt: make([]int32, np),
	}
	for u, k := range keys {
		row := &rows[k.i]
		r.users[u], r.Level[u], r.InProgress[u], r.Attempt[u] = row.user, row.level, row.open, int32(u)
	}
	if q.By != "" {
		// The breakdown reads a property column by Attempt: here one
		// value per person, Attempt being the person's own index; values
		// are numbered as they first come in id order, and the parts'
		// codes of their times renumbered so.
		codes := make([]int32, np)
		renum := make([][]int32, len(b.parts)) // per part, its code -> the result's
		for i, bp := range b.parts {
			renum[i] = make([]int32, len(bp.values)+1)
		}
		var values []string
		global := map[string]int32{} // a value's code in the result
		for u, k := range keys {
			c := rows[k.i].by
			if c == 0 {
				continue
			}
			part := sort.SearchInts(base[1:], int(k.i)+1) // the first whose end is past k.i
			if renum[part][c] == 0 {
				v := b.parts[part].values[c-1]
				g, ok := global[v]
				if !ok {
					values = append(values, v)
					g = int32(len(values))
					global[v] = g
				}
				renum[part][c] = g
			}
			codes[u] = renum[part][c]
		}
		for i := range pts {
			for k := range pts[i].code {
				pts[i].code[k].each(func(cs []int32) {
					for j, c := range cs {
						cs[j] = renum[i][c]
					}
				})
			}
		}
		r.byProp = newProp(q.By, values, codes)
		r.byCode = codes
		p.s.By = r.byProp
	}
	p.finish(r, nil, pts)
	return r
}

// sort copies the part's persons to rows (base is where they start in
// the result's), writes their keys sorted, and counts them in pt: per
// level, in progress, per trend interval, and their times to convert
// (with --by, coded by the part's values).
func (b *FunnelPersonsPart) sort(p *funnelPlan, rows []personRow, keys []userKey, base int, pt *funnelPart) {
	at := 0
	b.rows.each(func(vs []personRow) { at += copy(rows[at:], vs) })
	for u := range rows {
		keys[u] = userKey{order: rows[u].order, prefix: NamePrefix(rows[u].user), i: int32(base + u)}
	}
	sortKeys(keys, rows, base)
	// The times, in the order added: a block of them at a time.
	var ds []int64
	var blks [][]int64
	b.deltas.each(func(vs []int64) { blks = append(blks, vs) })
	by := p.q.By != ""
	for u := range rows {
		row := &rows[u]
		level := int(row.level)
		pt.atLevel[level]++
		if row.open {
			pt.prog[level]++
		}
		if t := p.cal.Bucket(row.start); t >= 0 {
			pt.trend[t][0]++
			if level == p.n-1 {
				pt.trend[t][1]++
			}
			if row.open {
				pt.trend[t][2]++
			}
		}
		for k := 1; k <= level; k++ {
			for len(ds) == 0 {
				ds, blks = blks[0], blks[1:]
			}
			pt.ms[k].add(ds[0])
			ds = ds[1:]
			if by {
				pt.code[k].add(row.by)
			}
		}
	}
}

// sortKeys sorts the keys of persons in rows (whose first is person
// base) as compareKeys orders them: by Order, then by the first 8 bytes
// of each name as a number, then by the name. The numbers are sorted by
// their bytes, a pass per byte from the last (stable), skipping the bytes
// all keys share (five of sixteen passes for names like u123456), and only
// the runs of keys equal in both are sorted by their names: at 59,000
// persons a comparison sort was half of the client's work after the
// server's answers.
func sortKeys(keys []userKey, rows []personRow, base int) {
	if len(keys) < 512 {
		slices.SortFunc(keys, func(x, y userKey) int { return compareKeys(x, y, rows, base) })
		return
	}
	digit := func(k userKey, d int) byte {
		if d < 8 {
			return byte(k.prefix >> (8 * d))
		}
		return byte(k.order >> (8 * (d - 8)))
	}
	var counts [16][256]int32
	for _, k := range keys {
		for d := range 8 {
			counts[d][byte(k.prefix>>(8*d))]++
			counts[8+d][byte(k.order>>(8*d))]++
		}
	}
	src, dst := keys, make([]userKey, len(keys))
	for d := range 16 {
		c := &counts[d]
		if int(c[digit(src[0], d)]) == len(src) {
			continue
		}
		var at [256]int32
		sum := int32(0)
		for v, n := range c {
			at[v] = sum
			sum += n
		}
		for _, k := range src {
			v := digit(k, d)
			dst[at[v]] = k
			at[v]++
		}
		src, dst = dst, src
	}
	copy(keys, src) // keys is src or dst: in place either way
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].order == keys[i].order && keys[j].prefix == keys[i].prefix {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], func(x, y userKey) int { return compareKeys(x, y, rows, base) })
		}
		i = j
	}
}

// compareKeys orders keys (userKey) of persons in rows, whose first is
// person base.
func compareKeys(x, y userKey, rows []personRow, base int) int {
	if x.order != y.order {
		return cmp.Compare(x.order, y.order)
	}
	if x.prefix != y.prefix {
		return cmp.Compare(x.prefix, y.prefix)
	}
	if c := strings.Compare(rows[int(x.i)-base].user, rows[int(y.i)-base].user); c != 0 {
		return c
	}
	return int(x.i - y.i) // as added: a stable sort, at the cost of an unstable one
}

// mergeKeys merges keys, sorted between each two bases, into one sorted
// list (which it returns): the parts two by two, until one is left. Parts
// of push's layout are ranges of persons one after another: when each
// part's first key follows the last of the part before, keys is sorted
// as it is, and neither a buffer (fresh pages: at 1M events 1.4 MB) nor a
// pass over the keys is needed.
func mergeKeys(keys []userKey, base []int, rows []personRow) []userKey {
	ordered := true
	for _, b := range base[1 : len(base)-1] {
		if b > 0 && b < len(keys) && compareKeys(keys[b-1], keys[b], rows, 0) > 0 {
			ordered = false
			break
		}
	}
	if ordered {
		return keys
	}
	bounds := slices.Clone(base)
	buf := make([]userKey, 0, len(keys))
	for len(bounds) > 2 {
		buf = buf[:0]
		next := []int{0}
		for j := 0; j+1 < len(bounds); j += 2 {
			lo, mid := bounds[j], bounds[j+1]
			hi := mid
			if j+2 < len(bounds) {
				hi = bounds[j+2]
			}
			a, c := keys[lo:mid], keys[mid:hi]
			for len(a) > 0 && len(c) > 0 {
				if compareKeys(c[0], a[0], rows, 0) < 0 {
					buf, c = append(buf, c[0]), c[1:]
				} else {
					buf, a = append(buf, a[0]), a[1:]
				}
			}
			buf = append(append(buf, a...), c...)
			next = append(next, hi)
		}
		keys, buf = buf, keys
		bounds = next
	}
	return keys
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
