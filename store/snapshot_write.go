package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"runtime/debug"

	"github.com/spoorhq/spoor/i18n"
)

// writeSnapshot replaces the snapshot with the events as tx sees them,
// marking it as built from data version.
func writeSnapshot(ctx context.Context, tx *sql.Tx, version int64) error {
	// The build holds every event in memory once more: collect more
	// often so the import's peak stays near what is live.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	r, err := loadRows(ctx, tx, false)
	if err != nil {
		return err
	}
	Phase("snapshot load")
	o := orderRows(r)
	Phase("snapshot order")
	w, err := newSegmentWriter(ctx, tx)
	if err != nil {
		return err
	}
	if err := w.writeAll(o); err != nil {
		return err
	}
	return w.finish(invert(o.rows), version)
}

// segmentWriter replaces the snapshot's segments, one at a time.
type segmentWriter struct {
	ctx context.Context
	tx  *sql.Tx
	seg int
	b   segmentBlobs
}

func newSegmentWriter(ctx context.Context, tx *sql.Tx) (*segmentWriter, error) {
	if _, err := tx.ExecContext(ctx, "DELETE FROM snapshot; DELETE FROM snapshot_positions; DELETE FROM snapshot_added;"); err != nil {
		return nil, i18n.Errorf("store snapshot: %w", err)
	}
	return &segmentWriter{ctx: ctx, tx: tx}, nil
}

// writeAll stores every person of o as segments of whole persons, each of
// at most segmentEvents events unless one person has more.
func (w *segmentWriter) writeAll(o *Ordered) error {
	for p0 := 0; p0 < len(o.Person); {
		p1 := p0 + 1
		for p1 < len(o.Person) && int(o.Start[p1+1]-o.Start[p0]) <= segmentEvents {
			p1++
		}
		if err := w.write(o, p0, p1); err != nil {
			return err
		}
		p0 = p1
	}
	return nil
}

// write stores persons p0..p1-1 of o as the next segment.
func (w *segmentWriter) write(o *Ordered, p0, p1 int) error {
	w.seg++
	return putSegment(w.ctx, w.tx, int64(w.seg-1)*segKeyStep, o, p0, p1, &w.b)
}

// putSegment stores persons p0..p1-1 of o as segment key, encoded in b,
// and names the segments so written anew (snapshot_segments, a random
// id): the column cache keeps them decoded under that name (colcache.go).
func putSegment(ctx context.Context, tx *sql.Tx, key int64, o *Ordered, p0, p1 int, b *segmentBlobs) error {
	o.encode(p0, p1, b)
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO snapshot(seg, n_persons, n_events, persons, events, times) VALUES(?, ?, ?, ?, ?, ?)",
		key, p1-p0, o.Start[p1]-o.Start[p0], b.persons, b.events, b.times); err != nil {
		return i18n.Errorf("store snapshot: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO settings(key, value) VALUES('snapshot_segments', lower(hex(randomblob(8))))"); err != nil {
		return i18n.Errorf("store snapshot: %w", err)
	}
	return nil
}

// finish writes where each stored event sits in analysis order (pos,
// indexed by storage row) and marks the snapshot as built from data
// version, with no tail.
func (w *segmentWriter) finish(pos []int32, version int64) error {
	var b []byte
	for part := 0; part*positionsPart < len(pos); part++ {
		b = encodePositions(b[:0], pos[part*positionsPart:min(len(pos), (part+1)*positionsPart)])
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO snapshot_positions(part, positions) VALUES(?, ?)", part, b); err != nil {
			return i18n.Errorf("store snapshot: %w", err)
		}
	}
	n := int64(len(pos))
	return setSnapshot(w.ctx, w.tx, version, foldState{rows: n, positioned: n})
}

// encodePositions appends a part of snapshot_positions: each position
// as a zigzag varint step from the one before (from 0).
func encodePositions(b []byte, pos []int32) []byte {
	prev := int64(0)
	for _, x := range pos {
		b = binary.AppendVarint(b, int64(x)-prev)
		prev = int64(x)
	}
	return b
}

// positionsPart is how many storage rows one positions blob covers (a
// variable so tests can make parts small).
var positionsPart = 1 << 20

// invert returns the inverse of the permutation perm.
func invert(perm []int32) []int32 {
	inv := make([]int32, len(perm))
	for i, x := range perm {
		inv[x] = int32(i)
	}
	return inv
}

// segmentBlobs is one encoded segment; its buffers are reused.
type segmentBlobs struct {
	persons, events, times []byte
	steps                  []uint64
}

// encode sets b to persons p0..p1-1 in the snapshot's segment encoding.
func (o *Ordered) encode(p0, p1 int, b *segmentBlobs) {
	pb, eb, steps := b.persons[:0], b.events[:0], b.steps[:0]
	var prevID int32
	var prevFirst int64
	for p := p0; p < p1; p++ {
		first, end := o.Start[p], o.Start[p+1]
		pb = binary.AppendUvarint(pb, uint64(o.Person[p]-prevID))
		pb = binary.AppendUvarint(pb, uint64(end-first))
		prevID = o.Person[p]
		d := o.Time[first] - prevFirst
		steps = append(steps, uint64(d<<1^d>>63))
		prevFirst = o.Time[first]
		for i := first; i < end; i++ {
			if i > first {
				steps = append(steps, uint64(o.Time[i]-o.Time[i-1]))
			}
			eb = binary.AppendUvarint(eb, uint64(o.Event[i]))
		}
	}
	*b = segmentBlobs{persons: pb, events: eb, times: appendGroupVarints(b.times[:0], steps), steps: steps}
}
