package store

import (
	"errors"
	"os"
	"syscall"
)

// SQLite's lock bytes in the database file (os_unix.c): a connection holds
// a read lock on the shared range for as long as it is open in WAL mode, and
// takes it before it opens the -wal and -shm files.
const (
	sqliteSharedFirst = 0x40000000 + 2
	sqliteSharedSize  = 510
	fOFDSetLk         = 37 // F_OFD_SETLK
)

// removeIfLast removes path's -shm and empty -wal when no connection, in
// this process or another, has the database open, as the last SQLite
// connection closing does: under a write lock on the shared range, which
// no connection holds a read lock on then and none can take meanwhile. It
// costs a lock and two unlinks instead of a SQLite connection that parses
// the schema (a tenth of the start-up of a 1M analysis). f is the database,
// open for writing. The lock is an open file description's: a traditional
// one would not see this process's own connections. done is false when the
// question is left to SQLite: a log with frames (a connection checkpoints
// it), or a system without such locks.
func removeIfLast(f *os.File, path string) (done bool) {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: sqliteSharedFirst, Len: sqliteSharedSize}
	if err := syscall.FcntlFlock(f.Fd(), fOFDSetLk, &lk); err != nil {
		// Busy: another connection uses the files and removes them when it
		// closes last.
		return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES)
	}
	if fi, err := os.Lstat(path + "-wal"); err == nil && fi.Size() > 0 {
		return false
	}
	os.Remove(path + "-shm")
	os.Remove(path + "-wal")
	return true
}
