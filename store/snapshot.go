package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/spoorhq/spoor/i18n"
)

// The snapshot is the events in analysis order (Ordered), kept current by
// every import inside its transaction, so a process loads it without
// sorting: the counting sort and permutation of 10M events cost more than
// reading them. It is split into segments of whole persons (about
// segmentEvents events each) that decode in parallel while SQLite reads
// the next: small enough that 1M events keep both cores busy and the read
// buffers small. The events of the last small imports are left out of the
// segments and merged in by each load (the tail, snapshot_tail.go).
// settings.snapshot_version names the data version it was built from; any
// other version means it is stale and is never read — the chunks are then
// ordered afresh.
var segmentEvents = 1 << 18 // a variable so tests can make segments small

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
// it is current, else from the chunks, in one read transaction: what it
// returns is one data version, whatever imports commit meanwhile.
func (db *DB) LoadOrdered(ctx context.Context) (*Ordered, error) {
	return db.loadOrdered(ctx, true)
}

// LoadOrderedIDs is LoadOrdered without the users' distinct ids: Users
// holds an empty string per users.id. An analysis that prints and hashes
// no user id needs no more, and at 100M events reading the 6.7M ids was
// a tenth of a funnel's CPU.
func (db *DB) LoadOrderedIDs(ctx context.Context) (*Ordered, error) {
	return db.loadOrdered(ctx, false)
}

func (db *DB) loadOrdered(ctx context.Context, names bool) (*Ordered, error) {
	if o := db.loadCached(ctx, names); o != nil {
		return o, nil
	}
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
	stored, err := storedEvents(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer loadHeap(stored)()
	if version > 0 && snap == version {
		o, err := db.readColumns(ctx, tx, version, stored, names)
		if err == nil {
			o.db, o.fromSnapshot = db, true
			return o, nil
		}
		// A damaged snapshot is only a cache of the chunks: order them.
		if !errors.Is(err, errCorrupt) {
			return nil, err
		}
	}
	decodeHeap(stored)
	r, err := loadRows(ctx, tx, names)
	if err != nil {
		return nil, err
	}
	o := orderRows(r)
	o.db = db
	return o, nil
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
		err = i18n.Errorf("%w; reload", ErrChanged)
	}
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// readSnapshot decodes the snapshot, whose segments and tail must hold
// stored events, merging the tail into the segments' order. Without names,
// Users holds empty strings: only the ids in use are known.
func readSnapshot(ctx context.Context, tx *sql.Tx, version, stored int64, names bool) (*Ordered, error) {
	decodeHeap(stored)
	st, err := readFoldState(ctx, tx, stored, stored)
	if err != nil {
		return nil, err
	}
	return readSnapshotAt(ctx, tx, version, stored, st, names)
}

// readSnapshotAt is readSnapshot in fold state st.
func readSnapshotAt(ctx context.Context, tx *sql.Tx, version, stored int64, st foldState, names bool) (*Ordered, error) {
	return readSnapshotThen(ctx, tx, version, stored, st, names, nil)
}

// readSnapshotThen is readSnapshotAt calling decoded, when set, with the
// segments' columns before the tail is merged into them (the column
// cache keeps those: colcache.go).
func readSnapshotThen(ctx context.Context, tx *sql.Tx, version, stored int64, st foldState, names bool, decoded func(*Ordered)) (*Ordered, error) {
	tail, err := unfoldedTail(ctx, tx, st, stored)
	if err != nil {
		return nil, err
	}
	o, err := readSegments(ctx, tx, version, stored-int64(len(tail)), len(tail), names)
	if err != nil {
		return nil, err
	}
	if decoded != nil {
		decoded(o)
	}
	o.fold = st
	if len(tail) == 0 {
		return o, nil
	}
	o.tail = o.mergeTail(tail)
	return o, checkPersons(o)
}

// readSegments decodes the snapshot's segments, which must hold the first
// base stored events, into columns with room for extra more events (and
// persons).
func readSegments(ctx context.Context, tx *sql.Tx, version, base int64, extra int, names bool) (*Ordered, error) {
	var persons, events sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n_persons), sum(n_events) FROM snapshot").Scan(&persons, &events); err != nil {
		return nil, err
	}
	// It must hold every stored event (a lost segment is damage too).
	if events.Int64 != base || persons.Int64 < 0 || persons.Int64 > events.Int64 || events.Int64+int64(extra) > 1<<31-1 {
		return nil, errCorrupt
	}
	np, ne := int(persons.Int64), int(events.Int64)
	o := &Ordered{Version: version,
		Person: HugePages(make([]int32, np, np+extra)), Start: HugePages(make([]int32, np+1, np+extra+1)),
		Event: HugePages(make([]int32, ne, ne+extra)), Time: HugePages(make([]int64, ne, ne+extra))}
	eventNames, err := loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id")
	if err != nil {
		return nil, err
	}
	o.Names = eventNames[1:]
	var span segmentSpan
	err = eachSegment(ctx, tx, len(o.Person), len(o.Time), func(_ int, seg segmentView, pb, eb, tb []byte) {
		seg.o = o
		lo, hi, err := seg.decode(pb, eb, tb)
		span.add(seg.np, lo, hi, err)
	})
	o.MinTime, o.MaxTime = span.min, span.max
	if err == nil {
		err = span.err
	}
	if err == nil {
		o.Users, err = userIDs(ctx, tx, names)
	}
	if err != nil {
		return nil, err
	}
	o.Start[len(o.Person)] = int32(len(o.Time))
	return o, checkPersons(o)
}

// checkPersons refuses persons that are not distinct users in ascending
// id order: that is damage (decode checked the event indexes).
func checkPersons(o *Ordered) error {
	prev := int32(0)
	for _, id := range o.Person {
		if id <= prev || int(id) >= len(o.Users) {
			return errCorrupt
		}
		prev = id
	}
	return nil
}

// eachSegment reads the snapshot's segments in order, which must hold
// persons and events in all, and calls decode with each one's place (its
// first person and event in the whole, and how many) and blobs. SQLite
// reads the segments while the other cores decode the ones already read:
// at most GOMAXPROCS decodes run beside the read, and slot tells which of
// GOMAXPROCS+1 it is, for scratch space. The blobs are the driver's own
// copies, which it allocates afresh for every row and never writes again
// (driverOwnsBlobs): copying them once more into reused buffers, for
// database/sql's promise about RawBytes, cost 1M events' load a tenth of
// its time in copies and page faults. It returns once every decode has,
// with the first error of reading; decode keeps its own.
func eachSegment(ctx context.Context, tx *sql.Tx, persons, events int, decode func(slot int, seg segmentView, pb, eb, tb []byte)) error {
	free := make(chan int, runtime.GOMAXPROCS(0))
	for k := range cap(free) {
		free <- k
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	rows, err := tx.QueryContext(ctx, "SELECT n_persons, n_events, persons, events, times FROM snapshot ORDER BY seg")
	if err != nil {
		return err
	}
	defer rows.Close()
	var p0, e0 int
	// The copies of a small load's segments stay until it ends, in the
	// heap it reserved: a collection at 10M events cost more than the
	// 42 MB they take.
	g := garbage{keep: int64(events) <= smallLoad}
	for rows.Next() {
		var np, ne int
		var pr, er, tr sql.RawBytes
		if err := rows.Scan(&np, &ne, &pr, &er, &tr); err != nil {
			return err
		}
		g.drop(len(pr) + len(er) + len(tr))
		if np < 0 || ne < np || p0+np > persons || e0+ne > events {
			return errCorrupt
		}
		seg := segmentView{p0: p0, e0: e0, np: np, ne: ne}
		p0, e0 = p0+np, e0+ne
		if e0 == events {
			// The last segment: nothing is left to read meanwhile.
			decode(cap(free), seg, pr, er, tr)
			continue
		}
		slot := <-free
		wg.Add(1)
		go func() {
			defer func() { free <- slot; wg.Done() }()
			decode(slot, seg, pr, er, tr)
		}()
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if p0 != persons || e0 != events {
		return errCorrupt
	}
	return nil
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
	if o.Event != nil { // nil: only the times are wanted (Summarize)
		if err := decodeEvents(o.Event[s.e0:s.e0+s.ne], eb, len(o.Names)); err != nil {
			return 0, 0, err
		}
	}
	// Times: one group-varint step per event, the zigzag step between
	// persons' first times at each person's first event (groupvarint.go).
	// The raw steps are read first, in whole groups with no branch on the
	// data, then summed person by person: one loop doing both ran at a
	// fifth of the speed.
	tm := o.Time[s.e0 : s.e0+s.ne]
	pos, err := readGroupVarints(tm, tb)
	if err != nil {
		return 0, 0, err
	}
	if len(tb)-pos != groupPad {
		return 0, 0, errCorrupt
	}
	var first int64
	lo, hi = 1<<63-1, -1<<63
	for p := s.p0; p < s.p0+s.np; p++ {
		from, to := int(o.Start[p])-s.e0, s.ne
		if p+1 < s.p0+s.np {
			to = int(o.Start[p+1]) - s.e0
		}
		v := uint64(tm[from])
		first += int64(v>>1) ^ -int64(v&1)
		t, steps := first, int64(0)
		tm[from] = t
		for i := from + 1; i < to; i++ {
			steps |= tm[i]
			t += tm[i]
			tm[i] = t
		}
		// Steps within a person are unsigned, so its first time is its
		// earliest and its last its latest; a step past int64 is damage.
		if steps < 0 || t < first {
			return 0, 0, errCorrupt
		}
		lo, hi = min(lo, first), max(hi, t)
	}
	return lo, hi, nil
}

// loadSnapshotPositions reads, from the snapshot o was loaded from,
// where each stored event sits in analysis order.
func (db *DB) loadSnapshotPositions(ctx context.Context, o *Ordered) ([]int32, error) {
	tx, err := db.beginAt(ctx, o.Version, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return o.positionsIn(ctx, tx)
}

// positionsIn reads the positions of o's stored events in tx, which sees
// the snapshot o was loaded from.
func (o *Ordered) positionsIn(ctx context.Context, tx *sql.Tx) ([]int32, error) {
	t, err := o.placement(ctx, tx)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return snapshotPositions(ctx, tx, len(o.Time), 0)
	}
	pos, err := snapshotPositions(ctx, tx, t.base, len(o.Time)-t.base)
	if err != nil {
		return nil, err
	}
	return t.place(pos), nil
}

// placement returns where the stored rows the positions do not place went
// (nil: there are none), reading the segments' added lists in tx.
func (o *Ordered) placement(ctx context.Context, tx *sql.Tx) (*snapshotTail, error) {
	if o.placed != nil || int64(len(o.Time)) == o.fold.positioned {
		return o.placed, nil
	}
	base := int(o.fold.positioned)
	var rows, cur []int32 // ascending in cur
	if o.fold.positioned < o.fold.rows || o.fold.foldTo > 0 {
		// The added events of each segment, at its start in the
		// segments' order, moved by the tail as the load moved them.
		type span struct{ start, n int32 }
		spans := map[int64]span{}
		segs, err := tx.QueryContext(ctx, "SELECT seg, n_events FROM snapshot ORDER BY seg")
		if err != nil {
			return nil, err
		}
		at := int32(0)
		for segs.Next() {
			var key int64
			var n int32
			if err := segs.Scan(&key, &n); err != nil {
				segs.Close()
				return nil, err
			}
			spans[key], at = span{at, n}, at+n
		}
		segs.Close()
		if err := segs.Err(); err != nil {
			return nil, err
		}
		lists, err := tx.QueryContext(ctx, "SELECT seg, added FROM snapshot_added ORDER BY seg")
		if err != nil {
			return nil, err
		}
		defer lists.Close()
		lt := o.tail
		k := 0 // the tail events placed so far
		for lists.Next() {
			var key int64
			var b []byte
			if err := lists.Scan(&key, &b); err != nil {
				return nil, err
			}
			sp, ok := spans[key]
			if !ok {
				return nil, errCorrupt
			}
			added, err := decodeAdded(b, int(sp.n))
			if err != nil {
				return nil, err
			}
			for _, a := range added {
				x := sp.start + a.at
				if lt != nil {
					x = lt.shift.at(x)
					for ; k < len(lt.cur) && lt.cur[k] < x; k++ {
						rows, cur = append(rows, lt.rows[k]), append(cur, lt.cur[k])
					}
				}
				rows, cur = append(rows, a.row), append(cur, x)
			}
		}
		if err := lists.Err(); err != nil {
			return nil, err
		}
		if lt != nil {
			rows, cur = append(rows, lt.rows[k:]...), append(cur, lt.cur[k:]...)
		}
	} else if o.tail != nil {
		rows, cur = o.tail.rows, o.tail.cur
	}
	n := len(o.Time) - base
	if len(rows) != n {
		return nil, errCorrupt
	}
	t := &snapshotTail{base: base, pos: make([]int32, n)}
	for r := range t.pos {
		t.pos[r] = -1
	}
	before := make([]int32, n)
	for k, r := range rows {
		r -= int32(base)
		if r < 0 || int(r) >= n || t.pos[r] >= 0 || k > 0 && cur[k] <= cur[k-1] {
			return nil, errCorrupt
		}
		t.pos[r], before[k] = cur[k], cur[k]-int32(k)
	}
	s := newSnapshotTail(before, base)
	t.before, t.blocks, t.shift = s.before, s.blocks, s.shift
	o.placed = t
	return t, nil
}

// snapshotPositions reads the index in the segments' order of each of the
// n stored events they hold, checking that they form a permutation, into a
// slice with room for extra more.
func snapshotPositions(ctx context.Context, tx *sql.Tx, n, extra int) ([]int32, error) {
	out := make([]int32, 0, n+extra)
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
		if out, err = appendPositions(out, b, n, n); err != nil {
			return nil, err
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

// appendPositions appends the positions delta-coded in b (a part of
// snapshot_positions) to dst, checking that each is in [0, n) and that
// dst grows to at most limit. A delta of one byte is decoded inline: in
// the samples and the bench's data every one is (stored events come
// mostly in analysis order), and binary.Varint was most of placing a
// property column read at 10M events. Steps of one, the next event in
// analysis order, are counted eight bytes at a time: at 100M events
// decoding them one by one was a third of reading a property column.
func appendPositions(dst []int32, b []byte, n, limit int) ([]int32, error) {
	const ones = 0x0202020202020202 // eight zigzag steps of +1
	var prev int64
	for len(b) > 0 {
		if len(b) >= 8 && binary.LittleEndian.Uint64(b) == ones {
			k := 8
			for k+8 <= len(b) && binary.LittleEndian.Uint64(b[k:]) == ones {
				k += 8
			}
			if prev+int64(k) >= int64(n) || len(dst)+k > limit {
				return dst, errCorrupt
			}
			for range k {
				prev++
				dst = append(dst, int32(prev))
			}
			b = b[k:]
			continue
		}
		var d int64
		if x := b[0]; x < 0x80 {
			d, b = int64(x>>1)^-int64(x&1), b[1:] // zigzag, as binary.Varint
		} else if u, k := varint8(b); k > 0 {
			d, b = int64(u>>1)^-int64(u&1), b[k:]
		} else {
			if d, k = binary.Varint(b); k <= 0 {
				return dst, errCorrupt
			}
			b = b[k:]
		}
		prev += d
		if prev < 0 || prev >= int64(n) || len(dst) == limit {
			return dst, errCorrupt
		}
		dst = append(dst, int32(prev))
	}
	return dst, nil
}

// varint8 decodes the uvarint at the start of b from one 8-byte load, and
// its length; 0 when b is shorter or the uvarint longer (binary.Uvarint
// then). Events stored by time rather than by person step several bytes
// between positions, and binary.Varint, a byte at a time, was then half
// of reading a property column at 100M events.
func varint8(b []byte) (uint64, int) {
	if len(b) < 8 {
		return 0, 0
	}
	x := binary.LittleEndian.Uint64(b)
	stop := ^x & 0x8080808080808080 // the high bit clear: a last byte
	if stop == 0 {
		return 0, 0
	}
	k := bits.TrailingZeros64(stop)/8 + 1
	u := x&0x7f | x>>1&(0x7f<<7) | x>>2&(0x7f<<14) | x>>3&(0x7f<<21) |
		x>>4&(0x7f<<28) | x>>5&(0x7f<<35) | x>>6&(0x7f<<42) | x>>7&(0x7f<<49)
	return u & (1<<(7*k) - 1), k
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

// Summary is what spoor info tells of a database's events.
type Summary struct {
	Events, Persons  int
	Names            int   // event names
	MinTime, MaxTime int64 // 0 when there are no events
}

// Summarize counts the events and persons and finds their time span, as
// LoadOrdered would, without keeping the events: from a current snapshot
// it decodes each segment into scratch space and drops it, so it costs a
// fraction of a load in time and no memory per event.
func (db *DB) Summarize(ctx context.Context) (Summary, error) {
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Summary{}, err
	}
	defer tx.Rollback()
	version, err := dataVersion(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	snap, err := intSetting(ctx, tx, "snapshot_version")
	if err != nil {
		return Summary{}, err
	}
	if version > 0 && snap == version {
		s, err := summarizeSnapshot(ctx, tx)
		if err == nil || !errors.Is(err, errCorrupt) {
			return s, err
		}
		// A damaged snapshot: the chunks answer, as LoadOrdered's do.
	}
	r, err := loadRows(ctx, tx, false)
	if err != nil {
		return Summary{}, err
	}
	o := orderRows(r)
	return Summary{Events: len(o.Time), Persons: len(o.Person), Names: len(o.Names), MinTime: o.MinTime, MaxTime: o.MaxTime}, nil
}

// summarizeSnapshot is Summarize from the snapshot, which must hold every
// stored event.
func summarizeSnapshot(ctx context.Context, tx *sql.Tx) (Summary, error) {
	var persons, events sql.NullInt64
	stored, err := storedEvents(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT sum(n_persons), sum(n_events) FROM snapshot").Scan(&persons, &events); err != nil {
		return Summary{}, err
	}
	st, err := readFoldState(ctx, tx, stored, stored)
	var tail []freshEvent
	if err == nil {
		tail, err = unfoldedTail(ctx, tx, st, stored)
	}
	if err != nil {
		return Summary{}, err
	}
	if events.Int64+int64(len(tail)) != stored || persons.Int64 < 0 || persons.Int64 > events.Int64 || stored > 1<<31-1 {
		return Summary{}, errCorrupt
	}
	names, err := loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id")
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Events: int(events.Int64), Persons: int(persons.Int64), Names: len(names) - 1}
	var (
		span    segmentSpan
		scratch = make([]*Ordered, runtime.GOMAXPROCS(0)+1) // per slot
		// The tail's persons, ascending; those found in a segment are
		// counted there already.
		tailPersons []int32
		found       atomic.Int64
	)
	if len(tail) > 0 {
		lo, hi := tail[0].time, tail[0].time
		for _, e := range tail {
			if len(tailPersons) == 0 || tailPersons[len(tailPersons)-1] != e.person {
				tailPersons = append(tailPersons, e.person)
			}
			lo, hi = min(lo, e.time), max(hi, e.time)
		}
		span.add(1, lo, hi, nil)
	}
	err = eachSegment(ctx, tx, s.Persons, s.Events, func(slot int, seg segmentView, pb, eb, tb []byte) {
		o := scratch[slot]
		if o == nil {
			o = &Ordered{}
			scratch[slot] = o
		}
		// The segment's persons and times decoded at the start of the
		// slot's columns; its events are not read.
		o.Person, o.Start, o.Time = grow(o.Person, seg.np), grow(o.Start, seg.np), grow(o.Time, seg.ne)
		seg.o, seg.p0, seg.e0 = o, 0, 0
		lo, hi, err := seg.decode(pb, eb, tb)
		span.add(seg.np, lo, hi, err)
		if err != nil || seg.np == 0 {
			return
		}
		ids := o.Person[:seg.np]
		k, _ := slices.BinarySearch(tailPersons, ids[0])
		for ; k < len(tailPersons) && tailPersons[k] <= ids[seg.np-1]; k++ {
			if _, ok := slices.BinarySearch(ids, tailPersons[k]); ok {
				found.Add(1)
			}
		}
	})
	s.Events = int(stored)
	s.Persons += len(tailPersons) - int(found.Load())
	s.MinTime, s.MaxTime = span.min, span.max
	return s, cmp.Or(err, span.err)
}

// segmentSpan gathers, from segments decoded on several cores, the time
// range of those with persons and the first decoding error.
type segmentSpan struct {
	mu       sync.Mutex
	min, max int64
	timed    bool // min and max hold a segment's range
	err      error
}

func (s *segmentSpan) add(persons int, lo, hi int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.err = cmp.Or(s.err, err)
	case persons > 0:
		if !s.timed {
			s.min, s.max, s.timed = lo, hi, true
		}
		s.min, s.max = min(s.min, lo), max(s.max, hi)
	}
}

// grow returns s with length n, reusing its array when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
