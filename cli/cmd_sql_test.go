package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	for _, q := range []string{
		"DELETE FROM events",
		"UPDATE users SET distinct_id = 'x'",
		"INSERT INTO settings(key, value) VALUES('k', 'v')",
		"CREATE TABLE t(a)",
		"DROP TABLE events",
		"PRAGMA user_version = 99",
		"SELECT 1; DELETE FROM events",
		"PRAGMA query_only = 0",
		"ATTACH '" + filepath.Join(dir, "other.db") + "' AS other",
		"VACUUM INTO '" + filepath.Join(dir, "copy.db") + "'",
		"SELECT load_extension('x')",
	} {
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
