package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The column cache. At 100M events a load spent most of its CPU making
// the decoded columns: 1.2 GB of fresh pages the kernel must zero (on a
// virtual machine the largest single cost), then the decode that fills
// them. The columns a snapshot decodes to depend only on the database and
// its data version, so a one-shot analysis of a large database keeps them
// in a file in the user's cache directory, and the next one maps that
// file: its pages come from the page cache, with nothing to zero or
// decode. The file holds a key (the database file's identity, its data
// and snapshot versions, the snapshot's shape) and a checksum of every
// block of the columns, both checked before use, so a stale, torn or
// damaged file costs only the decode it replaces and is written anew. A
// cache directory that is missing or unwritable costs nothing but the
// decode. Only snapshots without a tail are kept (the tail changes with
// every small import), only from columnCacheMin events, and at most
// columnCacheFiles files, the least recently written removed.
//
// Checking every block's checksum at every load cost as much CPU as a
// retention at 100M events (it reads 1.2 GB that the analysis then reads
// again), so a file's sums are checked once per boot: a stamp beside it
// (verifiedStamp) names the file as it was when written or last checked —
// its inode, size, and modification and change times, which any write to
// it moves (the change time cannot be set back) — and the boot; a load
// that finds the file so skips the sums. A file torn by a crash (it is
// not synced) is checked after the reboot, and a file written or replaced
// since, by anything, is checked again.

// columnCacheMin is how many events a load needs to use the cache (a
// variable so tests can make it small): below it a decode costs little.
var columnCacheMin = smallLoad

// columnCacheFiles is how many databases' columns the cache keeps.
const columnCacheFiles = 2

// columnCacheDir is where the cache files go; "" when there is no cache
// (SPOOR_COLUMN_CACHE=off, or no cache directory). Tests point it elsewhere.
var columnCacheDir = func() string {
	if os.Getenv("SPOOR_COLUMN_CACHE") == "off" {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		return ""
	}
	return filepath.Join(dir, "spoor", "columns")
}

const (
	columnMagic     = "spoorcol"
	columnFormat    = 1
	columnHeader    = 4096    // bytes before the columns
	columnBlock     = 8 << 20 // bytes per checksum
	columnHeadBytes = 8 + 4 + 4 + 32 + 8*5
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// columnKey names the database file and what it held when the columns
// were decoded: its identity on disk (device, inode, size, change and
// modification times: a file replaced or rewritten has others), the data
// and snapshot versions, the stored events and every segment's counts and
// blob sizes. It returns the cache file and the key's digest, or ok false
// when nothing can be cached.
func columnKey(ctx context.Context, tx *sql.Tx, db *DB, version, stored int64) (file string, key [32]byte, ok bool) {
	dir := columnCacheDir()
	if dir == "" || db.Path == "" || db.Path == ":memory:" {
		return "", key, false
	}
	abs, err := filepath.Abs(db.Path)
	if err != nil {
		return "", key, false
	}
	var st syscall.Stat_t
	if syscall.Stat(abs, &st) != nil {
		return "", key, false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\x00%s\x00%d %d %d %d.%d %d.%d\x00%d %d\x00", columnMagic, columnFormat, abs,
		st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, version, stored)
	// length() of a blob reads its record's header, not the blob.
	rows, err := tx.QueryContext(ctx, "SELECT seg, n_persons, n_events, length(persons), length(events), length(times) FROM snapshot ORDER BY seg")
	if err != nil {
		return "", key, false
	}
	defer rows.Close()
	for rows.Next() {
		var s [6]int64
		if rows.Scan(&s[0], &s[1], &s[2], &s[3], &s[4], &s[5]) != nil {
			return "", key, false
		}
		fmt.Fprintln(&b, s)
	}
	if rows.Err() != nil {
		return "", key, false
	}
	name := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, hex.EncodeToString(name[:16])+".cols"), sha256.Sum256([]byte(b.String())), true
}

// columnLayout is where each column sits in a cache file of np persons
// and ne events: every column starts 8-byte aligned.
func columnLayout(np, ne int) (person, start, event, tm, size int) {
	pad := func(n int) int { return (n + 7) &^ 7 }
	person = columnHeader
	start = person + pad(4*np)
	event = start + pad(4*(np+1))
	tm = event + pad(4*ne)
	size = tm + 8*ne
	return
}

// columnMap is the cache file a DB handle mapped, if any. A mapping is
// never released: its columns go into datasets whose end nothing tracks.
// So a handle maps at most one file in its life, and its later loads of
// the same data share that mapping; a load of other data (the workbench
// reloading after an import) decodes, which bounds what one process
// holds on to — a replaced file's disk space is freed only when its
// mapping ends.
type columnMap struct {
	mu  sync.Mutex
	key [32]byte
	m   []byte
}

// cachedColumns maps the cached columns of key, or returns nil. The
// mapping is private and writable (a write copies the page, never
// reaching the file) and stays for the process's life.
func (db *DB) cachedColumns(file string, key [32]byte) *Ordered {
	c := &db.cols
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m != nil {
		if c.key != key {
			return nil
		}
		return columnsIn(c.m, key, false) // checked when mapped
	}
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() < columnHeader || fi.Size() > 1<<40 {
		return nil
	}
	// Not MAP_POPULATE: on a writable private mapping it would copy every
	// page. The checksums' pass maps the pages instead.
	m, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	stamp := verifiedStamp(fi)
	checked := stamp == "" || readStamp(file) != stamp
	o := columnsIn(m, key, checked)
	if o == nil {
		syscall.Munmap(m)
		return nil
	}
	if checked {
		writeStamp(file, stamp)
	}
	c.key, c.m = key, m
	return o
}

// columnSums counts the loads that checked a cache file's checksums, so
// tests can tell.
var columnSums atomic.Int64

// bootID names the running boot ("" when unknown: every load then checks
// the sums). A variable so tests can reboot.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// verifiedStamp is what a cache file's stamp holds when the file, whose
// information fi is, was written or checked in this boot and not changed
// since; "" when that cannot be known.
func verifiedStamp(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	boot := bootID()
	if !ok || boot == "" {
		return ""
	}
	return fmt.Sprintf("%s %d %d %d %d.%d %d.%d\n", boot, st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
}

// stampFile is where the stamp of the cache file file is kept.
func stampFile(file string) string { return strings.TrimSuffix(file, ".cols") + ".ok" }

func readStamp(file string) string {
	b, err := os.ReadFile(stampFile(file))
	if err != nil || len(b) > 4096 {
		return ""
	}
	return string(b)
}

// writeStamp keeps stamp for file; a stamp torn or lost only costs a load
// the check.
func writeStamp(file, stamp string) {
	if stamp != "" {
		os.WriteFile(stampFile(file), []byte(stamp), 0o600)
	}
}

// columnsIn checks a cache file's bytes against key, its size and, when
// sums is set, its checksums, and returns the columns they hold, or nil.
func columnsIn(m []byte, key [32]byte, sums bool) *Ordered {
	le := binary.LittleEndian
	if string(m[:8]) != columnMagic || le.Uint32(m[8:]) != columnFormat || [32]byte(m[16:48]) != key {
		return nil
	}
	np, ne := le.Uint64(m[48:]), le.Uint64(m[56:])
	if np > ne || ne > 1<<31-1 {
		return nil
	}
	person, start, event, tm, size := columnLayout(int(np), int(ne))
	blocks := (size - columnHeader + columnBlock - 1) / columnBlock
	if len(m) != size+4*blocks {
		return nil
	}
	if sums {
		columnSums.Add(1)
		if !sumsMatch(m[columnHeader:size], m[size:]) {
			return nil
		}
	}
	o := &Ordered{
		Person: unsafe.Slice((*int32)(unsafe.Pointer(&m[person])), np),
		Start:  unsafe.Slice((*int32)(unsafe.Pointer(&m[start])), np+1),
		Event:  unsafe.Slice((*int32)(unsafe.Pointer(&m[event])), ne),
		Time:   unsafe.Slice((*int64)(unsafe.Pointer(&m[tm])), ne),
	}
	o.MinTime, o.MaxTime = int64(le.Uint64(m[64:])), int64(le.Uint64(m[72:]))
	return o
}

// sumsMatch checks each columnBlock of data against its checksum in sums,
// on every core.
func sumsMatch(data, sums []byte) bool {
	blocks := len(sums) / 4
	var bad sync.Once
	ok := true
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < blocks; k += workers {
				b := data[k*columnBlock : min(len(data), (k+1)*columnBlock)]
				if crc32.Checksum(b, castagnoli) != binary.LittleEndian.Uint32(sums[4*k:]) {
					bad.Do(func() { ok = false })
					return
				}
			}
		}()
	}
	wg.Wait()
	return ok
}

// keepColumns writes o's columns to file under key, through a temporary
// file renamed into place, and removes the oldest cache files past
// columnCacheFiles. Failing costs only the next load's decode.
func keepColumns(file string, key [32]byte, o *Ordered) {
	dir := filepath.Dir(file)
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	np, ne := len(o.Person), len(o.Time)
	person, start, event, tm, size := columnLayout(np, ne)
	// A cache never takes the last of the disk: the file is written only
	// while as much again stays free.
	var disk syscall.Statfs_t
	if syscall.Statfs(dir, &disk) != nil || disk.Bavail*uint64(disk.Bsize) < 2*uint64(size) {
		return
	}
	f, err := os.CreateTemp(dir, "cols-*.tmp")
	if err != nil {
		return
	}
	defer os.Remove(f.Name()) // after the rename, nothing to remove
	head := make([]byte, columnHeader)
	le := binary.LittleEndian
	copy(head, columnMagic)
	le.PutUint32(head[8:], columnFormat)
	copy(head[16:48], key[:])
	le.PutUint64(head[48:], uint64(np))
	le.PutUint64(head[56:], uint64(ne))
	le.PutUint64(head[64:], uint64(o.MinTime))
	le.PutUint64(head[72:], uint64(o.MaxTime))
	// The columns' bytes, each followed by the zeros up to the next.
	parts := []struct {
		at int
		b  []byte
	}{
		{person, bytesOf(o.Person)}, {start, bytesOf(o.Start)}, {event, bytesOf(o.Event)}, {tm, bytesOf(o.Time)},
	}
	blocks := (size - columnHeader + columnBlock - 1) / columnBlock
	sums := make([]byte, 4*blocks)
	var crc uint32
	at, zeros := columnHeader, make([]byte, 8)
	w := func(b []byte) bool {
		for len(b) > 0 {
			// Whole blocks' checksums as they fill.
			k := min(len(b), columnBlock-(at-columnHeader)%columnBlock)
			crc = crc32.Update(crc, castagnoli, b[:k])
			if _, err := f.Write(b[:k]); err != nil {
				return false
			}
			at += k
			b = b[k:]
			if (at-columnHeader)%columnBlock == 0 || at == size {
				le.PutUint32(sums[4*((at-columnHeader-1)/columnBlock):], crc)
				crc = 0
			}
		}
		return true
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		return
	}
	for _, p := range parts {
		if !w(zeros[:p.at-at]) || !w(p.b) {
			f.Close()
			return
		}
	}
	if _, err := f.Write(sums); err != nil {
		f.Close()
		return
	}
	written, err := f.Stat()
	if f.Close() != nil || err != nil || os.Rename(f.Name(), file) != nil {
		return
	}
	// Stamped as checked only if the file at the name is still the one
	// written here (a rename moves its change time).
	if now, err := os.Stat(file); err == nil && os.SameFile(now, written) {
		writeStamp(file, verifiedStamp(now))
	}
	pruneColumns(dir, file)
}

// pruneColumns removes the cache files of dir past the columnCacheFiles
// most recently written (keep among them), and temporary files an hour
// old (a process that died writing).
func pruneColumns(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type cached struct {
		path string
		at   time.Time
	}
	var files []cached
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch {
		case strings.HasSuffix(e.Name(), ".tmp") && time.Since(info.ModTime()) > time.Hour:
			os.Remove(path)
		case strings.HasSuffix(e.Name(), ".cols") && path != keep:
			files = append(files, cached{path, info.ModTime()})
		case strings.HasSuffix(e.Name(), ".ok"):
			if _, err := os.Stat(strings.TrimSuffix(path, ".ok") + ".cols"); errors.Is(err, fs.ErrNotExist) {
				os.Remove(path) // its file's is gone
			}
		}
	}
	slices.SortFunc(files, func(a, b cached) int { return b.at.Compare(a.at) })
	for _, c := range files[min(len(files), columnCacheFiles-1):] {
		os.Remove(c.path)
		os.Remove(stampFile(c.path))
	}
}

// bytesOf is the memory of a column, as bytes.
func bytesOf[T int32 | int64](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}
