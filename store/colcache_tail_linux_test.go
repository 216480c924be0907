package store

import (
	"context"
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"testing"
)

// tailLoad loads db's events (with names) through a handle of its own,
// with the column cache or without it, and reports whether the cache
// served the load.
func tailLoad(t *testing.T, what string, db *DB, cache bool) (*Ordered, bool) {
	t.Helper()
	if !cache {
		where := columnCacheDir
		columnCacheDir = func() string { return "" }
		defer func() { columnCacheDir = where }()
	}
	h, err := Open(db.Path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	hits := columnCacheHits.Load()
	o, err := h.LoadOrdered(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return o, columnCacheHits.Load() > hits
}

// sameTailLoad checks a load through the column cache against one
// without it and against the events ordered afresh from the chunks:
// every column, the positions (which place the tail as the load did) and
// a property column placed by them. It reports whether the cache served
// the load.
func sameTailLoad(t *testing.T, what string, db *DB) (cached bool) {
	t.Helper()
	ctx := context.Background()
	got, cached := tailLoad(t, what, db, true)
	off, _ := tailLoad(t, what+" (no cache)", db, false)
	sameOrder(t, what, got, chunkOrder(t, db))
	sameOrder(t, what+" (no cache)", off, chunkOrder(t, db))
	if !got.fromSnapshot || !off.fromSnapshot || off.cache.file != "" {
		t.Fatalf("%s: a load took the wrong path", what)
	}
	gp, err := got.LoadPropOrdered(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	op, err := off.LoadPropOrdered(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	pos, err := off.Positions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	placed, err := db.LoadPropAt(ctx, "k", off.Version, pos, -1)
	if err != nil {
		t.Fatal(err)
	}
	decoded := func(c *PropColumn) []string {
		out := make([]string, len(c.Codes))
		for i, x := range c.Codes {
			if x > 0 {
				out[i] = c.Values[x-1]
			}
		}
		return out
	}
	if want := decoded(placed); !slices.Equal(decoded(gp), want) || !slices.Equal(decoded(op), want) {
		t.Fatalf("%s: property columns differ", what)
	}
	return cached
}

// segmentsState is every segment's bytes and the fold state: what the
// column cache keeps decoded.
func segmentsState(t *testing.T, db *DB) string {
	t.Helper()
	segs := segmentBytes(t, db)
	var s string
	for _, k := range slices.Sorted(maps.Keys(segs)) {
		s += fmt.Sprintf("%d:%s,", k, segs[k])
	}
	for _, key := range []string{"snapshot_rows", "snapshot_fold_to", "snapshot_fold_at"} {
		s += fmt.Sprintf("/%d", settingInt(t, db, key))
	}
	return s
}

// checkTailCache imports evs and checks the next loads: served by the
// cache at once when the import left the segments as they were (a tail
// kept), else decoded and written anew, then served; always the order of
// the chunks and of a load without the cache. It reports whether the
// import left a tail.
func checkTailCache(t *testing.T, what string, db *DB, evs []Event, links [][2]string) bool {
	t.Helper()
	before := segmentsState(t, db)
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, ImportInfo{File: what, Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range links {
		if err := tx.Link(ctx, l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
	kept := segmentsState(t, db) == before
	if cached := sameTailLoad(t, what, db); cached != kept {
		t.Fatalf("%s: served by the cache %v, segments unchanged %v", what, cached, kept)
	}
	if !sameTailLoad(t, what+", again", db) {
		t.Fatalf("%s: the second load was not served by the cache", what)
	}
	return settingInt(t, db, "snapshot_rows") < storedCount(t, db) || settingInt(t, db, "snapshot_fold_to") > 0
}

// storedCount is how many events db holds.
func storedCount(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL.QueryRow("SELECT sum(n) FROM chunks").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestColumnCacheTail: after small imports the cache serves the
// segments' columns and the tail is merged in, by hand-made cases: events
// of known persons at the very times of theirs (their stored events come
// first), persons new at the end of the ids and in the middle (a user
// known from a link, with no events before), a person before every
// stored one; then the imports that fold the tail, after which the file
// is decoded and written anew.
func TestColumnCacheTail(t *testing.T) {
	withColumnCache(t)
	defer func(n, e int) { segmentEvents, tailEvents = n, e }(segmentEvents, tailEvents)
	segmentEvents, tailEvents = 40, 1<<20 // a tail of up to an eighth of the events
	db := openTemp(t)
	ev := func(user string, sec int, name string, k int) Event {
		return Event{User: user, Name: name, Time: int64(1_700_000_000+sec) * 1000, Props: []Prop{{"k", float64(k)}}}
	}
	var base []Event
	for i := range 400 {
		base = append(base, ev(fmt.Sprint("u", 10+i%37), i/3, fmt.Sprint("e", i%4), i%7))
	}
	// "a0" and "m" are users with no events: a link interns them, before
	// every user with events (a0) and among them (m).
	if checkTailCache(t, "base", db, base, [][2]string{{"a0", "m"}}) {
		t.Fatal("the first import left a tail")
	}
	steps := []struct {
		what string
		evs  []Event
	}{
		{"known persons at their own times", []Event{ev("u10", 0, "e1", 1), ev("u10", 0, "e0", 2), ev("u47", 50, "e3", 3), ev("u46", 132, "e0", 4)}},
		{"new persons at the end", []Event{ev("z1", 5, "e0", 5), ev("z2", 5, "e1", 6), ev("z2", 4, "e2", 0)}},
		{"a new person among the known", []Event{ev("m", 7, "e0", 1), ev("m", 7, "e0", 2), ev("u11", 7, "e9", 3)}},
		{"a person before every other", []Event{ev("a0", 1, "e1", 4), ev("u12", 999, "e1", 5)}},
		{"known and new again", []Event{ev("u10", 0, "e1", 6), ev("m", 7, "e1", 0), ev("z1", 5, "e0", 1), ev("u30", 3, "e2", 2)}},
	}
	for _, s := range steps {
		if !checkTailCache(t, s.what, db, s.evs, nil) {
			t.Fatalf("%s: no tail left", s.what)
		}
	}
	// Imports until the tail folds: a fold cycle's steps rewrite
	// segments, and so does its end; the cache follows each.
	folded := false
	for i := 0; i < 30 && !folded; i++ {
		var evs []Event
		for k := range 6 {
			evs = append(evs, ev(fmt.Sprint("u", 10+(i*7+k*5)%40), i+k, "e2", k))
		}
		checkTailCache(t, fmt.Sprint("fold ", i), db, evs, nil)
		folded = settingInt(t, db, "snapshot_fold_to") > 0
	}
	if !folded {
		t.Fatal("no fold cycle started: the test no longer covers the cache across folds")
	}
}

// TestColumnCacheTailRandom imports random small files (known persons,
// new ones, persons first named by links, equal times, a link now and
// then, a large file that rewrites it all) into databases of small
// segments, and after each checks that the loads served by the cache
// are those without it and the chunks' order.
func TestColumnCacheTailRandom(t *testing.T) {
	withColumnCache(t)
	defer func(n, m, e int) { segmentEvents, positionsPart, tailEvents = n, m, e }(segmentEvents, positionsPart, tailEvents)
	rng := rand.New(rand.NewSource(19))
	tailEvents = 1 << 20
	hits := 0
	for trial := range 4 {
		segmentEvents, positionsPart = 3+rng.Intn(30), 1+rng.Intn(200)
		db := openTemp(t)
		users := 10 + rng.Intn(40)
		for file := range 25 {
			size := 1 + rng.Intn(10)
			switch {
			case file == 0:
				size = 200 + rng.Intn(400)
			case rng.Intn(12) == 0:
				size = 60 + rng.Intn(80) // past the tail's limit
			}
			var evs []Event
			for range size {
				u := rng.Intn(users)
				if rng.Intn(4) == 0 {
					users++
					u = users
				}
				evs = append(evs, Event{User: fmt.Sprint("u", u), Name: fmt.Sprint("e", rng.Intn(4)),
					Time: int64(rng.Intn(40)) * 1000 * int64(1+rng.Intn(3)), Props: []Prop{{"k", float64(rng.Intn(3))}}})
			}
			var links [][2]string
			if rng.Intn(8) == 0 {
				// Users named first by a link: persons among the known
				// once they have events; now and then stored ones linked.
				links = append(links, [2]string{fmt.Sprint("g", rng.Intn(50)), fmt.Sprint("u", users+1+rng.Intn(3))})
				if rng.Intn(3) == 0 {
					links = append(links, [2]string{fmt.Sprint("u", rng.Intn(users)), fmt.Sprint("u", rng.Intn(users))})
				}
			}
			if rng.Intn(4) == 0 {
				evs = append(evs, Event{User: fmt.Sprint("g", rng.Intn(50)), Name: "e1", Time: 3000, Props: []Prop{{"k", 1.0}}})
			}
			what := fmt.Sprintf("trial %d file %d", trial, file)
			before := columnCacheHits.Load()
			if checkTailCache(t, what, db, evs, links) && columnCacheHits.Load()-before == 2 {
				hits++
			}
		}
	}
	if hits < 30 {
		t.Fatalf("only %d imports left a tail the cache served at once: the test no longer covers it", hits)
	}
}
