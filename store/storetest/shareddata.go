package storetest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData finds the shared/data folder of public datasets by walking up
// from the test's package (worktrees sit at different depths), or skips the
// test when there is none.
func SharedData(t testing.TB) string {
	t.Helper()
	dir, _ := filepath.Abs(".")
	for {
		p := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no shared/data folder above this package: the public datasets are absent")
		}
		dir = parent
	}
}

// BenchDB is the database SPOOR_BENCH_DB names, for the benchmarks that
// run on real data (bench/data/s-10000000.db), or skips without it.
func BenchDB(t testing.TB) string {
	t.Helper()
	path := os.Getenv("SPOOR_BENCH_DB")
	if path == "" {
		t.Skip("set SPOOR_BENCH_DB to a database written by spoor import")
	}
	return path
}
