package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	r := &Rows{}
	var v sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key='data_version'").Scan(&v); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	fmt.Sscan(v.String, &r.Version)
	if r.Users, err = loadDict(ctx, tx, "SELECT id, distinct_id FROM users ORDER BY id"); err != nil {
		return nil, err
	}
	if r.Names, err = loadDict(ctx, tx, "SELECT id, name FROM event_names ORDER BY id"); err != nil {
		return nil, err
	}
	r.Canon = make([]int32, len(r.Users))
	for i := range r.Canon {
		r.Canon[i] = int32(i)
	}
	links, err := tx.QueryContext(ctx, "SELECT anon_id, user_id FROM identities")
	if err != nil {
		return nil, err
	}
	for links.Next() {
		var a, u int32
		if err := links.Scan(&a, &u); err != nil {
			links.Close()
			return nil, err
		}
		if int(a) < len(r.Canon) && int(u) < len(r.Canon) {
			r.Canon[a] = u
		}
	}
	links.Close()
	// Follow chains (anon -> device -> user) to their end, guarding cycles.
	for i := range r.Canon {
		c := r.Canon[i]
		for steps := 0; r.Canon[c] != c && steps < 32; steps++ {
			c = r.Canon[c]
		}
		r.Canon[i] = c
	}
	ok, n, err := chunksCover(ctx, tx)
	if err != nil {
		return nil, err
	}
	if ok {
		return r, loadChunks(ctx, tx, r, n)
	}
	return r, loadRowsSQL(ctx, tx, r)
}

// loadRowsSQL reads the columns from the events rows: the slow path, for
// databases whose chunks do not cover every row.
func loadRowsSQL(ctx context.Context, tx *sql.Tx, r *Rows) error {
	rows, err := tx.QueryContext(ctx, "SELECT user_id, event_id, time FROM events ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var u, e int32
		var t int64
		if err := rows.Scan(&u, &e, &t); err != nil {
			return err
		}
		r.User = append(r.User, u)
		r.Event = append(r.Event, e)
		r.Time = append(r.Time, t)
	}
	return rows.Err()
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
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var v sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key='data_version'").Scan(&v); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	var now int64
	fmt.Sscan(v.String, &now)
	if now != version {
		return nil, fmt.Errorf("the database changed while it was being read; reload")
	}
	path := `$."` + strings.ReplaceAll(key, `"`, `\"`) + `"`
	rows, err := tx.QueryContext(ctx, "SELECT json_extract(props, ?) FROM events ORDER BY id", path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	col := &PropColumn{}
	dict := map[string]int32{}
	for i := 0; rows.Next(); i++ {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if !s.Valid {
			col.Codes = append(col.Codes, 0)
			continue
		}
		c, ok := dict[s.String]
		if !ok {
			col.Values = append(col.Values, s.String)
			c = int32(len(col.Values))
			dict[s.String] = c
		}
		col.Codes = append(col.Codes, c)
	}
	return col, rows.Err()
}

// PropKeys lists the property keys seen in stored events with how many
// events carry each, most common first.
func (db *DB) PropKeys(ctx context.Context) ([]string, []int64, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT j.key, count(*) AS n FROM events, json_each(events.props) AS j
		WHERE events.props IS NOT NULL GROUP BY j.key ORDER BY n DESC, j.key`)
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
