package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"runtime/debug"
	"slices"
	"sync/atomic"
)

// mergeSnapshot rebuilds the snapshot from its segments, which hold the
// first base stored events, plus the tail after them, instead of ordering
// every stored event afresh. It applies when the snapshot was current
// before this import, the import linked no identities (so no two persons
// merged and every old person keeps its events in order) and the tail is
// at most a quarter of the base. It reports whether it applied; the caller
// then rebuilds from scratch.
func mergeSnapshot(ctx context.Context, tx *sql.Tx, base, stored, version int64) (bool, error) {
	if base == 0 || (stored-base)*4 > base {
		return false, nil
	}
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	old, err := readSegments(ctx, tx, version, base, 0, false)
	if err == nil {
		var pos []int32
		if pos, err = snapshotPositions(ctx, tx, int(base), 0); err == nil {
			old.rows = invert(pos)
		}
	}
	var fresh []freshEvent
	if err == nil {
		fresh, err = freshEvents(ctx, tx, base, len(old.Users), len(old.Names))
	}
	if errors.Is(err, errCorrupt) {
		return false, nil // the chunks, not the damaged snapshot, decide
	}
	if err != nil {
		return false, err
	}
	w, err := newSegmentWriter(ctx, tx)
	if err != nil {
		return false, err
	}
	seg := &Ordered{Start: []int32{0}}
	pos := make([]int32, stored) // storage row -> new analysis index
	at := int32(0)               // analysis index of seg's first event
	flush := func() error {
		if len(seg.Person) == 0 {
			return nil
		}
		if err := w.write(seg, 0, len(seg.Person)); err != nil {
			return err
		}
		at += int32(len(seg.Time))
		seg.Person, seg.Start, seg.Event, seg.Time = seg.Person[:0], seg.Start[:1], seg.Event[:0], seg.Time[:0]
		return nil
	}
	// Persons in id order: each old person's events merged with its new
	// ones by time, old first at equal times (their storage rows are lower).
	i, j := 0, 0
	for i < len(old.Person) || j < len(fresh) {
		var id int32
		switch {
		case j == len(fresh):
			id = old.Person[i]
		case i == len(old.Person):
			id = fresh[j].person
		default:
			id = min(old.Person[i], fresh[j].person)
		}
		a, b := 0, 0 // this person's old events
		if i < len(old.Person) && old.Person[i] == id {
			a, b = int(old.Start[i]), int(old.Start[i+1])
			i++
		}
		k := j
		for k < len(fresh) && fresh[k].person == id {
			k++
		}
		n := b - a + k - j
		if len(seg.Time) > 0 && len(seg.Time)+n > segmentEvents {
			if err := flush(); err != nil {
				return false, err
			}
		}
		for a < b || j < k {
			var row int32
			if j == k || a < b && old.Time[a] <= fresh[j].time {
				seg.Event, seg.Time, row = append(seg.Event, old.Event[a]), append(seg.Time, old.Time[a]), old.rows[a]
				a++
			} else {
				e := fresh[j]
				seg.Event, seg.Time, row = append(seg.Event, e.event), append(seg.Time, e.time), e.row
				j++
			}
			pos[row] = at + int32(len(seg.Time)-1)
		}
		seg.Person = append(seg.Person, id)
		seg.Start = append(seg.Start, int32(len(seg.Time)))
	}
	if err := flush(); err != nil {
		return false, err
	}
	snapshotMerges.Add(1)
	return true, w.finish(pos, version)
}

// snapshotMerges counts merges, so tests can tell which path ran.
var snapshotMerges atomic.Int64

// freshEvent is one event of the import being committed.
type freshEvent struct {
	person, event, row int32
	time               int64
}

// freshEvents reads the events of storage rows from first on (the
// snapshot's tail) and orders them by person, time and storage row.
func freshEvents(ctx context.Context, tx *sql.Tx, first int64, users, names int) ([]freshEvent, error) {
	r := &Rows{}
	wait, err := startChunks(ctx, tx, r, "WHERE first_id > ?", first)
	if err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	canon, err := loadCanon(ctx, tx, users)
	if err != nil {
		return nil, err
	}
	out := make([]freshEvent, len(r.Time))
	for i := range out {
		u, e := r.User[i], r.Event[i]
		if u < 1 || int(u) >= users || e < 1 || int(e) > names {
			return nil, errCorrupt
		}
		out[i] = freshEvent{person: canon[u], event: e - 1, row: int32(first) + int32(i), time: r.Time[i]}
	}
	slices.SortFunc(out, func(x, y freshEvent) int {
		switch {
		case x.person != y.person:
			return cmp.Compare(x.person, y.person)
		case x.time != y.time:
			return cmp.Compare(x.time, y.time)
		}
		return cmp.Compare(x.row, y.row)
	})
	return out, nil
}
