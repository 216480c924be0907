package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
)

// fixture describes a test database; fixtureDB builds it in a temporary
// directory, applying its sources in this order: generated sample data
// (the flags of spoor sample), a file imported with spoor import, then
// events and identity links added through the store as one import.
type fixture struct {
	db      string        // database file name
	sample  []string      // spoor sample flags; nil: no sample
	file    string        // name of the imported file, or of the events' import
	content string        // the imported file's text; "" imports none
	events  []store.Event // added through the store
	links   [][2]string   // anonymous id, user
}

// fixtureDB builds f and returns the database's path.
func fixtureDB(t *testing.T, f fixture) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, f.db)
	if f.sample != nil {
		if code, _, errs := runCLI(t, "", append([]string{"sample", "--db", path}, f.sample...)...); code != 0 {
			t.Fatalf("sample: %s", errs)
		}
	}
	if f.content != "" {
		src := filepath.Join(dir, f.file)
		if err := os.WriteFile(src, []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCLI(t, "", "import", "--quiet", "--db", path, src); code != 0 {
			t.Fatalf("import: %s", errs)
		}
	}
	if f.events == nil && f.links == nil {
		return path
	}
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	format := strings.TrimPrefix(filepath.Ext(f.file), ".")
	if format == "" {
		format = "test"
	}
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: f.file, Format: format})
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.events {
		if err := tx.Add(ctx, &f.events[i]); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	for _, l := range f.links {
		if err := tx.Link(ctx, l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, store.ImportStats{RowsRead: int64(len(f.events))}); err != nil {
		t.Fatal(err)
	}
	return path
}

// timeline reads events one a line, "USER EVENT TIME [VALUE]", TIME as
// 2006-01-02T15:04 or 2006-01-02T15:04:05.000 in UTC; VALUE, unless "-",
// is the event's property key.
func timeline(t *testing.T, key, text string) []store.Event {
	t.Helper()
	var evs []store.Event
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		tm, err := time.Parse("2006-01-02T15:04", f[2])
		if err != nil {
			tm, err = time.Parse("2006-01-02T15:04:05.000", f[2])
		}
		if err != nil {
			t.Fatalf("fixture time %q: %v", f[2], err)
		}
		e := store.Event{User: f[0], Name: f[1], Time: tm.UnixMilli()}
		if len(f) > 3 && f[3] != "-" {
			e.Props = []store.Prop{{Key: key, Value: f[3]}}
		}
		evs = append(evs, e)
	}
	return evs
}
