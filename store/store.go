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
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// DefaultPath is the database used when neither --db nor SPOOR_DB is given.
const DefaultPath = "spoor.db"

// busyTimeoutMs is how long a write waits for another process's write
// (an import of 10M events holds the lock for about 20 s) before it fails.
const busyTimeoutMs = 120_000

// ErrNoDatabase is returned by Open when the file does not exist and
// Options.Create is false.
var ErrNoDatabase = errors.New("no database")

// ErrNewerSchema is returned when the file was written by a newer spoor.
var ErrNewerSchema = errors.New("database written by a newer spoor")

// ErrNotSQLite is returned when the file exists but is not a SQLite database.
var ErrNotSQLite = errors.New("not a spoor database")

// Options control how a database is opened.
type Options struct {
	Create   bool // create the file (and schema) when missing
	ReadOnly bool // never write: no migration, no WAL checkpoint
}

// DB is an open spoor database.
type DB struct {
	SQL      *sql.DB
	Path     string
	ReadOnly bool
	user     userConn // typed SQL runs here (usersql.go)
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

// checkFile refuses, before SQLite touches it, a file that is not a SQLite
// database, so a wrong --db never gets written to.
func checkFile(path string) (exists bool, err error) {
	// A directory, device or pipe is never a database: SQLite would open
	// /dev/null as an empty one and create /dev/null-journal beside it,
	// and opening a FIFO to read its header would block.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return true, fmt.Errorf("%s: %w (it is a %s, not a file)", path, ErrNotSQLite, kindOf(fi.Mode()))
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return true, nil // empty file: SQLite treats it as a new database
	}
	if n < len(head) || !bytes.Equal(head, sqliteMagic) {
		return true, fmt.Errorf("%s: %w (expected a SQLite file written by spoor import)", path, ErrNotSQLite)
	}
	return true, nil
}

// Open opens (and with Create, creates) the database at path, migrating an
// older schema in place and refusing a newer one.
func Open(path string, opt Options) (*DB, error) {
	if path == ":memory:" {
		return openDSN("file::memory:?_pragma=busy_timeout(10000)", path, opt, false)
	}
	exists, err := checkFile(path)
	if err != nil {
		return nil, err
	}
	if !exists && !opt.Create {
		return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
	}
	if !exists && opt.ReadOnly {
		return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
	}
	if exists && !opt.ReadOnly {
		if err := checkWritable(path); err != nil {
			return nil, err
		}
	}
	if !exists {
		if err := createFile(path); err != nil {
			return nil, err
		}
	}
	// No mmap: pages of a memory-mapped file count as resident memory,
	// which SPEC 7 budgets at 40 bytes per event for an analysis.
	q := "_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMs) + ")&_pragma=foreign_keys(0)"
	if opt.ReadOnly {
		q += "&mode=ro"
	} else {
		// A 64 MB page cache keeps the index pages of a bulk row fill in
		// memory; imports write compact chunks and need little of it.
		q += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)"
	}
	db, err := openDSN(fileURI(path)+"?"+q, path, opt, true)
	if err != nil && cantOpen(err) && !errors.Is(err, ErrNotSQLite) {
		if opt.ReadOnly {
			return openReadOnlyDir(path, q, opt, err)
		}
		return nil, readOnlyError(path, err)
	}
	return db, err
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
	sqldb, err := sql.Open("sqlite", fileURI(path)+"?_pragma=page_size(65536)")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer sqldb.Close()
	if _, err := sqldb.Exec("PRAGMA journal_mode=WAL"); err != nil {
		return fmt.Errorf("create %s: %w", path, readOnlyError(path, err))
	}
	return nil
}

func openDSN(dsn, path string, opt Options, file bool) (*DB, error) {
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !file {
		// An in-memory database lives only as long as its one connection.
		sqldb.SetMaxOpenConns(1)
	}
	db := &DB{SQL: sqldb, Path: path, ReadOnly: opt.ReadOnly}
	if err := db.migrate(); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.user.db != nil {
		db.user.db.Close()
	}
	return db.SQL.Close()
}

func (db *DB) migrate() error {
	var version int
	if err := db.SQL.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
			return fmt.Errorf("%s: %w: %v", db.Path, ErrNotSQLite, err)
		}
		return fmt.Errorf("read schema version of %s: %w", db.Path, err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("%s has schema version %d, this spoor knows up to %d: %w; upgrade spoor (go install ...@latest)", db.Path, version, SchemaVersion, ErrNewerSchema)
	}
	if version == SchemaVersion {
		return nil
	}
	if db.ReadOnly && version >= readableFrom {
		return nil
	}
	if db.ReadOnly {
		return fmt.Errorf("%s has schema version %d and needs migrating to %d, which a read-only open cannot do", db.Path, version, SchemaVersion)
	}
	tx, err := db.SQL.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for v := version; v < SchemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("migrate %s from schema %d: %w", db.Path, v, err)
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
			return fmt.Errorf("migrate %s to schema 2: %w", db.Path, err)
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
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
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
