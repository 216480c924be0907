package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/i18n"
)

// chunkEvents bounds the events a chunk holds, so an import's memory does
// not grow with the file (a variable so tests can make chunks small).
var chunkEvents = 1 << 20

// chunkKeys and chunkBytes end a chunk early, so that neither rows of many
// distinct keys (1M keys across 100 rows held 1 GB) nor long distinct
// values (150 rows of 1 MB held 1.2 GB, and SQLite refuses a blob over
// 1 GB) make a chunk's memory grow with the file.
const (
	chunkKeys  = 1 << 16
	chunkBytes = 64 << 20
)

// chunk accumulates events as columns until it is written.
type chunk struct {
	firstID  int64
	n        int
	user     []byte // uvarints
	event    []byte // uvarints
	time     []byte // zigzag deltas
	prev     int64
	prevUser int32
	props    map[string]*propCol
	bytes    int // held in the props' dictionaries and pairs, about
	// spare holds the previous chunk's columns for reuse by key: growing
	// a chunk's code pairs append by append was 8% of a 1M-event import's
	// CPU, and a larger import did it again for every chunk.
	spare map[string]*propCol

	lastKeys []string // keys of the previous event, by position
	lastCols []*propCol
}

// propCol is one property key of a chunk: a dictionary of JSON literals and
// sparse (row delta, code) pairs, so absent values cost nothing.
//
// A column set on most rows is stored densely instead (see denseCodes):
// a 0 byte, then one uvarint code per row, 0 where the row lacks the key.
// A pair never starts with 0 (row steps are at least 1), so the first byte
// tells the two apart. Keys on every row (country, device) take one byte
// a row instead of two: 4 bytes an event on the e-commerce sample.
type propCol struct {
	dict    map[string]uint32
	lits    []byte // uvarint length + literal, in code order (codes start at 1)
	pairs   []byte
	lastRow int
	set     int
	wide    int // bytes beyond the first of the set rows' codes

	// The literal of the key's last value (when short) and its code:
	// exports repeat a value down a column (a user's country, device),
	// and comparing with the last spares a dictionary lookup, which was
	// 6% of a bulk import's CPU.
	last     []byte
	lastCode uint32
}

// lastLiteral bounds the literals a column remembers as its last value.
const lastLiteral = 64

func (c *chunk) reset(firstID int64) {
	spare := c.spare
	if len(c.props) > 0 {
		spare = c.props
	}
	*c = chunk{firstID: firstID, user: c.user[:0], event: c.event[:0], time: c.time[:0], props: map[string]*propCol{},
		lastKeys: c.lastKeys[:0], lastCols: c.lastCols[:0], spare: spare}
}

// spareBytes bounds the buffers a reused column keeps: a chunk of long
// values must not keep its memory for the rest of the import.
const spareBytes = 8 << 20

// newCol returns an empty column for key, reusing the previous chunk's.
func (c *chunk) newCol(key string) *propCol {
	pc := c.spare[key]
	if pc == nil || cap(pc.lits)+cap(pc.pairs) > spareBytes {
		return &propCol{dict: map[string]uint32{}, lastRow: -1}
	}
	delete(c.spare, key)
	clear(pc.dict)
	*pc = propCol{dict: pc.dict, lits: pc.lits[:0], pairs: pc.pairs[:0], lastRow: -1, last: pc.last[:0]}
	return pc
}

// add appends one event. enc is the event's canonical props encoding and
// spans locate each kept property's value literal in it.
func (c *chunk) add(user, event int32, t int64, props []Prop, enc []byte, spans []propSpan) {
	// Exports list a user's events together: deltas of user ids are
	// mostly 0 and take one byte.
	c.user = binary.AppendVarint(c.user, int64(user)-int64(c.prevUser))
	c.prevUser = user
	c.event = binary.AppendUvarint(c.event, uint64(uint32(event)))
	c.time = binary.AppendVarint(c.time, t-c.prev)
	c.prev = t
	row := c.n
	c.n++
	for k, sp := range spans {
		key := props[sp.prop].Key
		// Rows of one file list the same keys in the same order: the
		// column found at this position last time is usually the one.
		var pc *propCol
		if k < len(c.lastKeys) && c.lastKeys[k] == key {
			pc = c.lastCols[k]
		} else {
			pc = c.props[key]
			if pc == nil {
				pc = c.newCol(key)
				c.props[key] = pc
				c.bytes += len(key)
			}
			for len(c.lastKeys) <= k {
				c.lastKeys = append(c.lastKeys, "")
				c.lastCols = append(c.lastCols, nil)
			}
			c.lastKeys[k], c.lastCols[k] = key, pc
		}
		lit := enc[sp.start:sp.end]
		code := pc.lastCode
		if code == 0 || !bytes.Equal(lit, pc.last) {
			var ok bool
			if code, ok = pc.dict[string(lit)]; !ok {
				code = uint32(len(pc.dict) + 1)
				pc.dict[string(lit)] = code
				pc.lits = binary.AppendUvarint(pc.lits, uint64(len(lit)))
				pc.lits = append(pc.lits, lit...)
				c.bytes += 2 * len(lit) // the literal and its dictionary key
			}
			pc.lastCode = 0
			if len(lit) <= lastLiteral {
				pc.last, pc.lastCode = append(pc.last[:0], lit...), code
			}
		}
		n := len(pc.pairs)
		pc.pairs = binary.AppendUvarint(pc.pairs, uint64(row-pc.lastRow))
		m := len(pc.pairs)
		pc.pairs = binary.AppendUvarint(pc.pairs, uint64(code))
		pc.wide += len(pc.pairs) - m - 1
		c.bytes += len(pc.pairs) - n
		pc.lastRow = row
		pc.set++
	}
}

// full reports whether the chunk should be written before more events.
func (c *chunk) full() bool {
	return c.n == chunkEvents || len(c.props) >= chunkKeys || c.bytes >= chunkBytes
}

func (c *chunk) write(ctx context.Context, tx *sql.Tx, importID int64) (int64, error) {
	// The dedup hashes go into dedup_index (dedup.go), not the chunk; a
	// small import's are written into it at commit (the dedup tail).
	res, err := tx.ExecContext(ctx, `INSERT INTO chunks(import_id, first_id, n, users, events, times, dedup)
		VALUES(?, ?, ?, ?, ?, ?, x'')`, importID, c.firstID, c.n, c.user, c.event, c.time)
	if err != nil {
		return 0, i18n.Errorf("store columns: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	// Sorted keys: the same import writes the same file, page for page.
	keys := make([]string, 0, len(c.props))
	for key := range c.props {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var dense []byte
	for _, key := range keys {
		pc := c.props[key]
		codes := pc.pairs
		if 1+c.n+pc.wide < len(pc.pairs) {
			dense = pc.denseCodes(dense[:0], c.n)
			codes = dense
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chunk_props(chunk_id, key, n_set, dict, codes) VALUES(?, ?, ?, ?, ?)`,
			id, key, pc.set, pc.lits, codes); err != nil {
			return 0, i18n.Errorf("store property columns: %w", err)
		}
	}
	return id, nil
}

// denseCodes appends the column in the dense encoding: 0, then the code
// of each of the chunk's n rows.
func (pc *propCol) denseCodes(dst []byte, n int) []byte {
	dst = append(dst, 0)
	next := 0
	// The pairs were written by add: sound, rows ascending and below n.
	decodePairs(pc.pairs, n, len(pc.dict), func(row, lit int) {
		for ; next < row; next++ {
			dst = append(dst, 0)
		}
		dst = binary.AppendUvarint(dst, uint64(lit+1))
		next++
	})
	for ; next < n; next++ {
		dst = append(dst, 0)
	}
	return dst
}

var errCorrupt error = i18n.Error(i18n.N("corrupt column chunk; the database is damaged (restore it or re-import the files)"))

func decodeUvarints(dst []int32, b []byte, n int) ([]int32, error) {
	for i := 0; i < n; i++ {
		if len(b) > 0 && b[0] < 0x80 { // one-byte values: the common case
			dst = append(dst, int32(b[0]))
			b = b[1:]
			continue
		}
		x, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		dst = append(dst, int32(x))
		b = b[k:]
	}
	return dst, nil
}

// decodeSteps reads n zigzag varint steps and appends their running sums
// (the user id and time columns).
func decodeSteps[T int32 | int64](dst []T, b []byte, n int) ([]T, error) {
	var prev int64
	for i := 0; i < n; i++ {
		if len(b) > 0 && b[0] < 0x80 {
			prev += int64(b[0]>>1) ^ -int64(b[0]&1)
			dst = append(dst, T(prev))
			b = b[1:]
			continue
		}
		d, k := binary.Varint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		prev += d
		dst = append(dst, T(prev))
		b = b[k:]
	}
	return dst, nil
}

// decodeDict splits a dictionary blob into its JSON literals.
func decodeDict(b []byte) ([]string, error) {
	var out []string
	for len(b) > 0 {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, errCorrupt
		}
		out = append(out, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	return out, nil
}

// decodePairs calls fn(row, lit) for each set value of a property column
// of n rows whose dictionary holds lits literals: lit indexes it (the
// stored code minus one). The column is pairs or dense (propCol). Any row
// or code out of range is damage.
func decodePairs(b []byte, n, lits int, fn func(row, lit int)) error {
	if len(b) > 0 && b[0] == 0 {
		return decodeDense(b[1:], n, lits, fn)
	}
	row := -1
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		if k <= 0 {
			return errCorrupt
		}
		b = b[k:]
		c, k := binary.Uvarint(b)
		if k <= 0 {
			return errCorrupt
		}
		b = b[k:]
		// Rows strictly increase: a zero or oversized step is damage (and
		// would otherwise index before the chunk or overflow).
		if d == 0 || d > uint64(n) || c == 0 || c > uint64(lits) {
			return errCorrupt
		}
		row += int(d)
		if row >= n {
			return errCorrupt
		}
		fn(row, int(c)-1)
	}
	return nil
}

// decodeCodes decodes a property column (decodePairs's encoding) of
// len(dst) rows into dst, the stored code c of each set row as code[c-1];
// dst must be zero where no value is set. It is decodePairs with the
// store of each value in its loop, not a call per row: a property column
// read decoded its codes that way at 100M events in more CPU than it
// placed them.
func decodeCodes(dst []int32, b []byte, code []int32) error {
	if len(b) == 0 || b[0] != 0 {
		return decodePairs(b, len(dst), len(code), func(row, lit int) { dst[row] = code[lit] })
	}
	b = b[1:]
	if len(b) != len(dst) {
		return decodeDense(b, len(dst), len(code), func(row, lit int) { dst[row] = code[lit] })
	}
	// As many bytes as rows: one byte a code if all are below 0x80 (an
	// unset row 0). A byte that is no code maps to -1, checked once.
	var tab [256]int32
	for c := range tab {
		switch {
		case c == 0:
		case c < 0x80 && c <= len(code):
			tab[c] = code[c-1]
		default:
			tab[c] = -1
		}
	}
	bad := int32(0)
	for i, x := range b {
		v := tab[x]
		dst[i] = v
		bad |= v
	}
	if bad < 0 {
		return errCorrupt
	}
	return nil
}

// decodeDense reads exactly n codes, one per row.
func decodeDense(b []byte, n, lits int, fn func(row, lit int)) error {
	for row := 0; row < n; row++ {
		var c uint64
		if len(b) > 0 && b[0] < 0x80 {
			c, b = uint64(b[0]), b[1:]
		} else {
			var k int
			if c, k = binary.Uvarint(b); k <= 0 {
				return errCorrupt
			}
			b = b[k:]
		}
		if c > uint64(lits) {
			return errCorrupt
		}
		if c > 0 {
			fn(row, int(c)-1)
		}
	}
	if len(b) != 0 {
		return errCorrupt
	}
	return nil
}

// literalText turns a stored JSON literal into the text analyses compare:
// strings unquoted, numbers, true/false and null as written.
func literalText(lit string) string {
	if strings.HasPrefix(lit, `"`) {
		var s string
		if json.Unmarshal([]byte(lit), &s) == nil {
			return s
		}
	}
	return lit
}

// startChunks reads the columns of every chunk (or those matching the
// where clause) into r, in id order. Each chunk
// is decoded in its own goroutine as soon as its blobs are read, so reading
// (SQLite) and decoding overlap; the caller may go on reading other tables
// and must call the returned wait before using r's columns.
func startChunks(ctx context.Context, tx *sql.Tx, r *Rows, where string, args ...any) (wait func() error, err error) {
	var total sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n) FROM chunks "+where, args...).Scan(&total); err != nil {
		return nil, err
	}
	r.User = make([]int32, total.Int64)
	r.Event = make([]int32, total.Int64)
	r.Time = make([]int64, total.Int64)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	wait = func() error { wg.Wait(); return firstErr }
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	// Chunks are only ever appended, their ids and first ids growing
	// together, so id order is event order. Ordered by first_id (no
	// index), SQLite copied every chunk's blobs into a sorter first: 0.6 s
	// of a 10M-event import's CPU, ten times that at 100M.
	rows, err := tx.QueryContext(ctx, "SELECT n, users, events, times FROM chunks "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	off := 0
	for rows.Next() {
		var n int
		var u, e, t []byte
		if err := rows.Scan(&n, &u, &e, &t); err != nil {
			wait()
			return nil, err
		}
		if n < 0 || off+n > len(r.Time) {
			wait()
			return nil, errCorrupt
		}
		lo, hi := off, off+n
		off = hi
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if ctx.Err() != nil {
				fail(ctx.Err())
				return
			}
			if _, err := decodeSteps(r.User[lo:lo:hi], u, n); err != nil {
				fail(err)
				return
			}
			if _, err := decodeUvarints(r.Event[lo:lo:hi], e, n); err != nil {
				fail(err)
				return
			}
			if _, err := decodeSteps(r.Time[lo:lo:hi], t, n); err != nil {
				fail(err)
			}
		}()
	}
	if err := rows.Err(); err != nil {
		wait()
		return nil, err
	}
	return wait, nil
}

// fillRows writes the events rows of every chunk after setting rows_upto,
// so SQL sees every event. It runs inside the caller's write transaction.
func fillRows(ctx context.Context, tx *sql.Tx) error {
	var upto int64
	var v sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key='rows_upto'").Scan(&v); err != nil && err != sql.ErrNoRows {
		return err
	}
	fmt.Sscan(v.String, &upto)
	type pending struct {
		id, importID, first int64
		n                   int
		u, e, t             []byte
		dedup               []byte
	}
	var todo []pending
	rows, err := tx.QueryContext(ctx, "SELECT id, import_id, first_id, n, users, events, times, dedup FROM chunks WHERE id > ? ORDER BY id", upto)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.importID, &p.first, &p.n, &p.u, &p.e, &p.t, &p.dedup); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, p)
	}
	rows.Close()
	if len(todo) == 0 {
		return nil
	}
	// Filling many rows is faster without maintaining the indexes row by
	// row: drop them and build them once at the end (still one transaction).
	var have int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&have); err != nil {
		return err
	}
	var adding int64
	for _, p := range todo {
		adding += int64(p.n)
	}
	rebuild := adding > 100_000 && adding > have
	if rebuild {
		for _, ix := range eventIndexes {
			if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix.name); err != nil {
				return err
			}
		}
	}
	const cols = "INSERT INTO events(id, user_id, event_id, time, props, dedup, import_id) VALUES"
	one, err := tx.PrepareContext(ctx, cols+"(?,?,?,?,?,?,?)")
	if err != nil {
		return err
	}
	defer one.Close()
	batch, err := tx.PrepareContext(ctx, cols+strings.Repeat("(?,?,?,?,?,?,?),", batchRows-1)+"(?,?,?,?,?,?,?)")
	if err != nil {
		return err
	}
	defer batch.Close()
	args := make([]any, 0, 7*batchRows)
	for _, p := range todo {
		users, err := decodeSteps[int32](nil, p.u, p.n)
		if err != nil {
			return err
		}
		events, err := decodeUvarints(nil, p.e, p.n)
		if err != nil {
			return err
		}
		times, err := decodeSteps[int64](nil, p.t, p.n)
		if err != nil {
			return err
		}
		props, err := chunkProps(ctx, tx, p.id, p.n)
		if err != nil {
			return err
		}
		var buf []byte
		for i := 0; i < p.n; i++ {
			var pj any
			if buf = props.json(buf[:0], i); len(buf) > 0 {
				pj = string(buf)
			}
			var h int64 // 0: the hash is only in dedup_index (schema 5)
			if 8*i+8 <= len(p.dedup) {
				h = int64(binary.LittleEndian.Uint64(p.dedup[8*i:]))
			}
			args = append(args, p.first+int64(i), users[i], events[i], times[i], pj, h, p.importID)
			if len(args) == cap(args) {
				if err := ctx.Err(); err != nil {
					return err
				}
				if _, err := batch.ExecContext(ctx, args...); err != nil {
					return i18n.Errorf("write event rows: %w", err)
				}
				args = args[:0]
			}
		}
		for i := 0; i < len(args); i += 7 {
			if _, err := one.ExecContext(ctx, args[i:i+7]...); err != nil {
				return i18n.Errorf("write event rows: %w", err)
			}
		}
		args = args[:0]
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('rows_upto', ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, fmt.Sprint(p.id)); err != nil {
			return err
		}
	}
	if rebuild {
		for _, ix := range eventIndexes {
			if _, err := tx.ExecContext(ctx, "CREATE INDEX "+ix.name+" ON events("+ix.cols+")"); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventIndexes are the indexes of the events rows (as in schema.go), which
// fillRows drops and rebuilds around a bulk fill.
var eventIndexes = []struct{ name, cols string }{
	{"events_user_time", "user_id, time"},
	{"events_event_time", "event_id, time"},
}

// chunkCols is a chunk's property columns decoded densely: codes[k][row]
// is 0 or 1 + the index of the value in lits[k]. Keys are sorted, so rows
// are rebuilt in EncodeProps' canonical key order.
type chunkCols struct {
	keys  [][]byte // JSON-encoded keys
	lits  [][]string
	codes [][]uint32
}

func chunkProps(ctx context.Context, tx *sql.Tx, chunkID int64, n int) (*chunkCols, error) {
	rows, err := tx.QueryContext(ctx, "SELECT key, dict, codes FROM chunk_props WHERE chunk_id = ? ORDER BY key", chunkID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &chunkCols{}
	for rows.Next() {
		var key string
		var dictB, pairs []byte
		if err := rows.Scan(&key, &dictB, &pairs); err != nil {
			return nil, err
		}
		if err := c.add(key, dictB, pairs, n); err != nil {
			return nil, err
		}
	}
	return c, rows.Err()
}

// add decodes one property column of a chunk of n rows.
func (c *chunkCols) add(key string, dictB, pairs []byte, n int) error {
	dict, err := decodeDict(dictB)
	if err != nil {
		return err
	}
	codes := make([]uint32, n)
	if err := decodePairs(pairs, n, len(dict), func(row, lit int) { codes[row] = uint32(lit + 1) }); err != nil {
		return err
	}
	c.keys = append(c.keys, appendJSONString(nil, key))
	c.lits = append(c.lits, dict)
	c.codes = append(c.codes, codes)
	return nil
}

// json appends row's canonical props object to dst; nothing when the row
// has no property.
func (c *chunkCols) json(dst []byte, row int) []byte {
	for k, codes := range c.codes {
		code := codes[row]
		if code == 0 {
			continue
		}
		if len(dst) == 0 {
			dst = append(dst, '{')
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, c.keys[k]...)
		dst = append(dst, ':')
		dst = append(dst, c.lits[k][code-1]...)
	}
	if len(dst) > 0 {
		dst = append(dst, '}')
	}
	return dst
}
