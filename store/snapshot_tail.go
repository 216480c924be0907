package store

import (
	"context"
	"database/sql"
	"strconv"
)

// The snapshot's tail. Rewriting every segment and position for each small
// import made importing 1,000 events cost as much as reading the whole
// database (issue 19, point 4). Instead a small import leaves its events
// out of the segments: settings.snapshot_rows names the stored rows the
// segments and positions hold (the first ones, in storage order; unset:
// all), and the rows after them, the tail, are read from their chunks and
// merged into the analysis order by every load. Once the tail passes half
// of tailLimit, imports fold it into the segments a few at a time (a fold
// cycle, snapshot_fold.go); a commit that would make it larger than
// tailLimit folds it all (mergeSnapshot), so a load merges at most that
// many events.

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

// foldState is how the stored rows stand against the snapshot, from its
// settings (snapshot_fold.go): the rows before rows are in the segments,
// and the positions place the rows before positioned. With a fold cycle
// under way (foldTo > 0), the segments also hold the events of rows
// rows .. foldTo-1 whose persons are at most foldAt. Every other stored
// event is the tail.
type foldState struct {
	rows, positioned, foldTo, foldAt int64
}

// readFoldState reads the fold state of stored rows; settings unset mean
// every row up to unset (all, or all before an import) is in the segments
// and placed by the positions.
func readFoldState(ctx context.Context, tx *sql.Tx, stored, unset int64) (foldState, error) {
	var st foldState
	var err error
	for _, s := range []struct {
		key string
		v   *int64
		def int64
	}{{"snapshot_rows", &st.rows, unset}, {"snapshot_positioned", &st.positioned, -1},
		{"snapshot_fold_to", &st.foldTo, 0}, {"snapshot_fold_at", &st.foldAt, 0}} {
		if *s.v, err = optSetting(ctx, tx, s.key, s.def); err != nil {
			return st, err
		}
	}
	if st.positioned < 0 {
		st.positioned = st.rows
	}
	if st.positioned < 0 || st.positioned > st.rows || st.rows > stored || st.foldAt < 0 ||
		st.foldTo != 0 && (st.foldTo <= st.rows || st.foldTo > stored) {
		return st, errCorrupt
	}
	return st, nil
}

// optSetting reads the integer setting key, or def when it is unset.
func optSetting(ctx context.Context, tx *sql.Tx, key string, def int64) (int64, error) {
	var v sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if err == sql.ErrNoRows || err == nil && !v.Valid {
		return def, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.String, 10, 64)
	if err != nil {
		return 0, errCorrupt
	}
	return n, nil
}

// unfoldedTail reads the events of the stored rows from st.rows up to end
// that are outside the segments, ordered by person, time and storage row
// (freshEvents).
func unfoldedTail(ctx context.Context, tx *sql.Tx, st foldState, end int64) ([]freshEvent, error) {
	var users, names sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT (SELECT max(id) FROM users), (SELECT max(id) FROM event_names)").Scan(&users, &names); err != nil {
		return nil, err
	}
	tail, err := freshEvents(ctx, tx, st.rows, end, int(users.Int64)+1, int(names.Int64))
	if err != nil || st.foldTo == 0 {
		return tail, err
	}
	kept := tail[:0]
	for _, e := range tail {
		if int64(e.row) >= st.foldTo || int64(e.person) > st.foldAt {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// setSnapshot marks the snapshot as current at data version, in state st.
func setSnapshot(ctx context.Context, tx *sql.Tx, version int64, st foldState) error {
	for _, s := range []struct {
		key string
		v   int64
	}{{"snapshot_version", version}, {"snapshot_rows", st.rows}, {"snapshot_positioned", st.positioned}} {
		if err := putSetting(ctx, tx, s.key, s.v); err != nil {
			return err
		}
	}
	if st.foldTo == 0 {
		_, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key IN ('snapshot_fold_to', 'snapshot_fold_at')")
		return err
	}
	if err := putSetting(ctx, tx, "snapshot_fold_to", st.foldTo); err != nil {
		return err
	}
	return putSetting(ctx, tx, "snapshot_fold_at", st.foldAt)
}

// snapshotTail places events among others: those of an order (the
// segments', or the rows snapshot_positions places) among the events
// merged into it. For positions, rows from base on are placed by pos.
type snapshotTail struct {
	base int
	// before[k] is how many events of the order precede the k-th merged
	// event in analysis order (ascending in k); blocks[b] is the first k
	// whose before[k] is at least b<<shift, which finds the shift of an
	// event of the order in a step or two.
	before []int32
	blocks []int32
	shift  uint
	// pos[r] is the analysis index of stored row base+r.
	pos []int32
}

// newSnapshotTail indexes before, over an order of n events.
func newSnapshotTail(before []int32, n int) *snapshotTail {
	// Blocks of about one merged event each, of at most 256 events: a
	// step or two per lookup however dense the merged events are.
	shift := uint(8)
	for shift > 0 && n>>shift < len(before) {
		shift--
	}
	t := &snapshotTail{before: before, shift: shift, blocks: make([]int32, n>>shift+1)}
	k := int32(0)
	for b := range t.blocks {
		for int(k) < len(before) && int(before[k]) < b<<shift {
			k++
		}
		t.blocks[b] = k
	}
	return t
}

// at returns the analysis index of the event at index x of the order: x
// plus the merged events placed before it.
func (t *snapshotTail) at(x int32) int32 {
	k := t.blocks[x>>t.shift]
	for int(k) < len(t.before) && t.before[k] <= x {
		k++
	}
	return x + k
}

// place turns the positions of the order's stored rows (the first base)
// into those of every stored row, in place when pos has room.
func (t *snapshotTail) place(pos []int32) []int32 {
	for i, x := range pos {
		pos[i] = t.at(x)
	}
	return append(pos, t.pos...)
}

// loadTail is where a load merged the tail: shift places the segments'
// events, and the tail's k-th event in analysis order is stored row
// rows[k], at cur[k].
type loadTail struct {
	shift     *snapshotTail
	rows, cur []int32
}
