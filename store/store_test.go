package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func importEvents(t *testing.T, db *DB, evs []Event) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "t.csv", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if _, err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	imp, dup := tx.Counts()
	if err := tx.Commit(ctx, ImportStats{RowsRead: int64(len(evs))}); err != nil {
		t.Fatal(err)
	}
	return imp, dup
}

func TestMultisetDedup(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := Event{User: "u1", Name: "view", Time: 1000, Props: []Prop{{"b", 2.0}, {"a", "x"}}}
	b := Event{User: "u1", Name: "view", Time: 1000, Props: []Prop{{"a", "x"}, {"b", 2.0}}} // same as a
	c := Event{User: "u2", Name: "buy", Time: 2000}
	// Identical rows inside one file are real repeats: all kept.
	if imp, dup := importEvents(t, db, []Event{a, b, c}); imp != 3 || dup != 0 {
		t.Fatalf("first import: imported %d dup %d, want 3 0", imp, dup)
	}
	// The same file again adds nothing.
	if imp, dup := importEvents(t, db, []Event{a, b, c}); imp != 0 || dup != 3 {
		t.Fatalf("second import: imported %d dup %d, want 0 3", imp, dup)
	}
	// An overlapping file with three copies of a adds only the third.
	if imp, dup := importEvents(t, db, []Event{a, a, a}); imp != 1 || dup != 2 {
		t.Fatalf("overlap: imported %d dup %d, want 1 2", imp, dup)
	}
	// Insert ids: a repeat id is a duplicate even inside one file.
	x := Event{User: "u3", Name: "e", Time: 5, InsertID: "id1"}
	y := Event{User: "u3", Name: "e", Time: 6, InsertID: "id1"}
	if imp, dup := importEvents(t, db, []Event{x, y}); imp != 1 || dup != 1 {
		t.Fatalf("insert id: imported %d dup %d, want 1 1", imp, dup)
	}
	rows, err := db.LoadRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Time) != 5 || rows.Version != 3 {
		t.Fatalf("stored %d events at version %d, want 5 at 3", len(rows.Time), rows.Version)
	}
	col, err := db.LoadProp(context.Background(), "a", rows.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Values) != 1 || col.Values[0] != "x" || col.Codes[0] != 1 || col.Codes[2] != 0 {
		t.Fatalf("prop a = %+v", col)
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "f"})
	if err != nil {
		t.Fatal(err)
	}
	tx.Add(ctx, &Event{User: "u", Name: "e", Time: 1})
	tx.Rollback()
	var n int
	db.SQL.QueryRow("SELECT count(*) FROM events").Scan(&n)
	var m int
	db.SQL.QueryRow("SELECT count(*) FROM imports").Scan(&m)
	if n != 0 || m != 0 {
		t.Fatalf("after rollback: %d events, %d imports", n, m)
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.db"), Options{}); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("missing: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("hello, this is not sqlite at all"), 0o644)
	if _, err := Open(junk, Options{Create: true}); !errors.Is(err, ErrNotSQLite) {
		t.Fatalf("junk: %v", err)
	}
	if b, _ := os.ReadFile(junk); string(b) != "hello, this is not sqlite at all" {
		t.Fatal("junk file was written to")
	}
	newer := filepath.Join(dir, "newer.db")
	db, err := Open(newer, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	db.SQL.Exec("PRAGMA user_version = 99")
	db.Close()
	if _, err := Open(newer, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("newer: %v", err)
	}
}

func TestEncodePropsCanonical(t *testing.T) {
	got := string(EncodeProps(nil, []Prop{{"z", int64(1)}, {"a", "中文"}, {"m", nil}, {"a", true}}))
	want := `{"a":true,"m":null,"z":1}`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestChunksAndFallback(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var evs []Event
	for i := 0; i < 300; i++ { // more than one INSERT batch, and a partial one
		evs = append(evs, Event{User: "u" + string(rune('a'+i%7)), Name: "e" + string(rune('a'+i%3)), Time: int64(1_700_000_000_000 - i*1000)})
	}
	importEvents(t, db, evs)
	importEvents(t, db, evs[:10]) // all duplicates: no new chunk
	ctx := context.Background()
	fromChunks, err := db.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromChunks.Time) != 300 {
		t.Fatalf("chunks gave %d events, want 300", len(fromChunks.Time))
	}
	tx, _ := db.SQL.Begin()
	fromSQL := &Rows{}
	if err := loadRowsSQL(ctx, tx, fromSQL); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	for i := range fromSQL.Time {
		if fromSQL.Time[i] != fromChunks.Time[i] || fromSQL.User[i] != fromChunks.User[i] || fromSQL.Event[i] != fromChunks.Event[i] {
			t.Fatalf("row %d: chunks %d/%d/%d, rows %d/%d/%d", i, fromChunks.User[i], fromChunks.Event[i], fromChunks.Time[i], fromSQL.User[i], fromSQL.Event[i], fromSQL.Time[i])
		}
	}
	// A row written behind spoor's back makes the chunks stale: readers
	// must fall back to the rows, never read the stale columns.
	if _, err := db.SQL.Exec("INSERT INTO events(user_id, event_id, time, dedup, import_id) VALUES(1, 1, 5, 0, 0)"); err != nil {
		t.Fatal(err)
	}
	after, err := db.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Time) != 301 {
		t.Fatalf("after a foreign insert: %d events, want 301", len(after.Time))
	}
}
