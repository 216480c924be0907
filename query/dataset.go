// Package query is the analysis engine. Events are loaded once from the
// store into compact columns ordered by (person, time) — a Dataset — and
// every analysis is a single pass over each person's timeline.
package query

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/spoorhq/spoor/store"
)

// Dataset is every event as columns ordered by person, then time, then
// storage order. Person p's events are indexes Start[p] to Start[p+1].
type Dataset struct {
	Users []string // person index -> distinct id (of the identified user)
	Names []string // event index -> event name
	Start []int32  // len(Users)+1 offsets into Time and Event
	Time  []int64  // epoch milliseconds UTC
	Event []int32  // index into Names

	Loc              *time.Location // display timezone for calendar buckets
	MinTime, MaxTime int64          // over all events; 0 when empty
	Version          int64          // store data version the columns came from

	row    []int32 // event index -> storage row, to place property columns
	load   func(ctx context.Context, key string) (*store.PropColumn, error)
	keys   func(ctx context.Context) ([]string, error) // known property keys; nil: not checked
	mu     sync.Mutex
	props  map[string]*Prop
	byName map[string]int32
}

// Prop is one property of every event, in Dataset order: Codes[i] is 0 when
// event i lacks it, else Values[Codes[i]-1] is its text and Num[Codes[i]-1]
// its numeric value (NaN when not a number).
type Prop struct {
	Key    string
	Values []string
	Num    []float64
	Codes  []int32
}

// Value returns the text of property p on event i, and whether it is set.
func (p *Prop) Value(i int) (string, bool) {
	c := p.Codes[i]
	if c == 0 {
		return "", false
	}
	return p.Values[c-1], true
}

// Len is the number of events.
func (d *Dataset) Len() int { return len(d.Time) }

// EventID returns the index of an event name.
func (d *Dataset) EventID(name string) (int32, bool) {
	id, ok := d.byName[name]
	return id, ok
}

// Prop returns a property column, loading it on first use.
func (d *Dataset) Prop(ctx context.Context, key string) (*Prop, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.props[key]; ok {
		return p, nil
	}
	p := &Prop{Key: key, Codes: make([]int32, len(d.Time))}
	if d.load != nil {
		col, err := d.load(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("load property %q: %w", key, err)
		}
		if len(col.Codes) != len(d.row) {
			return nil, fmt.Errorf("load property %q: the database changed; reload", key)
		}
		p.Values = col.Values
		for i, r := range d.row {
			p.Codes[i] = col.Codes[r]
		}
	}
	p.Num = make([]float64, len(p.Values))
	for i, v := range p.Values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = math.NaN()
		}
		p.Num[i] = f
	}
	d.props[key] = p
	return p, nil
}

// Load reads every event of db into a Dataset.
func Load(ctx context.Context, db *store.DB) (*Dataset, error) {
	// Loading allocates a few large pointer-free arrays and drops the
	// storage blobs: collecting more often keeps peak memory
	// near what stays resident (SPEC 7: 40 bytes per event).
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	rows, err := db.LoadRows(ctx)
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	loc, err := db.Timezone(ctx)
	if err != nil {
		return nil, err
	}
	// Persons are the canonical users that have events, in id order.
	person := make([]int32, len(rows.Users))
	for i := range person {
		person[i] = -1
	}
	var users []string
	for _, u := range rows.User {
		c := rows.Canon[u]
		if person[c] < 0 {
			person[c] = 0 // mark; numbered below in id order
		}
	}
	for id := range person {
		if person[id] == 0 {
			person[id] = int32(len(users))
			users = append(users, rows.Users[id])
		}
	}
	// The storage-order columns become the Dataset's in place: at 10M
	// events each copy would cost 40-80 MB of peak memory.
	p := rows.User
	for i, u := range p {
		p[i] = person[rows.Canon[u]]
	}
	names := rows.Names[1:]
	ev := rows.Event
	for i := range ev {
		ev[i]--
	}
	d := build(users, names, p, ev, rows.Time, loc)
	d.Version = rows.Version
	d.load = func(ctx context.Context, key string) (*store.PropColumn, error) {
		return db.LoadProp(ctx, key, rows.Version)
	}
	var keys []string // read once: every --where and --by checks against it
	d.keys = func(ctx context.Context) ([]string, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if keys != nil {
			return keys, nil
		}
		k, _, err := db.PropKeys(ctx)
		if err == nil {
			keys = append([]string{}, k...)
		}
		return keys, err
	}
	return d, nil
}

// RawEvent is an event given in memory, for tests and generated samples.
type RawEvent struct {
	User  string
	Event string
	Time  int64 // epoch milliseconds
	Props map[string]string
}

// NewDataset builds a Dataset from events in memory.
func NewDataset(events []RawEvent, loc *time.Location) *Dataset {
	if loc == nil {
		loc = time.UTC
	}
	userIdx := map[string]int32{}
	nameIdx := map[string]int32{}
	var users, names []string
	p := make([]int32, len(events))
	ev := make([]int32, len(events))
	tm := make([]int64, len(events))
	for i, e := range events {
		u, ok := userIdx[e.User]
		if !ok {
			u = int32(len(users))
			userIdx[e.User] = u
			users = append(users, e.User)
		}
		n, ok := nameIdx[e.Event]
		if !ok {
			n = int32(len(names))
			nameIdx[e.Event] = n
			names = append(names, e.Event)
		}
		p[i], ev[i], tm[i] = u, n, e.Time
	}
	d := build(users, names, p, ev, tm, loc)
	d.load = func(ctx context.Context, key string) (*store.PropColumn, error) {
		col := &store.PropColumn{Codes: make([]int32, len(events))}
		dict := map[string]int32{}
		for i, e := range events {
			v, ok := e.Props[key]
			if !ok {
				continue
			}
			c, ok := dict[v]
			if !ok {
				col.Values = append(col.Values, v)
				c = int32(len(col.Values))
				dict[v] = c
			}
			col.Codes[i] = c
		}
		return col, nil
	}
	return d
}

// build orders rows by (person, time, storage row) with a counting sort on
// person and a per-person sort on time, which is nearly free when exports
// are already chronological. It takes ownership of event and tm, which it
// permutes in place.
func build(users, names []string, person, event []int32, tm []int64, loc *time.Location) *Dataset {
	n := len(person)
	d := &Dataset{Users: users, Names: names, Loc: loc, props: map[string]*Prop{}, byName: map[string]int32{}}
	for i, name := range names {
		d.byName[name] = int32(i)
	}
	d.Start = make([]int32, len(users)+1)
	for _, u := range person {
		d.Start[u+1]++
	}
	for u := 0; u < len(users); u++ {
		d.Start[u+1] += d.Start[u]
	}
	pos := make([]int32, len(users))
	copy(pos, d.Start[:len(users)])
	d.row = make([]int32, n)
	for i, u := range person {
		d.row[pos[u]] = int32(i)
		pos[u]++
	}
	for u := 0; u < len(users); u++ {
		seg := d.row[d.Start[u]:d.Start[u+1]]
		sorted := true
		for j := 1; j < len(seg); j++ {
			if tm[seg[j]] < tm[seg[j-1]] {
				sorted = false
				break
			}
		}
		if !sorted {
			sort.SliceStable(seg, func(a, b int) bool { return tm[seg[a]] < tm[seg[b]] })
		}
	}
	permute(d.row, tm, event)
	d.Time, d.Event = tm, event
	if n > 0 {
		d.MinTime, d.MaxTime = d.Time[0], d.Time[0]
		for _, t := range d.Time {
			if t < d.MinTime {
				d.MinTime = t
			}
			if t > d.MaxTime {
				d.MaxTime = t
			}
		}
	}
	return d
}

// permute rearranges tm and event in place so that position i holds what
// was at row[i], following each cycle of the permutation once.
func permute(row []int32, tm []int64, event []int32) {
	done := make([]uint64, (len(row)+63)/64)
	for start := range row {
		if done[start>>6]&(1<<(start&63)) != 0 {
			continue
		}
		t0, e0 := tm[start], event[start]
		i := start
		for {
			done[i>>6] |= 1 << (i & 63)
			r := int(row[i])
			if r == start {
				tm[i], event[i] = t0, e0
				break
			}
			tm[i], event[i] = tm[r], event[r]
			i = r
		}
	}
}
