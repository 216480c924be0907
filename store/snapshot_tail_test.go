package store

import (
	"context"
	"fmt"
	"testing"
)

// snapshotBytes is every byte of the snapshot's segments, positions and
// added lists.
func snapshotBytes(t *testing.T, db *DB) string {
	t.Helper()
	var s string
	err := db.SQL.QueryRow(`SELECT coalesce((SELECT group_concat(seg || ':' || hex(persons) || hex(events) || hex(times), ',') FROM snapshot), '')
		|| '/' || coalesce((SELECT group_concat(part || ':' || hex(positions), ',') FROM snapshot_positions), '')
		|| '/' || coalesce((SELECT group_concat(seg || ':' || hex(added), ',') FROM snapshot_added), '')`).Scan(&s)
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

// segmentBlobs reads each segment's bytes by key.
func segmentBytes(t *testing.T, db *DB) map[int64]string {
	t.Helper()
	rows, err := db.SQL.Query("SELECT seg, hex(persons) || hex(events) || hex(times) FROM snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var k int64
		var b string
		if err := rows.Scan(&k, &b); err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// TestSmallImportsLeaveSegments: a small import into a larger database
// leaves every segment and position as it was (its cost does not grow
// with what is stored), and loads merge the tail of such imports, until
// the tail passes half its limit: then each import folds it into a few
// segments (a fold cycle), never all of them and never the positions,
// until the cycle has gone through every segment.
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
	file := 1
	for ; file <= 6; file++ {
		importEvents(t, db, small(file, 40))
		if got := snapshotBytes(t, db); got != before {
			t.Fatalf("file %d: a small import rewrote the segments", file)
		}
		if n := settingInt(t, db, "snapshot_rows"); n != 4000 {
			t.Fatalf("file %d: snapshot_rows %d, want 4000", file, n)
		}
		checkLoads(t, fmt.Sprint("file ", file), db)
	}
	// 240 tail events; 40 more pass 250: a cycle starts.
	positions := func() string {
		var s string
		db.SQL.QueryRow("SELECT group_concat(hex(positions)) FROM snapshot_positions").Scan(&s)
		return s
	}
	pos, steps := positions(), 0
	for ; steps == 0 || settingInt(t, db, "snapshot_fold_to") > 0; file++ {
		segs := segmentBytes(t, db)
		importEvents(t, db, small(file, 40))
		steps++
		changed := 0
		for k, b := range segmentBytes(t, db) {
			if segs[k] != b {
				changed++
			}
		}
		if changed == 0 || changed == len(segs) || positions() != pos {
			t.Fatalf("file %d: %d of %d segments rewritten, positions rewritten %v", file, changed, len(segs), positions() != pos)
		}
		checkLoads(t, fmt.Sprint("file ", file), db)
	}
	// The cycle folded the rows stored when it started, with file 7.
	if steps < 3 || settingInt(t, db, "snapshot_rows") != 4000+7*40 {
		t.Fatalf("the cycle ended after %d steps, snapshot_rows %d, want %d", steps, settingInt(t, db, "snapshot_rows"), 4000+7*40)
	}
	// A file past the limit folds everything, positions too.
	importEvents(t, db, small(file, 600))
	stored := settingInt(t, db, "snapshot_rows")
	if positions() == pos || settingInt(t, db, "snapshot_positioned") != stored {
		t.Fatalf("the tail was not folded in: snapshot_rows %d", stored)
	}
	checkLoads(t, "folded", db)

	// A build without tails rewrites the whole snapshot and leaves
	// snapshot_rows behind: loads then order the chunks, and the next
	// import rebuilds it.
	importEvents(t, db, small(file+1, 50))
	stale := fmt.Sprintf("UPDATE settings SET value = '%d' WHERE key IN ('snapshot_rows', 'snapshot_positioned')", stored)
	if _, err := db.SQL.Exec(stale); err != nil {
		t.Fatal(err)
	}
	tx, err := db.SQL.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSnapshot(context.Background(), tx, settingInt(t, db, "data_version")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(stale); err != nil {
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
	importEvents(t, db, small(file+2, 10))
	if n := settingInt(t, db, "snapshot_rows"); n != stored+60 {
		t.Fatalf("after a stale snapshot_rows: snapshot_rows %d, want %d (rebuilt)", n, stored+60)
	}
	checkLoads(t, "rebuilt", db)
}
