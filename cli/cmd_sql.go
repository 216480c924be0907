package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
	"modernc.org/sqlite"
)

func init() {
	register("sql", "run a read-only SQL query on the database", runSQL)
}

// SQLResult is the result of spoor sql: its columns and rows as SQLite
// returned them (integers, reals, text, blobs as text, NULL as null).
type SQLResult struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

func (r SQLResult) Tables() []output.Table {
	t := output.Table{Columns: r.Columns, Rows: make([][]string, len(r.Rows))}
	for i, row := range r.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = sqlCell(v)
		}
		t.Rows[i] = cells
	}
	return []output.Table{t}
}

func sqlCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// ReadOnlySQL runs q on one connection of db switched to query_only, so a
// statement that would write fails instead (the CLI also opens the file
// read-only). An authorizer on the connection also refuses what those two
// let through: ATTACH and VACUUM INTO create other files, and PRAGMA
// query_only could switch the guard off.
func ReadOnlySQL(ctx context.Context, db *store.DB, q string) (SQLResult, error) {
	res := SQLResult{Rows: [][]any{}}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		return res, err
	}
	if err := conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the SQLite driver cannot restrict statements")
		}
		return r.RegisterAuthorizer(readOnlyAuthorizer)
	}); err != nil {
		return res, err
	}
	// The authorizer stays with the pooled connection; take it off again.
	defer conn.Raw(func(dc any) error { return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(nil) })
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return res, sqlError(err)
	}
	defer rows.Close()
	if res.Columns, err = rows.Columns(); err != nil {
		return res, err
	}
	for rows.Next() {
		vals := make([]any, len(res.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, sqlError(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // blobs and some text come as bytes; show them as text
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, sqlError(rows.Err())
}

// readOnlyAuthorizer allows reading statements only.
func readOnlyAuthorizer(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive,
		sqlite.AuthTransaction, sqlite.AuthSavepoint:
		return sqlite.AuthorizerOK
	case sqlite.AuthPragma:
		// Reading pragmas (table_info, index_list, ...) are fine; writes
		// are refused by query_only, which must therefore stay on.
		if strings.EqualFold(arg1, "query_only") && arg2 != "" {
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	}
	return sqlite.AuthorizerDeny
}

// sqlError explains a refused write in spoor's words.
func sqlError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "not authorized") || strings.Contains(msg, "authorization denied") {
		return fmt.Errorf("spoor sql is read-only: this statement would change the database (%v); use spoor import to add events", err)
	}
	return fmt.Errorf("sql: %w", err)
}

func runSQL(env *Env, args []string) error {
	fs := newFlags(env, "sql", "QUERY [--db PATH] [--format F]\n\nTables: events(id, user_id, event_id, time ms, props JSON, ...), event_names(id, name),\nusers(id, distinct_id), identities(anon_id, user_id), imports, settings.")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	q := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if q == "" {
		return usagef("sql needs a query, e.g. spoor sql \"SELECT name FROM event_names\"")
	}
	db, err := openForSQL(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := ReadOnlySQL(env.Ctx, db, q)
	if err != nil {
		return err
	}
	return emit(env, *format, res)
}

// openForSQL opens the database read-only for SQL, first writing the SQL
// rows of events a bulk import deferred (which needs write access once).
func openForSQL(env *Env, flagValue string) (*store.DB, error) {
	db, err := openDB(flagValue, true)
	if err != nil {
		return nil, err
	}
	pending, err := db.RowsPending(env.Ctx)
	if err != nil || !pending {
		return db, err
	}
	db.Close()
	fmt.Fprintln(env.Stderr, "spoor: writing the SQL rows of the last bulk import (once)...")
	if err := ensureRows(env, flagValue); err != nil {
		return nil, err
	}
	return openDB(flagValue, true)
}

func ensureRows(env *Env, flagValue string) error {
	db, err := openDB(flagValue, false)
	if err != nil {
		return err
	}
	defer db.Close()
	f, ok := env.Stderr.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return db.EnsureRows(env.Ctx)
	}
	// About 5 s per million events: say how far it is.
	defer fmt.Fprint(f, "\r\x1b[K")
	return db.EnsureRowsProgress(env.Ctx, func(done, total int64, indexing bool) {
		if indexing {
			fmt.Fprintf(f, "\r\x1b[K%d rows written, building the indexes…", total)
			return
		}
		fmt.Fprintf(f, "\r\x1b[K%d of %d rows (%.0f%%)", done, total, 100*float64(done)/float64(max(total, 1)))
	})
}
