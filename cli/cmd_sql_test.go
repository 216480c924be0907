package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/store/storetest"
)

func TestSQLGolden(t *testing.T) {
	shop := exShopDB(t)
	q := `SELECT n.name, count(*) AS events, round(avg(json_extract(e.props, '$.price')), 2) AS avg_price, NULL AS missing
		FROM events e JOIN event_names n ON n.id = e.event_id GROUP BY n.name ORDER BY events DESC, n.name`
	exGolden(t, "sql_table", "sql", q, "--db", shop, "--format", "table")
	exGolden(t, "sql_json", "sql", "--db", shop, "--format", "json", "SELECT distinct_id, id FROM users ORDER BY id LIMIT 3")
	exGolden(t, "sql_empty_csv", "sql", "--db", shop, "--format", "csv", "SELECT name FROM event_names WHERE 0")
}

// TestSQLRefusesWrites tries every kind of write; each must fail with the
// read-only message and leave the data as it was.
func TestSQLRefusesWrites(t *testing.T) {
	shop := exShopDB(t)
	dir := t.TempDir()
	count := func() string {
		_, out, errs := exRun(t, "sql", "--db", shop, "--format", "csv", "SELECT (SELECT count(*) FROM events) || '/' || (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM settings)")
		if errs != "" {
			t.Fatal(errs)
		}
		return out
	}
	before := count()
	for _, q := range storetest.SQLAttacks(dir) {
		code, _, errs := exRun(t, "sql", "--db", shop, q)
		if code == 0 {
			t.Errorf("%s: succeeded", q)
		} else if !strings.Contains(errs, "read-only") {
			t.Errorf("%s: %q does not say read-only", q, errs)
		}
	}
	if after := count(); after != before {
		t.Fatalf("data changed: %s -> %s", before, after)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Fatalf("files created beside the database: %v", left)
	}
	// Reading pragmas still work.
	if code, out, errs := exRun(t, "sql", "--db", shop, "--format", "csv", "SELECT name FROM pragma_table_info('event_names') ORDER BY cid"); code != 0 || out != "name\nid\nname\n" {
		t.Errorf("pragma_table_info: exit %d %q %s", code, out, errs)
	}
	if code, _, errs := exRun(t, "sql", "--db", shop, "PRAGMA index_list(events)"); code != 0 {
		t.Errorf("PRAGMA index_list: exit %d %s", code, errs)
	}
	// Switching the journal used to fail as "disk I/O error".
	if _, _, errs := exRun(t, "sql", "--db", shop, "PRAGMA journal_mode=DELETE"); !strings.Contains(errs, "refused PRAGMA journal_mode = DELETE") {
		t.Errorf("journal_mode: %q", errs)
	}
}

func TestSQLErrors(t *testing.T) {
	shop := exShopDB(t)
	if code, _, errs := exRun(t, "sql", "--db", shop, "SELEC 1"); code != 1 || !strings.Contains(errs, "sql:") {
		t.Errorf("syntax error: exit %d %q", code, errs)
	}
	if code, _, errs := exRun(t, "sql", "--db", shop); code != 2 || !strings.Contains(errs, "needs a query") {
		t.Errorf("no query: exit %d %q", code, errs)
	}
}

// TestSQLDeferredRows checks a database whose sample deferred its SQL rows
// (spoor sample --db does, as bulk imports do) still answers SQL fully.
func TestSQLDeferredRows(t *testing.T) {
	edu := exEduDB(t)
	_, ev, _ := exRun(t, "info", "--db", edu, "--format", "json")
	code, out, errs := exRun(t, "sql", "--db", edu, "--format", "csv", "SELECT count(*) AS n FROM events")
	if code != 0 {
		t.Fatal(errs)
	}
	n := strings.TrimSpace(strings.TrimPrefix(out, "n\n"))
	if !strings.Contains(ev, `"events": `+n+",") || n == "0" {
		t.Fatalf("SQL counts %s events, info says %s", n, ev)
	}
}

// TestSQLStopsAtLimits checks a query without end (the recursive CTE that
// once grew to 7.4 GB) stops at --max-rows or --max-mb with a clear error,
// and what was written is well-formed: whole CSV rows, closed JSON.
func TestSQLStopsAtLimits(t *testing.T) {
	shop := exShopDB(t)
	endless := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x, printf('%.1000c', 'a') AS pad FROM c"
	code, out, errs := exRun(t, "sql", "--db", shop, "--format", "csv", "--max-rows", "5", endless)
	if code != 1 || !strings.Contains(errs, "stopped after 5 rows (--max-rows)") {
		t.Fatalf("exit %d: %q", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 6 || !strings.HasPrefix(lines[5], "5,aaa") {
		t.Fatalf("csv: %d lines, last %.20q", len(lines), lines[len(lines)-1])
	}
	code, out, errs = exRun(t, "sql", "--db", shop, "--format", "json", "--max-mb", "1", endless)
	if code != 1 || !strings.Contains(errs, "MB of values (--max-mb)") {
		t.Fatalf("exit %d: %q", code, errs)
	}
	var res struct {
		Columns []string
		Rows    [][]any
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("the JSON written before the stop is not whole: %v", err)
	}
	// 1 MB of 1000-byte values and 8-byte numbers: 1040 rows fit.
	if len(res.Rows) != 1040 || res.Rows[1039][0] != float64(1040) {
		t.Fatalf("%d rows before the stop", len(res.Rows))
	}
	// Raised limits let a bounded query through.
	if code, out, errs := exRun(t, "sql", "--db", shop, "--format", "csv", "--max-rows", "2", "SELECT 1 UNION ALL SELECT 2"); code != 0 || out != "1\n1\n2\n" {
		t.Fatalf("exactly at the limit: exit %d %q %s", code, out, errs)
	}
}

// TestSQLChangesNoByte checks spoor sql on a freshly bulk-imported
// database (its SQL rows deferred) answers every event without writing:
// the file and its -wal keep their bytes and mtimes, and no -wal or -shm
// is left behind.
func TestSQLChangesNoByte(t *testing.T) {
	dir := t.TempDir()
	csv, db := filepath.Join(dir, "s.csv"), filepath.Join(dir, "s.db")
	if code, _, errs := exRun(t, "sample", "--users", "60", "--days", "10", "--seed", "4", "--out", csv); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := exRun(t, "import", csv, "--db", db); code != 0 {
		t.Fatal(errs)
	}
	state := func() string {
		var s string
		for _, p := range []string{db, db + "-wal", db + "-shm"} {
			if fi, err := os.Stat(p); err == nil {
				s += fmt.Sprintf("%s %d %d %s; ", filepath.Base(p), fi.Size(), fi.ModTime().UnixNano(), fileHash(t, p))
			}
		}
		return s
	}
	before := state()
	_, info, _ := exRun(t, "info", "--db", db, "--format", "json")
	code, out, errs := exRun(t, "sql", "--db", db, "--format", "csv", "SELECT count(*) AS n, count(props) AS p FROM events")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n, p, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(out, "n,p\n")), ",")
	if n == "0" || p == "0" || !strings.Contains(info, `"events": `+n+",") {
		t.Fatalf("SQL counts %s events (%s with props); info says %s", n, p, info)
	}
	if after := state(); after != before {
		t.Fatalf("spoor sql changed the files:\n before %s\n after  %s", before, after)
	}
}
