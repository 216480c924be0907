package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/store/storetest"
)

// countsOf reads what the attacks try to destroy, through the guard itself.
func countsOf(t *testing.T, db *store.DB) []any {
	t.Helper()
	var got []any
	err := db.QueryUser(context.Background(),
		"SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM chunks), (SELECT count(*) FROM settings), (SELECT count(*) FROM sqlite_master)",
		func([]string) error { return nil }, func(v []any) error { got = append(got, v...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestQueryUserRefusesAttacks runs every attack through the one guard on a
// database opened writable (as the workbench opens it), read-only (as the
// commands do) and in memory (the built-in sample): each is refused with
// ErrSQLWrite, nothing changes, no file appears, and no transaction is left
// open to block the next import.
func TestQueryUserRefusesAttacks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	seed := func(db *store.DB) {
		tx, err := db.BeginImport(ctx, store.ImportInfo{File: "f", Format: "jsonl"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			if err := tx.Add(ctx, &store.Event{User: "u", Name: "e", Time: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
			t.Fatal(err)
		}
	}
	w, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	seed(w)
	w.Close()
	mem, err := store.Open(":memory:", store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	seed(mem)
	attackDir := t.TempDir()
	for _, mode := range []string{"writable", "read-only", "memory"} {
		db := mem
		if mode != "memory" {
			if db, err = store.Open(path, store.Options{ReadOnly: mode == "read-only"}); err != nil {
				t.Fatal(err)
			}
		}
		before := countsOf(t, db)
		for _, q := range storetest.SQLAttacks(attackDir) {
			err := db.QueryUser(ctx, q, func([]string) error { return nil }, func([]any) error { return nil })
			if !errors.Is(err, store.ErrSQLWrite) {
				t.Errorf("%s: %q: %v, want it refused as a write", mode, q, err)
			}
		}
		if after := countsOf(t, db); !slices.Equal(before, after) {
			t.Errorf("%s: data changed: %v -> %v", mode, before, after)
		}
		if left, _ := os.ReadDir(attackDir); len(left) > 0 {
			t.Errorf("%s: files created: %v", mode, left)
		}
		// Reading pragmas still answer.
		n := 0
		if err := db.QueryUser(ctx, "PRAGMA table_info(events)", func([]string) error { return nil }, func([]any) error { n++; return nil }); err != nil || n != 8 {
			t.Errorf("%s: PRAGMA table_info: %d rows, %v", mode, n, err)
		}
		if mode == "writable" {
			// No transaction survived the attacks: an import gets the lock at once.
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			tx, err := db.BeginImport(c, store.ImportInfo{File: "g", Format: "jsonl"})
			cancel()
			if err != nil {
				t.Fatalf("import after the attacks: %v", err)
			}
			tx.Rollback()
		}
		if mode != "memory" {
			db.Close()
		}
	}
}
