package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/spoorhq/spoor/i18n"
)

// Rows is every stored event as parallel columns in storage (id) order,
// with the dictionaries needed to read them. Users and Names are indexed by
// their interned id (index 0 unused).
type Rows struct {
	Version int64
	Users   []string // users.id -> distinct id
	Canon   []int32  // users.id -> users.id of the person (identity stitched)
	Names   []string // event_names.id -> name
	User    []int32
	Event   []int32
	Time    []int64
}

// LoadRows reads every event, in one read transaction so the columns agree.
func (db *DB) LoadRows(ctx context.Context) (*Rows, error) {
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return loadRows(ctx, tx, true)
}

// dataVersion reads the data version as tx sees it.
func dataVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	return intSetting(ctx, tx, "data_version")
}

// intSetting reads an integer setting, 0 when unset.
func intSetting(ctx context.Context, tx *sql.Tx, key string) (int64, error) {
	var v sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key=?", key).Scan(&v); err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	var n int64
	fmt.Sscan(v.String, &n)
	return n, nil
}

// loadRows reads every event as tx sees it. Without names, Users holds
// empty strings: only its length (the ids in use) is known.
func loadRows(ctx context.Context, tx *sql.Tx, names bool) (*Rows, error) {
	r := &Rows{}
	var err error
	if r.Version, err = dataVersion(ctx, tx); err != nil {
		return nil, err
	}
	// The event columns decode in the background while the dictionaries
	// and identity links are read.
	wait, err := startChunks(ctx, tx, r, "")
	if err != nil {
		return nil, err
	}
	defer wait()
	if r.Users, err = userIDs(ctx, tx, names); err != nil {
		return nil, err
	}
	if r.Names, err = loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id"); err != nil {
		return nil, err
	}
	if r.Canon, err = loadCanon(ctx, tx, len(r.Users)); err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	// Ids outside the dictionaries mean damaged chunks: refuse them here
	// rather than let an analysis index out of range.
	for _, u := range r.User {
		if u < 1 || int(u) >= len(r.Users) {
			return nil, errCorrupt
		}
	}
	for _, e := range r.Event {
		if e < 1 || int(e) >= len(r.Names) {
			return nil, errCorrupt
		}
	}
	return r, nil
}

// loadCanon maps each of n user ids to the person it belongs to: the end
// of its chain of identity links (anon -> device -> user), guarding cycles.
func loadCanon(ctx context.Context, tx *sql.Tx, n int) ([]int32, error) {
	return canonOf(ctx, tx, n, "SELECT anon_id, user_id FROM identities")
}

// canonOf is loadCanon over the links query q selects.
func canonOf(ctx context.Context, tx *sql.Tx, n int, q string, args ...any) ([]int32, error) {
	canon := make([]int32, n)
	for i := range canon {
		canon[i] = int32(i)
	}
	links, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer links.Close()
	for links.Next() {
		var a, u int32
		if err := links.Scan(&a, &u); err != nil {
			return nil, err
		}
		if a >= 0 && u >= 0 && int(a) < n && int(u) < n {
			canon[a] = u
		}
	}
	if err := links.Err(); err != nil {
		return nil, err
	}
	for i := range canon {
		c := canon[i]
		for steps := 0; canon[c] != c && steps < 32; steps++ {
			c = canon[c]
		}
		canon[i] = c
	}
	return canon, nil
}

// userIDs returns a slot per users.id (index 0 unused) holding its
// distinct id, or, without names, an empty string: enough to know the ids
// in use without reading hundreds of thousands of strings.
func userIDs(ctx context.Context, tx *sql.Tx, names bool) ([]string, error) {
	if names {
		return loadUserNames(ctx, tx)
	}
	var maxID sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM users").Scan(&maxID); err != nil {
		return nil, err
	}
	return EmptyStrings(int(maxID.Int64) + 1), nil
}

// loadUserNames reads every distinct id from the user_names blobs when
// they cover the users table (ids 1..max contiguous), else row by row.
func loadUserNames(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var covered, maxID sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n) FROM user_names").Scan(&covered); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM users").Scan(&maxID); err != nil {
		return nil, err
	}
	if covered.Int64 != maxID.Int64 {
		return loadDict(ctx, tx, "SELECT id, distinct_id FROM users ORDER BY id")
	}
	out := make([]string, maxID.Int64+1)
	rows, err := tx.QueryContext(ctx, "SELECT first_id, n, names FROM user_names ORDER BY first_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Each blob is split on its own goroutine, on every core, while the
	// next is read: splitting took a tenth of a 10M-event load.
	var (
		g        garbage
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	err = func() error {
		next := int64(1)
		for rows.Next() {
			var first, n int64
			var b sql.RawBytes // the driver's own copy (TestDriverOwnsBlobs)
			if err := rows.Scan(&first, &n, &b); err != nil {
				return err
			}
			if first != next || n < 0 || first+n > int64(len(out)) {
				return errCorrupt
			}
			next = first + n
			g.drop(len(b))
			// One string per blob, which the ids slice: no allocation per
			// user (hundreds of thousands at 10M events). The string is the
			// blob's bytes themselves: the driver copied them for this row
			// and never writes them again, nor does anything here, so
			// copying them once more (a tenth of a 10M-event load's names
			// read, with its page faults) bought nothing.
			var all string
			if len(b) > 0 {
				all = unsafe.String(&b[0], len(b))
			}
			dst := out[first:next]
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if err := splitNames(dst, all); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}()
		}
		return rows.Err()
	}()
	wg.Wait()
	if err = cmp.Or(err, firstErr); err != nil {
		return nil, err
	}
	return out, nil
}

// splitNames fills dst with the uvarint-length-prefixed ids in all,
// slicing all rather than copying each.
func splitNames(dst []string, all string) error {
	// A read-only view of the string's bytes, to read the lengths.
	b := unsafe.Slice(unsafe.StringData(all), len(all))
	at := 0
	for i := range dst {
		l, k := binary.Uvarint(b[at:])
		if k <= 0 || uint64(len(b)-at-k) < l {
			return errCorrupt
		}
		at += k
		dst[i] = all[at : at+int(l)]
		at += int(l)
	}
	return nil
}

func loadDict(ctx context.Context, tx *sql.Tx, q string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{""}
	for rows.Next() {
		var id int
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		for len(out) <= id {
			out = append(out, "")
		}
		out[id] = s
	}
	return out, rows.Err()
}

// PropColumn is one property across every event in storage order,
// dictionary-encoded: Codes[i] is 0 when event i lacks the property, else
// Values[Codes[i]-1] is its value as text.
type PropColumn struct {
	Values []string
	Codes  []int32
}

// LoadProp reads one property of every event in storage order. It fails if
// the data changed since version, so a column never mixes two imports.
func (db *DB) LoadProp(ctx context.Context, key string, version int64) (*PropColumn, error) {
	return db.LoadPropAt(ctx, key, version, nil, -1)
}

// LoadPropAt is LoadProp with the value of stored event i placed at
// pos[i] (Ordered.Positions: analysis order), without a column in storage
// order in between, in a column of size codes (size < 0: one per event). A
// negative pos[i] leaves event i out: reading a few events' values skips
// the scattered writes of a whole column, most of its time.
func (db *DB) LoadPropAt(ctx context.Context, key string, version int64, pos []int32, size int) (*PropColumn, error) {
	tx, err := db.beginAt(ctx, version, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var total sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n) FROM chunks").Scan(&total); err != nil {
		return nil, err
	}
	if pos != nil && int64(len(pos)) != total.Int64 {
		return nil, i18n.Errorf("%w; reload", ErrChanged)
	}
	if size < 0 {
		size = int(total.Int64)
	}
	span := func(from, n int) ([]int32, error) { return nil, nil } // each row in place
	if pos != nil {
		span = func(from, n int) ([]int32, error) { return pos[from : from+n], nil }
	}
	return loadPropColumn(ctx, tx, key, total.Int64, size, span)
}

// LoadPropOrdered reads one property of every event in analysis order.
// From a snapshot it places the values by the snapshot's positions read a
// part at a time, never all of them at once: for a one-off analysis that
// is 4 bytes an event of peak memory less than LoadPropAt with Positions
// (whose positions stay for the next column).
func (o *Ordered) LoadPropOrdered(ctx context.Context, key string) (*PropColumn, error) {
	if !o.fromSnapshot {
		return nil, fmt.Errorf("load property %q: the events were not read from the snapshot", key)
	}
	tx, err := o.db.beginAt(ctx, o.Version, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n := len(o.Time)
	var total sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n) FROM chunks").Scan(&total); err != nil {
		return nil, err
	}
	if total.Int64 != int64(n) {
		return nil, fmt.Errorf("%w; reload", ErrChanged)
	}
	if o.cache.file != "" {
		if col := o.db.cachedProp(o.cache, key); col != nil {
			propCacheHits.Add(1)
			return col, nil
		}
	}
	placed, err := o.placement(ctx, tx)
	if err != nil {
		return nil, err
	}
	pr := &positionReader{parts: &sqlParts{ctx: ctx, tx: tx}, n: n, part: -1, tail: placed}
	if placed != nil {
		pr.n = placed.base
	}
	defer pr.close()
	col, err := loadPropColumn(ctx, tx, key, total.Int64, n, pr.span)
	if err == nil && o.cache.file != "" {
		keepProp(o.cache, key, col)
	}
	return col, err
}

// propCacheHits counts property columns read from the column cache, so
// tests can tell.
var propCacheHits atomic.Int64

// FromSnapshot reports whether the events were read from the snapshot,
// which LoadPropOrdered needs.
func (o *Ordered) FromSnapshot() bool { return o.fromSnapshot }

// positionReader gives the analysis index of stored rows, asked in
// ascending order, decoding one snapshot_positions part at a time and
// placing the rows of the snapshot's tail as the load did.
type positionReader struct {
	parts partSource
	tail  *snapshotTail
	n     int     // the rows in snapshot_positions
	part  int     // the part in buf
	buf   []int32 // its positions
	err   error   // the first failure, which stops the reader
	g     garbage // the parts read
	out   []int32 // span's answer
}

// span returns the analysis index of stored rows from to from+n-1, asked
// in ascending order, in a buffer the next call reuses.
func (r *positionReader) span(from, n int) ([]int32, error) {
	r.out = r.out[:0]
	// Rows past the snapshot's positions are its tail, placed by the load.
	head := min(n, max(0, r.n-from))
	for row := from; row < from+head; {
		if _, err := r.at(row); err != nil { // reads the part holding row
			return nil, err
		}
		lo := row % positionsPart
		k := min(len(r.buf)-lo, from+head-row)
		r.out = append(r.out, r.buf[lo:lo+k]...)
		row += k
	}
	if r.tail != nil {
		for i, x := range r.out {
			r.out[i] = r.tail.at(x)
		}
		if from+n > r.n {
			r.out = append(r.out, r.tail.pos[from+head-r.n:from+n-r.n]...)
		}
	}
	return r.out, nil
}

func (r *positionReader) at(row int) (int, error) {
	for part := row / positionsPart; r.part != part; {
		if r.err == nil {
			r.err = r.next()
		}
		if r.err == nil && r.part > part {
			r.err = errCorrupt // rows are asked in ascending order
		}
		if r.err != nil {
			return 0, r.err
		}
	}
	return int(r.buf[row%positionsPart]), nil
}

// next decodes the following part, checking it covers its rows exactly
// and names indexes in range.
func (r *positionReader) next() error {
	part, b, err := r.parts.next()
	if err != nil {
		return err
	}
	r.g.drop(len(b))
	if part != r.part+1 {
		return errCorrupt
	}
	want := min(positionsPart, r.n-part*positionsPart)
	if r.buf, err = appendPositions(r.buf[:0], b, r.n, want); err != nil {
		return err
	}
	if len(r.buf) != want {
		return errCorrupt
	}
	r.part = part // only once all of it is sound
	return nil
}

func (r *positionReader) close() { r.parts.close() }

// partSource gives the parts of snapshot_positions in order: each one's
// number and blob, valid until the next call.
type partSource interface {
	next() (int, []byte, error)
	close()
}

// sqlParts reads the parts from the database.
type sqlParts struct {
	ctx  context.Context
	tx   *sql.Tx
	rows *sql.Rows
}

func (p *sqlParts) next() (int, []byte, error) {
	if p.rows == nil {
		rows, err := p.tx.QueryContext(p.ctx, "SELECT part, positions FROM snapshot_positions ORDER BY part")
		if err != nil {
			return 0, nil, err
		}
		p.rows = rows
	}
	if !p.rows.Next() {
		if err := p.rows.Err(); err != nil {
			return 0, nil, err
		}
		return 0, nil, errCorrupt // a part is missing
	}
	var part int
	var b sql.RawBytes
	if err := p.rows.Scan(&part, &b); err != nil {
		return 0, nil, err
	}
	return part, b, nil
}

func (p *sqlParts) close() {
	if p.rows != nil {
		p.rows.Close()
	}
}

// loadPropColumn reads key's values of the total stored events into a
// column of size codes. span gives where stored rows from to from+n-1 go
// (negative: left out; nil: each at its own row). A chunk's codes are
// decoded into a buffer first and then placed in one plain loop: placing
// each value through a call per row, position by position, took longer
// than loading the events themselves (issue 19).
func loadPropColumn(ctx context.Context, tx *sql.Tx, key string, total int64, size int, span func(from, n int) ([]int32, error)) (*PropColumn, error) {
	col := &PropColumn{Codes: HugePages(make([]int32, size))}
	// The chunks in order first, then each one's column by its key: a join
	// ordered by first_id (no index) put every column's blob through
	// SQLite's sorter.
	type chunkAt struct {
		id, first int64
		n         int
	}
	var chunks []chunkAt
	list, err := tx.QueryContext(ctx, "SELECT id, first_id, n FROM chunks ORDER BY first_id")
	if err != nil {
		return nil, err
	}
	for list.Next() {
		var c chunkAt
		if err := list.Scan(&c.id, &c.first, &c.n); err != nil {
			list.Close()
			return nil, err
		}
		chunks = append(chunks, c)
	}
	list.Close()
	if err := list.Err(); err != nil {
		return nil, err
	}
	stmt, err := tx.PrepareContext(ctx, "SELECT dict, codes FROM chunk_props WHERE key = ? AND chunk_id = ?")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	l := &propLoader{col: col, dict: map[string]int32{}, total: total, span: span}
	var g garbage
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, err := stmt.QueryContext(ctx, key, c.id)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer rows.Close()
			if !rows.Next() {
				return rows.Err() // the chunk has no event with the key
			}
			var dictB, codesB sql.RawBytes // decoded before the next row: no copy
			if err := rows.Scan(&dictB, &codesB); err != nil {
				return err
			}
			g.drop(len(dictB) + len(codesB))
			return l.chunk(int(c.first-chunks[0].first), c.n, dictB, codesB)
		}()
		if err != nil {
			return nil, err
		}
	}
	return col, nil
}

// propLoader fills a column chunk by chunk.
type propLoader struct {
	col   *PropColumn
	dict  map[string]int32 // col.Values -> code
	total int64            // stored events
	span  func(from, n int) ([]int32, error)
	codes []int32 // one chunk's codes in col's dictionary, 0: unset
}

// chunk decodes the column of the n stored rows from base into l.codes,
// in the column's dictionary, and places them by l.span.
func (l *propLoader) chunk(base, n int, dictB, codesB []byte) error {
	col := l.col
	lits, err := decodeDict(dictB)
	if err != nil {
		return err
	}
	// Map this chunk's codes onto the column's dictionary of texts.
	local := make([]int32, len(lits))
	for i, lit := range lits {
		text := literalText(lit)
		c, ok := l.dict[text]
		if !ok {
			col.Values = append(col.Values, text)
			c = int32(len(col.Values))
			l.dict[text] = c
		}
		local[i] = c
	}
	if base < 0 || n < 0 || int64(base+n) > l.total {
		return errCorrupt
	}
	at, err := l.span(base, n)
	if err != nil {
		return err
	}
	// Rows stored in analysis order (as a sample or a CSV written person
	// by person are) decode straight into the column: not into a buffer
	// first, then a pass to place them.
	if p, ok := run(at, base); ok {
		if p+n > len(col.Codes) {
			return errCorrupt
		}
		return decodeCodes(col.Codes[p:p+n], codesB, local)
	}
	l.codes = grow(l.codes, n)
	cs := l.codes
	clear(cs)
	if err := decodeCodes(cs, codesB, local); err != nil {
		return err
	}
	return place(col.Codes, cs, at)
}

// run reports whether the rows of a span go to consecutive indexes, and
// from which: at nil places them from base.
func run(at []int32, base int) (int, bool) {
	if at == nil {
		return base, true
	}
	if len(at) == 0 || at[0] < 0 || int(at[len(at)-1]-at[0]) != len(at)-1 {
		return 0, false
	}
	for i, p := range at {
		if p != at[0]+int32(i) {
			return 0, false
		}
	}
	return int(at[0]), true
}

// place writes the set codes of a span's rows into dst, row i's at at[i]
// (negative: left out).
func place(dst, codes, at []int32) error {
	for i, c := range codes {
		if p := at[i]; c != 0 && p >= 0 {
			if int(p) >= len(dst) {
				return errCorrupt
			}
			dst[p] = c
		}
	}
	return nil
}

// PropKeys lists the property keys seen in stored events with how many
// events carry each, most common first.
func (db *DB) PropKeys(ctx context.Context) ([]string, []int64, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT key, sum(n_set) AS n FROM chunk_props GROUP BY key ORDER BY n DESC, key`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []string
	var counts []int64
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		counts = append(counts, n)
	}
	return keys, counts, rows.Err()
}

// RowsPending reports whether some events have no SQL rows yet (an import
// deferred them); EnsureRows fills them in.
func (db *DB) RowsPending(ctx context.Context) (bool, error) {
	var upto, last sql.NullInt64
	if err := db.SQL.QueryRowContext(ctx, "SELECT CAST(value AS INTEGER) FROM settings WHERE key='rows_upto'").Scan(&upto); err != nil && err != sql.ErrNoRows {
		return false, err
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT max(id) FROM chunks").Scan(&last); err != nil {
		return false, err
	}
	return last.Valid && last.Int64 > upto.Int64, nil
}

// EnsureRows writes the SQL rows of events whose import deferred them into
// the events table. Typed SQL does not need it (QueryUser serves deferred
// rows from the columns); it needs write access.
func (db *DB) EnsureRows(ctx context.Context) error {
	pending, err := db.RowsPending(ctx)
	if err != nil || !pending {
		return err
	}
	if db.ReadOnly {
		return i18n.Errorf("%s has events not yet written as SQL rows, and it is open read-only", db.Path)
	}
	if err := db.CheckSame(); err != nil {
		return err
	}
	// The write lock first (waiting for an import in another process, and
	// saying so): a transaction that read first and wrote later would fail
	// at once with "database is locked" if that import committed meanwhile.
	return db.waitForLock(ctx, func(conn *sql.Conn) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = 'rows_lock'"); err != nil {
			return err
		}
		if err := fillRows(ctx, tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// PropsOf returns the properties of the stored events at the given storage
// rows (ascending), as key -> text (strings unquoted, as analyses compare
// them). It reads only the chunks holding those rows, so showing one
// user's events costs a few chunks, not a column of every event.
func (db *DB) PropsOf(ctx context.Context, version int64, rows []int) ([]map[string]string, error) {
	tx, err := db.beginAt(ctx, version, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]map[string]string, len(rows))
	type span struct {
		id          int64
		first, n, k int // chunk rows first..first+n-1; rows[k:] start in it
	}
	var spans []span
	cs, err := tx.QueryContext(ctx, "SELECT id, first_id - (SELECT min(first_id) FROM chunks), n FROM chunks ORDER BY first_id")
	if err != nil {
		return nil, err
	}
	k := 0
	for cs.Next() {
		var sp span
		if err := cs.Scan(&sp.id, &sp.first, &sp.n); err != nil {
			cs.Close()
			return nil, err
		}
		for k < len(rows) && rows[k] < sp.first {
			k++ // before this chunk: not a stored row
		}
		if k < len(rows) && rows[k] < sp.first+sp.n {
			sp.k = k
			spans = append(spans, sp)
		}
	}
	cs.Close()
	if err := cs.Err(); err != nil {
		return nil, err
	}
	for _, sp := range spans {
		ps, err := tx.QueryContext(ctx, "SELECT key, dict, codes FROM chunk_props WHERE chunk_id = ?", sp.id)
		if err != nil {
			return nil, err
		}
		for ps.Next() {
			var key string
			var dictB, codes sql.RawBytes
			if err := ps.Scan(&key, &dictB, &codes); err != nil {
				ps.Close()
				return nil, err
			}
			lits, err := decodeDict(dictB)
			if err != nil {
				ps.Close()
				return nil, err
			}
			j := sp.k
			// Both the pairs and rows ascend: one merge-like pass.
			err = decodePairs(codes, sp.n, len(lits), func(row, lit int) {
				for j < len(rows) && rows[j] < sp.first+row {
					j++
				}
				if j == len(rows) || rows[j] != sp.first+row {
					return
				}
				if out[j] == nil {
					out[j] = map[string]string{}
				}
				out[j][key] = literalText(lits[lit])
			})
			if err != nil {
				ps.Close()
				return nil, err
			}
		}
		ps.Close()
		if err := ps.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
