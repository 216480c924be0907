package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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
		if err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	imp, dup, err := tx.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
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

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func importInfo(t *testing.T, db *DB, info ImportInfo, evs []Event) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
}

func sqlRows(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.SQL.Query(`SELECT e.id, u.distinct_id, n.name, e.time, coalesce(e.props, '') FROM events e
		JOIN users u ON u.id = e.user_id JOIN event_names n ON n.id = e.event_id ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, tm int64
		var u, n, p string
		rows.Scan(&id, &u, &n, &tm, &p)
		out = append(out, fmt.Sprint(id, u, n, tm, p))
	}
	return out
}

// TestDeferredRowsMatchDirect checks that rows filled in later from the
// columns equal the rows an import writes directly, props JSON included,
// across chunk boundaries of several imports.
func TestDeferredRowsMatchDirect(t *testing.T) {
	var a, b []Event
	for i := 0; i < 300; i++ {
		e := Event{User: "u" + strconv.Itoa(i%7), Name: "e" + strconv.Itoa(i%3), Time: int64(1_700_000_000_000 - i*1000)}
		if i%2 == 0 {
			e.Props = []Prop{{"price", float64(i) / 4}, {"city", "北京"}}
		}
		if i%5 == 0 {
			e.Props = append(e.Props, Prop{"ok", i%10 == 0}, Prop{"nested.k", nil})
		}
		if i < 200 {
			a = append(a, e)
		} else {
			b = append(b, e)
		}
	}
	direct, deferred := openTemp(t), openTemp(t)
	importInfo(t, direct, ImportInfo{File: "a"}, a)
	importInfo(t, direct, ImportInfo{File: "b"}, b)
	importInfo(t, deferred, ImportInfo{File: "a", DeferRows: true}, a)
	importInfo(t, deferred, ImportInfo{File: "b", DeferRows: true}, b)
	ctx := context.Background()
	if p, _ := deferred.RowsPending(ctx); !p {
		t.Fatal("deferred import reports no pending rows")
	}
	if n := len(sqlRows(t, deferred)); n != 0 {
		t.Fatalf("deferred import wrote %d rows", n)
	}
	if err := deferred.EnsureRows(ctx); err != nil {
		t.Fatal(err)
	}
	want, got := sqlRows(t, direct), sqlRows(t, deferred)
	if len(want) != 300 || len(got) != 300 {
		t.Fatalf("rows: direct %d, deferred %d, want 300", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("row %d: direct %q, deferred %q", i, want[i], got[i])
		}
	}
	// A direct import after a deferred one fills the earlier rows first.
	importInfo(t, deferred, ImportInfo{File: "c"}, []Event{{User: "z", Name: "e0", Time: 1}})
	if n := len(sqlRows(t, deferred)); n != 301 {
		t.Fatalf("after a direct import: %d rows, want 301", n)
	}
	col, err := deferred.LoadProp(ctx, "city", mustVersion(t, deferred))
	if err != nil {
		t.Fatal(err)
	}
	set := 0
	for _, c := range col.Codes {
		if c != 0 {
			set++
			if col.Values[c-1] != "北京" {
				t.Fatalf("city value %q", col.Values[c-1])
			}
		}
	}
	if set != 150 {
		t.Fatalf("city set on %d events, want 150", set)
	}
	ok, _ := deferred.LoadProp(ctx, "ok", mustVersion(t, deferred))
	if len(ok.Values) != 2 || ok.Values[0] != "true" || ok.Values[1] != "false" {
		t.Fatalf("bool values %q", ok.Values)
	}
}

func mustVersion(t *testing.T, db *DB) int64 {
	v, err := db.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestImportsSerialise holds one import open while a second starts from
// another connection: the second waits, says so, and completes after the
// first commits, instead of failing with "database is locked".
func TestImportsSerialise(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	ctx := context.Background()
	a, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	first, err := a.BeginImport(ctx, ImportInfo{File: "first"})
	if err != nil {
		t.Fatal(err)
	}
	first.Add(ctx, &Event{User: "u", Name: "e", Time: 1})
	waited := make(chan struct{})
	done := make(chan error)
	go func() {
		second, err := b.BeginImport(ctx, ImportInfo{File: "second", Waiting: func() { close(waited) }})
		if err != nil {
			done <- err
			return
		}
		second.Add(ctx, &Event{User: "u", Name: "e", Time: 2})
		done <- second.Commit(ctx, ImportStats{})
	}()
	<-waited
	if err := first.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("second import: %v", err)
	}
	rows, err := a.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Time) != 2 {
		t.Fatalf("%d events, want 2", len(rows.Time))
	}
}

// TestEnsureRowsBulkRebuildsIndexes fills enough deferred rows to take the
// drop-and-rebuild path, and checks the rows and both indexes are there.
func TestEnsureRowsBulkRebuildsIndexes(t *testing.T) {
	db := openTemp(t)
	evs := make([]Event, 120_000)
	for i := range evs {
		evs[i] = Event{User: "u" + strconv.Itoa(i%1000), Name: "e", Time: int64(i)}
	}
	importInfo(t, db, ImportInfo{File: "big", DeferRows: true}, evs)
	if err := db.EnsureRows(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n, ix int
	db.SQL.QueryRow("SELECT count(*) FROM events").Scan(&n)
	db.SQL.QueryRow("SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('events_user_time','events_event_time')").Scan(&ix)
	if n != len(evs) || ix != 2 {
		t.Fatalf("%d rows and %d indexes, want %d and 2", n, ix, len(evs))
	}
	var ok string
	db.SQL.QueryRow("PRAGMA integrity_check").Scan(&ok)
	if ok != "ok" {
		t.Fatalf("integrity_check: %s", ok)
	}
}

// TestUserNamesBlobsMatchTable checks the blob copy of the distinct ids
// against the users table, across imports, chunks and identity links.
func TestUserNamesBlobsMatchTable(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	importInfo(t, db, ImportInfo{File: "a"}, []Event{{User: "u1", Name: "e", Time: 1}, {User: "用户2", Name: "e", Time: 2}})
	tx, err := db.BeginImport(ctx, ImportInfo{File: "b"})
	if err != nil {
		t.Fatal(err)
	}
	tx.Add(ctx, &Event{User: "anon-9", Name: "e", Time: 3})
	tx.Link(ctx, "anon-9", "u1")
	tx.Link(ctx, "anon-10", "u11")
	if err := tx.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
	rtx, _ := db.SQL.Begin()
	defer rtx.Rollback()
	fromBlobs, err := loadUserNames(ctx, rtx)
	if err != nil {
		t.Fatal(err)
	}
	fromTable, err := loadDict(ctx, rtx, "SELECT id, distinct_id FROM users ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(fromBlobs) != fmt.Sprint(fromTable) || len(fromTable) != 6 {
		t.Fatalf("blobs %q, table %q", fromBlobs, fromTable)
	}
	rows, err := db.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Users[rows.Canon[3]] != "u1" {
		t.Fatalf("anon-9 stitched to %q, want u1", rows.Users[rows.Canon[3]])
	}
}

// TestChunkIdsOutOfRangeAreCorrupt: a chunk naming a user or event id the
// dictionaries lack is refused as damage, never handed to the engine.
func TestChunkIdsOutOfRangeAreCorrupt(t *testing.T) {
	for _, col := range []string{"users", "events"} {
		db := openTemp(t)
		importInfo(t, db, ImportInfo{File: "a"}, []Event{{User: "u1", Name: "e", Time: 1}})
		// 999 as a zigzag varint delta (users) or a uvarint (events).
		bad := []byte{0xce, 0x0f}
		if col == "events" {
			bad = []byte{0xe7, 0x07}
		}
		if _, err := db.SQL.Exec("UPDATE chunks SET "+col+" = ?", bad); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadRows(context.Background()); !errors.Is(err, errCorrupt) {
			t.Fatalf("%s: %v, want the corrupt-chunk error", col, err)
		}
	}
}

// TestPropPairsDamageIsAnError: a property column whose row steps are zero
// or run past the chunk, or a dense one with too few, too many or unknown
// codes, is damage, reported as such, never an index panic.
func TestPropPairsDamageIsAnError(t *testing.T) {
	for name, pairs := range map[string][]byte{
		"zero step":      {0x01, 0x01, 0x00, 0x01},
		"past the end":   {0x05, 0x01},
		"dense, no code": {0x00},
		"dense, unknown": {0x00, 0x02},
		"dense, extra":   {0x00, 0x01, 0x01},
		"huge step":      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01},
	} {
		db := openTemp(t)
		importInfo(t, db, ImportInfo{File: "a"}, []Event{{User: "u1", Name: "e", Time: 1, Props: []Prop{{"k", "v"}}}})
		if _, err := db.SQL.Exec("UPDATE chunk_props SET codes = ?", pairs); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadProp(context.Background(), "k", mustVersion(t, db)); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v, want the corrupt-chunk error", name, err)
		}
	}
}

// TestDensePropColumns: a key on every row (with codes past one byte) or
// on most rows is stored densely, a rare key as pairs, and each reads back
// the value of every event, and nothing where the event lacks the key.
func TestDensePropColumns(t *testing.T) {
	db := openTemp(t)
	var evs []Event
	want := map[string][]string{}
	for i := 0; i < 1000; i++ {
		e := Event{User: fmt.Sprintf("u%d", i%37), Name: "e", Time: int64(i)}
		set := func(key, v string) {
			e.Props = append(e.Props, Prop{key, v})
			want[key] = append(want[key], v)
		}
		set("all", fmt.Sprintf("v%d", i%300))
		if i%4 != 0 {
			set("most", fmt.Sprintf("m%d", i%3))
		} else {
			want["most"] = append(want["most"], "")
		}
		if i%10 == 0 {
			set("rare", "r")
		} else {
			want["rare"] = append(want["rare"], "")
		}
		evs = append(evs, e)
	}
	importInfo(t, db, ImportInfo{File: "a"}, evs)
	for key, dense := range map[string]bool{"all": true, "most": true, "rare": false} {
		var first string
		if err := db.SQL.QueryRow("SELECT hex(substr(codes, 1, 1)) FROM chunk_props WHERE key = ?", key).Scan(&first); err != nil {
			t.Fatal(err)
		}
		if (first == "00") != dense {
			t.Errorf("%s: first byte %s, want dense=%v", key, first, dense)
		}
		col, err := db.LoadProp(context.Background(), key, mustVersion(t, db))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range col.Codes {
			got := ""
			if c > 0 {
				got = col.Values[c-1]
			}
			if got != want[key][i] {
				t.Fatalf("%s event %d: %q, want %q", key, i, got, want[key][i])
			}
		}
	}
}

// TestColumnsReusedAcrossChunks imports events over many small chunks, whose
// property columns reuse the previous chunk's buffers and dictionaries: a
// key's values read back as imported whether it was in the last chunk or not.
func TestColumnsReusedAcrossChunks(t *testing.T) {
	defer func(n int) { chunkEvents = n }(chunkEvents)
	chunkEvents = 64
	db := openTemp(t)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c", "d"}
	want := map[string][]string{}
	var evs []Event
	for i := 0; i < 2000; i++ {
		e := Event{User: fmt.Sprintf("u%d", rng.IntN(50)), Name: "e", Time: int64(i)}
		chunk := i / chunkEvents
		for k, key := range keys {
			// Key k is absent from every (k+2)-th chunk and otherwise set
			// on a share of the rows, with values that differ by chunk.
			v := ""
			if chunk%(k+2) != 0 && rng.IntN(4) <= k {
				v = fmt.Sprintf("%s%d", key, rng.IntN(3+chunk%5))
				e.Props = append(e.Props, Prop{key, v})
			}
			want[key] = append(want[key], v)
		}
		evs = append(evs, e)
	}
	importInfo(t, db, ImportInfo{File: "a", DeferRows: true}, evs)
	var chunks int
	if err := db.SQL.QueryRow("SELECT count(*) FROM chunks").Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	if chunks != 2000/64+1 {
		t.Fatalf("%d chunks, want %d", chunks, 2000/64+1)
	}
	for _, key := range keys {
		col, err := db.LoadProp(context.Background(), key, mustVersion(t, db))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range col.Codes {
			got := ""
			if c > 0 {
				got = col.Values[c-1]
			}
			if got != want[key][i] {
				t.Fatalf("%s event %d: %q, want %q", key, i, got, want[key][i])
			}
		}
	}
}
