package cli

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportMaxExpand: --max-expand takes a ratio or 0 (no limit); a
// negative ratio is a usage error. (What the ratio stops is tested in
// importers, where the 256 MB floor can be lowered.)
func TestImportMaxExpand(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("user_id,event,time\n" + strings.Repeat("u1,click,2024-01-01T00:00:00Z\n", 100_000))) // 3 MB
	zw.Close()
	gz := filepath.Join(dir, "rows.csv.gz")
	os.WriteFile(gz, b.Bytes(), 0o644)
	db := filepath.Join(dir, "s.db")
	if code, _, stderr := runCLI(t, "", "import", "--db", db, "--max-expand", "0", gz); code != 0 || !strings.Contains(stderr, "100000 imported") {
		t.Fatalf("--max-expand 0: code %d\n%s", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "import", "--db", db, "--max-expand", "-1", gz); code != 2 {
		t.Fatalf("--max-expand -1: code %d, want 2", code)
	}
}
