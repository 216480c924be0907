package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A command on a ClickHouse table reads the table's facts (event names,
// counts, first and last times) from the cache an earlier command left,
// yet never stale ones: after a push of new events (a new name, later
// days) the next commands answer as the local database does. Without a
// cache directory they answer too.
func TestClickHouseCacheSeesNewRows(t *testing.T) {
	dir := t.TempDir()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	db, urls := localAndClickHouse(t, dir, "user_id,event,time\nu1,view,2024-03-01T10:00:00Z\nu2,view,2024-03-01T11:00:00Z\nu1,buy,2024-03-02T10:00:00Z\n")
	more := filepath.Join(dir, "more.csv")
	if err := os.WriteFile(more, []byte("user_id,event,time,plan\nu2,buy,2024-03-05T10:00:00Z,pro\nu3,share,2024-03-06T10:00:00Z,pro\nu3,view,2024-03-06T09:00:00Z,free\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"trends", "--format", "json"},
		{"trends", "--events", "share", "--format", "json"},
		{"funnel", "--steps", "view,buy", "--format", "json"},
		{"lifecycle", "--format", "json"},
	}
	compare := func(when string, more ...[]string) {
		t.Helper()
		for _, url := range urls {
			for _, args := range append(commands, more...) {
				lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
				cc, remote, cerr := runCLI(t, "", append(args, "--db", url)...)
				if lc != cc || local != remote || lerr != cerr {
					t.Errorf("%s, %s on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s", when, args, url, lc, local, lerr, cc, remote, cerr)
				}
			}
		}
	}
	for _, url := range urls {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
	}
	compare("before")
	files, _ := filepath.Glob(filepath.Join(cache, "spoor", "clickhouse", "*.json"))
	if len(files) != len(urls) {
		t.Fatalf("cache files %v: want one per table", files)
	}
	if code, _, stderr := runCLI(t, "", "import", "--db", db, more); code != 0 {
		t.Fatal(stderr)
	}
	for _, url := range urls {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 || !strings.Contains(out, "pushed 3 new events") {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
	}
	// plan comes with the second push, as a column of its own (an ALTER,
	// which the cached columns must not hide: chquery.Describe).
	compare("after a push of new events", []string{"trends", "--by", "plan", "--format", "json"})
	// No cache directory can be made: the commands still answer.
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", filepath.Join(blocker, "cache"))
	compare("without a cache directory")
}
