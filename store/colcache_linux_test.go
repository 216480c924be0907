package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// withColumnCache caches every load's columns in a directory of the
// test's own, returned.
func withColumnCache(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "columns")
	min, where := columnCacheMin, columnCacheDir
	columnCacheMin, columnCacheDir = 1, func() string { return dir }
	t.Cleanup(func() { columnCacheMin, columnCacheDir = min, where })
	return dir
}

// sameColumns checks a load without names, through a handle of its own
// on db's file (a handle maps one cache file in its life), against the
// events ordered from the chunks, and says whether it came from the cache.
func sameColumns(t *testing.T, what string, db *DB) (cached bool) {
	t.Helper()
	h, err := Open(db.Path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	return sameColumnsIn(t, what, h, db)
}

// sameColumnsIn is sameColumns through the handle h.
func sameColumnsIn(t *testing.T, what string, h, db *DB) (cached bool) {
	t.Helper()
	hits := columnCacheHits.Load()
	got, err := h.LoadOrderedIDs(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want := chunkOrder(t, db)
	if !got.fromSnapshot || got.Version != want.Version || !slices.Equal(got.Person, want.Person) || !slices.Equal(got.Start, want.Start) ||
		!slices.Equal(got.Event, want.Event) || !slices.Equal(got.Time, want.Time) || got.MinTime != want.MinTime ||
		got.MaxTime != want.MaxTime || !slices.Equal(got.Names, want.Names) || len(got.Users) != len(want.Users) {
		t.Fatalf("%s: the columns differ from the chunks'\n got %+v\nwant %+v", what, *got, *want)
	}
	// A property column is placed as from a decoded snapshot.
	col, err := got.LoadPropOrdered(context.Background(), "i")
	if err != nil {
		t.Fatal(err)
	}
	pos, err := got.Positions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	placed, err := db.LoadPropAt(context.Background(), "i", got.Version, pos, -1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(col.Codes, placed.Codes) || !slices.Equal(col.Values, placed.Values) {
		t.Fatalf("%s: property column differs", what)
	}
	return columnCacheHits.Load() > hits
}

// cacheFiles lists the cache files of dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestColumnCache loads a database's columns once decoded and written,
// then from the cache, and checks that what must not be read is not: the
// file after an import, or a damaged, cut or stale one, or another
// database in the same place.
func TestColumnCache(t *testing.T) {
	dir := withColumnCache(t)
	defer func(n int) { segmentEvents = n }(segmentEvents)
	segmentEvents = 500
	db := snapshotDB(t)
	if sameColumns(t, "first load", db) {
		t.Fatal("the first load came from the cache")
	}
	// The columns, the property column the load read, and their stamps.
	files := cacheFiles(t, dir)
	if len(files) != 4 || !strings.HasSuffix(files[0], ".cols") || files[1] != stampFile(files[0]) ||
		!strings.HasSuffix(files[2], ".prop") || files[3] != stampFile(files[2]) {
		t.Fatalf("cache files %q, want the columns, a property and their stamps", files)
	}
	sums, props := columnSums.Load(), propCacheHits.Load()
	if !sameColumns(t, "second load", db) || propCacheHits.Load() != props+1 {
		t.Fatal("the second load, or its property column, did not come from the cache")
	}
	// The files were written in this boot: their sums are not read again.
	if columnSums.Load() != sums {
		t.Fatal("the second load checked the sums of the files it wrote")
	}
	// After a reboot they are, once.
	boot := bootID
	defer func() { bootID = boot }()
	bootID = func() string { return "another boot" }
	if !sameColumns(t, "after a reboot", db) || columnSums.Load() != sums+2 {
		t.Fatalf("after a reboot: sums checked %d times, want once a file, from the cache", columnSums.Load()-sums)
	}
	if !sameColumns(t, "after a reboot, again", db) || columnSums.Load() != sums+2 {
		t.Fatal("after a reboot the sums were checked twice")
	}

	// A damaged property file is not read; the column is read from the
	// database and written anew.
	b, err := os.ReadFile(files[2])
	if err != nil {
		t.Fatal(err)
	}
	b[columnHeader] ^= 1
	if err := os.WriteFile(files[2], b, 0o600); err != nil {
		t.Fatal(err)
	}
	props = propCacheHits.Load()
	if !sameColumns(t, "property damaged", db) || propCacheHits.Load() != props {
		t.Fatal("a damaged property file was read")
	}
	if !sameColumns(t, "property damaged, again", db) || propCacheHits.Load() != props+1 {
		t.Fatal("the property file was not written anew")
	}

	// Damage: one byte of the times, the file cut short, a stranger's
	// header. Each is decoded again and written anew.
	damage := []func(b []byte) []byte{
		func(b []byte) []byte { b[len(b)-4*2-100] ^= 1; return b },
		func(b []byte) []byte { return b[:len(b)-1] },
		func(b []byte) []byte { b[20] ^= 0xff; return b },
		func(b []byte) []byte { return b[:100] },
	}
	for k, harm := range damage {
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(files[0], harm(b), 0o600); err != nil {
			t.Fatal(err)
		}
		if sameColumns(t, fmt.Sprint("damage ", k), db) {
			t.Fatalf("damage %d: the damaged file was read", k)
		}
		if !sameColumns(t, fmt.Sprint("after damage ", k), db) {
			t.Fatalf("damage %d: the file was not written anew", k)
		}
	}

	// A byte changed with the file's times put back: the change time
	// still moves, so the sums are checked.
	b, err = os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-4*2-100] ^= 1
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(files[0], info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if sameColumns(t, "damage, times put back", db) {
		t.Fatal("a damaged file with its times put back was read")
	}
	if !sameColumns(t, "after damage, times put back", db) {
		t.Fatal("the file was not written anew")
	}

	// An import makes the files stale: the columns written anew take the
	// old property file with them.
	importEvents(t, db, someEvents(5000, "c"))
	props = propCacheHits.Load()
	if sameColumns(t, "after an import", db) || propCacheHits.Load() != props {
		t.Fatal("a stale file was read after an import")
	}
	if !sameColumns(t, "after an import, again", db) || propCacheHits.Load() != props+1 {
		t.Fatal("the files were not written anew after an import")
	}
	if n := len(cacheFiles(t, dir)); n != 4 {
		t.Fatalf("%d cache files after an import, want 4", n)
	}

	// Another database at the same path, of the same shape and data
	// version (the same users, times and counts: blobs of the same sizes)
	// but other event names, is not this one.
	path := db.Path
	db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	other, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	later := func(n int, tag string) []Event {
		evs := someEvents(n, tag)
		for i := range evs {
			evs[i].Name = fmt.Sprintf("e%d", (i+1)%5)
		}
		return evs
	}
	importEvents(t, other, later(3000, "a"))
	importEvents(t, other, later(2000, "b"))
	importEvents(t, other, later(5000, "c"))
	if sameColumns(t, "another database", other) {
		t.Fatal("another database's file was read")
	}
}

// TestColumnCacheBounds: at most columnCacheFiles databases are kept; a
// cache directory that cannot be made costs nothing but the decode.
func TestColumnCacheBounds(t *testing.T) {
	dir := withColumnCache(t)
	var dbs []*DB
	for range columnCacheFiles + 1 {
		db := snapshotDB(t)
		dbs = append(dbs, db)
		sameColumns(t, "load", db)
		if !sameColumns(t, "load again", db) {
			t.Fatal("not from the cache")
		}
	}
	// Each database's columns and property kept with their stamps; the
	// removed one's went with it.
	if files := cacheFiles(t, dir); len(files) != 4*columnCacheFiles {
		t.Fatalf("cache files %q, want %d databases' and their stamps", files, columnCacheFiles)
	}

	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	columnCacheDir = func() string { return filepath.Join(blocked, "columns") }
	for range 2 {
		if sameColumns(t, "no cache directory", dbs[0]) {
			t.Fatal("from a cache that cannot exist")
		}
	}
}

// TestColumnCacheHandle: one handle maps one cache file in its life. Its
// loads of the same data share the mapping, with names or without; after
// an import its loads decode (and write the file for others), and a new
// handle maps that file.
func TestColumnCacheHandle(t *testing.T) {
	withColumnCache(t)
	ctx := context.Background()
	db := snapshotDB(t)
	if sameColumnsIn(t, "first load", db, db) || !sameColumnsIn(t, "second load", db, db) {
		t.Fatal("the second load, and only it, should come from the cache")
	}
	a, err := db.LoadOrderedIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hits := columnCacheHits.Load()
	named, err := db.LoadOrdered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := chunkOrder(t, db)
	if columnCacheHits.Load() != hits+1 || &named.Event[0] != &a.Event[0] || &named.Time[0] != &a.Time[0] {
		t.Fatal("a load with names did not share the handle's mapping")
	}
	if !slices.Equal(named.Users, want.Users) || !slices.Equal(named.Event, want.Event) || !slices.Equal(named.Time, want.Time) {
		t.Fatal("a load with names from the cache differs from the chunks'")
	}
	if named.Users[len(named.Users)-1] == "" {
		t.Fatal("a load with names has no names")
	}
	// Its property columns too: each is mapped once.
	p1, err := a.LoadPropOrdered(ctx, "i")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := named.LoadPropOrdered(ctx, "i")
	if err != nil {
		t.Fatal(err)
	}
	if &p1.Codes[0] != &p2.Codes[0] || !slices.Equal(p1.Values, p2.Values) {
		t.Fatal("a handle's property column was mapped twice")
	}

	importEvents(t, db, someEvents(5000, "c"))
	for _, what := range []string{"after an import", "after an import, again"} {
		if sameColumnsIn(t, what, db, db) {
			t.Fatalf("%s: the handle mapped a second file", what)
		}
	}
	if !sameColumns(t, "after an import, another handle", db) {
		t.Fatal("after an import, another handle did not map the file written")
	}

	// A handle that mapped nothing (its loads decoded) maps the file of
	// the data after an import.
	fresh := snapshotDB(t)
	if sameColumnsIn(t, "fresh, first load", fresh, fresh) {
		t.Fatal("the first load came from the cache")
	}
	importEvents(t, fresh, someEvents(5000, "c"))
	if sameColumnsIn(t, "fresh, after an import", fresh, fresh) || !sameColumnsIn(t, "fresh, after an import, again", fresh, fresh) {
		t.Fatal("a handle that mapped nothing did not map the file of the data after an import")
	}
}

// TestColumnCacheUnmapped: a load tries the cache with SQLite reading its
// pages mapped (loadCached), and whether the cache served it or not, its
// connection goes back to the pool unmapped: a later read of the
// snapshot's blobs on it would count them all as resident memory.
func TestColumnCacheUnmapped(t *testing.T) {
	withColumnCache(t)
	db := snapshotDB(t)
	for _, want := range []bool{false, true} {
		h, err := Open(db.Path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		h.SQL.SetMaxOpenConns(1) // the load's connection is the one asked below
		if got := sameColumnsIn(t, fmt.Sprint("from the cache: ", want), h, db); got != want {
			t.Fatalf("from the cache: %v, want %v", got, want)
		}
		var size int64
		if err := h.SQL.QueryRow("PRAGMA mmap_size").Scan(&size); err != nil {
			t.Fatal(err)
		}
		h.Close()
		if size != 0 {
			t.Fatalf("from the cache %v: the connection is left with mmap_size %d", want, size)
		}
	}
}

// TestColumnCacheWarm: a handle opened with Warm maps the cache file at
// the open and its load takes that mapping when the file is the one it
// checks; a file written anew meanwhile is mapped afresh, and a warm
// mapping nothing took is released at Close.
func TestColumnCacheWarm(t *testing.T) {
	withColumnCache(t)
	db := snapshotDB(t)
	open := func() *DB {
		h, err := Open(db.Path, Options{ReadOnly: true, Warm: true})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := open()
	if h.cols.warmed != nil {
		t.Fatal("warmed a cache file before there was one")
	}
	if sameColumnsIn(t, "first load", h, db) {
		t.Fatal("the first load came from the cache")
	}
	h.Close()

	h = open()
	w := h.cols.warmed
	if w == nil {
		t.Fatal("the cache file was not warmed")
	}
	if !sameColumnsIn(t, "warm", h, db) {
		t.Fatal("the load did not come from the cache")
	}
	if h.cols.warmed != nil || w.stop.Load() || &h.cols.cols.m[0] != &w.m[0] {
		t.Fatal("the load did not take the warm mapping")
	}
	h.Close()

	// The cache file replaced after the open: the warm mapping is of
	// another file and is released; the load maps the new one.
	h = open()
	w = h.cols.warmed
	if w == nil {
		t.Fatal("the cache file was not warmed")
	}
	b, err := os.ReadFile(w.file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(w.file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if !sameColumnsIn(t, "replaced", h, db) {
		t.Fatal("the replaced file's columns were not read")
	}
	// (The new mapping may well be at the address the released one had.)
	if h.cols.warmed != nil || !w.stop.Load() {
		t.Fatal("the load took the warm mapping of a replaced file")
	}
	h.Close()

	// Closed without a load: released.
	h = open()
	w = h.cols.warmed
	h.Close()
	if w == nil || !w.stop.Load() {
		t.Fatal("a warm mapping nothing took was not released at Close")
	}
}
