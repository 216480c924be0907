package store

import (
	"context"
	"sort"
)

// Ordered is every event in analysis order: by person (the canonical user
// after identity stitching, persons in users.id order), then time, then
// storage order. Person p's events are Start[p] to Start[p+1].
type Ordered struct {
	Version          int64
	Names            []string // event index -> name
	Users            []string // users.id -> distinct id (index 0 unused)
	Person           []int32  // person index -> users.id of its canonical user
	Start            []int32
	Event            []int32 // event index, into Names
	Time             []int64 // epoch milliseconds UTC
	MinTime, MaxTime int64   // 0 when there are no events

	// rows maps each event to its storage row (built when ordering afresh);
	// pos is the inverse, where each stored event sits, which places
	// property columns (stored in storage order). A snapshot reads pos on
	// first use.
	rows         []int32
	pos          []int32
	db           *DB
	fromSnapshot bool
	tail         *loadTail     // where the snapshot's tail went, if it has one
	fold         foldState     // the snapshot's, as loaded
	placed       *snapshotTail // where the rows the positions do not place went (Ordered.placement)
	// cache names the column cache's files of this data (colcache.go):
	// property columns are kept beside the columns.
	cache cacheID
}

// Positions returns, for each stored event (in storage order), its index
// in analysis order. Read from the snapshot on first use, it fails when
// the data changed since the events were loaded.
func (o *Ordered) Positions(ctx context.Context) ([]int32, error) {
	if o.pos == nil && o.rows != nil {
		o.pos, o.rows = invert(o.rows), nil
	}
	if o.pos == nil && len(o.Time) > 0 {
		pos, err := o.db.loadSnapshotPositions(ctx, o)
		if err != nil {
			return nil, err
		}
		o.pos = pos
	}
	return o.pos, nil
}

// orderRows puts storage-order rows into analysis order, reusing r's
// columns: at 10M events each copy would cost 40-80 MB of peak memory.
func orderRows(r *Rows) *Ordered {
	o := &Ordered{Version: r.Version, Users: r.Users, Names: r.Names[1:]}
	// Persons are the canonical users that have events, in id order.
	person := make([]int32, len(r.Users))
	for i := range person {
		person[i] = -1
	}
	for _, u := range r.User {
		person[r.Canon[u]] = 0 // mark; numbered below in id order
	}
	for id := range person {
		if person[id] == 0 {
			person[id] = int32(len(o.Person))
			o.Person = append(o.Person, int32(id))
		}
	}
	p := r.User
	for i, u := range p {
		p[i] = person[r.Canon[u]]
	}
	for i := range r.Event {
		r.Event[i]--
	}
	o.Start, o.rows = SortByPerson(len(o.Person), p, r.Event, r.Time)
	o.Event, o.Time = r.Event, r.Time
	o.MinTime, o.MaxTime = timeRange(o.Time)
	return o
}

func timeRange(tm []int64) (lo, hi int64) {
	if len(tm) == 0 {
		return 0, 0
	}
	lo, hi = tm[0], tm[0]
	for _, t := range tm {
		lo, hi = min(lo, t), max(hi, t)
	}
	return lo, hi
}

// SortByPerson orders events by (person, time, original position) with a
// counting sort on person and a per-person sort on time, which is nearly
// free when exports are already chronological. It permutes event and tm in
// place and returns the persons' start offsets and, for each new position,
// the original position.
func SortByPerson(persons int, person, event []int32, tm []int64) (start, row []int32) {
	start = make([]int32, persons+1)
	for _, u := range person {
		start[u+1]++
	}
	for u := 0; u < persons; u++ {
		start[u+1] += start[u]
	}
	pos := make([]int32, persons)
	copy(pos, start[:persons])
	row = make([]int32, len(person))
	for i, u := range person {
		row[pos[u]] = int32(i)
		pos[u]++
	}
	for u := 0; u < persons; u++ {
		seg := row[start[u]:start[u+1]]
		for j := 1; j < len(seg); j++ {
			if tm[seg[j]] < tm[seg[j-1]] {
				sort.SliceStable(seg, func(a, b int) bool { return tm[seg[a]] < tm[seg[b]] })
				break
			}
		}
	}
	permute(row, tm, event)
	return start, row
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
