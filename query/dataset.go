// Package query is the analysis engine. Events are loaded once from the
// store into compact columns ordered by (person, time) — a Dataset — and
// every analysis is a single pass over each person's timeline.
package query

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/spoorhq/spoor/i18n"
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

	// Segments resolves --segment NAME and --by segment:NAME; nil knows no
	// names. Whoever loads the Dataset sets it before sharing it.
	Segments SegmentResolver

	// positions maps each stored event to its index here; load reads a
	// property column placed by it (store.LoadPropAt).
	positions func(ctx context.Context) ([]int32, error)
	load      func(ctx context.Context, key string, pos []int32, size int) (*store.PropColumn, error)
	// loadOrdered, when set, reads a whole column in Dataset order without
	// holding every position (store.Ordered.LoadPropOrdered); positions
	// then serve only picked events (picked.go).
	loadOrdered func(ctx context.Context, key string) (*store.PropColumn, error)
	keys        func(ctx context.Context) ([]string, error) // known property keys; nil: not checked
	posMu       sync.Mutex                                  // held while positions runs
	mu          sync.Mutex                                  // guards props and keys; never held while loading a column
	props       map[string]*propLoad
	byName      map[string]int32
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

// Prop returns a property column, loading it on first use. It is safe to
// call concurrently: different keys load at once (a column takes about a
// quarter second at 10M events), callers of a key being loaded wait for
// that load. A failed load is not kept: the next call tries again.
func (d *Dataset) Prop(ctx context.Context, key string) (*Prop, error) {
	d.mu.Lock()
	l, ok := d.props[key]
	if !ok {
		l = &propLoad{done: make(chan struct{})}
		d.props[key] = l
	}
	d.mu.Unlock()
	if ok {
		select {
		case <-l.done:
			return l.p, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l.p, l.err = d.loadProp(ctx, key)
	if l.err != nil {
		d.mu.Lock()
		delete(d.props, key)
		d.mu.Unlock()
	}
	close(l.done)
	return l.p, l.err
}

// propLoad is one key's column: done closes when p or err is set.
type propLoad struct {
	done chan struct{}
	p    *Prop
	err  error
}

func (d *Dataset) loadProp(ctx context.Context, key string) (*Prop, error) {
	if d.load == nil {
		return newProp(key, nil, make([]int32, len(d.Time))), nil
	}
	// Reading a column drops its storage blobs (a few bytes an event):
	// with the events already resident, the default GC goal would let
	// them pile up to the size of everything loaded (issue 19: 100M events
	// with one property column peaked at 27.6 bytes an event).
	defer store.CollectAt(10)()
	var col *store.PropColumn
	var err error
	if d.loadOrdered != nil {
		col, err = d.loadOrdered(ctx, key)
	} else {
		d.posMu.Lock() // positions are computed or read on first use
		var pos []int32
		pos, err = d.positions(ctx)
		d.posMu.Unlock()
		if err != nil {
			return nil, i18n.Errorf("load property %q: %w", key, err)
		}
		col, err = d.load(ctx, key, pos, -1)
	}
	if err != nil {
		return nil, i18n.Errorf("load property %q: %w", key, err)
	}
	if len(col.Codes) != len(d.Time) {
		return nil, i18n.Errorf("load property %q: the database changed; reload", key)
	}
	return newProp(key, col.Values, col.Codes), nil
}

// newProp is a column with each value's number (NaN: not a number).
func newProp(key string, values []string, codes []int32) *Prop {
	p := &Prop{Key: key, Values: values, Codes: codes, Num: make([]float64, len(values))}
	for i, v := range values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = math.NaN()
		}
		p.Num[i] = f
	}
	return p
}

// Load reads every event of db into a Dataset.
func Load(ctx context.Context, db *store.DB) (*Dataset, error) {
	return load(ctx, db, true)
}

// LoadWithoutNames is Load leaving every person's user id empty (Users
// keeps one entry per person), for an analysis that prints, lists and
// hashes no user id: it spares reading them all (a tenth of a funnel's
// CPU at 100M events) and the memory they take.
func LoadWithoutNames(ctx context.Context, db *store.DB) (*Dataset, error) {
	return load(ctx, db, false)
}

func load(ctx context.Context, db *store.DB, names bool) (*Dataset, error) {
	ordered := db.LoadOrderedIDs
	if names {
		ordered = db.LoadOrdered
	}
	o, err := ordered(ctx)
	if err != nil {
		return nil, i18n.Errorf("load events: %w", err)
	}
	loc, err := db.Timezone(ctx)
	if err != nil {
		return nil, err
	}
	// Persons are users with events in id order: when every user is one
	// (no stitching, no event-less ids), their names are the users' as is.
	users := o.Users[min(1, len(o.Users)):]
	switch {
	case len(o.Person) == len(users):
	case !names:
		users = store.EmptyStrings(len(o.Person))
	default:
		users = make([]string, len(o.Person))
		for p, id := range o.Person {
			users[p] = o.Users[id]
		}
	}
	// o lives on in the property loaders below, which need neither the
	// persons' user ids nor every user's name: dropping them frees 4 bytes
	// a person, and with stitched identities a second copy of the names.
	o.Person, o.Users = nil, nil
	d := newDataset(users, o.Names, loc)
	d.Start, d.Time, d.Event = o.Start, o.Time, o.Event
	d.MinTime, d.MaxTime = o.MinTime, o.MaxTime
	d.Version = o.Version
	d.positions = o.Positions
	d.load = func(ctx context.Context, key string, pos []int32, size int) (*store.PropColumn, error) {
		return db.LoadPropAt(ctx, key, o.Version, pos, size)
	}
	if o.FromSnapshot() {
		d.loadOrdered = o.LoadPropOrdered
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
	d.load = func(ctx context.Context, key string, pos []int32, size int) (*store.PropColumn, error) {
		if size < 0 {
			size = len(events)
		}
		col := &store.PropColumn{Codes: make([]int32, size)}
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
			if pos[i] >= 0 {
				col.Codes[pos[i]] = c
			}
		}
		return col, nil
	}
	return d
}

func newDataset(users, names []string, loc *time.Location) *Dataset {
	d := &Dataset{Users: users, Names: names, Loc: loc, props: map[string]*propLoad{}, byName: map[string]int32{}}
	for i, name := range names {
		d.byName[name] = int32(i)
	}
	return d
}

// build orders events given in storage order by (person, time, storage
// row). It takes ownership of event and tm, which it permutes in place.
func build(users, names []string, person, event []int32, tm []int64, loc *time.Location) *Dataset {
	d := newDataset(users, names, loc)
	start, row := store.SortByPerson(len(users), person, event, tm)
	d.Start, d.Time, d.Event = start, tm, event
	var pos []int32 // read under d.posMu, by Prop
	d.positions = func(context.Context) ([]int32, error) {
		if pos == nil {
			pos = make([]int32, len(row))
			for i, r := range row {
				pos[r] = int32(i)
			}
		}
		return pos, nil
	}
	if len(tm) > 0 {
		d.MinTime, d.MaxTime = slices.Min(tm), slices.Max(tm)
	}
	return d
}
