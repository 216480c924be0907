package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), nil, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	csv := filepath.Join(dir, "e.csv")
	os.WriteFile(csv, []byte("user_id,event,time\nu1,Sign Up,2024-01-01\nu2,sign_up,2024-01-02\nu3,buy,never\n"), 0o644)
	code, _, stderr := runCLI(t, "", "import", "--db", db, csv)
	if code != 0 || !strings.Contains(stderr, "3 rows read, 2 imported, 0 duplicates, 1 rejected") ||
		!strings.Contains(stderr, "rejected 1: unparseable time — e.g. "+csv+":4") ||
		!strings.Contains(stderr, `differ only in case or spacing: "Sign Up", "sign_up"`) {
		t.Fatalf("code %d\n%s", code, stderr)
	}
	// From standard input, again: all duplicates.
	raw, _ := os.ReadFile(csv)
	code, _, stderr = runCLI(t, string(raw), "import", "--db", db, "-")
	if code != 0 || !strings.Contains(stderr, "stdin: csv, utf-8: 3 rows read, 0 imported, 2 duplicates, 1 rejected") {
		t.Fatalf("stdin: code %d\n%s", code, stderr)
	}
	// A refused file: exit 1, one clear message, nothing written.
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	code, _, stderr = runCLI(t, "", "import", "--db", db, empty)
	if code != 1 || !strings.Contains(stderr, "empty file: expected an event table") || !strings.Contains(stderr, "the database is unchanged") {
		t.Fatalf("empty: code %d\n%s", code, stderr)
	}
	// --strict names the row.
	code, _, stderr = runCLI(t, "", "import", "--db", db, "--strict", csv)
	if code != 1 || !strings.Contains(stderr, csv+":4: unparseable time") {
		t.Fatalf("strict: code %d\n%s", code, stderr)
	}
	// Usage errors exit 2.
	if code, _, _ = runCLI(t, "", "import", "--db", db); code != 2 {
		t.Fatalf("no file: code %d", code)
	}
	// --dry-run shows the mapping and events and writes nothing.
	code, stdout, _ := runCLI(t, "", "import", "--dry-run", "--tz", "Asia/Shanghai", csv)
	if code != 0 || !strings.Contains(stdout, "mapping:   CSV, 3 columns; user <- user_id, event <- event, time <- time") ||
		!strings.Contains(stdout, "2023-12-31T16:00:00.000Z  user=u1  event=Sign Up") || !strings.Contains(stdout, "nothing written") {
		t.Fatalf("dry run: code %d\n%s", code, stdout)
	}
	// doctor reports over the whole database.
	code, stdout, _ = runCLI(t, "", "doctor", "--db", db, "--format", "json")
	var d struct {
		Events  int `json:"events"`
		Quality struct {
			Rejected     map[string]int `json:"rejected"`
			Duplicates   int            `json:"duplicates"`
			NameVariants [][]string     `json:"name_variants"`
			NaiveTimes   int            `json:"naive_times"`
			Timezone     string         `json:"timezone"`
		} `json:"quality"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != 0 {
		t.Fatalf("doctor: %v %d\n%s", err, code, stdout)
	}
	if d.Events != 2 || d.Quality.Rejected["unparseable time"] != 2 || d.Quality.Duplicates != 2 || len(d.Quality.NameVariants) != 1 || d.Quality.NaiveTimes != 4 || d.Quality.Timezone != "UTC" {
		t.Fatalf("doctor: %+v", d)
	}
	// The first --tz becomes the display timezone of a database without one.
	db2 := filepath.Join(dir, "tz.db")
	code, _, stderr = runCLI(t, "", "import", "--db", db2, "--tz", "Asia/Shanghai", csv)
	if code != 0 || !strings.Contains(stderr, "display timezone of "+db2+" set to Asia/Shanghai") {
		t.Fatalf("tz: %d %s", code, stderr)
	}
	if _, stdout, _ = runCLI(t, "", "info", "--db", db2, "--format", "json"); !strings.Contains(stdout, `"timezone": "Asia/Shanghai"`) {
		t.Fatalf("info after --tz: %s", stdout)
	}
	rej := filepath.Join(dir, "rejects.txt")
	runCLI(t, "", "import", "--db", db, "--rejects", rej, csv)
	if b, _ := os.ReadFile(rej); string(b) != csv+":4\tunparseable time: \"never\"\tu3,buy,never\n" {
		t.Fatalf("rejects file %q", b)
	}
}
