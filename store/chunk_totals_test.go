package store

import (
	"context"
	"path/filepath"
	"testing"
)

// summedTotals are the chunks' totals summed over every chunk, as reads
// did before chunk_totals.
func summedTotals(t *testing.T, db *DB) chunkTotals {
	t.Helper()
	var c chunkTotals
	err := db.SQL.QueryRow("SELECT coalesce(max(id), 0), coalesce(sum(n), 0), coalesce(max(first_id + n), 1) FROM chunks").Scan(&c.last, &c.events, &c.nextID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readTotals is readChunkTotals in a transaction of its own, and whether
// it took the recorded totals.
func readTotals(t *testing.T, db *DB) (chunkTotals, bool) {
	t.Helper()
	tx, err := db.SQL.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	kept := chunkTotalsKept.Load()
	c, err := readChunkTotals(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	return c, chunkTotalsKept.Load() > kept
}

// The totals an import records are those the chunks sum to, after imports
// of several chunks, of none (every event a duplicate) and of one; a
// rolled-back import and one killed before its commit (TestKilledMidFold:
// dbState holds the settings) leave them as they were; a record that no
// longer names the last chunk (a build that added chunks without one) or
// cannot be read is not used.
func TestChunkTotals(t *testing.T) {
	defer func(n int) { chunkEvents = n }(chunkEvents)
	chunkEvents = 64
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	same := func(what string, wantKept bool) {
		t.Helper()
		got, kept := readTotals(t, db)
		if want := summedTotals(t, db); got != want || kept != wantKept {
			t.Errorf("%s: totals %+v (recorded: %v), summed %+v", what, got, kept, want)
		}
	}
	same("empty", false)
	first := someEvents(150, "a") // three chunks
	importEvents(t, db, first)
	same("three chunks", true)
	if imp, _ := importEvents(t, db, first); imp != 0 {
		t.Fatalf("the same file again imported %d", imp)
	}
	same("no chunk", true)
	importEvents(t, db, someEvents(10, "b"))
	same("one more chunk", true)
	checkLoads(t, "after the imports", db)

	ctx := context.Background()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "r.csv", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range someEvents(100, "rolled back") {
		if err := tx.Add(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tx.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	same("rolled back", true)

	for _, stale := range []string{"1 64 65", "x", "3 7"} {
		if _, err := db.SQL.Exec("UPDATE settings SET value = ? WHERE key = 'chunk_totals'", stale); err != nil {
			t.Fatal(err)
		}
		same("recorded "+stale, false)
	}
	// The next import records them again from the sum.
	importEvents(t, db, someEvents(5, "c"))
	same("after a stale record", true)
	checkLoads(t, "after a stale record", db)
}
