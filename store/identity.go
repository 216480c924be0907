package store

import (
	"database/sql"
	"errors"
	"os"

	"github.com/spoorhq/spoor/i18n"
)

// ErrReplaced is returned before a write when the database's path no longer
// names the file that was opened: it was deleted, moved or replaced (a
// backup restored over it). Writing on would go into a file nobody can see,
// and leave -wal/-shm files at the path that break the file now there.
var ErrReplaced error = i18n.Error(i18n.N("the database file was deleted or replaced since it was opened"))

// fileID is the opened file (device and inode, through os.SameFile).
type fileID struct{ fi os.FileInfo }

func statID(path string) (fileID, error) {
	fi, err := os.Stat(path)
	return fileID{fi}, err
}

// CheckSame reports ErrReplaced when the path no longer names the file that
// was opened. Every write checks it first; the workbench also checks on
// each look for new data.
func (db *DB) CheckSame() error {
	if db.id.fi == nil {
		return nil // in memory
	}
	fi, err := os.Stat(db.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return i18n.Errorf("%s: %w (it is gone); nothing was written: open it again (spoor --db %s) to see what the path holds now", db.Path, ErrReplaced, db.Path)
	case err != nil:
		return err
	case !os.SameFile(fi, db.id.fi):
		return i18n.Errorf("%s: %w (another file is at that path now); nothing was written: open it again to work on the file there", db.Path, ErrReplaced)
	}
	return nil
}

// removeLeftovers undoes what a read-only open left beside the file: SQLite
// creates -wal and -shm to read a WAL database but, read-only, cannot remove
// them, and a -shm left with the reader's owner and mode can stop a later
// writer. They are removed only when no other connection uses the file
// (SQLite's own test, an exclusive lock on the database, made without a
// second SQLite connection where the system allows: removeIfLast), and
// nothing is written into the database. last: no other database is open
// in this process.
func (db *DB) removeLeftovers(last bool) {
	if !db.cleanup || db.CheckSame() != nil {
		return
	}
	f, err := os.OpenFile(db.Path, os.O_WRONLY, 0)
	if err != nil {
		return // not ours to tidy up
	}
	done := last && removeIfLast(f, db.Path)
	f.Close()
	if done {
		return
	}
	// A plain connection that reads and closes removes them when it is the
	// last one using the file; with the log empty, it writes nothing into
	// the database.
	c, err := sql.Open("sqlite", fileURI(db.Path)+"?mode=rw")
	if err != nil {
		return
	}
	var n int
	c.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n)
	c.Close()
}
