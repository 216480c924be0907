package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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
	open := func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(path, store.Options{})
		return db, path, err
	}
	m := New(ctx, open, false)
	h := &harness{t: t, m: m}
	h.send(tea.WindowSizeMsg{Width: 200, Height: 30})
	h.run(m.Init())
	old := m.sh.db
	defer func() { m.sh.db.Close() }()
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
