package importers

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/store"
)

func newDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeFile writes content to a fresh file named name and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// counts is (events, persons after identity stitching, ledger rows).
func counts(t testing.TB, db *store.DB) (int, int, int) {
	t.Helper()
	r, err := db.LoadRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	persons := map[int32]bool{}
	for _, u := range r.User {
		persons[r.Canon[u]] = true
	}
	var ledger int
	if err := db.SQL.QueryRow("SELECT count(*) FROM imports").Scan(&ledger); err != nil {
		t.Fatal(err)
	}
	return len(r.Time), len(persons), ledger
}

// storedEvents reads every stored event back as user/name/time/props JSON.
type storedEvent struct {
	User, Name string
	Time       int64
	Props      string
}

func stored(t testing.TB, db *store.DB) []storedEvent {
	t.Helper()
	if err := db.EnsureRows(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL.Query(`SELECT u.distinct_id, n.name, e.time, coalesce(e.props, '{}') FROM events e
		JOIN users u ON u.id = e.user_id JOIN event_names n ON n.id = e.event_id ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		if err := rows.Scan(&e.User, &e.Name, &e.Time, &e.Props); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func mustImport(t testing.TB, db *store.DB, path string, opt Options) *Result {
	t.Helper()
	res, err := ImportFile(context.Background(), db, path, opt)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

var bg = context.Background()
