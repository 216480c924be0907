package store

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// asSchema8 turns a database this build wrote back into schema 8's layout:
// chunk_props keyed by (key, chunk_id) WITHOUT ROWID, no snapshot_sizes.
func asSchema8(t *testing.T, path string) {
	t.Helper()
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec(`BEGIN;
CREATE TABLE chunk_props_old (
	chunk_id INTEGER NOT NULL,
	key      TEXT NOT NULL,
	n_set    INTEGER NOT NULL,
	dict     BLOB NOT NULL,
	codes    BLOB NOT NULL,
	PRIMARY KEY (key, chunk_id)
) WITHOUT ROWID;
INSERT INTO chunk_props_old SELECT chunk_id, key, n_set, dict, codes FROM chunk_props;
DROP TABLE chunk_props;
ALTER TABLE chunk_props_old RENAME TO chunk_props;
DROP INDEX snapshot_sizes;
UPDATE settings SET value = '8' WHERE key = 'schema_version';
PRAGMA user_version = 8;
COMMIT;`); err != nil {
		t.Fatal(err)
	}
	if v, layout := rawLayout(t, path); v != 8 || !strings.Contains(layout, "WITHOUT ROWID") {
		t.Fatalf("not schema 8: version %d, %s", v, layout)
	}
}

// rawLayout reads, without migrating, the schema version and how
// chunk_props and the indexes are declared.
func rawLayout(t *testing.T, path string) (int, string) {
	t.Helper()
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var v int
	var layout string
	if err := c.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(`SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master
		WHERE tbl_name IN ('chunk_props', 'snapshot') AND sql IS NOT NULL ORDER BY name)`).Scan(&layout); err != nil {
		t.Fatal(err)
	}
	return v, layout
}

// propState is every property column as stored, in chunk and key order.
func propState(t *testing.T, db *DB) string {
	t.Helper()
	var s sql.NullString
	if err := db.SQL.QueryRow(`SELECT group_concat(r, '|') FROM (SELECT chunk_id || ',' || key || ',' || n_set || ',' ||
		hex(dict) || ',' || hex(codes) AS r FROM chunk_props ORDER BY chunk_id, key)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

// migrated checks that the database at path has schema 9's layout, the
// property columns want and reads the way the chunks say.
func migrated(t *testing.T, path, want string) *DB {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if v, layout := rawLayout(t, path); v != SchemaVersion || strings.Contains(layout, "WITHOUT ROWID") ||
		!strings.Contains(layout, "chunk_props_key") || !strings.Contains(layout, "chunk_props_chunk") || !strings.Contains(layout, "snapshot_sizes") {
		t.Fatalf("after migrating: version %d, %s", v, layout)
	}
	if ok := integrity(t, db); ok != "ok" {
		t.Fatalf("integrity %s", ok)
	}
	if got := propState(t, db); got != want || want == "" {
		t.Fatalf("property columns differ after migrating:\n got %.300s\nwant %.300s", got, want)
	}
	sameOrder(t, "migrated", mustLoad(t, db), chunkOrder(t, db))
	return db
}

// migrationDB writes a database over several chunks and imports, whose
// property columns are propState's answer.
func migrationDB(t *testing.T) (path, props string) {
	t.Helper()
	defer func(n int) { chunkEvents = n }(chunkEvents)
	chunkEvents = 64
	path = filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	importInfo(t, db, ImportInfo{File: "a", DeferRows: true}, someEvents(500, "a"))
	importEvents(t, db, someEvents(100, "b"))
	props = propState(t, db)
	db.Close()
	return path, props
}

// TestMigrateChunkPropsRowid opens a schema-8 database (chunk_props
// WITHOUT ROWID): the migration keeps every property column byte for
// byte, the SQL rows and the order; a later import adds to it.
func TestMigrateChunkPropsRowid(t *testing.T) {
	path, props := migrationDB(t)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := sqlRows(t, db)
	db.Close()
	asSchema8(t, path)
	// A read-only open reads schema 8 as it is, and changes nothing.
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := propState(t, ro); got != props {
		t.Fatal("schema 8 read-only: property columns differ")
	}
	col, err := ro.LoadProp(context.Background(), "tag", mustVersion(t, ro))
	if err != nil || len(col.Codes) != 600 {
		t.Fatalf("schema 8 read-only: tag column %v, %v", col, err)
	}
	ro.Close()
	if v, _ := rawLayout(t, path); v != 8 {
		t.Fatalf("a read-only open changed the version to %d", v)
	}
	db = migrated(t, path, props)
	if got := sqlRows(t, db); strings.Join(got, "\n") != strings.Join(rows, "\n") {
		t.Fatal("SQL rows differ after migrating")
	}
	importEvents(t, db, someEvents(50, "c"))
	col, err = db.LoadProp(context.Background(), "tag", mustVersion(t, db))
	if err != nil || len(col.Codes) != 650 {
		t.Fatalf("after an import: tag column %v, %v", col, err)
	}
	sameOrder(t, "imported after migrating", mustLoad(t, db), chunkOrder(t, db))
}

// killedMigrationEnv names the database a child process of
// TestKilledMidMigration opens, stopping inside the migration to 9.
const killedMigrationEnv = "SPOOR_TEST_KILLED_MIGRATION"

// TestKilledMidMigration kills a process inside the migration from schema
// 8, after it copied chunk_props, dropped the old table and built the
// indexes, before it committed: the file is schema 8 as it was, and the
// next open migrates it in full.
func TestKilledMidMigration(t *testing.T) {
	if path := os.Getenv(killedMigrationEnv); path != "" {
		migrateHook = func(from int) {
			if from == 8 {
				os.WriteFile(path+".migrating", nil, 0o644)
				select {} // killed here
			}
		}
		Open(path, Options{})
		t.Fatal("the open ended without migrating")
	}
	path, props := migrationDB(t)
	asSchema8(t, path)
	_, before := rawLayout(t, path)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledMidMigration$")
	cmd.Env = append(os.Environ(), killedMigrationEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(path + ".migrating"); err == nil {
			break
		}
		if i == 600 {
			cmd.Process.Kill()
			t.Fatal("the child never reached the migration")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if v, layout := rawLayout(t, path); v != 8 || layout != before {
		t.Fatalf("after the kill: version %d, %s", v, layout)
	}
	migrated(t, path, props)
}
