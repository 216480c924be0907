package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
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
// read-only: two locks, either enough).
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

// sqlError explains a refused write in spoor's words.
func sqlError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "query_only") {
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
