package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// foreignDB writes another program's SQLite database: a rollback-journal
// file with its own events table, and returns its path.
func foreignDB(t *testing.T, dir string, wal bool) string {
	t.Helper()
	path := filepath.Join(dir, "customers.db")
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	q := "CREATE TABLE events(id INTEGER PRIMARY KEY, what TEXT); INSERT INTO events(what) VALUES('signup'); CREATE TABLE customers(name TEXT)"
	if wal {
		q = "PRAGMA journal_mode=WAL; " + q
	}
	if _, err := c.Exec(q); err != nil {
		t.Fatal(err)
	}
	c.Close()
	return path
}

// Only an empty file or a spoor database is written: another program's
// SQLite file (with or without its own events table, in either journal
// mode) is refused by every kind of open, byte for byte untouched, and no
// -wal, -shm or -journal appears beside it (issue 20.2).
func TestForeignSQLiteUntouched(t *testing.T) {
	for _, wal := range []bool{false, true} {
		dir := t.TempDir()
		path := foreignDB(t, dir, wal)
		sum := fileHash(t, path)
		for _, opt := range []Options{{Create: true}, {}, {ReadOnly: true}} {
			db, err := Open(path, opt)
			if err == nil {
				db.Close()
			}
			if !errors.Is(err, ErrNotSQLite) || !strings.Contains(err.Error(), "another program's SQLite database") {
				t.Errorf("wal %v, %+v: %v, want it refused as another program's", wal, opt, err)
			}
			if fileHash(t, path) != sum {
				t.Fatalf("wal %v, %+v: the file changed", wal, opt)
			}
			if left, _ := filepath.Glob(path + "-*"); len(left) > 0 {
				t.Fatalf("wal %v, %+v: left %v", wal, opt, left)
			}
		}
	}
}

// An empty file gets the schema only from a command that creates (import,
// sample --db); the others say it holds no events and leave it empty.
func TestEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(path, nil, 0o644)
	for _, opt := range []Options{{}, {ReadOnly: true}} {
		if _, err := Open(path, opt); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "spoor import") {
			t.Errorf("%+v: %v, want ErrEmpty with advice", opt, err)
		}
		if fi, _ := os.Stat(path); fi.Size() != 0 {
			t.Fatalf("%+v: the empty file was written (%d bytes)", opt, fi.Size())
		}
	}
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(10, "e"))
	db.Close()
	db, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countEvents(t, db); n != 10 {
		t.Fatalf("%d events", n)
	}
}

// A read-only open of a WAL database creates -wal and -shm to read it; it
// removes them again on Close, so none are left to trip a later writer.
// Files another connection is using are left alone.
func TestReadOnlyLeavesNoWALFiles(t *testing.T) {
	path := seededDB(t, 50, "e")
	if left, _ := filepath.Glob(path + "-*"); len(left) > 0 {
		t.Fatalf("the writer left %v", left)
	}
	sum := fileHash(t, path)
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, ro); n != 50 {
		t.Fatalf("%d events", n)
	}
	if left, _ := filepath.Glob(path + "-*"); len(left) != 2 {
		t.Fatalf("while reading: %v (SQLite needs -wal and -shm)", left)
	}
	ro.Close()
	if left, _ := filepath.Glob(path + "-*"); len(left) > 0 {
		t.Fatalf("the read-only open left %v", left)
	}
	if fileHash(t, path) != sum {
		t.Fatal("the database bytes changed")
	}
	// With a writer open, the reader leaves the writer's files in place.
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	countEvents(t, w)
	ro, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	countEvents(t, ro)
	ro.Close()
	if left, _ := filepath.Glob(path + "-*"); len(left) != 2 {
		t.Fatalf("the writer's files: %v", left)
	}
	importEvents(t, w, someEvents(5, "more"))
	if n := countEvents(t, w); n != 55 {
		t.Fatalf("%d events after the next import", n)
	}
}

// A read-only open that made the -wal and -shm leaves them in place when it
// closes while another connection uses them: one opened after it in this
// process, read-only or a writer. The writer, closing last, removes them.
func TestReadOnlyFirstLeavesFilesInUse(t *testing.T) {
	path := seededDB(t, 50, "e")
	sum := fileHash(t, path)
	for _, other := range []Options{{ReadOnly: true}, {}} {
		ro, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		countEvents(t, ro)
		o, err := Open(path, other)
		if err != nil {
			t.Fatal(err)
		}
		countEvents(t, o)
		ro.Close()
		if left, _ := filepath.Glob(path + "-*"); len(left) != 2 {
			t.Fatalf("%+v still open: %v left, want -wal and -shm", other, left)
		}
		if n := countEvents(t, o); n != 50 {
			t.Fatalf("%+v after the first closed: %d events", other, n)
		}
		o.Close()
		if other.ReadOnly {
			// It found the files there: a writer's close removes them.
			w, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			countEvents(t, w)
			w.Close()
		}
		if left, _ := filepath.Glob(path + "-*"); len(left) > 0 {
			t.Fatalf("%+v closed last: %v left", other, left)
		}
	}
	if fileHash(t, path) != sum {
		t.Fatal("the database bytes changed")
	}
}

// A database cut short (a stopped copy, a full disk) is reported as damaged
// with advice, not as "not a spoor database" (issue 20.10).
func TestTruncatedIsDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(3000, strings.Repeat("x", 100)))
	db.Close()
	b, _ := os.ReadFile(path)
	for _, n := range []int{len(b) / 2, 70000, 60} {
		cut := filepath.Join(dir, "cut.db")
		os.WriteFile(cut, b[:n], 0o644)
		sum := fileHash(t, cut)
		for _, opt := range []Options{{ReadOnly: true}, {Create: true}} {
			_, err := Open(cut, opt)
			if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrNotSQLite) || !strings.Contains(err.Error(), "spoor doctor") {
				t.Errorf("cut at %d, %+v: %v, want ErrDamaged with advice", n, opt, err)
			}
			if fileHash(t, cut) != sum {
				t.Fatalf("cut at %d: the file changed", n)
			}
		}
	}
}

// Writes check that the path still names the file that was opened: after
// rm, or a copy restored over it, nothing is written into the old file and
// the error says why (issue 20.3).
func TestWriteRefusedWhenReplaced(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	importEvents(t, db, someEvents(20, "e"))
	backup, _ := os.ReadFile(path)
	if err := db.CheckSame(); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	if _, err := db.BeginImport(ctx, ImportInfo{File: "f", Format: "csv"}); !errors.Is(err, ErrReplaced) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("import into a deleted file: %v", err)
	}
	os.WriteFile(path, backup, 0o644) // restored: same bytes, another file
	if err := db.SetSetting(ctx, "k", "v"); !errors.Is(err, ErrReplaced) {
		t.Fatalf("setting: %v", err)
	}
	// An import under way when the file is replaced does not commit.
	tx, err := func() (*ImportTx, error) {
		db2, err := Open(path, Options{})
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { db2.Close() })
		return db2.BeginImport(ctx, ImportInfo{File: "g", Format: "csv"})
	}()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range someEvents(5, "late") {
		tx.Add(ctx, &e)
	}
	os.Rename(path, path+".moved")
	os.WriteFile(path, backup, 0o644)
	if err := tx.Commit(ctx, ImportStats{}); !errors.Is(err, ErrReplaced) {
		t.Fatalf("commit after the file was replaced: %v", err)
	}
	moved, err := Open(path+".moved", Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	if n := countEvents(t, moved); n != 20 {
		t.Fatalf("the moved file has %d events, want the 20 it had", n)
	}
}
