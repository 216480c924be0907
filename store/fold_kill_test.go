package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// dbState is what a killed import must leave as it was: the settings,
// the chunks, the dedup index and tail, and the snapshot's tables.
func dbState(t *testing.T, db *DB) string {
	t.Helper()
	var s string
	err := db.SQL.QueryRow(`SELECT (SELECT group_concat(key || '=' || value, ',') FROM settings)
		|| '/' || (SELECT count(*) || ':' || sum(n) || ':' || sum(length(dedup)) FROM chunks)
		|| '/' || (SELECT count(*) || ':' || coalesce(sum(length(hashes)), 0) FROM dedup_index)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s + "/" + snapshotBytes(t, db)
}

// killedFoldEnv names the database a child process of
// TestKilledMidFold imports into, stopping inside a fold step.
const killedFoldEnv = "SPOOR_TEST_KILLED_FOLD"

// TestKilledMidFold kills a process inside an import's fold steps (the
// first of a cycle, then one while a cycle is open; in the dedup index's,
// then in the snapshot's, which runs after it; last, in a snapshot step
// that moved segments keyed as before schema 8 apart to split them),
// after it wrote folded buckets and segments and before it committed: the
// database reads as before, every event there, and the same file then
// imports in full, once.
func TestKilledMidFold(t *testing.T) {
	defer func(n, m int) { tailEvents, segmentEvents = n, m }(tailEvents, segmentEvents)
	tailEvents, segmentEvents = 64, 100
	if path := os.Getenv(killedFoldEnv); path != "" {
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		stop := os.Getenv(killedFoldEnv + "_STEP") // the fold step to stop in: 1 or 2
		if os.Getenv(killedFoldEnv+"_SPLIT") != "" {
			segmentEvents = 20 // every segment folded splits
		}
		steps := 0
		foldHook = func() {
			if steps++; fmt.Sprint(steps) == stop {
				os.WriteFile(path+".folding", fmt.Append(nil, snapshotRespaces.Load()), 0o644)
				select {} // killed here
			}
		}
		importEvents(t, db, someEvents(10, "killed"))
		t.Fatal("the import ended without a fold step")
	}
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	importEvents(t, db, someEvents(2000, "base"))
	// The limit is 64 events: a tail of 30 is kept as it is, the import
	// taking it past 32 starts a cycle.
	for k := range 3 {
		importEvents(t, db, someEvents(10, fmt.Sprint("small", k)))
	}
	for try := range 5 {
		if try == 2 {
			// A cycle under way.
			importEvents(t, db, someEvents(10, "cycle"))
			if settingInt(t, db, "dedup_fold_to") == 0 || settingInt(t, db, "snapshot_fold_to") == 0 {
				t.Fatal("no fold cycle under way")
			}
		}
		step := 1 + try%2
		if try == 4 {
			// Segments keyed 0, 1, 2, ... as before schema 8, moved
			// apart by the killed snapshot step to split.
			asConsecutiveKeys(t, db)
			step = 2
		}
		before := dbState(t, db)
		events := countEvents(t, db)
		db.Close()
		os.Remove(path + ".folding")
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledMidFold$")
		cmd.Env = append(os.Environ(), killedFoldEnv+"="+path, fmt.Sprint(killedFoldEnv, "_STEP=", step))
		if try == 4 {
			cmd.Env = append(cmd.Env, killedFoldEnv+"_SPLIT=1")
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if moved, err := os.ReadFile(path + ".folding"); err == nil {
				if try == 4 && string(moved) == "0" {
					cmd.Process.Kill()
					t.Fatal("the killed snapshot step moved no segment apart")
				}
				break
			}
			if i == 600 {
				cmd.Process.Kill()
				t.Fatal("the child never reached a fold step")
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if db, err = Open(path, Options{}); err != nil {
			t.Fatal(err)
		}
		if ok := integrity(t, db); ok != "ok" {
			t.Fatalf("try %d: integrity %s", try, ok)
		}
		if after := dbState(t, db); after != before {
			t.Fatalf("try %d: the killed import changed the database\nbefore %s\n after %s", try, before, after)
		}
		if n := countEvents(t, db); n != events {
			t.Fatalf("try %d: %d events after the kill, want %d", try, n, events)
		}
		got, err := db.LoadOrdered(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sameOrder(t, fmt.Sprint("try ", try), got, chunkOrder(t, db))
	}
	// The killed file imports in full, then is a repeat.
	if imp, dup := importEvents(t, db, someEvents(10, "killed")); imp != 10 || dup != 0 {
		t.Fatalf("the killed file: %d imported, %d repeats; want 10, 0", imp, dup)
	}
	if imp, dup := importEvents(t, db, someEvents(10, "killed")); imp != 0 || dup != 10 {
		t.Fatalf("the killed file again: %d imported, %d repeats; want 0, 10", imp, dup)
	}
	got, err := db.LoadOrdered(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameOrder(t, "after", got, chunkOrder(t, db))
}

// asConsecutiveKeys keys the snapshot's segments 0, 1, 2, ... as a
// database written before schema 8 did (moved down in order, so no key is
// taken twice).
func asConsecutiveKeys(t *testing.T, db *DB) {
	t.Helper()
	rows, err := db.SQL.Query("SELECT seg FROM snapshot ORDER BY seg")
	if err != nil {
		t.Fatal(err)
	}
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	for i, k := range keys {
		for _, q := range []string{"UPDATE snapshot SET seg = ? WHERE seg = ?", "UPDATE snapshot_added SET seg = ? WHERE seg = ?"} {
			if _, err := db.SQL.Exec(q, i, k); err != nil {
				t.Fatal(err)
			}
		}
	}
}
