package store

import (
	"context"
	"fmt"
	"testing"
)

// snapshotBytes is every byte of the snapshot's segments and positions.
func snapshotBytes(t *testing.T, db *DB) string {
	t.Helper()
	var s string
	err := db.SQL.QueryRow(`SELECT coalesce((SELECT group_concat(seg || ':' || hex(persons) || hex(events) || hex(times), ',') FROM snapshot), '')
		|| '/' || coalesce((SELECT group_concat(part || ':' || hex(positions), ',') FROM snapshot_positions), '')`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func settingInt(t *testing.T, db *DB, key string) int64 {
	t.Helper()
	tx, err := db.SQL.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	n, err := intSetting(context.Background(), tx, key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkLoads checks that a load from the snapshot, its positions and
// Summarize all agree with the events ordered afresh from the chunks.
func checkLoads(t *testing.T, what string, db *DB) {
	t.Helper()
	got := mustLoad(t, db)
	if !got.fromSnapshot {
		t.Fatalf("%s: the snapshot was not used", what)
	}
	want := chunkOrder(t, db)
	sameOrder(t, what, got, want)
	sameSummary(t, what, db, want)
}

// TestSmallImportsLeaveSegments: a small import into a larger database
// leaves every segment and position as it was (its cost does not grow
// with what is stored); loads merge the tail of such imports, until one
// more would make it too long and the commit folds it in.
func TestSmallImportsLeaveSegments(t *testing.T) {
	defer func(n int) { segmentEvents = n }(segmentEvents)
	segmentEvents = 300 // several segments
	db := openTemp(t)
	importEvents(t, db, someEvents(4000, "a")) // its tail may hold 4000/8 events
	before := snapshotBytes(t, db)
	if settingInt(t, db, "snapshot_rows") != 4000 {
		t.Fatalf("snapshot_rows %d after the first import, want 4000", settingInt(t, db, "snapshot_rows"))
	}
	small := func(file, n int) []Event {
		evs := make([]Event, n)
		for i := range evs {
			// Known users and new ones, times before, among and after theirs.
			evs[i] = Event{User: fmt.Sprintf("u%d", (i*7+file)%130), Name: fmt.Sprintf("e%d", i%6),
				Time: int64(1_699_999_000_000 + (i*37+file*1000)*1000), Props: []Prop{{"tag", fmt.Sprint("f", file)}}}
		}
		return evs
	}
	for file := 1; file <= 4; file++ {
		importEvents(t, db, small(file, 120))
		if got := snapshotBytes(t, db); got != before {
			t.Fatalf("file %d: a small import rewrote the segments", file)
		}
		if n := settingInt(t, db, "snapshot_rows"); n != 4000 {
			t.Fatalf("file %d: snapshot_rows %d, want 4000", file, n)
		}
		checkLoads(t, fmt.Sprint("file ", file), db)
	}
	// 480 tail events; 120 more pass 500: folded into the segments.
	importEvents(t, db, small(5, 120))
	if snapshotBytes(t, db) == before || settingInt(t, db, "snapshot_rows") != 4600 {
		t.Fatalf("the tail was not folded in: snapshot_rows %d", settingInt(t, db, "snapshot_rows"))
	}
	checkLoads(t, "folded", db)

	// A build without tails rewrites the whole snapshot and leaves
	// snapshot_rows behind: loads then order the chunks, and the next
	// import rebuilds it.
	importEvents(t, db, small(6, 50))
	if _, err := db.SQL.Exec("UPDATE settings SET value = '4600' WHERE key = 'snapshot_rows'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.Exec("DELETE FROM snapshot; DELETE FROM snapshot_positions"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.SQL.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSnapshot(context.Background(), tx, settingInt(t, db, "data_version")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("UPDATE settings SET value = '4600' WHERE key = 'snapshot_rows'"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, db); got.fromSnapshot {
		t.Fatal("a snapshot whose segments hold more rows than snapshot_rows was read")
	} else {
		sameOrder(t, "stale snapshot_rows", got, chunkOrder(t, db))
	}
	importEvents(t, db, small(7, 10))
	if n := settingInt(t, db, "snapshot_rows"); n != 4660 {
		t.Fatalf("after a stale snapshot_rows: snapshot_rows %d, want 4660 (rebuilt)", n)
	}
	checkLoads(t, "rebuilt", db)
}
