package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Reliability of the file layer (issue 8): odd paths, read-only places,
// a full disk, damaged and foreign files.

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func countEvents(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func integrity(t *testing.T, db *DB) string {
	t.Helper()
	var ok string
	if err := db.SQL.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// seededDB is a closed database in a temporary directory holding
// someEvents(n, tag).
func seededDB(t *testing.T, n int, tag string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(n, tag))
	db.Close()
	return path
}

func someEvents(n int, tag string) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{User: fmt.Sprintf("u%d", i%97), Name: fmt.Sprintf("e%d", i%5), Time: int64(1_700_000_000_000 + i*1000),
			Props: []Prop{{"tag", tag}, {"i", float64(i)}}}
	}
	return evs
}

// A path with '#', '?' or '%' names exactly that file: SQLite URIs end the
// path at '#' and the driver splits options at '?', which once sent
// "x#1.db" to a file named "x".
func TestOddPathNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"x#1.db", "y?z.db", "100%.db", "a b&c=d.db", "%3f.db"} {
		path := filepath.Join(dir, name)
		db, err := Open(path, Options{Create: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		importEvents(t, db, someEvents(10, name))
		db.Close()
		db, err = Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("%s reopened: %v", name, err)
		}
		if n := countEvents(t, db); n != 10 {
			t.Errorf("%s: %d events, want 10", name, n)
		}
		db.Close()
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	var dbs []string
	for _, n := range names {
		if strings.HasSuffix(n, ".db") {
			dbs = append(dbs, n)
		}
	}
	if len(dbs) != 5 {
		t.Fatalf("files %q, want exactly the five databases", names)
	}
}

// chattrImmutable makes paths immutable (root cannot write them either,
// unlike with permission bits) and undoes it at cleanup.
func chattrImmutable(t *testing.T, paths ...string) {
	t.Helper()
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("needs chattr to make a directory read-only for root")
	}
	args := append([]string{"+i"}, paths...)
	if out, err := exec.Command("chattr", args...).CombinedOutput(); err != nil {
		t.Skipf("chattr +i not permitted here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", append([]string{"-i"}, paths...)...).Run() })
}

// A database in a directory nobody may write is read (SQLite cannot create
// the -shm file a WAL database needs, so it opens immutable), and a write
// open fails with ErrReadOnly and a message saying why; the bytes are kept.
func TestReadOnlyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o755)
	path := filepath.Join(dir, "a.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(500, "a"))
	db.Close()
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatalf("a cleanly closed database left its -wal behind")
	}
	chattrImmutable(t, dir, path)
	sum := fileHash(t, path)

	db, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open in a read-only directory: %v", err)
	}
	if n := countEvents(t, db); n != 500 {
		t.Errorf("%d events, want 500", n)
	}
	if _, err := db.SQL.Exec("INSERT INTO settings(key, value) VALUES('x', 'y')"); err == nil {
		t.Errorf("a write through a read-only open succeeded")
	}
	db.Close()

	_, err = Open(path, Options{})
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write open: %v, want ErrReadOnly", err)
	}
	if fileHash(t, path) != sum {
		t.Fatal("the database bytes changed")
	}
}

// A read-only file in a writable directory: read opens work, a write open
// is refused at once with ErrReadOnly instead of SQLite opening it
// read-only behind our back and failing at the first write.
func TestReadOnlyFile(t *testing.T) {
	path := seededDB(t, 50, "f")
	chattrImmutable(t, path)
	sum := fileHash(t, path)
	if _, err := Open(path, Options{}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write open of a read-only file: %v, want ErrReadOnly", err)
	}
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, db); n != 50 {
		t.Errorf("%d events, want 50", n)
	}
	db.Close()
	if fileHash(t, path) != sum {
		t.Fatal("the database bytes changed")
	}
}

// A read-only directory holding a database with unfinished writes in its
// -wal (a crash, then the folder copied or locked) is refused rather than
// read without them: immutable reads would show an older state.
func TestReadOnlyDirectoryPendingWAL(t *testing.T) {
	src := t.TempDir()
	path := filepath.Join(src, "a.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SQL.SetMaxOpenConns(1)
	if _, err := db.SQL.Exec("PRAGMA wal_autocheckpoint = 0"); err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(200, "w"))
	// The import truncates the log as it ends; a write after it stays there,
	// as after a crash.
	if _, err := db.SQL.Exec("INSERT INTO settings(key, value) VALUES('crash', 'pending')"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o755)
	for _, suffix := range []string{"", "-wal"} { // no -shm, as after a copy
		b, err := os.ReadFile(path + suffix)
		if err != nil || (suffix == "-wal" && len(b) == 0) {
			t.Fatalf("copy %s: %v (%d bytes)", suffix, err, len(b))
		}
		os.WriteFile(filepath.Join(dir, "a.db"+suffix), b, 0o644)
	}
	chattrImmutable(t, dir)
	_, err = Open(filepath.Join(dir, "a.db"), Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "-wal") || !strings.Contains(err.Error(), "writable directory") {
		t.Fatalf("got %v, want a refusal naming the -wal file", err)
	}
}

// A full disk, simulated by a page limit on the import's connection, fails
// the import with SQLite's "full" error; the rollback leaves the database
// as it was with an empty -wal (the pages it wrote there are not left
// behind), and a later import within the limit works.
func TestFullDiskPageLimit(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "f.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	importEvents(t, db, someEvents(100, "seed"))
	db.SQL.SetMaxOpenConns(1) // the pragmas are per connection
	// A small cache spills the import's pages into the -wal as it goes.
	if _, err := db.SQL.Exec("PRAGMA cache_size = 16"); err != nil {
		t.Fatal(err)
	}
	var pages int
	db.SQL.QueryRow("PRAGMA page_count").Scan(&pages)
	if _, err := db.SQL.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+20)); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginImport(ctx, ImportInfo{File: "big.csv", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	var failed error
	for _, e := range someEvents(200000, strings.Repeat("x", 200)) {
		e := e
		if failed = tx.Add(ctx, &e); failed != nil {
			break
		}
	}
	if failed == nil {
		failed = tx.Commit(ctx, ImportStats{RowsRead: 200000})
	}
	tx.Rollback()
	if failed == nil || !strings.Contains(failed.Error(), "full") {
		t.Fatalf("import past the page limit: %v, want a 'full' error", failed)
	}
	if n := countEvents(t, db); n != 100 {
		t.Fatalf("%d events after the failed import, want 100", n)
	}
	if fi, err := os.Stat(db.Path + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("the failed import left a %d-byte -wal", fi.Size())
	}
	if ok := integrity(t, db); ok != "ok" {
		t.Fatalf("integrity: %s", ok)
	}
	var imports int
	db.SQL.QueryRow("SELECT count(*) FROM imports").Scan(&imports)
	if imports != 1 {
		t.Fatalf("%d ledger rows, want 1 (the failed import left none)", imports)
	}
	importEvents(t, db, someEvents(50, "after"))
	if n := countEvents(t, db); n != 150 {
		t.Fatalf("%d events after the next small import, want 150", n)
	}
}

// Damaged and foreign files: Open refuses or a read fails with an error —
// never a panic — and nothing is written to the file, whether opened for
// reading or for writing.
func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := Open(good, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importEvents(t, db, someEvents(20000, "d"))
	db.Close()
	orig, _ := os.ReadFile(good)
	size := len(orig)
	page := int(orig[16])<<8 | int(orig[17]) // header bytes 16-17; 1 means 65536
	if page == 1 {
		page = 65536
	}

	cases := map[string][]byte{
		"text":   []byte("user_id,event,time\nu1,a,2024-01-01\n"),
		"gzip":   {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3},
		"header": orig[:10],
		"100B":   orig[:100],
		"1page":  orig[:page],
		"half":   orig[:size/2],
		"-1page": orig[:size-page],
		"-1byte": orig[:lastNonZero(orig)],
		"zeroed": overwrite(orig, size/2, make([]byte, 8192)),
		// Two pages' worth, so one whole page (its header too) is garbage.
		"garbage": overwrite(orig, size/3, []byte(strings.Repeat("\xde\xad\xbe\xef", page/2))),
		"page1":   overwrite(orig, 100, make([]byte, 3996)),
	}
	newer := filepath.Join(dir, "newer.db")
	db, err = Open(newer, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	db.SQL.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1))
	db.Close()
	b, _ := os.ReadFile(newer)
	cases["newer"] = b

	for name, content := range cases {
		for _, ro := range []bool{true, false} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%v.db", name, ro))
			os.WriteFile(path, content, 0o644)
			sum := sha256.Sum256(content)
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: panic %v", name, r)
					}
				}()
				db, err := Open(path, Options{ReadOnly: ro})
				if err != nil {
					return err
				}
				defer db.Close()
				// A damaged page may only show when read: read everything
				// the engine reads, as query.Load does.
				if _, err := db.LoadRows(context.Background()); err != nil {
					return err
				}
				var ok string
				if err := db.SQL.QueryRow("PRAGMA quick_check").Scan(&ok); err != nil {
					return err
				}
				if ok != "ok" {
					return errors.New(ok)
				}
				return nil
			}()
			// SQLite has no page checksums: one byte cut off the last page
			// (read back as zero) may sit in a record's payload and go
			// unnoticed; that file must only be left unharmed.
			if err == nil && name != "-1byte" {
				t.Errorf("%s (read-only %v): opened and read without an error", name, ro)
			}
			if name == "newer" && !errors.Is(err, ErrNewerSchema) {
				t.Errorf("newer schema: %v", err)
			}
			if (name == "text" || name == "gzip") && !errors.Is(err, ErrNotSQLite) {
				t.Errorf("%s: %v, want ErrNotSQLite", name, err)
			}
			if got, _ := os.ReadFile(path); sha256.Sum256(got) != sum {
				t.Errorf("%s (read-only %v): the file was written", name, ro)
			}
			for _, suffix := range []string{"-wal", "-journal"} {
				if fi, err := os.Stat(path + suffix); err == nil && fi.Size() > 0 {
					t.Errorf("%s (read-only %v): left a %s of %d bytes", name, ro, suffix, fi.Size())
				}
			}
		}
	}
}

// overwrite returns a copy of b with p written at offset at.
func overwrite(b []byte, at int, p []byte) []byte {
	c := append([]byte{}, b...)
	copy(c[at:], p)
	return c
}

func lastNonZero(b []byte) int {
	i := len(b) - 1
	for i > 0 && b[i] == 0 {
		i--
	}
	return i
}

// Paths that are not regular files are refused before SQLite sees them:
// /dev/null once opened as an empty database with /dev/null-journal
// created beside it, and a FIFO would block the open.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := exec.Command("mkfifo", fifo).Run(); err != nil {
		fifo = ""
	}
	for _, path := range []string{dir, "/dev/null", "/dev/zero", fifo} {
		if path == "" {
			continue
		}
		for _, opt := range []Options{{}, {ReadOnly: true}, {Create: true}} {
			_, err := Open(path, opt)
			if !errors.Is(err, ErrNotSQLite) || !strings.Contains(err.Error(), "not a file") {
				t.Errorf("Open(%s, %+v): %v", path, opt, err)
			}
		}
	}
	if _, err := os.Stat("/dev/null-journal"); err == nil {
		t.Errorf("/dev/null-journal exists")
	}
}

// Several writers opening one new file at once (two imports started
// together) all get the schema once: the second must not run the
// migrations again after the first committed them ("table settings
// already exists").
func TestConcurrentCreate(t *testing.T) {
	for round := 0; round < 5; round++ {
		path := filepath.Join(t.TempDir(), "new.db")
		const n = 4
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			go func() {
				<-start
				db, err := Open(path, Options{Create: true})
				if err == nil {
					err = db.Close()
				}
				errs <- err
			}()
		}
		close(start)
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
