// Package storetest holds what tests of several packages share about the
// store: the statements every SQL box must refuse, and where the public
// datasets are.
package storetest

import "path/filepath"

// SQLAttacks are statements that try to write, to switch the guard off or to
// create files in dir; every one must be refused and change nothing. The
// first is the one that emptied a database through the workbench.
func SQLAttacks(dir string) []string {
	return []string{
		"PRAGMA query_only=0; DELETE FROM chunks; DROP TABLE events; SELECT 1",
		"DELETE FROM events",
		"DELETE FROM chunks",
		"UPDATE users SET distinct_id = 'x'",
		"INSERT INTO settings(key, value) VALUES('k', 'v')",
		"CREATE TABLE t(a)",
		"CREATE TEMP TABLE t(a)",
		"DROP TABLE events",
		"ALTER TABLE events RENAME TO e2",
		"PRAGMA user_version = 99",
		"PRAGMA journal_mode = DELETE",
		"PRAGMA wal_checkpoint(TRUNCATE)",
		"PRAGMA optimize",
		"SELECT 1; DELETE FROM events",
		"PRAGMA query_only = 0",
		"PRAGMA query_only = false",
		"BEGIN IMMEDIATE",
		"BEGIN",
		"SAVEPOINT s",
		"REINDEX",
		"ANALYZE",
		"VACUUM",
		"ATTACH '" + filepath.Join(dir, "other.db") + "' AS other",
		"VACUUM INTO '" + filepath.Join(dir, "copy.db") + "'",
		"SELECT load_extension('x')",
	}
}
