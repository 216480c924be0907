package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// The snapshot is the events in analysis order (Ordered), written by every
// import inside its transaction, so a process loads it without sorting:
// the counting sort and permutation of 10M events cost more than reading
// them. It is split into segments of whole persons (about segmentEvents
// events each) that decode in parallel. settings.snapshot_version names the
// data version it was built from; any other version means it is stale and
// is never read — the chunks are then ordered afresh.
var segmentEvents = 1 << 20 // a variable so tests can make segments small

// snapshotSchema is migration 1 -> 2.
const snapshotSchema = `
CREATE TABLE snapshot (
	seg       INTEGER PRIMARY KEY,
	n_persons INTEGER NOT NULL,
	n_events  INTEGER NOT NULL,
	persons   BLOB NOT NULL, -- per person: uvarint users.id step, uvarint event count
	events    BLOB NOT NULL, -- uvarint event index per event
	times     BLOB NOT NULL  -- group varints: per person the zigzag step of its first time, then steps
);
CREATE TABLE snapshot_positions (
	part      INTEGER PRIMARY KEY, -- storage rows part*positionsPart ...
	positions BLOB NOT NULL        -- zigzag steps of each stored event's index in analysis order
);`

// LoadOrdered reads every event in analysis order, from the snapshot when
// it is current, else from the chunks.
func (db *DB) LoadOrdered(ctx context.Context) (*Ordered, error) {
	// The snapshot's segments are read in several transactions; an import
	// committing between their starts is seen as ErrChanged, and the load
	// simply starts again at the new version.
	for attempt := 1; ; attempt++ {
		o, err := db.loadOrdered(ctx)
		if !errors.Is(err, ErrChanged) || attempt == 3 {
			return o, err
		}
	}
}

func (db *DB) loadOrdered(ctx context.Context) (*Ordered, error) {
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	version, err := dataVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	snap, err := intSetting(ctx, tx, "snapshot_version")
	if err != nil {
		return nil, err
	}
	if version > 0 && snap == version {
		var stored int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0) FROM chunks").Scan(&stored); err != nil {
			return nil, err
		}
		o, err := readSnapshot(ctx, tx, version, stored, db.userNames(ctx, tx), db.readerAt(ctx, version))
		if err == nil {
			o.db, o.fromSnapshot = db, true
			return o, nil
		}
		// A damaged snapshot is only a cache of the chunks: order them.
		if !errors.Is(err, errCorrupt) {
			return nil, err
		}
	}
	r, err := loadRows(ctx, tx, true)
	if err != nil {
		return nil, err
	}
	o := orderRows(r)
	o.db = db
	return o, nil
}

// readerAt returns a function opening another read transaction that must
// see the snapshot of data version (nil for an in-memory database: one
// connection).
func (db *DB) readerAt(ctx context.Context, version int64) func() (*sql.Tx, error) {
	if db.oneConn {
		return nil
	}
	return func() (*sql.Tx, error) { return db.beginAt(ctx, version, true) }
}

// beginAt starts a read transaction that sees data version (and, with
// snapshot, a snapshot built from it), else fails with ErrChanged: what a
// reader loads later must never mix with what it loaded before an import.
func (db *DB) beginAt(ctx context.Context, version int64, snapshot bool) (*sql.Tx, error) {
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	now, err := dataVersion(ctx, tx)
	snap := version
	if err == nil && snapshot {
		snap, err = intSetting(ctx, tx, "snapshot_version")
	}
	if err == nil && (now != version || snap != version) {
		err = fmt.Errorf("%w; reload", ErrChanged)
	}
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// userNames returns a function giving every distinct id. On a file it
// starts reading them at once in a transaction of their own, alongside the
// snapshot's segments. A later transaction sees the same ids: users are
// only ever added.
func (db *DB) userNames(ctx context.Context, tx *sql.Tx) func() ([]string, error) {
	if db.oneConn {
		return func() ([]string, error) { return loadUserNames(ctx, tx) }
	}
	type result struct {
		names []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		own, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			r.err = err
			return
		}
		defer own.Rollback()
		r.names, r.err = loadUserNames(ctx, own)
	}()
	return func() ([]string, error) { r := <-done; return r.names, r.err }
}

// readSnapshot decodes the snapshot, which must hold stored events.
func readSnapshot(ctx context.Context, tx *sql.Tx, version, stored int64, userNames func() ([]string, error), more func() (*sql.Tx, error)) (*Ordered, error) {
	type segment struct{ p0, e0, np, ne int }
	var segs []segment
	var persons, events int
	meta, err := tx.QueryContext(ctx, "SELECT seg, n_persons, n_events FROM snapshot ORDER BY seg")
	if err != nil {
		return nil, err
	}
	for meta.Next() {
		var k, np, ne int
		if err := meta.Scan(&k, &np, &ne); err != nil {
			meta.Close()
			return nil, err
		}
		if k != len(segs) || np < 0 || ne < np || events+ne > 1<<31-1 {
			meta.Close()
			return nil, errCorrupt
		}
		segs = append(segs, segment{persons, events, np, ne})
		persons, events = persons+np, events+ne
	}
	meta.Close()
	if err := meta.Err(); err != nil {
		return nil, err
	}
	// It must hold every stored event (a lost segment is damage too).
	if int64(events) != stored {
		return nil, errCorrupt
	}
	o := &Ordered{Version: version,
		Person: make([]int32, persons), Start: make([]int32, persons+1),
		Event: make([]int32, events), Time: make([]int64, events)}
	names, err := loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id")
	if err != nil {
		return nil, err
	}
	o.Names = names[1:]
	// Segments are read and decoded by one worker per core, each in its own
	// read transaction at the same version, so reading (SQLite) is shared
	// as well as decoding; blobs are decoded where SQLite hands them over
	// (RawBytes), never copied again.
	workers := 1
	if more != nil {
		workers = max(1, min(runtime.GOMAXPROCS(0), len(segs)))
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		timed    bool // o.MinTime and o.MaxTime hold a segment's range
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := func() error {
				wtx := tx
				if w > 0 {
					var err error
					if wtx, err = more(); err != nil {
						return err
					}
					defer wtx.Rollback()
				}
				for k := w; k < len(segs); k += workers {
					sg := segs[k]
					lo, hi, err := readSegment(ctx, wtx, k, segmentView{o: o, p0: sg.p0, e0: sg.e0, np: sg.np, ne: sg.ne})
					if err != nil {
						return err
					}
					if sg.np > 0 {
						mu.Lock()
						if !timed {
							o.MinTime, o.MaxTime, timed = lo, hi, true
						}
						o.MinTime, o.MaxTime = min(o.MinTime, lo), max(o.MaxTime, hi)
						mu.Unlock()
					}
				}
				return nil
			}()
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if o.Users, err = userNames(); err != nil {
		return nil, err
	}
	o.Start[len(o.Person)] = int32(len(o.Time))
	// Persons are distinct users in ascending id order: anything else is
	// damage (decode checked the event indexes).
	prev := int32(0)
	for _, id := range o.Person {
		if id <= prev || int(id) >= len(o.Users) {
			return nil, errCorrupt
		}
		prev = id
	}
	return o, nil
}

// readSegment reads segment k and decodes it into place.
func readSegment(ctx context.Context, tx *sql.Tx, k int, seg segmentView) (lo, hi int64, err error) {
	rows, err := tx.QueryContext(ctx, "SELECT persons, events, times FROM snapshot WHERE seg = ?", k)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, 0, err
		}
		return 0, 0, errCorrupt
	}
	var pb, eb, tb sql.RawBytes // valid until the next row: decoded at once
	if err := rows.Scan(&pb, &eb, &tb); err != nil {
		return 0, 0, err
	}
	return seg.decode(pb, eb, tb)
}

// segmentView is where one snapshot segment's persons and events go in the
// Ordered columns.
type segmentView struct {
	o              *Ordered
	p0, e0, np, ne int
}

// decode fills the segment's persons, starts, events and times and returns
// the segment's earliest and latest time.
func (s segmentView) decode(pb, eb, tb []byte) (lo, hi int64, err error) {
	o := s.o
	var id uint64
	e := s.e0
	for p := s.p0; p < s.p0+s.np; p++ {
		step, k := binary.Uvarint(pb)
		if k <= 0 || step == 0 {
			return 0, 0, errCorrupt
		}
		pb = pb[k:]
		id += step
		n, k := binary.Uvarint(pb)
		if k <= 0 || n == 0 || n > uint64(s.e0+s.ne-e) || id > 1<<31-1 {
			return 0, 0, errCorrupt
		}
		pb = pb[k:]
		o.Person[p] = int32(id)
		o.Start[p] = int32(e)
		e += int(n)
	}
	if e != s.e0+s.ne || len(pb) != 0 {
		return 0, 0, errCorrupt
	}
	if err := decodeEvents(o.Event[s.e0:s.e0+s.ne], eb, len(o.Names)); err != nil {
		return 0, 0, err
	}
	// Times: one group-varint step per event, the zigzag step between
	// persons' first times at each person's first event (groupvarint.go).
	var first, t int64
	lo, hi = 1<<63-1, -1<<63
	pos, left := 0, 0
	var ctrl byte
	p, next := s.p0, s.e0
	tm := o.Time[s.e0 : s.e0+s.ne]
	for i := range tm {
		if left == 0 {
			// A group reads at most 1+4*8 bytes: the padding after the
			// last one keeps a sound stream in bounds.
			if pos+33 > len(tb) {
				return 0, 0, errCorrupt
			}
			ctrl, left = tb[pos], 4
			pos++
		}
		w := ctrl & 3
		ctrl >>= 2
		left--
		v := binary.LittleEndian.Uint64(tb[pos:]) & groupMask[w]
		pos += 1 << w
		if s.e0+i == next {
			first += int64(v>>1) ^ -int64(v&1)
			t = first
			lo = min(lo, t)
			if p++; p < s.p0+s.np {
				next = int(o.Start[p])
			}
		} else {
			t += int64(v)
		}
		tm[i] = t
		hi = max(hi, t)
	}
	if len(tb)-pos != groupPad {
		return 0, 0, errCorrupt
	}
	return lo, hi, nil
}

// loadSnapshotPositions reads, from the snapshot built at version, where
// each stored event sits in analysis order.
func (db *DB) loadSnapshotPositions(ctx context.Context, version int64, n int) ([]int32, error) {
	tx, err := db.beginAt(ctx, version, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return snapshotPositions(ctx, tx, n)
}

// snapshotPositions reads the analysis index of each of the n stored
// events, checking that they form a permutation.
func snapshotPositions(ctx context.Context, tx *sql.Tx, n int) ([]int32, error) {
	out := make([]int32, 0, n)
	rows, err := tx.QueryContext(ctx, "SELECT positions FROM snapshot_positions ORDER BY part")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var prev int64
		for len(b) > 0 {
			d, k := binary.Varint(b)
			if k <= 0 || len(out) == n {
				return nil, errCorrupt
			}
			b = b[k:]
			prev += d
			if prev < 0 || prev >= int64(n) {
				return nil, errCorrupt
			}
			out = append(out, int32(prev))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	seen := make([]uint64, (n+63)/64)
	for _, r := range out {
		if seen[r>>6]&(1<<(r&63)) != 0 {
			return nil, errCorrupt
		}
		seen[r>>6] |= 1 << (r & 63)
	}
	if len(out) != n {
		return nil, errCorrupt
	}
	return out, nil
}

// decodeEvents reads one uvarint event index per element of ev; each must
// name one of names events.
func decodeEvents(ev []int32, eb []byte, names int) error {
	if len(eb) == len(ev) && names <= 0x80 {
		// As many bytes as events: every index is one byte, itself.
		for i, b := range eb {
			if int(b) >= names {
				return errCorrupt
			}
			ev[i] = int32(b)
		}
		return nil
	}
	for i := range ev {
		x, k := binary.Uvarint(eb)
		if k <= 0 || x >= uint64(names) {
			return errCorrupt
		}
		ev[i] = int32(x)
		eb = eb[k:]
	}
	if len(eb) != 0 {
		return errCorrupt
	}
	return nil
}
