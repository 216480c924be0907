package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"math"
	"sync/atomic"

	"github.com/spoorhq/spoor/i18n"
)

// The snapshot's fold cycle. Folding a whole tail into the segments
// rewrote every segment and every position: at 100M events about 10 s,
// once every ~390 small imports (issue 19, point 4). Instead, once the
// tail passes half its limit, the imports fold it a few segments at a
// time, in person order: settings snapshot_fold_to names the rows the
// cycle folds (those before it, from snapshot_rows on) and
// snapshot_fold_at the last person whose segment holds them. Each import
// rewrites segments in proportion to the events it adds, so the cycle
// ends before the tail reaches its limit; the last one moves
// snapshot_rows to snapshot_fold_to. Everything happens in the import's
// transaction: a process killed mid-fold leaves the database as before.
//
// A folded segment's events shift within it, not across the others, so
// snapshot_positions (by storage row, in the order of the rows it places:
// snapshot_positioned) is left alone; each segment lists the events it
// holds that the positions do not place, with their storage rows, in
// snapshot_added. A load places those as it places the tail
// (Ordered.placement). A full rewrite (identity links moving stored events, a file too large
// for the cycle) writes the positions of every row again.
const snapshotAddedSchema = `
CREATE TABLE snapshot_added (
	seg   INTEGER PRIMARY KEY, -- the segment (snapshot.seg)
	added BLOB NOT NULL        -- uvarint count, then per event the uvarint step of its index in the segment and the zigzag step of its storage row
);`

// segKeyStep spaces the keys of the segments a rewrite writes, so a
// folded segment grown too large can be split into segments keyed in
// between.
const segKeyStep = 1 << 20

// extendSnapshot makes the snapshot current at version after an import
// into a database whose snapshot was current before it, rebuilding it when
// the import linked identities that may move events the segments hold
// (linksMoveStored): while the tail stays within half of tailLimit, by only
// saying so (its cost does not grow with the stored events); else by a
// step of a fold cycle, or, for a tail past the limit, by folding it all
// or rebuilding the snapshot.
//
// stored and before are the events the chunks hold, and held before the
// import (chunk_totals.go).
func extendSnapshot(ctx context.Context, tx *sql.Tx, importID, version int64, linked bool, stored, before int64) error {
	var segs sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT sum(n_events) FROM snapshot`).Scan(&segs); err != nil {
		return err
	}
	// Unset, the segments hold every event stored before this import.
	st, err := readFoldState(ctx, tx, stored, before)
	// The tail: every row from st.rows on, but for a cycle's events
	// already folded, which only a cycle reads.
	var gen []freshEvent // the cycle's events not folded yet
	if err == nil && st.foldTo > 0 {
		gen, err = unfoldedTail(ctx, tx, st, st.foldTo)
	}
	tail := stored - max(st.rows, st.foldTo) + int64(len(gen))
	if errors.Is(err, errCorrupt) || err == nil && segs.Int64+tail != stored {
		// Written by a build without tails, or damaged: start again.
		return writeSnapshot(ctx, tx, version)
	}
	if err != nil {
		return err
	}
	if linked {
		moved, err := linksMoveStored(ctx, tx, importID, st)
		if err != nil {
			return err
		}
		if moved {
			return writeSnapshot(ctx, tx, version)
		}
		snapshotLinksKept.Add(1)
	}
	limit := tailLimit(segs.Int64)
	added := stored - before
	switch {
	case segs.Int64 == 0 || 4*tail > segs.Int64:
		return writeSnapshot(ctx, tx, version)
	case tail > limit:
		merged, err := mergeSnapshot(ctx, tx, stored, st, version)
		if err == nil && !merged {
			err = writeSnapshot(ctx, tx, version)
		}
		return err
	case st.foldTo == 0 && tail <= limit/2:
		snapshotTails.Add(1)
		return setSnapshot(ctx, tx, version, st)
	case st.foldTo == 0:
		// A cycle starts, over every row of the tail. The import pays
		// for its events past half the limit only: charged for all of
		// them, a file of a quarter of the limit or more (at 100M
		// events, 98K) folded the whole cycle at once.
		st.foldTo, st.foldAt = stored, 0
		if gen, err = unfoldedTail(ctx, tx, st, st.foldTo); err != nil {
			return err
		}
		added = min(added, tail-limit/2)
	}
	// The share: 4 times the segments' events per limit events added
	// (since the tail passed half the limit), so the cycle ends before
	// the tail passes three quarters of it.
	quota := added*4*segs.Int64/limit + 1
	if err := foldSegments(ctx, tx, &st, gen, quota); errors.Is(err, errCorrupt) {
		return writeSnapshot(ctx, tx, version) // the chunks, not the damaged snapshot, decide
	} else if err != nil {
		return err
	}
	snapshotSteps.Add(1)
	return setSnapshot(ctx, tx, version, st)
}

// snapshotTails, snapshotSteps, snapshotSplits and snapshotRespaces count
// imports left in the tail, steps of fold cycles, segments split and
// segments moved apart to make room for a split, so tests can tell which
// path ran.
var snapshotTails, snapshotSteps, snapshotSplits, snapshotRespaces atomic.Int64

// segmentHead is a segment's key, size and first person.
type segmentHead struct {
	key, persons, events int64
	first                int64
}

// segmentHeads reads the heads of the snapshot's segments, in order.
func segmentHeads(ctx context.Context, tx *sql.Tx) ([]segmentHead, error) {
	// The first person of a segment is the first uvarint of its persons.
	rows, err := tx.QueryContext(ctx, "SELECT seg, n_persons, n_events, substr(persons, 1, 10) FROM snapshot ORDER BY seg")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var segs []segmentHead
	for rows.Next() {
		var h segmentHead
		var pb []byte
		if err := rows.Scan(&h.key, &h.persons, &h.events, &pb); err != nil {
			return nil, err
		}
		first, k := binary.Uvarint(pb)
		if k <= 0 || first > math.MaxInt32 {
			return nil, errCorrupt
		}
		h.first = int64(first)
		segs = append(segs, h)
	}
	return segs, rows.Err()
}

// foldSegments folds the cycle's events not folded yet (gen, sorted by
// person) into the segments after st.foldAt, rewriting segments of about
// quota events in all (at least one), and advances st.
func foldSegments(ctx context.Context, tx *sql.Tx, st *foldState, gen []freshEvent, quota int64) error {
	var names sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM event_names").Scan(&names); err != nil {
		return err
	}
	segs, err := segmentHeads(ctx, tx)
	if err != nil {
		return err
	}
	// Segment i holds the persons from its first (any, for the first
	// segment) to the next one's first.
	upper := func(i int) int64 {
		if i+1 < len(segs) {
			return segs[i+1].first
		}
		return math.MaxInt32 + 1
	}
	i := 0
	for i < len(segs) && upper(i)-1 <= st.foldAt {
		i++
	}
	var b segmentBlobs
	for ; i < len(segs) && quota > 0; i++ {
		k := 0
		for k < len(gen) && int64(gen[k].person) < upper(i) {
			k++
		}
		// It splits into at most 2*grown/segmentEvents+1 pieces (any
		// two in a row hold more than segmentEvents), which need as
		// many keys from its own up to the next segment's. Without
		// them (a database written before schema 8 keyed its segments
		// 0, 1, 2, ...) the segments after it move apart.
		grown := segs[i].events + int64(k)
		if grown > 2*int64(segmentEvents) && i+1 < len(segs) && segs[i+1].key-segs[i].key < 2*grown/int64(segmentEvents)+2 {
			if err := respace(ctx, tx, segs[i+1:], segs[i].key); err != nil {
				return err
			}
		}
		next := int64(math.MaxInt64)
		if i+1 < len(segs) {
			next = segs[i+1].key
		}
		if err := foldSegment(ctx, tx, segs[i], next, gen[:k], int(names.Int64), &b); err != nil {
			return err
		}
		quota -= segs[i].events + int64(k)
		gen = gen[k:]
		st.foldAt = upper(i) - 1
	}
	if i == len(segs) {
		st.rows, st.foldTo, st.foldAt = st.foldTo, 0, 0
	}
	if foldHook != nil {
		foldHook()
	}
	return nil
}

// respace keys segs (ascending, all after key after) segKeyStep apart
// from after on, with their added lists, and updates their heads. Each
// moves up, the last first, so no key is taken twice: a gap between keys
// is never wider than segKeyStep.
func respace(ctx context.Context, tx *sql.Tx, segs []segmentHead, after int64) error {
	for j := len(segs) - 1; j >= 0; j-- {
		key := after + int64(j+1)*segKeyStep
		if key == segs[j].key {
			continue
		}
		for _, q := range []string{"UPDATE snapshot SET seg = ? WHERE seg = ?", "UPDATE snapshot_added SET seg = ? WHERE seg = ?"} {
			if _, err := tx.ExecContext(ctx, q, key, segs[j].key); err != nil {
				return i18n.Errorf("store snapshot: %w", err)
			}
		}
		segs[j].key = key
	}
	snapshotRespaces.Add(1)
	return nil
}

// addedEvent is an event a segment holds that the positions do not place:
// its index in the segment and its storage row.
type addedEvent struct{ at, row int32 }

// foldSegment merges evs (sorted by person, time and row; persons within
// the segment's range) into segment h, and its added list, splitting it
// into segments keyed before next when it grew past twice segmentEvents.
func foldSegment(ctx context.Context, tx *sql.Tx, h segmentHead, next int64, evs []freshEvent, names int, b *segmentBlobs) error {
	var pb, eb, tb, ab []byte
	if err := tx.QueryRowContext(ctx, "SELECT persons, events, times FROM snapshot WHERE seg = ?", h.key).Scan(&pb, &eb, &tb); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, "SELECT added FROM snapshot_added WHERE seg = ?", h.key).Scan(&ab); err != nil && err != sql.ErrNoRows {
		return err
	}
	np, ne, extra := int(h.persons), int(h.events), len(evs)
	if np < 0 || ne < np || int64(ne)+int64(extra) > math.MaxInt32 {
		return errCorrupt
	}
	o := &Ordered{Names: make([]string, names),
		Person: make([]int32, np, np+extra), Start: make([]int32, np+1, np+extra+1),
		Event: make([]int32, ne, ne+extra), Time: make([]int64, ne, ne+extra)}
	if _, _, err := (segmentView{o: o, np: np, ne: ne}).decode(pb, eb, tb); err != nil {
		return err
	}
	o.Start[np] = int32(ne)
	added, err := decodeAdded(ab, ne)
	if err != nil {
		return err
	}
	if len(evs) > 0 {
		t := o.mergeTail(evs)
		for k := range added {
			added[k].at = t.shift.at(added[k].at)
		}
		// Both ascending: merged by index.
		all := make([]addedEvent, 0, len(added)+len(evs))
		j := 0
		for k := range t.cur {
			for j < len(added) && added[j].at < t.cur[k] {
				all, j = append(all, added[j]), j+1
			}
			all = append(all, addedEvent{t.cur[k], t.rows[k]})
		}
		added = append(all, added[j:]...)
	}
	prev := int32(0)
	for _, id := range o.Person {
		if id <= prev {
			return errCorrupt
		}
		prev = id
	}
	// The pieces: the whole, or parts of at most segmentEvents events
	// each, keyed evenly between h.key and next.
	cuts := []int{0, len(o.Person)}
	if len(o.Time) > 2*segmentEvents {
		cuts = cuts[:1]
		for p0 := 0; p0 < len(o.Person); {
			p1 := p0 + 1
			for p1 < len(o.Person) && int(o.Start[p1+1]-o.Start[p0]) <= segmentEvents {
				p1++
			}
			cuts = append(cuts, p1)
			p0 = p1
		}
		if next-h.key < int64(len(cuts)) {
			cuts = []int{0, len(o.Person)} // no room for their keys
		} else {
			snapshotSplits.Add(1)
		}
	}
	step := (next - h.key) / int64(len(cuts)-1)
	if next == math.MaxInt64 {
		step = segKeyStep
	}
	var ad []byte
	for c := 0; c+1 < len(cuts); c++ {
		key, p0, p1 := h.key+int64(c)*step, cuts[c], cuts[c+1]
		if err := putSegment(ctx, tx, key, o, p0, p1, b); err != nil {
			return err
		}
		lo, hi := o.Start[p0], o.Start[p1]
		k := 0
		for k < len(added) && added[k].at < hi {
			k++
		}
		ad = appendAdded(ad[:0], added[:k], lo)
		added = added[k:]
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO snapshot_added(seg, added) VALUES(?, ?)", key, ad); err != nil {
			return i18n.Errorf("store snapshot: %w", err)
		}
	}
	return nil
}

// appendAdded encodes added events, their indexes made relative to lo.
func appendAdded(dst []byte, added []addedEvent, lo int32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(added)))
	at, row := lo, int32(0)
	for _, a := range added {
		dst = binary.AppendUvarint(dst, uint64(a.at-at))
		dst = binary.AppendVarint(dst, int64(a.row-row))
		at, row = a.at, a.row
	}
	return dst
}

// decodeAdded reads a segment's added list (nil: none); each index must be
// below events, each above the one before.
func decodeAdded(b []byte, events int) ([]addedEvent, error) {
	if b == nil {
		return nil, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(events) {
		return nil, errCorrupt
	}
	b = b[k:]
	out := make([]addedEvent, n)
	at, row := int64(0), int64(0)
	for i := range out {
		d, k := binary.Uvarint(b)
		if k <= 0 || d > uint64(events) {
			return nil, errCorrupt
		}
		b = b[k:]
		r, k := binary.Varint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		at, row = at+int64(d), row+r
		if at >= int64(events) || i > 0 && d == 0 || row < 0 || row > math.MaxInt32 {
			return nil, errCorrupt
		}
		out[i] = addedEvent{int32(at), int32(row)}
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}
