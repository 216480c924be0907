package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strconv"
	"sync/atomic"
)

// cacheID names the column cache's files of one load (colcache_linux.go);
// its zero value, none.
//
// The columns file holds the snapshot's segments decoded, without the
// tail: the segments change only when a fold or a rewrite writes them,
// while every small import changes the tail (and the data version and the
// database file). So cols names the segments as written, and a load with a
// tail maps them and merges in only the tail it reads from SQLite
// (Ordered.withTail): at 100M events a funnel after a 1,000-event import
// decoded every segment again, 5-6 s of CPU instead of 1 s. A property
// column is in the order of every stored event, the tail's too, so data
// names the whole data: the segments, the data version and the database
// file as it is on disk.
type cacheID struct {
	file       string // the columns file ("": none)
	cols, data [32]byte
}

// readColumns is readSnapshot through the column cache.
func (db *DB) readColumns(ctx context.Context, tx *sql.Tx, version, stored int64, names bool) (*Ordered, error) {
	if stored < columnCacheMin {
		return readSnapshot(ctx, tx, version, stored, names)
	}
	st, err := readFoldState(ctx, tx, stored, stored)
	if err != nil {
		return readSnapshot(ctx, tx, version, stored, names)
	}
	id, ok := columnKey(ctx, tx, db, version, stored, st)
	if !ok {
		return readSnapshot(ctx, tx, version, stored, names)
	}
	if o, err := db.cachedOrdered(ctx, tx, id, version, stored, st, names); o != nil || err != nil {
		return o, err
	}
	decodeHeap(stored)
	o, err := readSnapshotThen(ctx, tx, version, stored, st, names, func(seg *Ordered) { keepColumns(id.file, id.cols, seg) })
	if err == nil {
		o.cache = id
	}
	return o, err
}

// cachedOrdered is the columns of the cache file when it holds the
// segments id names, with the tail of fold state st merged in and the
// event names and users read in tx; nil when it does not.
func (db *DB) cachedOrdered(ctx context.Context, tx *sql.Tx, id cacheID, version, stored int64, st foldState, names bool) (*Ordered, error) {
	o := db.cachedColumns(id.file, id.cols)
	if o == nil {
		return nil, nil
	}
	var tail []freshEvent
	read := func(dst, src []byte) { copy(dst, src) }
	if st.rows < stored { // else no tail, and nothing to read for it
		// The reader first: it stops the warm mapping's touching, which
		// would fault in pages the merge reads from the file instead,
		// while SQLite reads the tail (at 100M events up to 390K events).
		var done func()
		read, done = db.columnReader()
		defer done()
		var err error
		if tail, err = unfoldedTail(ctx, tx, st, stored); err != nil {
			return nil, err
		}
	}
	if int64(len(o.Time)+len(tail)) != stored {
		return nil, nil // not these segments after all: decode them
	}
	eventNames, err := loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id")
	if err != nil {
		return nil, err
	}
	o.Names = eventNames[1:]
	if len(tail) > 0 {
		o = o.withTail(tail, read)
	}
	o.Version, o.fold = version, st
	if o.Users, err = userIDs(ctx, tx, names); err != nil {
		return nil, err
	}
	if checkPersons(o) != nil {
		return nil, nil
	}
	columnCacheHits.Add(1)
	o.cache = id
	return o, nil
}

// loadCached is loadOrdered when the column cache holds the columns,
// with SQLite reading its pages in place (mmap) for the few rows that name
// them: read through its page cache, each 64 KB page went into freshly
// allocated memory the kernel had to zero, 16 faults of ~12 us each on
// this VM, and the settings, the snapshot's rows (the cache key), the
// event names and the users took ~180 of them at 1M events (~5 ms of a
// 57 ms retention). The tail's chunks are read so too: at most a 256th of
// the events (tailLimit). It returns nil when the cache cannot serve the
// load, for any reason: loadOrdered then reads afresh, unmapped, as a
// mapped read of the snapshot's blobs would count them all as resident
// memory. The connection is unmapped again before it goes back to the
// pool.
func (db *DB) loadCached(ctx context.Context, names bool) *Ordered {
	if columnCacheDir() == "" || db.Path == "" || db.Path == ":memory:" {
		return nil
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA mmap_size = "+strconv.FormatInt(1<<40, 10)); err != nil {
		return nil
	}
	defer func() {
		// After the rollback below, when no page is in use and the map goes.
		if _, err := conn.ExecContext(context.Background(), "PRAGMA mmap_size = 0"); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // a mapped connection is not reused
		}
	}()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil
	}
	defer tx.Rollback()
	version, err := dataVersion(ctx, tx)
	if err != nil || version <= 0 {
		return nil
	}
	snap, err := intSetting(ctx, tx, "snapshot_version")
	if err != nil || snap != version {
		return nil
	}
	stored, err := storedEvents(ctx, tx)
	if err != nil || stored < columnCacheMin {
		return nil
	}
	defer loadHeap(stored)()
	st, err := readFoldState(ctx, tx, stored, stored)
	if err != nil {
		return nil
	}
	id, ok := columnKey(ctx, tx, db, version, stored, st)
	if !ok {
		return nil
	}
	o, err := db.cachedOrdered(ctx, tx, id, version, stored, st, names)
	if o == nil || err != nil {
		return nil
	}
	o.db, o.fromSnapshot = db, true
	return o
}

// columnCacheHits counts loads from the column cache, so tests can tell
// which path ran.
var columnCacheHits atomic.Int64
