package tui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/store"
)

// TestImportFromTheSampleMakesADatabase presses I on the sample (the
// in-memory fixture), picks a CSV and accepts the offered database
// file: the file is created with exactly the CSV's events, and the
// workbench switches to it, its tabs seeded from the new data.
func TestImportFromTheSampleMakesADatabase(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	t.Setenv("SPOOR_DB", "")
	csv := "user_id,event,time\n" +
		"a,signup,2026-03-01T10:00:00Z\na,login,2026-03-02T10:00:00Z\na,login,2026-03-09T10:00:00Z\n" +
		"b,signup,2026-03-01T11:00:00Z\nb,login,2026-03-03T09:00:00Z\n"
	if err := os.WriteFile("events.csv", []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 100, 30)
	if h.m.sh.db.Path != ":memory:" {
		t.Fatal("the fixture is not in memory")
	}
	h.keys("I", "events.csv", "<enter>")
	pr, ok := h.m.dlg.(*prompt)
	if !ok {
		t.Fatalf("after picking the file: %T (status %q)", h.m.dlg, h.m.status)
	}
	if pr.input.Value() != "spoor.db" {
		t.Fatalf("offers %q", pr.input.Value())
	}
	h.keys("<enter>")
	if h.m.sh.source != "spoor.db" || h.m.sh.db.Path != "spoor.db" {
		t.Fatalf("still on %q (status %q)", h.m.sh.source, h.m.status)
	}
	if n := h.m.sh.d.Len(); n != 5 {
		t.Fatalf("the workbench shows %d events, the file has 5 (mixed with the sample?)", n)
	}
	h.keys("<esc>", "2")
	if got := stepNames(funnelQ(t, h)); len(got) != 2 || got[0] != "signup" {
		t.Fatalf("the funnel was not seeded from the new data: %v", got)
	}
	h.contains("spoor.db", "5 events")
	// The file holds the events on its own.
	db, err := store.Open(filepath.Join(dir, "spoor.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h.keys("6")
	h.contains("signup", "login")
}

// A failed import from the sample leaves no database file behind.
func TestFailedImportFromTheSampleLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if err := os.WriteFile("broken.json", []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 100, 30)
	h.keys("I", "broken.json", "<enter>", "<enter>")
	if h.m.sh.db.Path != ":memory:" {
		t.Fatalf("switched to %q after a failed import", h.m.sh.db.Path)
	}
	if _, err := os.Stat(filepath.Join(dir, "spoor.db")); !os.IsNotExist(err) {
		t.Fatalf("a failed import left spoor.db: %v", err)
	}
}
