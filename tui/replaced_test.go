package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

// With the workbench open, rm spoor.db and a backup restored to the path
// (issue 20.3): the change watcher's next look says so, an import is
// refused rather than written into the unlinked file, and ctrl+r opens the
// file the path holds now.
func TestDatabaseReplacedUnderTheWorkbench(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "spoor.db")
	mk := func(p string, users int) {
		db, err := store.Open(p, store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sample.Import(ctx, db, sample.Config{Users: users, Days: 5, Seed: 1}, false); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	mk(path, 10)
	backup := filepath.Join(dir, "backup.db")
	mk(backup, 30)
	h := fileHarness(t, path, 200, 30)
	m := h.m
	old := m.sh.db
	h.run(m.watchTick())
	if m.replaced {
		t.Fatal("flagged before anything happened")
	}
	os.Remove(path)
	h.run(m.watchTick())
	h.contains("was deleted or replaced", "ctrl+r to reopen")
	tx, err := old.BeginImport(ctx, store.ImportInfo{File: "x", Format: "csv"})
	if err == nil {
		tx.Rollback()
		t.Fatal("an import into the deleted file was allowed")
	}
	b, _ := os.ReadFile(backup)
	os.WriteFile(path, b, 0o644)
	h.run(m.watchTick())
	h.contains("was deleted or replaced")
	h.keys("<ctrl+r>")
	if m.sh.db == old || m.replaced {
		t.Fatal("ctrl+r did not reopen the file at the path")
	}
	if s := h.screen(); strings.Contains(s, "was deleted or replaced") {
		t.Fatalf("still flagged:\n%s", s)
	}
	if err := m.sh.db.CheckSame(); err != nil {
		t.Fatal(err)
	}
}
