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

// mergeSnapshot rebuilds the snapshot from its segments plus the tail,
// in fold state st, instead of ordering every stored event afresh. It
// applies when the snapshot was current before this import and the import
// moved no stored event to another person (linksMoveStored: so no two persons merged and every old person
// keeps its events in order); the caller checks the tail is at most a
// quarter of the segments' events. It reports whether it applied; the caller then
// rebuilds from scratch.
//
// The tail is placed as a load places it (mergeTail, in place), and the
// positions of the segments' events are shifted as a load shifts them
// (Ordered.positionsIn): copying every event into new columns and
// inverting every position cost a third more CPU and 8 bytes an event
// more memory (at 100M events, 800 MB).
func mergeSnapshot(ctx context.Context, tx *sql.Tx, stored int64, st foldState, version int64) (bool, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	o, err := readSnapshotAt(ctx, tx, version, stored, st, false)
	var pos []int32
	if err == nil {
		pos, err = o.positionsIn(ctx, tx)
	}
	if errors.Is(err, errCorrupt) {
		return false, nil // the chunks, not the damaged snapshot, decide
	}
	if err != nil {
		return false, err
	}
	o.placed, o.tail = nil, nil
	w, err := newSegmentWriter(ctx, tx)
	if err == nil {
		err = w.writeAll(o)
	}
	if err != nil {
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

// freshEvents reads the events of storage rows first .. end-1 (the
// snapshot's tail, or a fold cycle's part of it) and orders them by
// person, time and storage row.
func freshEvents(ctx context.Context, tx *sql.Tx, first, end int64, users, names int) ([]freshEvent, error) {
	r := &Rows{}
	wait, err := startChunks(ctx, tx, r, "WHERE first_id > ? AND first_id <= ?", first, end)
	if err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	person, err := personsOf(ctx, tx, users)
	if err != nil {
		return nil, err
	}
	out := make([]freshEvent, len(r.Time))
	for i := range out {
		u, e := r.User[i], r.Event[i]
		if u < 1 || int(u) >= users || e < 1 || int(e) > names {
			return nil, errCorrupt
		}
		out[i] = freshEvent{person: person(u), event: e - 1, row: int32(first) + int32(i), time: r.Time[i]}
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
