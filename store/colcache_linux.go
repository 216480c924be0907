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
// decode. The file holds the segments' columns, without the tail, which
// a load merges in (cacheID, colcache.go); only from columnCacheMin
// events, and at most columnCacheFiles files, the least recently written
// removed.
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
// At 1M events the read and decode were still a third of a command's CPU
// (retention 89 -> 66 ms, trends 112 -> 58 from the cache), for a 12 MB
// file.
var columnCacheMin int64 = 1 << 19

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
	columnMagic  = "spoorcol" // a file of columns
	propMagic    = "spoorprp" // a file of one property's column
	columnFormat = 2
	columnHeader = 4096    // bytes before the arrays
	columnBlock  = 8 << 20 // bytes per checksum
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// columnKey names the cache files of a load in fold state st (cacheID).
// The segments are named by the database's path and identity on disk
// (device and inode), the id their last write gave them
// (settings.snapshot_segments, set by putSegment: unset in a database
// whose segments were last written before it), the fold state and every
// segment's counts and blob sizes. The whole data adds the file's size
// and change and modification times (a file replaced or rewritten has
// others), the data version and the stored events. It returns ok false
// when nothing can be cached.
func columnKey(ctx context.Context, tx *sql.Tx, db *DB, version, stored int64, st foldState) (id cacheID, ok bool) {
	dir := columnCacheDir()
	if dir == "" || db.Path == "" || db.Path == ":memory:" {
		return id, false
	}
	abs, err := filepath.Abs(db.Path)
	if err != nil {
		return id, false
	}
	var fi syscall.Stat_t
	if syscall.Stat(abs, &fi) != nil {
		return id, false
	}
	var written sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'snapshot_segments'").Scan(&written); err != nil && err != sql.ErrNoRows {
		return id, false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\x00%s\x00%d %d\x00%q %d %d %d\x00", columnMagic, columnFormat, abs,
		fi.Dev, fi.Ino, written.String, st.rows, st.foldTo, st.foldAt)
	// length() of a blob reads its record's header, not the blob.
	rows, err := tx.QueryContext(ctx, "SELECT seg, n_persons, n_events, length(persons), length(events), length(times) FROM snapshot ORDER BY seg")
	if err != nil {
		return id, false
	}
	defer rows.Close()
	for rows.Next() {
		var s [6]int64
		if rows.Scan(&s[0], &s[1], &s[2], &s[3], &s[4], &s[5]) != nil {
			return id, false
		}
		fmt.Fprintln(&b, s)
	}
	if rows.Err() != nil {
		return id, false
	}
	id.file, id.cols = columnFile(dir, abs), sha256.Sum256([]byte(b.String()))
	fmt.Fprintf(&b, "\x00%d %d.%d %d.%d\x00%d %d", fi.Size, fi.Mtim.Sec, fi.Mtim.Nsec, fi.Ctim.Sec, fi.Ctim.Nsec, version, stored)
	id.data = sha256.Sum256([]byte(b.String()))
	return id, true
}

// columnFile is the cache file in dir of the database whose absolute path
// is abs.
func columnFile(dir, abs string) string {
	name := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, hex.EncodeToString(name[:16])+".cols")
}

// A cache file: a header of columnHeader bytes (magic, format, how many
// arrays, the key, each array's length in bytes, then up to four numbers
// of the kind's own), the arrays each from an 8-byte boundary, then a
// CRC-32C of every columnBlock of the bytes between header and sums.
const (
	headArrays = 48              // the arrays' lengths
	headNums   = headArrays + 32 // the kind's numbers
	maxArrays  = 4
)

// cacheLayout is where each of the arrays of the given byte lengths
// starts, and where the sums do.
func cacheLayout(lens []int) (at []int, end int) {
	end = columnHeader
	for _, n := range lens {
		at = append(at, end)
		end += (n + 7) &^ 7
	}
	return at, end
}

// mapping is a cache file mapped: its arrays and numbers.
type mapping struct {
	m      []byte
	arrays [][]byte
	nums   [4]uint64
	file   string
	fi     os.FileInfo // the file's when mapped
	warm   *warmMap    // the warm mapping taken, if it was (its touching may go on)
}

// mapCache maps the cache file of the given magic and key and checks it
// (its sums once per boot: verifiedStamp), or returns ok false. The
// mapping is private and writable (a write copies the page, never
// reaching the file).
// A mapping w warmed (warm) is taken when it is of this very file.
func mapCache(file, magic string, key [32]byte, w *warmMap) (mp mapping, ok bool) {
	f, err := os.Open(file)
	if err != nil {
		return mp, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() < columnHeader || fi.Size() > 1<<40 {
		return mp, false
	}
	var m []byte
	unmap := func() { syscall.Munmap(m) }
	taken := w != nil && w.file == file && sameVersion(w.fi, fi)
	if taken {
		m, unmap = w.m, w.release
	} else {
		if w != nil {
			w.release()
		}
		if m, err = mapFile(f, fi); err != nil {
			return mp, false
		}
	}
	stamp := verifiedStamp(fi)
	checked := stamp == "" || readStamp(file) != stamp
	if mp, ok = cacheIn(m, magic, key, checked); !ok {
		unmap()
		return mp, false
	}
	if checked {
		writeStamp(file, stamp)
	}
	mp.file, mp.fi = file, fi
	if taken {
		mp.warm = w
	}
	return mp, true
}

// mapFile maps the cache file f, whose information is fi. Not
// MAP_POPULATE: on a writable private mapping it would copy every page.
// The analysis maps the pages it reads.
func mapFile(f *os.File, fi os.FileInfo) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
}

// sameVersion reports whether a and b are the same file unchanged between:
// inode, size, and modification and change times.
func sameVersion(a, b os.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && sa.Ctim == sb.Ctim
}

// A warm mapping: the cache file of a database opened for reading, mapped
// at the open and touched one byte a page on another goroutine while the
// caller opens SQLite and reads the cache key on its own. A fresh process
// pays for the first touch of each 4 KB page of a mapping, ~2.8 us on this
// VM even with the page table entry in place (MAP_POPULATE saves nothing),
// and the time column alone is 2,048 pages at 1M events: ~6 ms of a
// retention's scan, which finds them warm when the core that was idle
// touched them first. The events column is left alone (an analysis
// without named events never reads it), and so is the file's checking:
// mapCache takes the mapping only for the very file it then checks, and a
// mapping not taken is unmapped.
type warmMap struct {
	file string
	fi   os.FileInfo
	m    []byte
	done chan struct{} // closed when the touching has ended
	stop atomic.Bool   // set when the mapping is released untaken
}

// warmSink keeps the touched bytes from being optimized away.
var warmSink atomic.Uint64

// warm maps and starts touching the cache file of the database at path,
// if there is one.
func (c *columnMap) warm(path string) {
	dir := columnCacheDir()
	abs, err := filepath.Abs(path)
	if dir == "" || err != nil {
		return
	}
	file := columnFile(dir, abs)
	f, err := os.Open(file)
	if err != nil {
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() < columnHeader || fi.Size() > 1<<40 {
		return
	}
	m, err := mapFile(f, fi)
	if err != nil {
		return
	}
	w := &warmMap{file: file, fi: fi, m: m, done: make(chan struct{})}
	c.warmed = w
	go func() {
		defer close(w.done)
		var x byte
		for _, k := range []int{1, 3, 0} { // starts, times, persons
			lo, hi := arrayAt(m, k)
			for i := lo; i < hi && !w.stop.Load(); i += 64 << 10 {
				for j := i; j < min(i+64<<10, hi); j += 4096 {
					x += m[j]
				}
			}
		}
		warmSink.Add(uint64(x))
	}()
}

// arrayAt is where array k of a cache file's bytes m lies, or an empty
// range when the header does not hold it (cacheIn checks it later).
func arrayAt(m []byte, k int) (lo, hi int) {
	le := binary.LittleEndian
	narr := int(le.Uint32(m[12:]))
	if k >= narr || narr > maxArrays {
		return 0, 0
	}
	lens := make([]int, narr)
	for i := range lens {
		if n := le.Uint64(m[headArrays+8*i:]); n <= uint64(len(m)) {
			lens[i] = int(n)
		} else {
			return 0, 0
		}
	}
	at, end := cacheLayout(lens)
	if end > len(m) {
		return 0, 0
	}
	return at[k], at[k] + lens[k]
}

// release unmaps a warm mapping, stopping its touching first.
func (w *warmMap) release() {
	w.stop.Store(true)
	<-w.done
	syscall.Munmap(w.m)
}

// takeWarm hands over the warm mapping, if any: the caller maps or
// releases it. c.mu is held.
func (c *columnMap) takeWarm() *warmMap {
	w := c.warmed
	c.warmed = nil
	return w
}

// dropWarm releases a warm mapping nothing took, at Close.
func (c *columnMap) dropWarm() {
	c.mu.Lock()
	w := c.takeWarm()
	c.mu.Unlock()
	if w != nil {
		w.release()
	}
}

// cacheIn checks a cache file's bytes against magic and key, its size
// and, when sums is set, its checksums, and returns its arrays.
func cacheIn(m []byte, magic string, key [32]byte, sums bool) (mp mapping, ok bool) {
	le := binary.LittleEndian
	narr := int(le.Uint32(m[12:]))
	if string(m[:8]) != magic || le.Uint32(m[8:]) != columnFormat || narr > maxArrays || [32]byte(m[16:48]) != key {
		return mp, false
	}
	lens := make([]int, narr)
	for k := range lens {
		n := le.Uint64(m[headArrays+8*k:])
		if n > uint64(len(m)) {
			return mp, false
		}
		lens[k] = int(n)
	}
	at, end := cacheLayout(lens)
	blocks := (end - columnHeader + columnBlock - 1) / columnBlock
	if len(m) != end+4*blocks {
		return mp, false
	}
	if sums {
		columnSums.Add(1)
		if !sumsMatch(m[columnHeader:end], m[end:]) {
			return mp, false
		}
	}
	mp.m = m
	for k, n := range lens {
		mp.arrays = append(mp.arrays, m[at[k]:at[k]+n])
	}
	for k := range mp.nums {
		mp.nums[k] = le.Uint64(m[headNums+8*k:])
	}
	return mp, true
}

// columnMap is what a DB handle mapped of the cache, all of one data
// key. A mapping is never released: its columns go into datasets whose
// end nothing tracks. So a handle maps the files of one key in its life
// (the columns, and each property once), and its later loads of that
// data share them; a load of other data (the workbench reloading after
// an import) decodes, which bounds what one process holds on to — a
// replaced file's disk space is freed only when its mapping ends.
type columnMap struct {
	mu     sync.Mutex
	warmed *warmMap // the columns file mapped at the open, until mapCache takes it
	key    [32]byte
	mapped bool
	cols   mapping
	props  map[[32]byte]PropColumn // by the property file's key
}

// may reports whether the handle may map files of key. c.mu is held.
func (c *columnMap) may(key [32]byte) bool { return !c.mapped || c.key == key }

// took records that the handle mapped a file of key. c.mu is held.
func (c *columnMap) took(key [32]byte) { c.key, c.mapped = key, true }

// cachedColumns maps the cached columns of key, or returns nil.
func (db *DB) cachedColumns(file string, key [32]byte) *Ordered {
	c := &db.cols
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cols.m == nil {
		if !c.may(key) {
			return nil
		}
		mp, ok := mapCache(file, columnMagic, key, c.takeWarm())
		if !ok {
			return nil
		}
		if columnsOf(mp) == nil {
			syscall.Munmap(mp.m)
			return nil
		}
		c.cols = mp
		c.took(key)
	} else if c.key != key {
		return nil
	}
	return columnsOf(c.cols) // checked when mapped
}

// columnReader returns how withTail copies the handle's mapped columns:
// read from the file (pread), not through the mapping. A process pays
// for the first touch of each page it maps (~2.8 us a 4 KB page on this
// VM), and every page it touched counts as its resident memory: a copy
// of 1.2 GB of columns through the mapping cost both, on top of the
// copy's own fresh pages. The warm mapping's touching (columnMap.warm)
// stops too: the mapping is read only for the tail's persons. When the
// file is no longer the one mapped, the mapping is copied.
func (db *DB) columnReader() (read func(dst, src []byte), done func()) {
	c := &db.cols
	c.mu.Lock()
	mp := c.cols
	c.mu.Unlock()
	copying := func(dst, src []byte) { copy(dst, src) }
	if mp.warm != nil {
		mp.warm.stop.Store(true)
	}
	if mp.m == nil {
		return copying, func() {}
	}
	f, err := os.Open(mp.file)
	if err != nil {
		return copying, func() {}
	}
	if fi, err := f.Stat(); err != nil || !sameVersion(fi, mp.fi) {
		f.Close()
		return copying, func() {}
	}
	base := uintptr(unsafe.Pointer(&mp.m[0]))
	return func(dst, src []byte) {
		if len(src) == 0 {
			return
		}
		at := int64(uintptr(unsafe.Pointer(&src[0])) - base)
		if n, err := f.ReadAt(dst[:len(src)], at); err != nil || n != len(src) {
			copy(dst, src) // the same bytes, through the mapping
		}
	}, func() { f.Close() }
}

// columnsOf is the columns a cache file's mapping holds, or nil.
func columnsOf(mp mapping) *Ordered {
	if len(mp.arrays) != 4 {
		return nil
	}
	np, ne := len(mp.arrays[0])/4, len(mp.arrays[2])/4
	if len(mp.arrays[0]) != 4*np || len(mp.arrays[1]) != 4*(np+1) || len(mp.arrays[2]) != 4*ne || len(mp.arrays[3]) != 8*ne || np > ne {
		return nil
	}
	o := &Ordered{
		Person: sliceOf[int32](mp.arrays[0]), Start: sliceOf[int32](mp.arrays[1]),
		Event: sliceOf[int32](mp.arrays[2]), Time: sliceOf[int64](mp.arrays[3]),
	}
	o.MinTime, o.MaxTime = int64(mp.nums[0]), int64(mp.nums[1])
	return o
}

// keepColumns writes o's columns to file under key and removes the
// database's property files of other keys and the oldest cache files
// past columnCacheFiles.
func keepColumns(file string, key [32]byte, o *Ordered) {
	nums := [4]uint64{uint64(o.MinTime), uint64(o.MaxTime)}
	if writeCache(file, columnMagic, key, nums, bytesOf(o.Person), bytesOf(o.Start), bytesOf(o.Event), bytesOf(o.Time)) {
		pruneColumns(filepath.Dir(file), file)
	}
}

// propFile is where the cache keeps property key of the data id names,
// and its key.
func propFile(id cacheID, key string) (string, [32]byte) {
	name := sha256.Sum256([]byte(key))
	return strings.TrimSuffix(id.file, ".cols") + "." + hex.EncodeToString(name[:8]) + ".prop",
		sha256.Sum256(append(id.data[:], "\x00"+key...))
}

// cachedProp is property key's column from the cache, for the data id
// names, or nil.
func (db *DB) cachedProp(id cacheID, key string) *PropColumn {
	c := &db.cols
	c.mu.Lock()
	defer c.mu.Unlock()
	pf, pkey := propFile(id, key)
	if col, ok := c.props[pkey]; ok {
		return &col
	}
	if !c.may(id.cols) {
		return nil
	}
	mp, ok := mapCache(pf, propMagic, pkey, nil)
	if !ok {
		return nil
	}
	col, ok := propOf(mp)
	if !ok {
		syscall.Munmap(mp.m)
		return nil
	}
	if c.props == nil {
		c.props = map[[32]byte]PropColumn{}
	}
	c.props[pkey] = col
	c.took(id.cols)
	return &col
}

// propOf is the property column a cache file's mapping holds: its codes,
// and its values as uvarint lengths, then the bytes.
func propOf(mp mapping) (PropColumn, bool) {
	if len(mp.arrays) != 3 || len(mp.arrays[0])%4 != 0 {
		return PropColumn{}, false
	}
	col := PropColumn{Codes: sliceOf[int32](mp.arrays[0])}
	lens, text := mp.arrays[1], string(mp.arrays[2])
	for len(lens) > 0 {
		n, k := binary.Uvarint(lens)
		if k <= 0 || n > uint64(len(text)) {
			return PropColumn{}, false
		}
		col.Values, text, lens = append(col.Values, text[:n]), text[n:], lens[k:]
	}
	return col, len(text) == 0 && uint64(len(col.Values)) == mp.nums[0]
}

// keepProp writes property key's column of the data id names.
func keepProp(id cacheID, key string, col *PropColumn) {
	var lens []byte
	var text []byte
	for _, v := range col.Values {
		lens = binary.AppendUvarint(lens, uint64(len(v)))
		text = append(text, v...)
	}
	pf, pkey := propFile(id, key)
	writeCache(pf, propMagic, pkey, [4]uint64{uint64(len(col.Values))}, bytesOf(col.Codes), lens, text)
}

// writeCache writes a cache file through a temporary file renamed into
// place, stamped as checked, and reports whether it did. Failing costs
// only the next load's decode.
func writeCache(file, magic string, key [32]byte, nums [4]uint64, arrays ...[]byte) bool {
	dir := filepath.Dir(file)
	if os.MkdirAll(dir, 0o700) != nil {
		return false
	}
	lens := make([]int, len(arrays))
	for k, a := range arrays {
		lens[k] = len(a)
	}
	at, end := cacheLayout(lens)
	blocks := (end - columnHeader + columnBlock - 1) / columnBlock
	size := end + 4*blocks
	// A cache never takes the last of the disk: the file is written only
	// while as much again stays free.
	var disk syscall.Statfs_t
	if syscall.Statfs(dir, &disk) != nil || disk.Bavail*uint64(disk.Bsize) < 2*uint64(size) {
		return false
	}
	f, err := os.CreateTemp(dir, "cols-*.tmp")
	if err != nil {
		return false
	}
	defer os.Remove(f.Name()) // after the rename, nothing to remove
	head := make([]byte, columnHeader)
	le := binary.LittleEndian
	copy(head, magic)
	le.PutUint32(head[8:], columnFormat)
	le.PutUint32(head[12:], uint32(len(arrays)))
	copy(head[16:48], key[:])
	for k, n := range lens {
		le.PutUint64(head[headArrays+8*k:], uint64(n))
	}
	for k, v := range nums {
		le.PutUint64(head[headNums+8*k:], v)
	}
	sums := make([]byte, 4*blocks)
	var crc uint32
	pos, zeros := columnHeader, make([]byte, 8)
	w := func(b []byte) bool {
		for len(b) > 0 {
			// Whole blocks' checksums as they fill.
			k := min(len(b), columnBlock-(pos-columnHeader)%columnBlock)
			crc = crc32.Update(crc, castagnoli, b[:k])
			if _, err := f.Write(b[:k]); err != nil {
				return false
			}
			pos += k
			b = b[k:]
			if (pos-columnHeader)%columnBlock == 0 || pos == end {
				le.PutUint32(sums[4*((pos-columnHeader-1)/columnBlock):], crc)
				crc = 0
			}
		}
		return true
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		return false
	}
	// Each array, then the zeros up to the next (or the sums).
	for k, a := range arrays {
		if !w(zeros[:at[k]-pos]) || !w(a) {
			f.Close()
			return false
		}
	}
	if !w(zeros[:end-pos]) {
		f.Close()
		return false
	}
	if _, err := f.Write(sums); err != nil {
		f.Close()
		return false
	}
	written, err := f.Stat()
	if f.Close() != nil || err != nil || os.Rename(f.Name(), file) != nil {
		return false
	}
	// Stamped as checked only if the file at the name is still the one
	// written here (a rename moves its change time).
	if now, err := os.Stat(file); err == nil && os.SameFile(now, written) {
		writeStamp(file, verifiedStamp(now))
	}
	return true
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
func stampFile(file string) string { return file + ".ok" }

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

// pruneColumns removes the cache files of dir past the columnCacheFiles
// most recently written (keep, just written, among them), temporary files
// an hour old (a process that died writing), the property files of
// databases whose columns are gone or were just written anew (they hold
// the data before), and the stamps of files gone.
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
		}
	}
	slices.SortFunc(files, func(a, b cached) int { return b.at.Compare(a.at) })
	for _, c := range files[min(len(files), columnCacheFiles-1):] {
		os.Remove(c.path)
	}
	gone := func(path string) bool {
		_, err := os.Stat(path)
		return errors.Is(err, fs.ErrNotExist)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		db, _, _ := strings.Cut(e.Name(), ".")
		cols := filepath.Join(dir, db+".cols")
		if strings.HasSuffix(e.Name(), ".prop") && (cols == keep || gone(cols)) {
			os.Remove(path)
		}
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if strings.HasSuffix(e.Name(), ".ok") && gone(strings.TrimSuffix(path, ".ok")) {
			os.Remove(path)
		}
	}
}

// sliceOf is bytes of a mapping, 8-byte aligned, as a column.
func sliceOf[T int32 | int64](b []byte) []T {
	var zero T
	if len(b) == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/int(unsafe.Sizeof(zero)))
}
