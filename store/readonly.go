package store

import (
	"errors"
	"os"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// ErrChanged is returned when an import committed between reading the
// events and reading one of their property columns; reading again from
// the start gives a consistent answer.
var ErrChanged error = i18n.Error(i18n.N("the database changed while it was being read"))

// ErrReadOnly is returned when a database must be written but its file or
// directory cannot be.
var ErrReadOnly error = i18n.Error(i18n.N("database is read-only"))

// cantOpen reports SQLite's "unable to open" (the file, or the -shm/-wal
// files a WAL database needs, cannot be created or opened) and its
// "readonly database" errors.
func cantOpen(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "unable to open database file") || strings.Contains(s, "readonly database") ||
		strings.Contains(s, "SQLITE_CANTOPEN") || strings.Contains(s, "SQLITE_READONLY")
}

// openReadOnlyDir opens, for reading, a database whose directory cannot be
// written: SQLite cannot create the -shm file a WAL database needs even to
// read, but a file without a pending write-ahead log is complete on its own
// and opens as immutable. A pending log cannot be replayed there, and reading
// without it would show an older state, so that case is refused.
func openReadOnlyDir(path, q string, opt Options, cause error) (*DB, error) {
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, i18n.Errorf("%s cannot be read in place: its directory is read-only and it has unfinished writes in %s-wal; copy the database with its -wal file to a writable directory (%v)", path, path, cause)
	}
	db, err := openDSN(fileURI(path)+"?"+q+"&immutable=1", path, opt, true)
	if err != nil {
		return nil, i18n.Errorf("%s cannot be read: %v (first attempt: %v)", path, err, cause)
	}
	return db, nil
}

// readOnlyError explains a write open that failed because the file or its
// directory cannot be written.
func readOnlyError(path string, cause error) error {
	return i18n.Errorf("%s cannot be written: the file or its directory is read-only (%v); analyses still work on it, imports and saved segments need a writable copy: %w", path, cause, ErrReadOnly)
}

// checkWritable refuses a write open of a file that cannot be written.
// SQLite would quietly open it read-only and fail only at the first write
// with "attempt to write a readonly database"; opening for writing without
// truncating changes nothing.
func checkWritable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrPermission) {
		return readOnlyError(path, err)
	}
	if err == nil {
		f.Close()
	}
	return nil
}

// kindOf names a file mode that is not a regular file.
func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return i18n.T("directory")
	case m&os.ModeNamedPipe != 0:
		return i18n.T("named pipe")
	case m&os.ModeSocket != 0:
		return i18n.T("socket")
	case m&os.ModeDevice != 0:
		return i18n.T("device")
	}
	return i18n.T("special file")
}
