package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/spoorhq/spoor/i18n"
)

// Prop is one flattened property. Value is a string, float64, int64,
// json.Number, bool or nil.
type Prop struct {
	Key   string
	Value any
}

// Event is one event as an importer hands it to the store.
type Event struct {
	User     string
	Name     string
	Time     int64 // epoch milliseconds, UTC
	Props    []Prop
	InsertID string // "" when the source has none
}

// ImportInfo describes the file an import reads, for the ledger.
type ImportInfo struct {
	File     string
	Size     int64
	SHA256   string
	Format   string
	Timezone string
	// DeferRows skips writing the SQL rows of the events: only the compact
	// columns are written, and typed SQL reads the rows from them
	// (sqlview.go). Bulk imports use it; the columns are the canonical
	// copy either way.
	DeferRows bool
	// Waiting, when set, is called once if the import has to wait for
	// another process's import to finish.
	Waiting func()
}

// ImportStats are the counts an import ends with.
type ImportStats struct {
	RowsRead   int64
	Imported   int64
	Rejected   int64
	Duplicates int64
	Report     any // marshalled to JSON into the ledger
	// SHA256 of the file, when known only once it has been read (a stream);
	// it replaces ImportInfo.SHA256 in the ledger.
	SHA256 string
}

// ImportTx imports one file atomically: nothing is visible to readers, and
// nothing remains after Rollback or a crash, until Commit.
type ImportTx struct {
	db       *DB
	tx       *sql.Tx
	importID int64
	insert   *sql.Stmt
	users    map[string]int64 // every stored user, or (findUser set) those met so far
	names    map[string]int64
	nextUser int64
	nextName int64
	newUsers [][2]any
	newNames [][2]any
	// findUser looks a distinct id up in the users table, for a database
	// with more users than it is worth reading whole; found counts those
	// looked up, to read them whole after all when a file names many.
	findUser *sql.Stmt
	found    int64

	// De-duplication. dedup holds the hashes stored before this import
	// (the buckets read so far) and those it adds; inFile counts the
	// hashes this import has seen so far.
	dedup  *dedupIndex
	inFile map[uint64]int32

	imported, duplicates int64
	linked               bool
	buf                  []byte

	mapped bool // the file is memory-mapped for the dedup lookups
	small  bool // the connection's page cache is smallCacheKB

	nextID    int64 // events.id of the next row: ids are assigned here so the chunk knows them
	pending   []any // parameters of rows not yet written, 8 per row
	batch     *sql.Stmt
	cols      *chunk // the chunk filling
	deferRows bool

	// A bulk import (deferRows) writes each full chunk on a goroutine of
	// its own while the next fills: storing a chunk and its new users
	// (SQLite's B-trees) was a fifth of the CPU of the goroutine that
	// paces the import, with parsing on the other core. writing is the
	// chunk being written (nil: none), written gets its error and
	// writtenID its id; spareCols is the chunk written before, whose
	// buffers the next chunk reuses.
	writing   *chunk
	written   chan error
	writtenID int64
	spareCols *chunk

	// totals are the chunks' (chunk_totals.go) with the import's own
	// written so far; before, without them.
	totals, before chunkTotals

	// Events held until their hashes are looked up together
	// (dedupIndex.countSorted): their canonical props one after another,
	// their kept properties, the keys those name, and the batches so far.
	held      []heldEvent
	heldEnc   []byte
	heldProps []heldProp
	heldKeys  []string
	keyIndex  map[string]int32 // index in heldKeys
	heldHash  []uint64
	passes    int    // full batches
	props     []Prop // a held event's keys and spans, as Add has them
	spans     []propSpan

	// Per-event scratch, reused: the dedup key with the canonical props
	// and their value spans, the last user and name interned.
	encSpans         []propSpan
	lastUser         string
	lastName         string
	lastUID, lastNID int64
}

// batchRows is how many rows one INSERT statement carries: fewer, larger
// statements cut the per-statement cost that dominates bulk loads.
const batchRows = 128

// usersPerInsert is how many users one INSERT statement carries. A
// statement of many rows journals each page it changes (to undo its rows
// if one fails), once per statement: 1,024 rows a statement instead of
// 128 took 4.4 -> 3.2 s CPU for 1.33M users in 20 flushes (load ~35).
const usersPerInsert = 1024

// BeginImport starts importing one file.
func (db *DB) BeginImport(ctx context.Context, info ImportInfo) (*ImportTx, error) {
	if db.ReadOnly {
		return nil, i18n.Errorf("%s is open read-only; imports need write access", db.Path)
	}
	if err := db.CheckSame(); err != nil {
		return nil, err
	}
	if info.Timezone == "" {
		info.Timezone = "UTC"
	}
	tx, importID, err := db.lockForImport(ctx, info)
	if err != nil {
		return nil, err
	}
	t := &ImportTx{db: db, tx: tx, importID: importID, users: map[string]int64{}, names: map[string]int64{}, inFile: map[uint64]int32{}}
	fail := func(err error) (*ImportTx, error) {
		tx.Rollback()
		return nil, i18n.Errorf("begin import: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM users").Scan(&t.nextUser); err != nil {
		return fail(err)
	}
	if t.nextUser <= usersReadWhole {
		if err := t.readUsers(ctx); err != nil {
			return fail(err)
		}
	} else if t.findUser, err = tx.PrepareContext(ctx, "SELECT id FROM users WHERE distinct_id = ?"); err != nil {
		return fail(err)
	}
	if err := loadInterned(ctx, tx, "SELECT id, name FROM event_names", t.names, &t.nextName); err != nil {
		return fail(err)
	}
	if t.before, err = readChunkTotals(ctx, tx); err != nil {
		return fail(err)
	}
	t.totals, t.nextID = t.before, t.before.nextID
	if t.dedup, err = openDedupIndex(ctx, tx, t.before.events); err != nil {
		return fail(err)
	}
	if t.dedup.get != nil {
		// Looked up bucket by bucket, a small file's hashes touch most
		// pages of a large index once each: read through SQLite's page
		// cache, allocating and at close freeing each 64 KB page cost
		// three times the rest of adding 1,000 events to 10M (mostly
		// system time). Mapped, they are read in place. A larger import
		// maps no more than its first mappedEvents' worth (unmap): it
		// would touch the whole index, counted as resident memory.
		if _, err := tx.ExecContext(ctx, "PRAGMA mmap_size = "+strconv.FormatInt(1<<40, 10)); err != nil {
			return fail(err)
		}
		t.mapped = true
		// What it reads past the map (modernc's SQLite maps at most 2 GB)
		// and every page after unmap goes through the page cache, where
		// each 64 KB page is a fresh 128 KB allocation (faulted in, and
		// freed at close by a syscall of its own): at 100M events about
		// 1,000 pages, a third of a 1,000-event import's CPU. A small
		// cache recycles a few buffers instead; the import gets the
		// full one back once it turns out large (grown).
		if _, err := tx.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(smallCacheKB)); err != nil {
			return fail(err)
		}
		t.small = true
	}
	t.cols, t.spareCols, t.written = &chunk{}, &chunk{}, make(chan error, 1)
	t.cols.reset(t.nextID)
	t.deferRows = info.DeferRows
	if !t.deferRows {
		// Rows written now must follow the rows of every earlier chunk.
		if err := fillRows(ctx, tx); err != nil {
			return fail(err)
		}
	}
	const cols = "INSERT INTO events(id, user_id, event_id, time, props, insert_id, dedup, import_id) VALUES"
	if t.insert, err = tx.PrepareContext(ctx, cols+"(?,?,?,?,?,?,?,?)"); err != nil {
		return fail(err)
	}
	if t.batch, err = tx.PrepareContext(ctx, cols+strings.Repeat("(?,?,?,?,?,?,?,?),", batchRows-1)+"(?,?,?,?,?,?,?,?)"); err != nil {
		return fail(err)
	}
	return t, nil
}

// lockForImport starts the import's transaction with its ledger row, which
// takes SQLite's write lock. While another import holds it, it waits (and
// says so once through info.Waiting) until that import ends or ctx is
// cancelled: two imports serialise instead of failing "database is locked".
func (db *DB) lockForImport(ctx context.Context, info ImportInfo) (*sql.Tx, int64, error) {
	said := false
	for {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return nil, 0, i18n.Errorf("begin import: %w", err)
		}
		// Poll the lock briefly here, so waiting is reported at once; the
		// connection's usual timeout is restored once the lock is held.
		if _, err := tx.ExecContext(ctx, "PRAGMA busy_timeout = 200"); err != nil {
			tx.Rollback()
			return nil, 0, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO imports(file, size, sha256, format, timezone, imported_at)
			VALUES(?, ?, ?, ?, ?, ?)`, info.File, info.Size, info.SHA256, info.Format, info.Timezone,
			time.Now().UTC().Format(time.RFC3339))
		tx.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(busyTimeoutMs))
		if err == nil {
			id, err := res.LastInsertId()
			if err != nil {
				tx.Rollback()
				return nil, 0, err
			}
			return tx, id, nil
		}
		tx.Rollback()
		if !IsBusy(err) {
			return nil, 0, i18n.Errorf("begin import: %w", err)
		}
		if !said && info.Waiting != nil {
			info.Waiting()
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// IsBusy reports whether err is SQLite's "database is locked": another
// process holds the write lock.
func IsBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "database is locked") || strings.Contains(err.Error(), "SQLITE_BUSY"))
}

func loadInterned(ctx context.Context, tx *sql.Tx, q string, m map[string]int64, next *int64) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		m[s] = id
		if id > *next {
			*next = id
		}
	}
	return rows.Err()
}

// usersReadWhole is the stored users up to which an import reads every
// distinct id at its start (the user_names blobs read hundreds of
// thousands in a few rows); past it, it looks up the ids its file names,
// so a small file into a large database reads a few, not millions.
var usersReadWhole int64 = 1 << 16 // a variable so tests can take the other path

// readUsers puts every stored user into t.users.
func (t *ImportTx) readUsers(ctx context.Context) error {
	users, err := loadUserNames(ctx, t.tx)
	if err != nil {
		return err
	}
	if len(t.users) == 0 {
		t.users = make(map[string]int64, len(users))
	}
	for id, s := range users[1:] {
		t.users[s] = int64(id + 1)
	}
	return nil
}

// internUser returns the users.id of a distinct id, a new one if it is new.
func (t *ImportTx) internUser(ctx context.Context, s string) (int64, error) {
	if id, ok := t.users[s]; ok {
		return id, nil
	}
	if t.found++; t.findUser != nil && t.found > t.nextUser/8 {
		// A file naming many users (a bulk import into a large database)
		// reads them whole once instead: lookups would cost more. Users
		// new in this file are in the map already, with their ids.
		t.findUser = nil
		// A chunk being written adds users and their names blob in
		// several statements: readUsers must not see half of them.
		if err := t.waitChunk(); err != nil {
			return 0, err
		}
		if err := t.readUsers(ctx); err != nil {
			return 0, err
		}
		if id, ok := t.users[s]; ok {
			return id, nil
		}
	}
	if t.findUser != nil {
		// Users met in this file are in the map; the table holds the rest.
		var id int64
		err := t.findUser.QueryRowContext(ctx, s).Scan(&id)
		if err == nil {
			t.users[strings.Clone(s)] = id
			return id, nil
		}
		if err != sql.ErrNoRows {
			return 0, i18n.Errorf("look up user: %w", err)
		}
	}
	return t.intern(t.users, &t.nextUser, &t.newUsers, s), nil
}

func (t *ImportTx) intern(m map[string]int64, next *int64, pending *[][2]any, s string) int64 {
	if id, ok := m[s]; ok {
		return id
	}
	// A copy: s may be a slice of a whole input line (encoding/csv hands out
	// fields that share one string per record), which the map would keep
	// alive for the rest of the import.
	s = strings.Clone(s)
	*next++
	m[s] = *next
	*pending = append(*pending, [2]any{*next, s})
	return *next
}

// Add stores one event unless it duplicates one already stored; Counts
// tells how many were.
//
// With an insert id, any earlier event with the same id (stored or in this
// file) makes it a duplicate. Without one, rows are compared as a multiset:
// identical rows inside one file are real repeats and all kept, and the n-th
// copy in this file is a duplicate only if the database already held n.
func (t *ImportTx) Add(ctx context.Context, e *Event) error {
	// The dedup key is user, name, time and the canonical props, each
	// ended by a 0 byte but the last: built in one buffer, the props
	// encoded in place after the rest, and hashed in one call (a digest
	// fed piece by piece cost three times as much).
	key := t.buf[:0]
	if e.InsertID == "" {
		key = append(key, e.User...)
		key = append(key, 0)
		key = append(key, e.Name...)
		key = append(key, 0)
		key = strconv.AppendInt(key, e.Time, 10)
		key = append(key, 0)
	}
	at := len(key)
	key, spans := encodeProps(key, e.Props, t.encSpans[:0])
	t.buf, t.encSpans = key, spans
	props := key[at:]
	for i := range spans {
		spans[i].start -= at
		spans[i].end -= at
	}
	var h uint64
	if e.InsertID != "" {
		h = xxhash.Sum64String("iid\x00" + e.InsertID)
	} else {
		h = xxhash.Sum64(key)
	}
	ev := heldEvent{user: e.User, name: e.Name, iid: e.InsertID, time: e.Time, hash: h, hasProps: len(e.Props) > 0}
	if t.dedup.get != nil {
		// Looked up one by one, the buckets of a large index cost a
		// query each and, kept for the next lookup, 8 bytes a stored
		// event: a 193,500-event file into 100M read and decoded every
		// bucket (12 s of CPU, 1.4 GB). Held, a batch's hashes are
		// looked up in bucket order, each bucket read once, and those
		// read in ranges dropped (dedupIndex.countSorted).
		if t.passes < holdPasses {
			t.hold(ev, e.Props, props, spans)
			if len(t.held) < holdEvents && len(t.heldEnc) < holdBytes {
				return nil
			}
			t.passes++
			return t.release(ctx)
		}
		// A file past holdPasses batches reads the rest of the index
		// at once, as a smaller database does: batches would each read
		// it again.
		if err := t.grown(ctx); err != nil {
			return err
		}
		if err := t.dedup.readAll(ctx); err != nil {
			return i18n.Errorf("read dedup index: %w", err)
		}
	}
	have, err := t.dedup.count(ctx, h)
	if err != nil {
		return i18n.Errorf("read dedup index: %w", err)
	}
	return t.store(ctx, &ev, e.Props, props, spans, have)
}

// heldEvent is an event whose stored copies are not counted yet (or
// being stored).
type heldEvent struct {
	user, name, iid string
	time            int64
	hash            uint64
	hasProps        bool
	// Its canonical props in heldEnc and its kept properties in heldProps.
	enc, props [2]int32
}

// heldProp is a kept property of a held event: its key in heldKeys and
// where its value literal lies in the event's canonical props.
type heldProp struct{ key, start, end int32 }

// holdEvents and holdBytes bound a batch of held events (variables so
// tests can make batches small); holdPasses bounds the batches of one
// file before it reads the index whole.
var (
	holdEvents = 1 << 18
	holdBytes  = 32 << 20
	holdPasses = 4
)

// hold keeps an event for the next batch lookup, copying what the caller
// may reuse.
func (t *ImportTx) hold(ev heldEvent, ps []Prop, enc []byte, spans []propSpan) {
	ev.enc = [2]int32{int32(len(t.heldEnc)), int32(len(t.heldEnc) + len(enc))}
	t.heldEnc = append(t.heldEnc, enc...)
	if t.keyIndex == nil {
		t.keyIndex = map[string]int32{}
	}
	ev.props[0] = int32(len(t.heldProps))
	for _, sp := range spans {
		key := ps[sp.prop].Key
		k, ok := t.keyIndex[key]
		if !ok {
			k = int32(len(t.heldKeys))
			t.heldKeys = append(t.heldKeys, key)
			t.keyIndex[key] = k
		}
		t.heldProps = append(t.heldProps, heldProp{k, int32(sp.start), int32(sp.end)})
	}
	ev.props[1] = int32(len(t.heldProps))
	t.held = append(t.held, ev)
	t.heldHash = append(t.heldHash, ev.hash)
}

// release counts the held events' stored copies in one pass over their
// buckets and stores them in the order they came.
func (t *ImportTx) release(ctx context.Context) error {
	if len(t.held) == 0 {
		return nil
	}
	if t.imported+int64(len(t.held)) > mappedEvents {
		// A large batch reads most of the index: through the page cache.
		if err := t.grown(ctx); err != nil {
			return err
		}
	}
	hs := t.heldHash
	slices.Sort(hs)
	hs = slices.Compact(hs)
	counts, err := t.dedup.countSorted(ctx, hs)
	if err != nil {
		return i18n.Errorf("read dedup index: %w", err)
	}
	for i := range t.held {
		ev := &t.held[i]
		t.props, t.spans = t.props[:0], t.spans[:0]
		for k, p := range t.heldProps[ev.props[0]:ev.props[1]] {
			t.props = append(t.props, Prop{Key: t.heldKeys[p.key]})
			t.spans = append(t.spans, propSpan{prop: k, start: int(p.start), end: int(p.end)})
		}
		k, _ := slices.BinarySearch(hs, ev.hash)
		if err := t.store(ctx, ev, t.props, t.heldEnc[ev.enc[0]:ev.enc[1]], t.spans, counts[k]); err != nil {
			return err
		}
	}
	// Emptied for the next batch, dropping the strings.
	clear(t.held)
	clear(t.heldKeys)
	clear(t.keyIndex)
	t.held, t.heldEnc, t.heldProps, t.heldKeys, t.heldHash = t.held[:0], t.heldEnc[:0], t.heldProps[:0], t.heldKeys[:0], t.heldHash[:0]
	return nil
}

// store adds one event whose hash has have stored copies, unless it is a
// duplicate. props are its properties (by span), enc their canonical
// encoding.
func (t *ImportTx) store(ctx context.Context, ev *heldEvent, props []Prop, enc []byte, spans []propSpan, have int32) error {
	h := ev.hash
	if ev.iid != "" {
		if t.inFile[h] > 0 || have > 0 {
			t.duplicates++
			return nil
		}
		t.inFile[h] = 1
	} else if have > 0 {
		// Only rows already stored need counting: a row with no stored
		// copy is new however often this file repeats it.
		n := t.inFile[h] + 1
		t.inFile[h] = n
		if n <= have {
			t.duplicates++
			return nil
		}
	}
	// Exports list a user's (and a name's) events together: the previous
	// id usually answers without a map lookup.
	if ev.user != t.lastUser || t.lastUID == 0 {
		uid, err := t.internUser(ctx, ev.user)
		if err != nil {
			return err
		}
		t.lastUser, t.lastUID = ev.user, uid
	}
	if ev.name != t.lastName || t.lastNID == 0 {
		t.lastName, t.lastNID = ev.name, t.intern(t.names, &t.nextName, &t.newNames, ev.name)
	}
	uid, nid := t.lastUID, t.lastNID
	t.cols.add(int32(uid), int32(nid), ev.time, props, enc, spans)
	t.dedup.add(h)
	if !t.deferRows {
		var propsArg, iidArg any
		if ev.hasProps {
			propsArg = string(enc)
		}
		if ev.iid != "" {
			iidArg = ev.iid
		}
		t.pending = append(t.pending, t.nextID, uid, nid, ev.time, propsArg, iidArg, int64(h), t.importID)
		if len(t.pending) == 8*batchRows {
			if _, err := t.batch.ExecContext(ctx, t.pending...); err != nil {
				return i18n.Errorf("store events: %w", err)
			}
			t.pending = t.pending[:0]
		}
	}
	t.nextID++
	t.imported++
	if t.mapped && t.imported > mappedEvents {
		if err := t.grown(ctx); err != nil {
			return err
		}
	}
	if t.cols.full() {
		return t.writeChunk(ctx)
	}
	return nil
}

// mappedEvents is how many events an import adds with the file mapped.
const mappedEvents = 1 << 16

// unmap returns the connection to reading through the page cache, as every
// other statement on it expects (a mapped file's pages count as resident).
func (t *ImportTx) unmap(ctx context.Context) error {
	if !t.mapped {
		return nil
	}
	t.mapped = false
	_, err := t.tx.ExecContext(ctx, "PRAGMA mmap_size = 0")
	return err
}

// smallCacheKB is the page cache of an import into a large database while
// it adds few events: a few dozen 64 KB pages, which the B-trees' upper
// levels fit in.
const smallCacheKB = 4 << 10

// grown gives an import that turned out large what a bulk import has: reads
// through the page cache, and the connection's full cache (the index pages
// of many new users fit in it).
func (t *ImportTx) grown(ctx context.Context) error {
	if err := t.unmap(ctx); err != nil {
		return err
	}
	return t.fullCache(ctx)
}

// fullCache gives the connection back its usual page cache.
func (t *ImportTx) fullCache(ctx context.Context) error {
	if !t.small {
		return nil
	}
	t.small = false
	_, err := t.tx.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(cacheKB))
	return err
}

// writeChunk writes the columns gathered so far (and the rows of a last
// partial batch) and starts a new chunk. A bulk import's chunk is written
// in the background (see writing): the chunk written before must be done
// first, so at most one is under way and chunks keep their order.
func (t *ImportTx) writeChunk(ctx context.Context) error {
	if t.cols.n == 0 {
		return nil
	}
	if err := t.flushPending(ctx); err != nil {
		return err
	}
	if err := t.waitChunk(); err != nil {
		return err
	}
	c, users, names := t.cols, t.newUsers, t.newNames
	t.totals.events += int64(c.n)
	t.totals.nextID = t.nextID
	t.cols, t.spareCols = t.spareCols, c
	t.cols.reset(t.nextID)
	t.newUsers, t.newNames = nil, nil
	write := func() error {
		id, err := c.write(ctx, t.tx, t.importID)
		if err != nil {
			return err
		}
		t.writtenID = id
		return flushInterned(ctx, t.tx, users, names)
	}
	if t.deferRows {
		t.writing = c
		go func() { t.written <- write() }()
		return nil
	}
	if err := write(); err != nil {
		return err
	}
	t.totals.last = t.writtenID
	_, err := t.tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('rows_upto', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(t.writtenID, 10))
	return err
}

// waitChunk waits for the chunk being written, if any, and returns its
// error.
func (t *ImportTx) waitChunk() error {
	if t.writing == nil {
		return nil
	}
	err := <-t.written
	t.writing = nil
	if err == nil {
		t.totals.last = t.writtenID
	}
	return err
}

// flushPending writes the rows of a last, partial batch.
func (t *ImportTx) flushPending(ctx context.Context) error {
	for i := 0; i < len(t.pending); i += 8 {
		if _, err := t.insert.ExecContext(ctx, t.pending[i:i+8]...); err != nil {
			return i18n.Errorf("store event: %w", err)
		}
	}
	t.pending = t.pending[:0]
	return nil
}

// Link records that the anonymous id anon belongs to user. A second,
// different user for the same anonymous id is an identity conflict: the
// first link is kept and the conflict counted.
func (t *ImportTx) Link(ctx context.Context, anon, user string) error {
	if anon == "" || user == "" || anon == user {
		return nil
	}
	// The events before the link get their users first, as they came.
	if err := t.release(ctx); err != nil {
		return err
	}
	aid, err := t.internUser(ctx, anon)
	if err != nil {
		return err
	}
	uid, err := t.internUser(ctx, user)
	if err != nil {
		return err
	}
	t.linked = true
	_, err = t.tx.ExecContext(ctx, `INSERT INTO identities(anon_id, user_id, import_id) VALUES(?, ?, ?)
		ON CONFLICT(anon_id) DO UPDATE SET conflicts = conflicts + (identities.user_id != excluded.user_id)`,
		aid, uid, t.importID)
	return err
}

// flushInterned stores the users and event names interned since the last
// flush (t.newUsers, t.newNames).
func (t *ImportTx) flushInterned(ctx context.Context) error {
	err := flushInterned(ctx, t.tx, t.newUsers, t.newNames)
	t.newUsers, t.newNames = t.newUsers[:0], t.newNames[:0]
	return err
}

// flushInterned stores new users and event names, each an (id, name)
// pair. New users also go into user_names as one blob, which is how a
// reader gets every distinct id without a query row per user.
func flushInterned(ctx context.Context, tx *sql.Tx, newUsers, newNames [][2]any) error {
	if len(newUsers) > 0 {
		first, blob := newUsers[0][0], []byte(nil)
		for _, p := range newUsers {
			blob = binary.AppendUvarint(blob, uint64(len(p[1].(string))))
			blob = append(blob, p[1].(string)...)
		}
		// In distinct_id order and many rows a statement: the unique index
		// on distinct_id then takes each of its pages once per flush rather
		// than once per user (at 100M events its 6.7M keys outgrow the page
		// cache), and the statements' own cost is paid once per batch; the
		// full batches' statement is prepared once per flush.
		slices.SortFunc(newUsers, func(a, b [2]any) int { return strings.Compare(a[1].(string), b[1].(string)) })
		const insert = "INSERT INTO users(id, distinct_id) VALUES"
		var full *sql.Stmt
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		args := make([]any, 0, 2*usersPerInsert)
		for rest := newUsers; len(rest) > 0; {
			n := min(len(rest), usersPerInsert)
			args = args[:0]
			for _, p := range rest[:n] {
				args = append(args, p[0], p[1])
			}
			var err error
			switch {
			case n < usersPerInsert:
				_, err = tx.ExecContext(ctx, insert+strings.Repeat("(?,?),", n-1)+"(?,?)", args...)
			case full == nil:
				if full, err = tx.PrepareContext(ctx, insert+strings.Repeat("(?,?),", n-1)+"(?,?)"); err != nil {
					break
				}
				fallthrough
			default:
				_, err = full.ExecContext(ctx, args...)
			}
			if err != nil {
				return i18n.Errorf("store user: %w", err)
			}
			rest = rest[n:]
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_names(first_id, n, names) VALUES(?, ?, ?)",
			first, len(newUsers), blob); err != nil {
			return i18n.Errorf("store user names: %w", err)
		}
	}
	for _, p := range newNames {
		if _, err := tx.ExecContext(ctx, "INSERT INTO event_names(id, name) VALUES(?, ?)", p[0], p[1]); err != nil {
			return i18n.Errorf("store event name: %w", err)
		}
	}
	return nil
}

// Counts returns the events imported and the duplicates dropped so far,
// storing the events held for a lookup first.
func (t *ImportTx) Counts(ctx context.Context) (imported, duplicates int64, err error) {
	err = t.release(ctx)
	return t.imported, t.duplicates, err
}

// Commit makes the import visible and records it in the ledger.
func (t *ImportTx) Commit(ctx context.Context, st ImportStats) error {
	defer t.db.truncateWAL() // runs last: the transaction has ended either way
	defer t.closeStmts()
	if err := t.finish(ctx, st); err != nil {
		t.waitChunk() // its error, if any, is the same failure
		t.tx.Rollback()
		return err
	}
	if err := t.tx.Commit(); err != nil {
		return i18n.Errorf("commit import: %w", err)
	}
	Phase("commit")
	return nil
}

// finish writes the import's last rows, users and names, its ledger row,
// the new data version and the snapshot, inside the transaction; Commit
// rolls it back when this fails.
func (t *ImportTx) finish(ctx context.Context, st ImportStats) error {
	defer t.fullCache(ctx) // the connection goes back to the pool
	defer t.unmap(ctx)
	if err := t.release(ctx); err != nil {
		return err
	}
	if err := t.writeChunk(ctx); err != nil {
		return err
	}
	if err := t.waitChunk(); err != nil {
		return err
	}
	Phase("last chunk")
	if t.totals != t.before {
		if err := keepChunkTotals(ctx, t.tx, t.totals); err != nil {
			return err
		}
	}
	if err := t.flushInterned(ctx); err != nil {
		return err
	}
	report, err := json.Marshal(st.Report)
	if err != nil || st.Report == nil {
		report = []byte("{}")
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE imports SET rows_read=?, imported=?, rejected=?, duplicates=?, report=?,
		sha256 = CASE WHEN ? != '' THEN ? ELSE sha256 END WHERE id=?`,
		st.RowsRead, t.imported, st.Rejected, t.duplicates, string(report), st.SHA256, st.SHA256, t.importID); err != nil {
		return i18n.Errorf("record import: %w", err)
	}
	// The file may have been deleted or replaced while the rows were read.
	if err := t.db.CheckSame(); err != nil {
		t.tx.Rollback()
		return err
	}
	if t.imported > 0 || t.linked {
		prevVersion, err := dataVersion(ctx, t.tx)
		var prevSnap int64
		if err == nil {
			prevSnap, err = intSetting(ctx, t.tx, "snapshot_version")
		}
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('data_version', '1')
			ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`); err != nil {
			return err
		}
		// Folding a tail or rebuilding the snapshot reads the whole index
		// or every event: through the page cache.
		if err := t.unmap(ctx); err != nil {
			return err
		}
		// The import's maps are done with: let the dedup index and the
		// snapshot reuse the memory (at 100M events the users' map alone
		// is hundreds of MB, which each collection would scan).
		t.users, t.names, t.inFile = nil, nil, nil
		if err := t.dedup.write(ctx, t.importID); err != nil {
			return err
		}
		t.dedup = nil
		Phase("dedup index")
		version, err := dataVersion(ctx, t.tx)
		switch {
		case err != nil:
		case prevVersion > 0 && prevSnap == prevVersion:
			err = extendSnapshot(ctx, t.tx, t.importID, version, t.linked, t.totals.events, t.before.events)
		default:
			err = writeSnapshot(ctx, t.tx, version)
		}
		if err != nil {
			return err
		}
		Phase("snapshot")
	}
	return nil
}

// Rollback abandons the import; the database is left as it was.
func (t *ImportTx) Rollback() error {
	t.waitChunk()                 // nothing may write into the transaction as it ends
	t.unmap(context.Background()) // the rollback below ends the transaction either way
	t.fullCache(context.Background())
	t.closeStmts()
	err := t.tx.Rollback()
	t.db.truncateWAL()
	return err
}

// truncateWAL copies the write-ahead log into the database and cuts it to
// zero bytes. An import writes its pages there first: without this, a
// failed one (a full disk) leaves a log as large as what it had written,
// and a finished one leaves it until the last connection closes. A reader
// in the middle of a transaction keeps the log; it is not waited for.
func (db *DB) truncateWAL() {
	if db.ReadOnly || db.Path == ":memory:" {
		return
	}
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.ExecContext(ctx, "PRAGMA busy_timeout = 100")
	conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	Phase("checkpoint")
	conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(busyTimeoutMs))
}

func (t *ImportTx) closeStmts() {
	t.insert.Close()
	t.batch.Close()
}
