package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// userRows reads the events through QueryUser, as spoor sql does.
func userRows(t *testing.T, db *DB, q string) []string {
	t.Helper()
	var out []string
	err := db.QueryUser(context.Background(), q, func([]string) error { return nil }, func(v []any) error {
		out = append(out, fmt.Sprint(v...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const everyColumn = `SELECT e.id, u.distinct_id, n.name, e.time, e.props, e.insert_id, e.import_id FROM events e
	JOIN users u ON u.id = e.user_id JOIN event_names n ON n.id = e.event_id ORDER BY e.id`

// TestQueryUserSeesDeferredRows checks that typed SQL on a database whose
// imports deferred their rows sees exactly the rows a direct import writes
// (every column, props JSON in canonical key order, a mix of written and
// deferred imports), and that answering it changes no byte of the file:
// neither the database nor its -wal is written, and the mtimes stay.
func TestQueryUserSeesDeferredRows(t *testing.T) {
	var parts [3][]Event
	for i := 0; i < 450; i++ {
		e := Event{User: "u" + strconv.Itoa(i%11), Name: "e" + strconv.Itoa(i%4), Time: int64(1_700_000_000_000 - i*997)}
		if i%2 == 0 {
			e.Props = []Prop{{"price", float64(i) / 4}, {"city", "北京"}, {"Zeta", "a\"b"}}
		}
		if i%5 == 0 {
			e.Props = append(e.Props, Prop{"ok", i%10 == 0}, Prop{"nested.k", nil}, Prop{"é", int64(i)})
		}
		parts[i/150] = append(parts[i/150], e)
	}
	direct := openTemp(t)
	path := filepath.Join(t.TempDir(), "d.db")
	deferred, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	// a deferred, b written directly (which writes a's rows first), c deferred.
	for i, p := range parts {
		importInfo(t, direct, ImportInfo{File: strconv.Itoa(i)}, p)
		importInfo(t, deferred, ImportInfo{File: strconv.Itoa(i), DeferRows: i != 1}, p)
	}
	deferred.Close()
	want := userRows(t, direct, everyColumn)
	if len(want) != 450 {
		t.Fatalf("direct: %d rows", len(want))
	}

	before := fileState(t, path)
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ro.RowsPending(context.Background()); !p {
		t.Fatal("no rows pending: the test would not test the view")
	}
	got := userRows(t, ro, everyColumn)
	for i := range want {
		if i >= len(got) || want[i] != got[i] {
			t.Fatalf("row %d:\n direct   %q\n deferred %q", i, want[i], got[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	// Filters, aggregates and the view's absence after the query: the
	// store's own statements see main.events.
	if n := userRows(t, ro, "SELECT count(*) FROM events WHERE user_id = 3 AND time > 1699999900000"); n[0] != userRows(t, direct, "SELECT count(*) FROM events WHERE user_id = 3 AND time > 1699999900000")[0] {
		t.Fatalf("filtered count %v", n)
	}
	// The view decodes only the columns a query reads: each alone, and
	// none at all, answers as the written rows do. The property gatherer
	// called by hand hands out tokens no chunk takes, which changes nothing.
	for _, q := range []string{"SELECT count(*) FROM events", "SELECT sum(user_id) FROM events", "SELECT sum(event_id) FROM events",
		"SELECT sum(time) FROM events", "SELECT group_concat(props, '|') FROM events", "SELECT max(id), min(import_id) FROM events",
		"SELECT count(*) FROM (SELECT spoor_chunk_props(key, dict, codes) FROM chunk_props GROUP BY chunk_id)",
		"SELECT user_id, count(*) FROM events WHERE props IS NULL GROUP BY user_id ORDER BY user_id"} {
		if got, want := userRows(t, ro, q), userRows(t, direct, q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: %v, want %v", q, got, want)
		}
	}
	var stored int
	if err := ro.SQL.QueryRow("SELECT count(*) FROM events").Scan(&stored); err != nil || stored != 300 {
		t.Fatalf("main.events seen by the store: %d rows (%v), want the 300 written", stored, err)
	}
	ro.Close()
	if after := fileState(t, path); after != before {
		t.Fatalf("spoor sql changed the files:\n before %s\n after  %s", before, after)
	}

	// A writable open (the workbench's) answers the same, and writes nothing either.
	rw, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := userRows(t, rw, "SELECT count(*), sum(time), sum(length(props)) FROM events"); got[0] != userRows(t, direct, "SELECT count(*), sum(time), sum(length(props)) FROM events")[0] {
		t.Fatalf("writable open: %v", got)
	}
	if p, _ := rw.RowsPending(context.Background()); !p {
		t.Fatal("the rows were written")
	}
	rw.Close()
}

// fileState is the database's and its -wal's size, mtime and a digest of
// their bytes.
func fileState(t *testing.T, path string) string {
	t.Helper()
	var s string
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			s += p + " absent; "
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprintf("%s %d bytes, mtime %v, sha256 %x; ", filepath.Base(p), fi.Size(), fi.ModTime().UnixNano(), sha256.Sum256(b))
	}
	return s
}
