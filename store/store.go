// Package store owns the SQLite file: its schema and migrations, the
// interning of user ids and event names, the import ledger and settings.
// Importers write through ImportTx (BeginImport, Add, Link, Commit); the
// query engine reads events through LoadOrdered (the columns ordered by
// person and time) and properties through LoadPropAt and PropKeys.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spoorhq/spoor/i18n"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// DefaultPath is the database used when neither --db nor SPOOR_DB is given.
const DefaultPath = "spoor.db"

// busyTimeoutMs is how long a write waits for another process's write
// (an import of 10M events holds the lock for about 20 s) before it fails.
const busyTimeoutMs = 120_000

// ErrNoDatabase is returned by Open when the file does not exist and
// Options.Create is false.
var ErrNoDatabase error = i18n.Error(i18n.N("no database"))

// ErrNewerSchema is returned when the file was written by a newer spoor.
var ErrNewerSchema error = i18n.Error(i18n.N("database written by a newer spoor"))

// ErrNotSQLite is returned when the file exists but is not a spoor
// database: not SQLite at all, or another program's SQLite file.
var ErrNotSQLite error = i18n.Error(i18n.N("not a spoor database"))

// ErrDamaged is returned when the file is a SQLite database whose content is
// cut short or broken (a copy that stopped, a full disk).
var ErrDamaged error = i18n.Error(i18n.N("database is damaged"))

// ErrEmpty is returned when a command that only reads or adds to a database
// opens an empty file: only import and sample --db give a file its schema.
var ErrEmpty error = i18n.Error(i18n.N("empty database"))

// Options control how a database is opened. Whatever they say, a file that
// is neither empty nor a spoor database is refused before anything writes
// to it.
type Options struct {
	Create   bool // create the file when missing, give an empty file the schema
	ReadOnly bool // never write: no migration, no WAL checkpoint, a mode=ro connection
	// Warm, for a read-only open about to load every event: the column
	// cache's file is touched on another core while SQLite opens
	// (colcache_linux.go).
	Warm bool
}

// DB is an open spoor database.
type DB struct {
	SQL      *sql.DB
	Path     string
	ReadOnly bool
	// Waiting, when set, is called once when a write (Exec, EnsureRows)
	// has to wait for another process's import to finish.
	Waiting func()
	user    userConn // typed SQL runs here (usersql.go)
	// cleanup: a read-only open created the -wal/-shm files (usersql.go's
	// Close removes them again when it is the last to use them).
	cleanup bool
	id      fileID    // the file opened, to notice it deleted or replaced
	cols    columnMap // the column cache file this handle mapped
	open    bool      // counted in openFiles, until Close
}

// ResolvePath applies the --db flag, then SPOOR_DB, then the default.
func ResolvePath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("SPOOR_DB"); env != "" {
		return env
	}
	return DefaultPath
}

var sqliteMagic = []byte("SQLite format 3\x00")

// header is what checkFile learns from a file's first 100 bytes.
type header struct {
	exists, empty bool
	damaged       string // why the file is cut short, when it is
}

// checkFile refuses, before SQLite touches it, a file that is not a SQLite
// database, so a wrong --db never gets written to.
func checkFile(path string) (header, error) {
	var h header
	// A directory, device or pipe is never a database: SQLite would open
	// /dev/null as an empty one and create /dev/null-journal beside it,
	// and opening a FIFO to read its header would block.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return header{exists: true}, i18n.Errorf("%s: %w (it is a %s, not a file)", path, ErrNotSQLite, kindOf(fi.Mode()))
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	defer f.Close()
	h.exists = true
	head := make([]byte, 100)
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		h.empty = true // empty file: SQLite treats it as a new database
		return h, nil
	}
	if n < len(sqliteMagic) || !bytes.Equal(head[:len(sqliteMagic)], sqliteMagic) {
		return h, i18n.Errorf("%s: %w (expected a SQLite file written by spoor import)", path, ErrNotSQLite)
	}
	if n < len(head) {
		h.damaged = fmt.Sprintf("the file ends after %d bytes, inside its header", n)
		return h, nil
	}
	// The header counts the file's pages (valid when the counter at 92
	// matches the change counter at 24). Without a pending write-ahead log,
	// a file shorter than that was cut short.
	pageSize := int64(binary.BigEndian.Uint16(head[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(head[28:32]))
	fi, err := f.Stat()
	if err == nil && bytes.Equal(head[24:28], head[92:96]) && fi.Size() < pages*pageSize {
		if wal, err := os.Stat(path + "-wal"); err != nil || wal.Size() == 0 {
			h.damaged = fmt.Sprintf("the file has %d bytes, its header says %d", fi.Size(), pages*pageSize)
		}
	}
	return h, nil
}

// damagedError explains a database SQLite cannot read.
func damagedError(path, why string) error {
	return i18n.Errorf("%s: %w (%s): it was probably cut short by a copy that stopped or a full disk; restore it from a backup, or import the source files again into a new database (spoor import FILE --db NEW.db); `spoor doctor --db NEW.db` then checks it", path, ErrDamaged, why)
}

// cacheKB is the page cache of a connection that writes, in KB.
const cacheKB = 64 << 10

// Open opens (and with Create, creates) the database at path, migrating an
// older schema in place and refusing a newer one. Only a spoor database is
// migrated, and only an empty file gets the schema (with Create); any other
// SQLite file is refused without a byte of it changed.
func Open(path string, opt Options) (*DB, error) {
	if path == ":memory:" {
		db, err := openDSN("file::memory:?_pragma=busy_timeout(10000)", path, opt, false)
		if err == nil {
			err = db.prepare(opt)
		}
		return db, err
	}
	h, err := checkFile(path)
	if err != nil {
		return nil, err
	}
	if !h.exists && (!opt.Create || opt.ReadOnly) {
		return nil, i18n.Errorf("%w at %s", ErrNoDatabase, path)
	}
	if h.damaged != "" {
		return nil, damagedError(path, h.damaged)
	}
	if h.exists && !opt.ReadOnly {
		if err := checkWritable(path); err != nil {
			return nil, err
		}
	}
	if !h.exists {
		if err := createFile(path); err != nil {
			return nil, err
		}
	}
	// No mmap: pages of a memory-mapped file count as resident memory,
	// which is budgeted at 40 bytes per event for an analysis (a small
	// import maps it for its dedup lookups only: ImportTx.mapped). The
	// switch to WAL waits until the file is known to be spoor's (prepare).
	q := "_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMs) + ")"
	if opt.ReadOnly {
		// Foreign keys are off by default; a connection that never writes
		// skips saying so (each pragma is a statement at connect).
		q += "&mode=ro"
	} else {
		q += "&_pragma=foreign_keys(0)"
		// A 64 MB page cache keeps the index pages of a bulk row fill in
		// memory; imports write compact chunks and need little of it.
		// mode=rw: a file deleted meanwhile is not quietly made anew.
		q += "&mode=rw&_pragma=synchronous(NORMAL)&_pragma=cache_size(-" + strconv.Itoa(cacheKB) + ")"
	}
	fresh := opt.ReadOnly && !exists(path+"-wal") && !exists(path+"-shm")
	db, err := openDSN(fileURI(path)+"?"+q, path, opt, true)
	if err == nil {
		if opt.ReadOnly && opt.Warm {
			db.cols.warm(path)
		}
		db.cleanup = fresh
		if db.id, err = statID(path); err == nil {
			err = db.prepare(opt)
		}
		if err != nil {
			db.Close()
		}
	}
	if err != nil && cantOpen(err) && !errors.Is(err, ErrNotSQLite) {
		if opt.ReadOnly {
			db, err = openReadOnlyDir(path, q, opt, err)
			if err != nil {
				return nil, err
			}
			return db.counted(), nil
		}
		return nil, readOnlyError(path, err)
	}
	if err != nil {
		return nil, err
	}
	return db.counted(), nil
}

// openFiles counts the databases open on files in this process: a
// read-only handle removes the -wal and -shm it made without a SQLite
// connection only when it is the last (removeIfLast), because the locks of
// this process's own connections are SQLite's to know.
var openFiles atomic.Int64

// counted adds db to openFiles.
func (db *DB) counted() *DB {
	openFiles.Add(1)
	db.open = true
	return db
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// fileURI makes path a SQLite URI. The driver splits its options off at the
// first '?' and SQLite ends the path at '#', so a file named "a#1.db" would
// otherwise silently become "a".
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// createFile makes a new, empty database file with 64 KB pages: column
// chunks are large blobs, read in 16× fewer page reads than with 4 KB. The
// page size is fixed by the first write, which here is the switch to WAL.
func createFile(path string) error {
	sqldb, err := sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout("+strconv.Itoa(busyTimeoutMs)+")&_pragma=page_size(65536)")
	if err != nil {
		return i18n.Errorf("create %s: %w", path, err)
	}
	defer sqldb.Close()
	if err := setWAL(sqldb); err != nil {
		if cantOpen(err) {
			err = readOnlyError(path, err)
		}
		return i18n.Errorf("create %s: %w", path, err)
	}
	return nil
}

// setWAL switches a database to WAL mode. The switch needs the file to
// itself and SQLite answers "database is locked" at once, without waiting on
// the busy timeout, while another process opens or creates the same file
// (two imports started together), so it is retried for as long as that
// timeout.
func setWAL(sqldb *sql.DB) error {
	deadline := time.Now().Add(busyTimeoutMs * time.Millisecond)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		_, err := sqldb.Exec("PRAGMA journal_mode=WAL")
		if !IsBusy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

func openDSN(dsn, path string, opt Options, file bool) (*DB, error) {
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, i18n.Errorf("open %s: %w", path, err)
	}
	if !file {
		// An in-memory database lives only as long as its one connection.
		sqldb.SetMaxOpenConns(1)
	}
	return &DB{SQL: sqldb, Path: path, ReadOnly: opt.ReadOnly}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.user.db != nil {
		db.user.db.Close()
	}
	err := db.SQL.Close()
	last := false
	if db.open {
		db.open = false
		last = openFiles.Add(-1) == 0
	}
	db.removeLeftovers(last)
	db.cols.dropWarm()
	return err
}

// prepare classifies the opened file by reading it, before anything is
// written: an empty database gets the schema (Create only), a spoor database
// is migrated (unless read-only) and switched to WAL, and anything else is
// refused as it is.
func (db *DB) prepare(opt Options) error {
	version, tables, err := db.schemaSnapshot()
	if err != nil {
		if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
			return damagedError(db.Path, err.Error())
		}
		return i18n.Errorf("read schema version of %s: %w", db.Path, err)
	}
	ours := slices.Contains(tables, "settings") && slices.Contains(tables, "chunks")
	switch {
	case len(tables) == 0 && version == 0:
		if !opt.Create {
			return i18n.Errorf("%s: %w: it holds no events yet; load some with spoor import FILE --db %s", db.Path, ErrEmpty, db.Path)
		}
	case version == 0 || !ours:
		shown := tables
		if len(shown) > 5 {
			shown = append(shown[:5:5], "...")
		}
		return i18n.Errorf("%s: %w: it is another program's SQLite database (tables %s), left as it is; give spoor a file of its own with --db", db.Path, ErrNotSQLite, strings.Join(shown, ", "))
	case version > SchemaVersion:
		return i18n.Errorf("%s has schema version %d, this spoor knows up to %d: %w; upgrade spoor (go install ...@latest)", db.Path, version, SchemaVersion, ErrNewerSchema)
	}
	if !db.ReadOnly && db.Path != ":memory:" {
		// Spoor's databases live in WAL mode: readers never wait for an import.
		if err := setWAL(db.SQL); err != nil {
			return err
		}
	}
	return db.migrate(version)
}

// schemaSnapshot reads the schema version and the table names in one
// statement, so in one read transaction: read apart, another process
// creating the schema in between makes a new spoor file look like another
// program's (version 0, tables). One statement, not a transaction of two:
// every statement and transaction costs a read lock's system calls.
func (db *DB) schemaSnapshot() (version int, tables []string, err error) {
	var names sql.NullString
	err = db.SQL.QueryRow(`SELECT user_version, (SELECT group_concat(name, char(0)) FROM sqlite_master WHERE type = 'table')
		FROM pragma_user_version`).Scan(&version, &names)
	if err != nil {
		return 0, nil, err
	}
	if names.Valid {
		tables = strings.Split(names.String, "\x00")
		slices.Sort(tables)
	}
	return version, tables, nil
}

func (db *DB) migrate(version int) error {
	if version == SchemaVersion {
		return nil
	}
	if db.ReadOnly && version >= readableFrom {
		return nil
	}
	if db.ReadOnly {
		return i18n.Errorf("%s has schema version %d and needs migrating to %d, which a read-only open cannot do", db.Path, version, SchemaVersion)
	}
	tx, err := db.SQL.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Two imports may open one new file at once: both read version 0, and
	// the second must not run the migrations again once the first has
	// committed them. A write that leaves nothing behind takes the write
	// lock, waiting out the other, and the version read after it is the truth.
	if _, err := tx.Exec("CREATE TABLE migrate_lock(x); DROP TABLE migrate_lock"); err != nil {
		return i18n.Errorf("migrate %s: %w", db.Path, err)
	}
	if err := tx.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version >= SchemaVersion {
		return nil
	}
	for v := version; v < SchemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return i18n.Errorf("migrate %s from schema %d: %w", db.Path, v, err)
		}
		if migrateHook != nil {
			migrateHook(v)
		}
	}
	if version < 5 {
		if err := migrateDedup(context.Background(), tx); err != nil {
			return i18n.Errorf("migrate %s to schema 5: %w", db.Path, err)
		}
	}
	if version == 1 {
		// Events imported before the snapshot existed get one now, once,
		// rather than being ordered afresh by every command.
		ctx := context.Background()
		v, err := dataVersion(ctx, tx)
		if err == nil && v > 0 {
			err = writeSnapshot(ctx, tx, v)
		}
		if err != nil {
			return i18n.Errorf("migrate %s to schema 2: %w", db.Path, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO settings(key, value) VALUES('schema_version', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.Itoa(SchemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// migrateHook, when set, runs after each migration step, before the
// migration commits: a test stops the process there.
var migrateHook func(from int)

// Setting returns a setting, or def when it is not set.
func (db *DB) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := db.SQL.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, err
}

// SetSetting stores a setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.Exec(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Exec runs a writing statement, first checking that the path still names
// the file that was opened. Every write outside an import goes through it.
// While another process's import holds the write lock it waits (saying so
// once through Waiting) until that import ends or ctx is cancelled.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := db.CheckSame(); err != nil {
		return nil, err
	}
	var res sql.Result
	err := db.waitForLock(ctx, func(conn *sql.Conn) (err error) {
		res, err = conn.ExecContext(ctx, q, args...)
		return err
	})
	return res, err
}

// waitForLock runs write on one connection that polls the write lock
// briefly, so waiting is reported at once, and tries again while it is
// busy. The connection's usual timeout is restored after.
func (db *DB) waitForLock(ctx context.Context, write func(*sql.Conn) error) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.Path != ":memory:" {
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 200"); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.Itoa(busyTimeoutMs))
	}
	said := false
	for {
		err := write(conn)
		if !IsBusy(err) {
			return err
		}
		if !said && db.Waiting != nil {
			db.Waiting()
			said = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// DataVersion changes whenever events or identities change; readers compare
// it to know whether what they loaded is still current.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	v, err := db.Setting(ctx, "data_version", "0")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// Timezone is the display timezone stored with the database (default UTC).
func (db *DB) Timezone(ctx context.Context) (*time.Location, error) {
	name, err := db.Setting(ctx, "timezone", "UTC")
	if err != nil {
		return nil, err
	}
	return time.LoadLocation(name)
}
