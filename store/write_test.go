package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// A schema 2 file (before the audience holdouts) opens read-only as it is,
// without the new tables; a writable open adds them and keeps the events.
func TestSchemaTwoMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(50, "a"))
	want := chunkOrder(t, db)
	asSchema4(t, db)
	for _, q := range []string{"DROP TABLE audience_holdout", "DROP TABLE audience_exports",
		"UPDATE settings SET value = '2' WHERE key = 'schema_version'", "PRAGMA user_version = 2"} {
		if _, err := db.SQL.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	has, err := ro.HasTable(ctx, "audience_exports")
	ro.Close()
	if err != nil || has {
		t.Fatalf("read-only open of schema 2: has the table %v, %v", has, err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"audience_exports", "audience_holdout"} {
		if has, err := db.HasTable(ctx, name); err != nil || !has {
			t.Fatalf("after migrating: %s %v %v", name, has, err)
		}
	}
	var v int
	db.SQL.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion {
		t.Errorf("user_version %d", v)
	}
	got, err := db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameOrder(t, "migrated", got, want)
}

// Write stores everything fn wrote, or nothing when fn fails.
func TestWriteAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fail := errors.New("stop")
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("INSERT INTO settings(key, value) VALUES('a', '1')"); err != nil {
			return err
		}
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatal(err)
	}
	if v, _ := db.Setting(ctx, "a", "none"); v != "none" {
		t.Fatalf("a failed write left %q", v)
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO settings(key, value) VALUES('a', '1')")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Setting(ctx, "a", "none"); v != "1" {
		t.Fatalf("got %q", v)
	}
}
