package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// chunkOrder is the reference: the events ordered afresh from the chunks.
func chunkOrder(t *testing.T, db *DB) *Ordered {
	t.Helper()
	r, err := db.LoadRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return orderRows(r)
}

func sameOrder(t *testing.T, what string, got, want *Ordered) {
	t.Helper()
	gotPos, err := got.Positions(context.Background())
	if err != nil {
		t.Fatalf("%s: positions: %v", what, err)
	}
	wantPos := invert(want.rows)
	if got.Version != want.Version || !slices.Equal(got.Person, want.Person) || !slices.Equal(got.Start, want.Start) ||
		!slices.Equal(got.Event, want.Event) || !slices.Equal(got.Time, want.Time) || !slices.Equal(gotPos, wantPos) ||
		got.MinTime != want.MinTime || got.MaxTime != want.MaxTime || !slices.Equal(got.Names, want.Names) || !slices.Equal(got.Users, want.Users) {
		t.Fatalf("%s: snapshot differs from the chunks\n got %+v positions %v\nwant %+v positions %v", what, *got, gotPos, *want, wantPos)
	}
}

// sameSummary checks Summarize against the events ordered from the chunks.
func sameSummary(t *testing.T, what string, db *DB, want *Ordered) {
	t.Helper()
	got, err := db.Summarize(context.Background())
	if err != nil {
		t.Fatalf("%s: summarize: %v", what, err)
	}
	w := Summary{Events: len(want.Time), Persons: len(want.Person), Names: len(want.Names), MinTime: want.MinTime, MaxTime: want.MaxTime}
	if got != w {
		t.Fatalf("%s: summary %+v, want %+v", what, got, w)
	}
}

// TestSnapshotMatchesChunks imports random files one after another (equal
// timestamps, times out of order, identity links that merge persons,
// repeats) and checks after each that the snapshot read back is exactly
// the order computed from the chunks, over segments of a few events.
func TestSnapshotMatchesChunks(t *testing.T) {
	defer func(n, m, g int) { segmentEvents, positionsPart, garbageBudget = n, m, g }(segmentEvents, positionsPart, garbageBudget)
	rng := rand.New(rand.NewSource(5))
	defer func(n int) { tailEvents = n }(tailEvents)
	merges, tails, steps := snapshotMerges.Load(), snapshotTails.Load(), snapshotSteps.Load()
	for trial := 0; trial < 60; trial++ {
		// Blob copies collected between segments now and then, too.
		segmentEvents, positionsPart, garbageBudget = 1+rng.Intn(12), 1+rng.Intn(20), 1+rng.Intn(400)
		// Small files left in the snapshot's tail, merged on load, a few
		// imports of them at a time.
		tailEvents = rng.Intn(30)
		db := openTemp(t)
		ctx := context.Background()
		for file := 0; file < 1+rng.Intn(8); file++ {
			tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint("f", file), Format: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			// Big files and small ones (merged into the snapshot), some
			// with identity links (which rebuild it from scratch).
			size, links := rng.Intn(80), rng.Intn(3) == 0
			if file > 0 && rng.Intn(2) == 0 {
				size = rng.Intn(8)
			}
			// Some files' chunks lack the property, some events too.
			keyless := rng.Intn(4) == 0
			for i := size; i > 0; i-- {
				e := Event{User: fmt.Sprint("u", rng.Intn(9)), Name: fmt.Sprint("e", rng.Intn(4)),
					Time: int64(rng.Intn(30)) * 1000 * int64(1+rng.Intn(100000)), Props: []Prop{{"k", float64(rng.Intn(3))}}}
				if keyless || rng.Intn(5) == 0 {
					e.Props = nil
				}
				if err := tx.Add(ctx, &e); err != nil {
					t.Fatal(err)
				}
				if links && rng.Intn(10) == 0 {
					if err := tx.Link(ctx, fmt.Sprint("u", rng.Intn(9)), fmt.Sprint("u", rng.Intn(9))); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := tx.Commit(ctx, ImportStats{}); err != nil {
				t.Fatal(err)
			}
			checkSnapshot(t, fmt.Sprintf("trial %d file %d", trial, file), db, rng)
		}
	}
	if n := snapshotMerges.Load() - merges; n < 10 {
		t.Fatalf("only %d imports merged into the snapshot: the test no longer covers merging", n)
	}
	if n := snapshotTails.Load() - tails; n < 20 {
		t.Fatalf("only %d imports left in the snapshot's tail: the test no longer covers tails", n)
	}
	if n := snapshotSteps.Load() - steps; n < 10 {
		t.Fatalf("only %d steps of fold cycles: the test no longer covers them", n)
	}
}

// TestFoldCyclesMatchChunks imports many small files into databases of a
// few hundred events in small segments, so fold cycles start, stay open
// over several imports and end, segments grow past twice their size and
// split, and now and then a larger file or an identity link rewrites it
// all: after each, the snapshot is the order computed from the chunks.
func TestFoldCyclesMatchChunks(t *testing.T) {
	defer func(n, m, g, e int) { segmentEvents, positionsPart, garbageBudget, tailEvents = n, m, g, e }(segmentEvents, positionsPart, garbageBudget, tailEvents)
	rng := rand.New(rand.NewSource(7))
	tailEvents = 1 << 20 // tails of an eighth of the segments' events
	steps, splits, open := snapshotSteps.Load(), snapshotSplits.Load(), 0
	for trial := range 3 {
		segmentEvents, positionsPart, garbageBudget = 4+rng.Intn(30), 1+rng.Intn(200), 1+rng.Intn(400)
		db := openTemp(t)
		ctx := context.Background()
		users := 20 + rng.Intn(60)
		for file := range 30 {
			tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint("f", file), Format: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			size := 1 + rng.Intn(8)
			switch {
			case file == 0:
				size = 300 + rng.Intn(500)
			case rng.Intn(15) == 0:
				size = 60 + rng.Intn(60) // past the tail's limit
			}
			for range size {
				// Known persons and new ones, which go to the last segment.
				u := rng.Intn(users)
				if rng.Intn(3) == 0 {
					users++
					u = users
				}
				e := Event{User: fmt.Sprint("u", u), Name: fmt.Sprint("e", rng.Intn(4)),
					Time: int64(rng.Intn(50)) * 1000 * int64(1+rng.Intn(1000)), Props: []Prop{{"k", float64(rng.Intn(3))}}}
				if err := tx.Add(ctx, &e); err != nil {
					t.Fatal(err)
				}
			}
			if file > 0 && rng.Intn(25) == 0 {
				if err := tx.Link(ctx, fmt.Sprint("u", rng.Intn(users)), fmt.Sprint("u", rng.Intn(users))); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(ctx, ImportStats{}); err != nil {
				t.Fatal(err)
			}
			if settingInt(t, db, "snapshot_fold_to") > 0 {
				open++
			}
			checkSnapshot(t, fmt.Sprintf("trial %d file %d", trial, file), db, rng)
		}
	}
	if n, m := snapshotSteps.Load()-steps, snapshotSplits.Load()-splits; n < 12 || open < 8 || m < 2 {
		t.Fatalf("%d steps of fold cycles, %d imports leaving one open, %d segments split: the test no longer covers them", n, open, m)
	}
}

// TestLargeFileStartsCycleInPart: a file taking the tail from nothing past
// half its limit starts both fold cycles and pays for its events past
// that half only, leaving them open (charged for all of them, it folded
// each whole); small files then end them before the tail reaches its
// limit. After each import the snapshot is the order computed from the
// chunks, and every file imported again is all repeats.
func TestLargeFileStartsCycleInPart(t *testing.T) {
	defer func(n, m int) { segmentEvents, tailEvents = n, m }(segmentEvents, tailEvents)
	segmentEvents, tailEvents = 100, 1<<20 // limits of an eighth: 1,000 events over 8,000
	rng := rand.New(rand.NewSource(3))
	db := openTemp(t)
	files := [][]Event{someEvents(8000, "base"), someEvents(560, "large")}
	merges, steps := snapshotMerges.Load(), snapshotSteps.Load()
	for k := 0; ; k++ {
		evs := files[len(files)-1]
		if k > 0 {
			evs = someEvents(40, fmt.Sprint("small", k))
			files = append(files, evs)
		}
		if k == 0 {
			importEvents(t, db, files[0])
		}
		importEvents(t, db, evs)
		checkSnapshot(t, fmt.Sprint("file ", k), db, rng)
		open := settingInt(t, db, "snapshot_fold_to") > 0
		if k == 0 && (!open || settingInt(t, db, "dedup_fold_to") == 0) {
			t.Fatalf("the large file folded a whole cycle (snapshot cycle open: %v, dedup fold_to %d)", open, settingInt(t, db, "dedup_fold_to"))
		}
		if !open && settingInt(t, db, "dedup_fold_to") == 0 {
			break
		}
		if k == 10 {
			t.Fatal("the cycles never ended")
		}
	}
	if n, m := snapshotMerges.Load()-merges, snapshotSteps.Load()-steps; n != 0 || m < 3 {
		t.Fatalf("%d merges of the whole tail, %d steps: want none and some", n, m)
	}
	for i, evs := range files {
		if imp, dup := importEvents(t, db, evs); imp != 0 || dup != int64(len(evs)) {
			t.Fatalf("file %d again: %d imported, %d repeats", i, imp, dup)
		}
	}
}

// TestLinksKeepSnapshot imports small files with identity links into a
// database whose fold cycles open and end: anonymous ids whose events all
// come with the link, linked to stored users or new ones, leave the
// segments as they were; ids with stored events (folded, or in a cycle's
// rows not reached yet) rebuild the snapshot. After each import the
// snapshot is the order computed from the chunks.
func TestLinksKeepSnapshot(t *testing.T) {
	defer func(n, m int) { segmentEvents, tailEvents = n, m }(segmentEvents, tailEvents)
	segmentEvents, tailEvents = 20, 1<<20
	rng := rand.New(rand.NewSource(5))
	db := openTemp(t)
	ctx := context.Background()
	kept, linked := snapshotLinksKept.Load(), 0
	anons := 0
	answers := map[bool]int{} // linksMoveStored against its reference, after each file
	for file := range 60 {
		tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint("f", file)})
		if err != nil {
			t.Fatal(err)
		}
		size := 8 + rng.Intn(12)
		if file == 0 {
			size = 800
		}
		links := 0
		for range size {
			user := fmt.Sprint("u", rng.Intn(200))
			if file > 0 && rng.Intn(3) == 0 {
				// An anonymous id: new, or one seen in an earlier file.
				if rng.Intn(2) == 0 || anons == 0 {
					anons++
				}
				a, odds := anons-1, 6
				if rng.Intn(4) == 0 {
					a, odds = rng.Intn(anons), 2 // seen before: its events may be stored
				}
				user = fmt.Sprint("a", a)
				if rng.Intn(odds) == 0 {
					to := fmt.Sprint("u", rng.Intn(200)) // a stored user
					if rng.Intn(3) == 0 {
						to = fmt.Sprint("n", file) // a user new here
					}
					if err := tx.Link(ctx, user, to); err != nil {
						t.Fatal(err)
					}
					links++
				}
			}
			e := Event{User: user, Name: fmt.Sprint("e", rng.Intn(4)), Time: int64(rng.Intn(300)) * 1000, Props: []Prop{{"k", float64(rng.Intn(3))}}}
			if err := tx.Add(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		if links > 0 {
			linked++
			answers[sameLinkAnswer(t, tx, fmt.Sprint("file ", file))]++
		}
		if err := tx.Commit(ctx, ImportStats{}); err != nil {
			t.Fatal(err)
		}
		checkSnapshot(t, fmt.Sprint("file ", file), db, rng)
	}
	if n := int(snapshotLinksKept.Load() - kept); n < 5 || linked-n < 5 || answers[true] < 3 || answers[false] < 3 {
		t.Fatalf("of %d files with links, %d left the segments as they were, and the cross-check saw %v: the test no longer covers both", linked, n, answers)
	}
}

// sameLinkAnswer checks that linksMoveStored answers as the reference
// does for an import before it commits (its links stored, its events not
// yet), and returns the answer.
func sameLinkAnswer(t *testing.T, imp *ImportTx, what string) bool {
	t.Helper()
	ctx, tx := context.Background(), imp.tx
	stored, err := storedEvents(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := readFoldState(ctx, tx, stored, stored)
	if err != nil {
		t.Fatal(err)
	}
	got, err1 := linksMoveStored(ctx, tx, imp.importID, st)
	want, err2 := linksMoveStoredRef(ctx, tx, imp.importID, st)
	if got != want || err1 != nil || err2 != nil {
		t.Fatalf("%s: links move stored events %v (%v), the reference says %v (%v)", what, got, err1, want, err2)
	}
	return got
}

// linksMoveStoredRef is linksMoveStored as it was: every user's person
// before and after the links, and every segment's persons scanned.
func linksMoveStoredRef(ctx context.Context, tx *sql.Tx, importID int64, st foldState) (bool, error) {
	var users sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM users").Scan(&users); err != nil {
		return false, err
	}
	after, err := loadCanon(ctx, tx, int(users.Int64)+1)
	if err != nil {
		return false, err
	}
	// Conflicting links of this import only count on the rows before it.
	before, err := canonOf(ctx, tx, len(after), "SELECT anon_id, user_id FROM identities WHERE import_id IS NOT ?", importID)
	if err != nil {
		return false, err
	}
	var moved []int32 // persons, before the links, of users given another
	for u := range after {
		if after[u] == before[u] {
			continue
		}
		if st.foldTo > 0 && int64(before[u]) > st.foldAt && int64(after[u]) <= st.foldAt {
			return true, nil
		}
		moved = append(moved, before[u])
	}
	if len(moved) == 0 {
		return false, nil
	}
	slices.Sort(moved)
	moved = slices.Compact(moved)
	rows, err := tx.QueryContext(ctx, "SELECT persons FROM snapshot")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var pb sql.RawBytes
		if err := rows.Scan(&pb); err != nil {
			return false, err
		}
		id := uint64(0)
		for len(pb) > 0 {
			step, k := binary.Uvarint(pb)
			if k <= 0 {
				return true, nil // damaged: the rewrite decides
			}
			id += step
			if _, found := slices.BinarySearch(moved, int32(id)); found {
				return true, nil
			}
			if _, k2 := binary.Uvarint(pb[k:]); k2 > 0 {
				pb = pb[k+k2:]
			} else {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}

// TestLinkAcrossFoldCycle: an anonymous id whose events are in a fold
// cycle's rows, in persons the cycle has not reached, linked to a user the
// cycle has passed, would read as folded without being in the segments:
// the snapshot is rebuilt, and equals the chunks' order.
func TestLinkAcrossFoldCycle(t *testing.T) {
	defer func(n, m int) { segmentEvents, tailEvents = n, m }(segmentEvents, tailEvents)
	segmentEvents, tailEvents = 20, 1<<20 // a limit of 100 over 800 events
	rng := rand.New(rand.NewSource(1))
	db := openTemp(t)
	ctx := context.Background()
	var base []Event
	for i := range 800 {
		base = append(base, Event{User: fmt.Sprint("u", i%200), Name: "e", Time: int64(i) * 1000})
	}
	importEvents(t, db, base)
	var anon []Event
	for i := range 45 {
		anon = append(anon, Event{User: "x", Name: "e", Time: int64(i) * 7000})
	}
	importEvents(t, db, anon)                    // the tail, under half the limit
	importEvents(t, db, someEvents(10, "start")) // starts a cycle
	at := settingInt(t, db, "snapshot_fold_at")
	if settingInt(t, db, "snapshot_fold_to") == 0 || at < 2 || at > 150 {
		t.Fatalf("the cycle stands at person %d: want one under way, past u0 and short of x", at)
	}
	kept := snapshotLinksKept.Load()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "link"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Link(ctx, "x", "u0"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(ctx, &Event{User: "x", Name: "e", Time: 1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
	if snapshotLinksKept.Load() != kept {
		t.Fatal("the link kept the segments")
	}
	checkSnapshot(t, "after the link", db, rng)
}

// TestFoldSplitsConsecutiveKeys: a database written before schema 8 keyed
// its segments 0, 1, 2, ..., so a segment grown past twice its size had no
// keys to split into but for the last. Its segments now move apart first:
// small imports into persons of every segment split segments in the
// middle, and after each the snapshot is the order computed from the
// chunks.
func TestFoldSplitsConsecutiveKeys(t *testing.T) {
	defer func(n, e int) { segmentEvents, tailEvents = n, e }(segmentEvents, tailEvents)
	segmentEvents, tailEvents = 10, 1<<20
	rng := rand.New(rand.NewSource(9))
	db := openTemp(t)
	splits, respaces := snapshotSplits.Load(), snapshotRespaces.Load()
	for file := range 40 {
		size := 10 + rng.Intn(10)
		if file == 0 {
			size = 400
		}
		var evs []Event
		for range size {
			evs = append(evs, Event{User: fmt.Sprint("u", rng.Intn(400)), Name: fmt.Sprint("e", rng.Intn(4)),
				Time: int64(rng.Intn(500)) * 1000, Props: []Prop{{"k", float64(rng.Intn(3))}}})
		}
		importEvents(t, db, evs)
		if file == 0 {
			asConsecutiveKeys(t, db) // as schema 7 left them
		}
		checkSnapshot(t, fmt.Sprintf("file %d", file), db, rng)
	}
	var middle int64 // segments keyed between two of the first import's
	db.SQL.QueryRow("SELECT count(*) FROM snapshot WHERE seg % ? != 0", segKeyStep).Scan(&middle)
	if n, m := snapshotSplits.Load()-splits, snapshotRespaces.Load()-respaces; n < 3 || m < 1 || middle < 3 {
		t.Fatalf("%d segments split, %d moves apart, %d segments keyed between others: the test no longer covers them", n, m, middle)
	}
}

// checkSnapshot checks that the snapshot read back is exactly the order
// computed from the chunks, its positions too, and that a property column
// placed by them (streamed, all at once, a random few rows) holds each
// stored row's own value of k.
func checkSnapshot(t *testing.T, what string, db *DB, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	got, err := db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := chunkOrder(t, db)
	if want.Version > 0 && !got.fromSnapshot {
		t.Fatalf("%s: the snapshot was not used", what)
	}
	sameOrder(t, what, got, want)
	sameSummary(t, what, db, want)
	// The ids split from the user_names blobs are the users table's.
	rtx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, err := loadDict(ctx, rtx, "SELECT id, distinct_id FROM users ORDER BY id")
	rtx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Users, users) {
		t.Fatalf("%s: users %q, want %q", what, got.Users, users)
	}
	// A column read through positions streamed part by part is
	// the one placed by all the positions at once.
	if got.fromSnapshot {
		streamed, err := got.LoadPropOrdered(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		pos, err := got.Positions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		placed, err := db.LoadPropAt(ctx, "k", got.Version, pos, -1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(streamed.Codes, placed.Codes) || !slices.Equal(streamed.Values, placed.Values) {
			t.Fatalf("%s: streamed column %v %v, placed %v %v", what, streamed.Codes, streamed.Values, placed.Codes, placed.Values)
		}
		// Both against each stored row's own properties, and a
		// random few rows placed in a short column, the rest left out.
		all := make([]int, len(pos))
		for i := range all {
			all[i] = i
		}
		props, err := db.PropsOf(ctx, got.Version, all)
		if err != nil {
			t.Fatal(err)
		}
		few, size := make([]int32, len(pos)), 0
		for i := range few {
			few[i] = -1
			if rng.Intn(2) == 0 {
				few[i], size = int32(size), size+1
			}
		}
		picked, err := db.LoadPropAt(ctx, "k", got.Version, few, size)
		if err != nil {
			t.Fatal(err)
		}
		text := func(col *PropColumn, i int) string {
			if c := col.Codes[i]; c > 0 {
				return col.Values[c-1]
			}
			return "(unset)"
		}
		for row, p := range pos {
			want := "(unset)"
			if v, ok := props[row]["k"]; ok {
				want = v
			}
			if got := text(streamed, int(p)); got != want {
				t.Fatalf("%s: row %d at %d is %s, want %s", what, row, p, got, want)
			}
			if few[row] >= 0 && text(picked, int(few[row])) != want {
				t.Fatalf("%s: row %d picked at %d is %s, want %s", what, row, few[row], text(picked, int(few[row])), want)
			}
		}
	}
}

func snapshotDB(t *testing.T) *DB {
	t.Helper()
	db := openTemp(t)
	importEvents(t, db, someEvents(3000, "a"))
	importEvents(t, db, someEvents(2000, "b"))
	return db
}

// A snapshot built from another data version is never read.
func TestStaleSnapshotIsNotRead(t *testing.T) {
	ctx := context.Background()
	db := snapshotDB(t)
	want := chunkOrder(t, db)
	// As if an import had committed without rebuilding it.
	if _, err := db.SQL.Exec("UPDATE settings SET value = '99' WHERE key = 'snapshot_version'"); err != nil {
		t.Fatal(err)
	}
	got, err := db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.fromSnapshot {
		t.Fatal("a stale snapshot was read")
	}
	sameOrder(t, "stale", got, want)
	sameSummary(t, "stale", db, want)
}

// A damaged snapshot is only a cache: the chunks answer instead.
func TestDamagedSnapshotFallsBack(t *testing.T) {
	ctx := context.Background()
	for _, damage := range []string{
		"UPDATE snapshot SET events = x'ffffffff'",
		"UPDATE snapshot SET events = unhex(replace(hex(zeroblob(n_events)), '00', '7F'))", // no such event
		"UPDATE snapshot SET times = substr(times, 1, length(times) - 1)",
		"UPDATE snapshot SET persons = x'0001'",
		"UPDATE snapshot SET n_events = n_events + 1",
		"DELETE FROM snapshot WHERE seg = 0",
	} {
		db := snapshotDB(t)
		want := chunkOrder(t, db)
		if _, err := db.SQL.Exec(damage); err != nil {
			t.Fatal(err)
		}
		got, err := db.LoadOrdered(ctx)
		if err != nil {
			t.Fatalf("%s: %v", damage, err)
		}
		if got.fromSnapshot {
			t.Fatalf("%s: the damaged snapshot was read", damage)
		}
		sameOrder(t, damage, got, want)
		sameSummary(t, damage, db, want)
	}
	// Positions are read later, on first use: damage there is an error.
	for _, damage := range []string{"UPDATE snapshot_positions SET positions = x'02020202'", "UPDATE snapshot_positions SET positions = x'7f'",
		"DELETE FROM snapshot_positions"} {
		db := snapshotDB(t)
		if _, err := db.SQL.Exec(damage); err != nil {
			t.Fatal(err)
		}
		o, err := db.LoadOrdered(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Positions(ctx); !errors.Is(err, errCorrupt) {
			t.Fatalf("%s: positions error %v, want corrupt", damage, err)
		}
	}
}

// Positions read after another import fail instead of mixing two versions.
func TestSnapshotPositionsAfterImport(t *testing.T) {
	ctx := context.Background()
	db := snapshotDB(t)
	o, err := db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(10, "c"))
	if _, err := o.Positions(ctx); !errors.Is(err, ErrChanged) {
		t.Fatalf("positions after an import: %v, want ErrChanged", err)
	}
}

// A schema 1 file (before the snapshot) still opens read-only and loads
// from its chunks; a writable open migrates it and builds the snapshot.
func TestSchemaOneWithoutSnapshot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(500, "a"))
	want := chunkOrder(t, db)
	asSchema4(t, db)
	for _, q := range []string{"DROP TABLE audience_holdout", "DROP TABLE audience_exports", "DROP TABLE snapshot", "DROP TABLE snapshot_positions", "DELETE FROM settings WHERE key = 'snapshot_version'",
		"UPDATE settings SET value = '1' WHERE key = 'schema_version'", "PRAGMA user_version = 1"} {
		if _, err := db.SQL.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ro.LoadOrdered(ctx)
	ro.Close()
	if err != nil {
		t.Fatal(err)
	}
	sameOrder(t, "schema 1 read-only", got, want)
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err = db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got.fromSnapshot {
		t.Fatal("no snapshot after migrating")
	}
	sameOrder(t, "migrated", got, want)
	importEvents(t, db, someEvents(10, "b"))
	got, err = db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got.fromSnapshot {
		t.Fatal("no snapshot after migrating and importing")
	}
	sameOrder(t, "migrated and imported", got, chunkOrder(t, db))
}

// Wide values: steps beyond 32 bits (a user back after 50 days), event
// indexes beyond one byte, first times before the previous person's.
func TestSnapshotWideValues(t *testing.T) {
	defer func(n int) { segmentEvents = n }(segmentEvents)
	segmentEvents = 5
	db := openTemp(t)
	var evs []Event
	for i := 0; i < 40; i++ {
		evs = append(evs, Event{User: fmt.Sprint("u", i%7), Name: fmt.Sprint("e", i%300), Time: int64(i%3) * 90 * 86_400_000 * int64(1-2*(i%2))})
	}
	for i := 0; i < 300; i++ {
		evs = append(evs, Event{User: "many", Name: fmt.Sprint("e", i), Time: int64(i) << 33})
	}
	importEvents(t, db, evs)
	got, err := db.LoadOrdered(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !got.fromSnapshot {
		t.Fatal("the snapshot was not used")
	}
	sameOrder(t, "wide", got, chunkOrder(t, db))
}

// Loads running while imports commit never fail and always see one whole
// version: the events of exactly the imports committed before it.
func TestLoadWhileImporting(t *testing.T) {
	defer func(n int) { segmentEvents = n }(segmentEvents)
	segmentEvents = 50 // several segments, so several read transactions
	ctx := context.Background()
	db := openTemp(t)
	importEvents(t, db, someEvents(400, "base"))
	totals := map[int64]int{1: 400}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 15; i++ {
			// Known before the import commits, so no load sees it first.
			mu.Lock()
			totals[int64(i+2)] = 400 + 30*(i+1)
			mu.Unlock()
			importEvents(t, db, someEvents(30, fmt.Sprint("more", i)))
		}
	}()
	loads := 0
	for running := true; running; loads++ {
		select {
		case <-done:
			running = false
		default:
		}
		o, err := db.LoadOrdered(ctx)
		if err != nil {
			t.Fatalf("load %d: %v", loads, err)
		}
		mu.Lock()
		want, ok := totals[o.Version]
		mu.Unlock()
		if !ok || len(o.Time) != want || int(o.Start[len(o.Person)]) != want {
			t.Fatalf("load %d at version %d: %d events, want %d", loads, o.Version, len(o.Time), want)
		}
	}
	sameOrder(t, "after the imports", mustLoad(t, db), chunkOrder(t, db))
}

func mustLoad(t *testing.T, db *DB) *Ordered {
	t.Helper()
	o, err := db.LoadOrdered(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// FuzzSegmentDecode feeds arbitrary blobs to the segment decoder: damage
// must come back as an error, never a panic or a write out of place.
func FuzzSegmentDecode(f *testing.F) {
	o := &Ordered{Person: []int32{3, 5}, Start: []int32{0, 2, 3}, Event: []int32{0, 1, 0}, Time: []int64{10, 20, 5}, Names: []string{"a", "b"}}
	var b segmentBlobs
	o.encode(0, 2, &b)
	f.Add(2, 3, b.persons, b.events, b.times)
	f.Add(1, 1, []byte{1, 1}, []byte{0}, append([]byte{0, 0}, make([]byte, groupPad)...))
	f.Fuzz(func(t *testing.T, np, ne int, pb, eb, tb []byte) {
		if np < 0 || ne < np || ne > 1<<12 {
			return
		}
		dst := &Ordered{Names: []string{"a", "b"}, Person: make([]int32, np+1), Start: make([]int32, np+2), Event: make([]int32, ne+1), Time: make([]int64, ne+1)}
		seg := segmentView{o: dst, p0: 1, e0: 1, np: np, ne: ne}
		if _, _, err := seg.decode(pb, eb, tb); err != nil {
			return
		}
		if dst.Person[0] != 0 || dst.Event[0] != 0 || dst.Time[0] != 0 {
			t.Fatal("wrote before the segment")
		}
		for _, e := range dst.Event {
			if e < 0 || e >= 2 {
				t.Fatalf("event index %d accepted", e)
			}
		}
	})
}

// PropsOf agrees with whole property columns for any ascending rows.
func TestPropsOf(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	rng := rand.New(rand.NewSource(9))
	for f := 0; f < 3; f++ {
		var evs []Event
		for i := 0; i < 300; i++ {
			var props []Prop
			if rng.Intn(3) > 0 {
				props = append(props, Prop{"city", fmt.Sprint("c", rng.Intn(5))})
			}
			if rng.Intn(2) == 0 {
				props = append(props, Prop{"price", float64(rng.Intn(100)) / 4})
			}
			evs = append(evs, Event{User: fmt.Sprint("u", rng.Intn(20)), Name: "e", Time: int64(rng.Intn(1e6)), Props: props})
		}
		importEvents(t, db, evs)
	}
	version := mustVersion(t, db)
	cols := map[string]*PropColumn{}
	for _, k := range []string{"city", "price"} {
		c, err := db.LoadProp(ctx, k, version)
		if err != nil {
			t.Fatal(err)
		}
		cols[k] = c
	}
	n := len(cols["city"].Codes)
	for trial := 0; trial < 50; trial++ {
		var rows []int
		for r := 0; r < n; r++ {
			if rng.Intn(10) == 0 {
				rows = append(rows, r)
			}
		}
		got, err := db.PropsOf(ctx, version, rows)
		if err != nil {
			t.Fatal(err)
		}
		for j, r := range rows {
			want := map[string]string{}
			for k, c := range cols {
				if code := c.Codes[r]; code != 0 {
					want[k] = c.Values[code-1]
				}
			}
			if len(want) == 0 {
				want = nil
			}
			if fmt.Sprint(got[j]) != fmt.Sprint(want) {
				t.Fatalf("row %d: %v, want %v", r, got[j], want)
			}
		}
	}
}

// Damaged positions (cut short, or naming an index past the events) make
// a streamed column fail as damage, never place a value out of bounds.
func TestStreamedPositionsDamage(t *testing.T) {
	for name, sql := range map[string]string{
		"cut short": "UPDATE snapshot_positions SET positions = substr(positions, 1, 100)",
		"past end":  "UPDATE snapshot_positions SET positions = x'80ade204' || substr(positions, 5)",
		"missing":   "DELETE FROM snapshot_positions",
	} {
		db := snapshotDB(t)
		ctx := context.Background()
		if _, err := db.SQL.Exec(sql); err != nil {
			t.Fatal(err)
		}
		o, err := db.LoadOrdered(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !o.fromSnapshot {
			t.Fatalf("%s: the snapshot was not used", name)
		}
		if _, err := o.LoadPropOrdered(ctx, "tag"); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v, want the corrupt-chunk error", name, err)
		}
	}
	// The lists of events folded segments hold beyond the positions.
	defer func(n, m int) { tailEvents, segmentEvents = n, m }(tailEvents, segmentEvents)
	tailEvents, segmentEvents = 1<<20, 200
	for name, sql := range map[string]string{
		"cut short": "UPDATE snapshot_added SET added = substr(added, 1, length(added) - 1) WHERE length(added) > 1",
		"repeated":  "UPDATE snapshot_added SET added = added || substr(added, 2) WHERE length(added) > 1",
		"missing":   "DELETE FROM snapshot_added",
		"elsewhere": "UPDATE snapshot_added SET seg = seg + 1",
	} {
		db := snapshotDB(t)
		ctx := context.Background()
		for k := 0; settingInt(t, db, "snapshot_fold_to") == 0; k++ {
			importEvents(t, db, someEvents(50, fmt.Sprint("c", k)))
		}
		if _, err := db.SQL.Exec(sql); err != nil {
			t.Fatal(err)
		}
		o, err := db.LoadOrdered(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.LoadPropOrdered(ctx, "tag"); !errors.Is(err, errCorrupt) {
			t.Errorf("added lists %s: %v, want the corrupt-chunk error", name, err)
		}
		if _, err := o.Positions(ctx); !errors.Is(err, errCorrupt) {
			t.Errorf("added lists %s: positions %v, want the corrupt-chunk error", name, err)
		}
		// Imports go on (a fold step that reads a damaged list rebuilds
		// the snapshot from the chunks; one that does not leaves it, as
		// damaged positions are left, until the snapshot is rewritten).
		for k := range 3 {
			importEvents(t, db, someEvents(50, fmt.Sprint("after", k)))
		}
	}
}

// TestDriverOwnsBlobs checks what eachSegment relies on: a blob the SQLite
// driver returns as RawBytes is its own new copy, which later rows neither
// reuse nor write, so a decode may go on reading it while the next rows
// are read. A driver that reused its buffers would fail here (and
// eachSegment would have to copy each segment again).
func TestDriverOwnsBlobs(t *testing.T) {
	c, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "blobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec("CREATE TABLE b(k INTEGER PRIMARY KEY, v BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	// Small blobs on the row's page and large ones on overflow pages,
	// each of its own bytes.
	var want [][]byte
	for k, n := range []int{10, 200_000, 3, 70_000, 200_000, 5000} {
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(k*31 + i)
		}
		want = append(want, v)
		if _, err := c.Exec("INSERT INTO b VALUES (?, ?)", k, v); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := c.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query("SELECT v FROM b ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	var kept []sql.RawBytes
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(kept) != len(want) {
		t.Fatalf("%d rows, want %d", len(kept), len(want))
	}
	for k := range want {
		if !slices.Equal([]byte(kept[k]), want[k]) {
			t.Fatalf("row %d's blob changed after the rows read after it: the driver reuses its buffers", k)
		}
	}
}
