package importers

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
)

// buildSpoor builds the real binary from the repository root.
func buildSpoor(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the spoor binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "spoor")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func openCounts(t *testing.T, path string) ([3]int, string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.SQL.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil {
		t.Fatal(err)
	}
	e, u, l := counts(t, db)
	return [3]int{e, u, l}, ok
}

// An import killed part-way (SIGKILL: no cleanup at all; SIGINT: Ctrl-C)
// leaves the database as before, not corrupt, and the file then imports.
func TestInterruptedImport(t *testing.T) {
	bin := buildSpoor(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "a.db")
	small := filepath.Join("testdata", "generic.csv")
	if out, err := exec.Command(bin, "import", "--db", dbPath, small).CombinedOutput(); err != nil {
		t.Fatalf("seed import: %v\n%s", err, out)
	}
	before, _ := openCounts(t, dbPath)
	const n = 1000000
	big := genCSV(t, n)
	handled := 0 // SIGINTs that reached spoor's handler
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		for _, delay := range []time.Duration{300 * time.Millisecond, 1200 * time.Millisecond} {
			cmd := exec.Command(bin, "import", "--db", dbPath, big)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			if err == nil {
				t.Skipf("the import finished within %v before %v; the machine is too fast for this test", delay, sig)
			}
			if sig == syscall.SIGINT {
				// A Ctrl-C that arrives before main has set up its handler
				// (a loaded machine can take that long to start the
				// process) ends it as the default does: nothing written,
				// nothing to say. Once handled, it must say so.
				var exit *exec.ExitError
				if errors.As(err, &exit) && exit.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
					t.Logf("SIGINT at %v arrived before the handler was set up", delay)
				} else if !strings.Contains(stderr.String(), "interrupted") {
					t.Errorf("Ctrl-C message: %q", stderr.String())
				} else {
					handled++
				}
			}
			after, ok := openCounts(t, dbPath)
			if ok != "ok" || after != before {
				t.Fatalf("after %v at %v: integrity %q, counts %v, want %v", sig, delay, ok, after, before)
			}
		}
	}
	if handled == 0 {
		t.Error("no Ctrl-C reached the import: none said it was interrupted")
	}
	out, err := exec.Command(bin, "import", "--db", dbPath, big).CombinedOutput()
	if err != nil {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	after, ok := openCounts(t, dbPath)
	if ok != "ok" || after[0] != before[0]+n || after[2] != before[2]+1 {
		t.Fatalf("re-import: %v %q (before %v)\n%s", after, ok, before, out)
	}
}

// A write that fails for lack of space (a file size limit stands in for a
// full disk) gives a clear message and leaves the database as it was.
func TestDiskFull(t *testing.T) {
	bin := buildSpoor(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash for ulimit")
	}
	dbPath := filepath.Join(t.TempDir(), "f.db")
	if out, err := exec.Command(bin, "import", "--db", dbPath, filepath.Join("testdata", "generic.csv")).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	before, _ := openCounts(t, dbPath)
	big := genCSV(t, 300000)
	out, err := exec.Command("bash", "-c", `ulimit -f 2000; exec "$0" import --db "$1" "$2"`, bin, dbPath, big).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is the disk full") {
		t.Fatalf("err %v\n%s", err, out)
	}
	after, ok := openCounts(t, dbPath)
	if ok != "ok" || after != before {
		t.Fatalf("after a full disk: %v %q, want %v", after, ok, before)
	}
}

// Two imports into one database at once serialise: both complete, nothing
// is lost, neither fails with "database is locked".
func TestConcurrentImports(t *testing.T) {
	bin := buildSpoor(t)
	dbPath := filepath.Join(t.TempDir(), "c.db")
	a, b := genCSV(t, 200000), filepath.Join("testdata", "generic.csv")
	ca := exec.Command(bin, "import", "--db", dbPath, a)
	var ea bytes.Buffer
	ca.Stderr = &ea
	if err := ca.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	outB, errB := exec.Command(bin, "import", "--db", dbPath, b).CombinedOutput()
	errA := ca.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("a: %v %s\nb: %v %s", errA, ea.String(), errB, outB)
	}
	got, ok := openCounts(t, dbPath)
	if ok != "ok" || got[0] != 200003 || got[2] != 2 {
		t.Fatalf("counts %v %q\n%s\n%s", got, ok, ea.String(), outB)
	}
}
