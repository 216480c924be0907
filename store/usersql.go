package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/i18n"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSQLWrite is returned when SQL a person typed would change something:
// a table, a setting of the file, another file (ATTACH, VACUUM INTO) or the
// connection's guard itself.
var ErrSQLWrite error = i18n.Error(i18n.N("SQL here is read-only"))

// userConn holds the connection that runs typed SQL. A writable database
// (the workbench imports into the one it shows) gets a second handle opened
// with mode=ro, so SQLite itself refuses every write whatever a statement
// manages to switch off; a read-only database already is one.
type userConn struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// userSQL returns the read-only handle typed SQL runs on.
func (db *DB) userSQL() (*sql.DB, error) {
	if db.ReadOnly || db.Path == ":memory:" {
		// An in-memory database (the built-in sample) has one connection
		// and no file: query_only and the authorizer guard it.
		return db.SQL, nil
	}
	db.user.once.Do(func() {
		db.user.db, db.user.err = sql.Open("sqlite", fileURI(db.Path)+"?mode=ro&_pragma=busy_timeout(10000)")
	})
	return db.user.db, db.user.err
}

// QueryUser runs SQL a person typed (spoor sql, the workbench's SQL box):
// every such statement goes through here. It runs on a connection opened
// read-only, switched to query_only, with an authorizer that allows reading
// only: no write, no ATTACH or VACUUM INTO (they create files), no BEGIN
// (an open transaction would outlive the query and block imports), and only
// pragmas that report. cols hears the column names once, then row each row;
// a value is nil, int64, float64 or string (blobs as text). An error of row
// stops the query and is returned.
func (db *DB) QueryUser(ctx context.Context, q string, cols func([]string) error, row func([]any) error) error {
	h, err := db.userSQL()
	if err != nil {
		return err
	}
	conn, err := h.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The view of rows a bulk import deferred lives in the connection's temp
	// schema, created before query_only forbids it and dropped after, so
	// the store's own statements on a shared connection see main.events.
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), "DROP VIEW IF EXISTS temp.events")
	var pending bool
	if err := conn.QueryRowContext(ctx, `SELECT coalesce((SELECT max(id) FROM main.chunks), 0) >
		coalesce((SELECT CAST(value AS INTEGER) FROM main.settings WHERE key = 'rows_upto'), 0)`).Scan(&pending); err != nil {
		return err
	}
	if pending {
		if _, err := conn.ExecContext(ctx, pendingEventsView); err != nil {
			return i18n.Errorf("sql: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		return err
	}
	var denied i18n.Msg // what the authorizer refused, for the message
	guard := func(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
		if ok, what := allowed(action, arg1, arg2); !ok {
			if denied.IsZero() {
				denied = what
			}
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	}
	if err := conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return i18n.Errorf("the SQLite driver cannot restrict statements")
		}
		return r.RegisterAuthorizer(guard)
	}); err != nil {
		return err
	}
	// The connection goes back to the pool (the importer's pool, for the
	// sample): take the guard and query_only off again (the view is dropped
	// next; a read-only connection stays read-only by its mode).
	defer func() {
		conn.Raw(func(dc any) error { return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(nil) })
		conn.ExecContext(context.Background(), "PRAGMA query_only = 0")
	}()
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return userError(err, denied)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := cols(names); err != nil {
		return err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(vals))
	for rows.Next() {
		for i := range vals {
			vals[i] = nil
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return userError(err, denied)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // blobs and some text come as bytes; show them as text
			}
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return userError(rows.Err(), denied)
}

// reportingPragmas may be run, with an argument naming what they report on.
var reportingPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true, "index_info": true,
	"index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true, "integrity_check": true,
	"quick_check": true, "database_list": true, "collation_list": true, "function_list": true,
	"module_list": true, "pragma_list": true, "compile_options": true,
}

// settingPragmas may be read (no argument) but not set.
var settingPragmas = map[string]bool{
	"user_version": true, "application_id": true, "schema_version": true, "data_version": true,
	"page_size": true, "page_count": true, "freelist_count": true, "encoding": true,
	"journal_mode": true, "auto_vacuum": true, "foreign_keys": true, "query_only": true,
	"busy_timeout": true, "cache_size": true, "synchronous": true, "max_page_count": true,
}

// allowed is the authorizer's rule; when it refuses, what says what.
func allowed(action sqlite.AuthorizerActionCode, arg1, arg2 string) (ok bool, what i18n.Msg) {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return true, i18n.Msg{}
	case sqlite.AuthPragma:
		name := strings.ToLower(arg1)
		if reportingPragmas[name] || settingPragmas[name] && arg2 == "" {
			return true, i18n.Msg{}
		}
		if arg2 != "" {
			return false, i18n.M("%s", fmt.Sprintf("PRAGMA %s = %s", arg1, arg2))
		}
		return false, i18n.M("%s", "PRAGMA "+arg1)
	case sqlite.AuthAttach:
		return false, i18n.M("ATTACH (it opens or creates another file)")
	case sqlite.AuthTransaction, sqlite.AuthSavepoint:
		return false, i18n.M("BEGIN/COMMIT/SAVEPOINT (a transaction left open would block imports)")
	}
	return false, i18n.M("a statement that changes the database")
}

// userError explains a refused statement in spoor's words.
func userError(err error, denied i18n.Msg) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	// "cannot modify events because it is a view": the view of rows a bulk
	// import deferred stands in for events, and SQLite refuses the write
	// before the authorizer hears of it.
	if !denied.IsZero() || strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "not authorized") || strings.Contains(msg, "cannot modify") {
		if denied.IsZero() {
			denied = i18n.M("a statement that changes the database")
		}
		return i18n.Errorf("%w: refused %s (%v); use spoor import to add events", ErrSQLWrite, denied, err)
	}
	// SQLite's own text (in English) stays as it is inside a sentence that
	// says what to do. SQLITE_ERROR is the query's fault: a name that is
	// not there, a typo, a value SQLite cannot compute.
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_ERROR {
		if strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column") {
			return i18n.Errorf("sql: %w; the tables are events, event_names, users, identities, imports and settings, and PRAGMA table_info(events) lists a table's columns", err)
		}
		return i18n.Errorf("sql: %w; check the query's syntax and values", err)
	}
	return i18n.Errorf("sql: %w", err)
}
