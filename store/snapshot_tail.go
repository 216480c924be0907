package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"sync/atomic"
)

// The snapshot's tail. Rewriting every segment and position for each small
// import made importing 1,000 events cost as much as reading the whole
// database (issue 19, point 4). Instead a small import leaves its events
// out of the segments: settings.snapshot_rows names the stored rows the
// segments and positions hold (the first ones, in storage order; unset:
// all), and the rows after them, the tail, are read from their chunks and
// merged into the analysis order by every load. A commit that would make
// the tail larger than tailLimit folds it into the segments (mergeSnapshot)
// in the same transaction, so a load merges at most that many events.

// tailEvents is the least number of events a tail may hold; a larger
// database may keep a larger one (tailLimit). A variable so tests can make
// it small.
var tailEvents = 1 << 16

// tailLimit is how many tail events a snapshot of base events may have:
// a 256th of the base (a load's extra work stays a small share of its
// own), at least tailEvents, and never more than an eighth of the base.
func tailLimit(base int64) int64 {
	return min(max(int64(tailEvents), base>>8), base/8)
}

// snapshotRows reads how many stored rows the snapshot's segments hold:
// settings.snapshot_rows, or all stored events when it is unset.
func snapshotRows(ctx context.Context, tx *sql.Tx, stored int64) (int64, error) {
	var v sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'snapshot_rows'").Scan(&v)
	if err == sql.ErrNoRows || err == nil && !v.Valid {
		return stored, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.String, 10, 64)
	if err != nil || n < 0 || n > stored {
		return 0, errCorrupt
	}
	return n, nil
}

// extendSnapshot makes the snapshot current at version after an import
// that linked no identities, into a database whose snapshot was current
// before it: while the events outside the segments stay within
// tailLimit, by only saying so (its cost does not grow with the stored
// events); else by folding them in, or rebuilding it.
func extendSnapshot(ctx context.Context, tx *sql.Tx, importID, version int64) error {
	var stored, before sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT sum(n), sum(CASE WHEN import_id = ? THEN 0 ELSE n END) FROM chunks`,
		importID).Scan(&stored, &before); err != nil {
		return err
	}
	// Unset, the segments hold every event stored before this import.
	base, err := snapshotRows(ctx, tx, before.Int64)
	var segs sql.NullInt64
	if err == nil {
		err = tx.QueryRowContext(ctx, "SELECT sum(n_events) FROM snapshot").Scan(&segs)
	}
	if err == errCorrupt || err == nil && segs.Int64 != base {
		// Written by a build without tails, or damaged: start again.
		return writeSnapshot(ctx, tx, version)
	}
	if err != nil {
		return err
	}
	if stored.Int64-base <= tailLimit(base) {
		snapshotTails.Add(1)
		return setSnapshot(ctx, tx, version, base)
	}
	merged, err := mergeSnapshot(ctx, tx, base, stored.Int64, version)
	if err == nil && !merged {
		err = writeSnapshot(ctx, tx, version)
	}
	return err
}

// snapshotTails counts imports left in the tail, so tests can tell which
// path ran.
var snapshotTails atomic.Int64

// setSnapshot marks the snapshot as current at data version, its segments
// holding the first rows stored events.
func setSnapshot(ctx context.Context, tx *sql.Tx, version, rows int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('snapshot_version', ?1), ('snapshot_rows', ?2)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(version, 10), strconv.FormatInt(rows, 10))
	return err
}

// snapshotTail is where a load placed the tail's events, for Positions and
// LoadPropOrdered: stored rows from base on are the tail.
type snapshotTail struct {
	base int
	// before[k] is how many segment events precede the k-th tail event in
	// analysis order (ascending in k); blocks[b] is the first k whose
	// before[k] is at least b<<tailBlock, which finds the shift of a
	// segment event in a step or two.
	before []int32
	blocks []int32
	// pos[r] is the analysis index of stored row base+r.
	pos []int32
}

const tailBlock = 8

// at returns the analysis index of the segment event at index x of the
// segments' own order: x plus the tail events placed before it.
func (t *snapshotTail) at(x int32) int32 {
	k := t.blocks[x>>tailBlock]
	for int(k) < len(t.before) && t.before[k] <= x {
		k++
	}
	return x + k
}

// place turns the segments' positions of the base stored rows into those
// of every stored row, in place when pos has room.
func (t *snapshotTail) place(pos []int32) []int32 {
	for i, x := range pos {
		pos[i] = t.at(x)
	}
	return append(pos, t.pos...)
}

// mergeTail places the tail's events (sorted by person, time and storage
// row: freshEvents) among o's, decoded from the segments into the front
// of columns with room for them, and returns where they went. A person's
// segment events come before its tail events at equal times (their
// storage rows are lower), as ordering afresh puts them. It merges from
// the back, in place: each event moves only towards the end, by the tail
// events not placed yet, and nothing before the first tail person moves.
func (o *Ordered) mergeTail(tail []freshEvent, base int) *snapshotTail {
	persons, events := len(o.Person), len(o.Time)
	added := 0 // persons with no segment event
	for k := 0; k < len(tail); {
		id := tail[k].person
		if _, ok := slices.BinarySearch(o.Person, id); !ok {
			added++
		}
		for k < len(tail) && tail[k].person == id {
			k++
		}
	}
	o.Person, o.Start = o.Person[:persons+added], o.Start[:persons+added+1]
	o.Event, o.Time = o.Event[:events+len(tail)], o.Time[:events+len(tail)]
	t := &snapshotTail{base: base, before: make([]int32, len(tail)), pos: make([]int32, len(tail))}
	i, j := persons-1, len(tail)-1 // the last segment person and tail event not yet placed
	p, at := persons+added, events+len(tail)
	o.Start[p] = int32(at)
	end := events // where segment person i's events end
	for j >= 0 {
		id := tail[j].person
		a, b := end, end // segment person id's events
		if i >= 0 && o.Person[i] >= id {
			id = o.Person[i]
			a, b = int(o.Start[i]), end
			end = a
			i--
		}
		k := j // tail events of person id: k+1 .. j
		for k >= 0 && tail[k].person == id {
			k--
		}
		for b > a || j > k {
			at--
			if j == k || b > a && o.Time[b-1] > tail[j].time {
				b--
				o.Time[at], o.Event[at] = o.Time[b], o.Event[b]
			} else {
				e := tail[j]
				o.Time[at], o.Event[at] = e.time, e.event
				t.pos[int(e.row)-base] = int32(at)
				t.before[j] = int32(at - j)
				j--
			}
		}
		p--
		o.Person[p], o.Start[p] = id, int32(at)
	}
	t.blocks = make([]int32, events>>tailBlock+1)
	k := int32(0)
	for b := range t.blocks {
		for int(k) < len(t.before) && int(t.before[k]) < b<<tailBlock {
			k++
		}
		t.blocks[b] = k
	}
	for k, e := range tail {
		if k == 0 && events == 0 {
			o.MinTime, o.MaxTime = e.time, e.time
		}
		o.MinTime, o.MaxTime = min(o.MinTime, e.time), max(o.MaxTime, e.time)
	}
	return t
}
