package cli

import (
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// Read-only commands and writing ones alike refuse another program's
// SQLite file without changing a byte of it or leaving files beside it
// (issue 20.2: spoor sql once added 15 tables and switched it to WAL).
func TestForeignSQLiteRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "customers.db")
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec("CREATE TABLE events(id INTEGER PRIMARY KEY, what TEXT); INSERT INTO events(what) VALUES('signup')"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	csv := filepath.Join(dir, "e.csv")
	os.WriteFile(csv, []byte("user_id,event,time\nu1,a,2024-01-01\n"), 0o644)
	sum := sha(t, path)
	for _, args := range [][]string{
		{"sql", "select 1"},
		{"info"},
		{"events"},
		{"trends"},
		{"doctor"},
		{"import", csv},
		{"segment", "create", "s", "did a"},
		{"audience", "create", "a", "did a"},
	} {
		code, _, errs := exRun(t, append(args, "--db", path)...)
		if code != 1 || !strings.Contains(errs, "another program's SQLite database") {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
		if sha(t, path) != sum {
			t.Fatalf("%v changed the file", args)
		}
		if left, _ := filepath.Glob(path + "-*"); len(left) > 0 {
			t.Fatalf("%v left %v", args, left)
		}
	}
}

// A failed import does not leave an empty database behind (issue 14.17):
// it would hide the workbench's built-in sample. An import that stores
// events creates the file.
func TestFailedImportCreatesNoDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "spoor.db")
	for _, src := range []string{filepath.Join(dir, "missing.csv"), dir} {
		if code, _, errs := exRun(t, "import", "--db", db, src); code != 1 || errs == "" {
			t.Fatalf("import %s: exit %d %q", src, code, errs)
		}
		if left, _ := filepath.Glob(db + "*"); len(left) > 0 {
			t.Fatalf("import %s left %v", src, left)
		}
	}
	csv := filepath.Join(dir, "e.csv")
	os.WriteFile(csv, []byte("user_id,event,time\nu1,a,2024-01-01\n"), 0o644)
	if code, _, errs := exRun(t, "import", "--db", db, filepath.Join(dir, "missing.csv"), csv); code != 1 || !strings.Contains(errs, "1 imported") {
		t.Fatalf("exit %d %q", code, errs)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the import that stored events left no database: %v", err)
	}
}

// holdWriteLock takes path's write lock as another process's import would,
// and releases it after d.
func holdWriteLock(t *testing.T, path string, d time.Duration) {
	t.Helper()
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxOpenConns(1)
	if _, err := c.Exec("BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(d, func() {
		c.Exec("ROLLBACK")
		c.Close()
	})
}

// Writes that find an import under way wait for it and say so, as import
// does (issue 20.10): segment create once failed at once with "database is
// locked". spoor sql on the rows a bulk import deferred writes nothing, so
// it answers at once.
func TestWritesWaitForAnImport(t *testing.T) {
	edu := exEduDB(t) // sample --db defers the SQL rows, as bulk imports do
	holdWriteLock(t, edu, 1500*time.Millisecond)
	start := time.Now()
	code, out, errs := exRun(t, "segment", "create", "s", "did login", "--db", edu)
	if code != 0 || !strings.Contains(errs, "another import is writing to "+edu+"; waiting for it to finish") {
		t.Fatalf("segment create: exit %d %q %q", code, out, errs)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("segment create finished in %v while the lock was held", waited)
	}
	holdWriteLock(t, edu, 3*time.Second)
	start = time.Now()
	code, out, errs = exRun(t, "sql", "--db", edu, "--format", "csv", "SELECT count(*) > 0 AS some FROM events")
	if code != 0 || out != "some\n1\n" || errs != "" {
		t.Fatalf("sql: exit %d %q %q", code, out, errs)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("sql waited %v for the import", waited)
	}
}
