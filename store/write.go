package store

import (
	"context"
	"database/sql"
)

// Write runs fn in one write transaction: everything it writes is stored
// together or not at all. While another process's import holds the write
// lock it waits as Exec does, running fn again from the start, so fn must
// only touch the database through tx.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.CheckSame(); err != nil {
		return err
	}
	return db.waitForLock(ctx, func(conn *sql.Conn) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// HasTable reports whether the database has the table: a file of an older
// schema opened read-only (which is not migrated) may lack the newest.
func (db *DB) HasTable(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n)
	return n > 0, err
}
