package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"

	"github.com/spoorhq/spoor/i18n"
)

// The dedup hashes of every stored event live in dedup_index, split by
// their top dedupBits bits into buckets, each one row of sorted hashes. An
// import reads only the buckets its own events fall in and rewrites only
// those: adding 1,000 events to 100M stored costs about 1,000 buckets of
// 1,500 hashes, not every hash of the database. A bucket stores the steps
// between the low bits of its hashes (0 repeats a hash: identical rows are
// a multiset) Rice-coded: 5.3 bytes a hash at 10M events (5.8 at 1M, about
// 5 expected at 100M), against 8 in the chunks before schema 5.
const dedupBits = 16

// lowBits masks the bits of a hash below its bucket.
const lowBits = 1<<(64-dedupBits) - 1

// dedupSchema is migration 4 -> 5 (its filling is migrateDedup).
const dedupSchema = `
CREATE TABLE dedup_index (
	bucket INTEGER PRIMARY KEY, -- the hashes' top 16 bits
	hashes BLOB NOT NULL        -- uvarint count, Rice parameter k, then per hash the step of its low 48 bits: unary quotient, k remainder bits
);`

func dedupBucket(h uint64) int { return int(h >> (64 - dedupBits)) }

// appendBucket encodes the sorted hashes of one bucket.
func appendBucket(dst []byte, hashes []uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(hashes)))
	if len(hashes) == 0 {
		return dst
	}
	// The parameter nearest the mean step, or one below or above: the
	// one that takes fewest bits.
	mean := (hashes[len(hashes)-1]&lowBits)/uint64(len(hashes)) + 1
	lo, hi := max(0, bits.Len64(mean)-2), min(bits.Len64(mean), 64-dedupBits)
	// The steps' quotients for the three parameters, summed in one pass.
	var sums [3]uint64
	prev := uint64(0)
	for _, h := range hashes {
		d := h&lowBits - prev
		prev = h & lowBits
		sums[0] += d >> lo
		sums[1] += d >> (lo + 1)
		sums[2] += d >> (lo + 2)
	}
	best, bestBits := 0, uint64(1<<63)
	for k := lo; k <= hi; k++ {
		if n := uint64(len(hashes))*uint64(k+1) + sums[k-lo]; n < bestBits {
			best, bestBits = k, n
		}
	}
	dst = append(dst, byte(best))
	w := bitWriter{b: dst}
	prev = 0
	for _, h := range hashes {
		d := h&lowBits - prev
		prev = h & lowBits
		for q := d >> best; ; q -= 32 {
			if q < 32 {
				w.put(1<<q-1, uint(q+1)) // q ones, then a zero
				break
			}
			w.put(1<<32-1, 32)
		}
		w.put(d&(1<<best-1), uint(best))
	}
	return w.flush()
}

// decodeBucket appends the hashes of bucket b encoded in blob to dst.
func decodeBucket(dst []uint64, b int, blob []byte) ([]uint64, error) {
	if len(blob) == 0 {
		return dst, nil
	}
	n, m := binary.Uvarint(blob)
	if m <= 0 || len(blob) == m || n > uint64(len(blob))*8 {
		return nil, errCorrupt
	}
	k := uint(blob[m])
	if k > 64-dedupBits {
		return nil, errCorrupt
	}
	// Room for every hash at once: grown by appending, a 100M-event
	// database's buckets (1,500 hashes each) were copied and cleared
	// several times over, a fifth of a tail fold's CPU.
	dst = slices.Grow(dst, int(n))
	r := bitReader{b: blob[m+1:]}
	top := uint64(b) << (64 - dedupBits)
	prev := uint64(0)
	for range n {
		q := r.unary(lowBits >> k)
		if q > lowBits>>k {
			return nil, errCorrupt
		}
		d := q<<k | r.bits(k)
		if r.over || d > lowBits-prev {
			return nil, errCorrupt
		}
		prev += d
		dst = append(dst, top|prev)
	}
	if r.rest() >= 8 || r.over {
		return nil, errCorrupt // bytes past the last hash
	}
	return dst, nil
}

// bitWriter appends bits, least significant first: acc holds the n (under
// 32) bits not yet appended, which go out four bytes at a time.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint
}

// put appends the n (at most 56) low bits of v; v has no bits above them.
func (w *bitWriter) put(v uint64, n uint) {
	if n > 32 {
		w.put(v&(1<<32-1), 32)
		v, n = v>>32, n-32
	}
	w.acc |= v << w.n
	if w.n += n; w.n >= 32 {
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// flush appends the bits left, the last byte padded with zeros.
func (w *bitWriter) flush() []byte {
	for ; w.n > 0; w.n = max(w.n, 8) - 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
	}
	return w.b
}

// bitReader reads what bitWriter wrote, a word at a time: acc holds the
// next n unread bits, least significant first (the bits above them are
// the ones after, or zero). Reading a bit at a time, decoding was half of
// folding a tail into 30M events' buckets. over is set when it reads past
// the end.
type bitReader struct {
	b    []byte
	acc  uint64
	n    uint
	over bool
}

// refill moves whole bytes from b into acc while they fit.
func (r *bitReader) refill() {
	if len(r.b) >= 8 {
		// The bytes past the ones counted are loaded again, at the same
		// places, by the next refill: or-ing them twice changes nothing.
		r.acc |= binary.LittleEndian.Uint64(r.b) << r.n
		k := (63 - r.n) >> 3
		r.b, r.n = r.b[k:], r.n+k<<3
		return
	}
	for ; r.n <= 56 && len(r.b) > 0; r.b = r.b[1:] {
		r.acc |= uint64(r.b[0]) << r.n
		r.n += 8
	}
}

// unary reads ones up to a zero and returns how many, or stops once they
// are more than limit.
func (r *bitReader) unary(limit uint64) uint64 {
	q := uint64(0)
	for {
		if r.n == 0 {
			if r.refill(); r.n == 0 {
				r.over = true
				return q
			}
		}
		ones := uint(bits.TrailingZeros64(^r.acc))
		if ones < r.n {
			r.acc >>= ones + 1
			r.n -= ones + 1
			return q + uint64(ones)
		}
		q += uint64(r.n)
		r.acc >>= r.n
		r.n = 0
		if q > limit {
			return q
		}
	}
}

// bits reads k (at most 48) bits.
func (r *bitReader) bits(k uint) uint64 {
	if r.n < k {
		if r.refill(); r.n < k {
			r.over = true
			return 0
		}
	}
	v := r.acc & (1<<k - 1)
	r.acc >>= k
	r.n -= k
	return v
}

// rest is how many bits are left unread.
func (r *bitReader) rest() int { return int(r.n) + 8*len(r.b) }

// The dedup tail. Rewriting the buckets of a small import's hashes
// rewrote most pages of the index (1,000 hashes into 10M touch 600 of its
// 820 64 KB pages), so its cost grew with the database (issue 19, point
// 4). Instead the hashes of such an import stay in its chunks' dedup
// column (8 bytes each, in row order), where every import reads them:
// settings.dedup_upto names the last chunk whose hashes are in the
// buckets (unset: every chunk). An import that would make that tail
// longer than tailLimit folds it into the buckets and empties the tail
// chunks' column, in its transaction.
//
// Folding a whole tail rewrites nearly every bucket (at 100M events about
// 500 MB, most of a 10 s import), so a tail past half its limit is folded
// a range of buckets per import instead (a fold cycle): settings
// dedup_fold_to names the last chunk of the tail being folded and
// dedup_fold_at the first bucket whose hashes from those chunks are not
// in the buckets yet. Each import folds a share of the buckets in
// proportion to the hashes it adds, so the cycle ends before the tail
// reaches its limit; the cycle's last import empties the folded chunks'
// column and moves dedup_upto to dedup_fold_to. A file too large for that
// folds every hash not in the buckets at once, as before.

// dedupIndex is an import's view of dedup_index: the buckets read so far
// (the hashes stored before the import), the tail, and the hashes it adds.
type dedupIndex struct {
	tx     *sql.Tx
	get    *sql.Stmt
	stored [][]uint64 // by bucket; nil until read
	read   []bool
	added  [][]uint64 // blocks of the hashes this import stores
	none   bool       // nothing stored: every count is 0
	all    bool       // every bucket is read

	events int64    // stored before the import
	upto   int64    // dedup_upto: chunks after it form the tail
	foldTo int64    // dedup_fold_to: the chunks upto+1 .. foldTo are being folded in (0: no cycle)
	foldAt int      // dedup_fold_at: their hashes of buckets from here on are not in the buckets
	gen    []uint64 // those hashes, sorted
	tail   []uint64 // the hashes of the chunks after foldTo (or upto), sorted

	peeked []bool // buckets read once and not kept (readRange)
	ends   []int  // countSorted's, by bucket
	buf    []byte // their blobs, for one range
}

// dedupWholeIndex is the stored events up to which an import reads the
// whole index at once, in one query, rather than bucket by bucket (a
// variable so tests can take the other path).
var dedupWholeIndex int64 = 1 << 22

func openDedupIndex(ctx context.Context, tx *sql.Tx, storedEvents int64) (*dedupIndex, error) {
	d := &dedupIndex{tx: tx, events: storedEvents}
	if storedEvents == 0 {
		d.none = true // a first import: no bucket to read, nor to look at per event
		return d, nil
	}
	if err := d.readTail(ctx); err != nil {
		return nil, err
	}
	d.stored, d.read = make([][]uint64, 1<<dedupBits), make([]bool, 1<<dedupBits)
	if storedEvents > dedupWholeIndex {
		var err error
		d.get, err = tx.PrepareContext(ctx, "SELECT hashes FROM dedup_index WHERE bucket = ?")
		return d, err
	}
	return d, d.readAll(ctx)
}

// readAll reads every bucket not read yet, in one query.
func (d *dedupIndex) readAll(ctx context.Context) error {
	if d.all {
		return nil
	}
	rows, err := d.tx.QueryContext(ctx, "SELECT bucket, hashes FROM dedup_index")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b int
		var blob sql.RawBytes
		if err := rows.Scan(&b, &blob); err != nil {
			return err
		}
		if b < 0 || b >= len(d.stored) {
			return errCorrupt
		}
		if d.read[b] {
			continue
		}
		if d.stored[b], err = decodeBucket(nil, b, blob); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range d.read {
		d.read[i] = true
	}
	d.all = true
	return nil
}

// readTail reads dedup_upto and the tail's hashes.
func (d *dedupIndex) readTail(ctx context.Context) error {
	var upto sql.NullString
	err := d.tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'dedup_upto'").Scan(&upto)
	if err == sql.ErrNoRows || err == nil && !upto.Valid {
		// Unset: every chunk's hashes are in the buckets.
		return d.tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM chunks").Scan(&d.upto)
	}
	if err != nil {
		return err
	}
	if d.upto, err = strconv.ParseInt(upto.String, 10, 64); err != nil {
		return errCorrupt
	}
	foldAt, err := intSetting(ctx, d.tx, "dedup_fold_at")
	if err == nil {
		d.foldTo, err = intSetting(ctx, d.tx, "dedup_fold_to")
	}
	if err != nil {
		return err
	}
	if d.foldTo != 0 && (d.foldTo <= d.upto || foldAt < 0 || foldAt >= 1<<dedupBits) {
		return errCorrupt
	}
	d.foldAt = int(foldAt)
	rows, err := d.tx.QueryContext(ctx, "SELECT id, n, dedup FROM chunks WHERE id > ? ORDER BY id", d.upto)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		var b sql.RawBytes
		if err := rows.Scan(&id, &n, &b); err != nil {
			return err
		}
		if len(b) != 8*n {
			return errCorrupt
		}
		for i := 0; i < len(b); i += 8 {
			switch h := binary.LittleEndian.Uint64(b[i:]); {
			case id > d.foldTo:
				d.tail = append(d.tail, h)
			case dedupBucket(h) >= d.foldAt:
				d.gen = append(d.gen, h)
			}
			// Else the cycle folded it into its bucket already.
		}
	}
	slices.Sort(d.gen)
	slices.Sort(d.tail)
	return rows.Err()
}

// bucket returns the stored hashes of bucket b, reading it on first use.
func (d *dedupIndex) bucket(ctx context.Context, b int) ([]uint64, error) {
	if !d.read[b] {
		var blob []byte
		err := d.get.QueryRowContext(ctx, b).Scan(&blob)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		if d.stored[b], err = decodeBucket(nil, b, blob); err != nil {
			return nil, err
		}
		d.read[b] = true
	}
	return d.stored[b], nil
}

// peek appends the blob of bucket b (none: nothing) to buf.
func (d *dedupIndex) peek(ctx context.Context, b int, buf []byte) ([]byte, error) {
	rows, err := d.get.QueryContext(ctx, b)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	if rows.Next() {
		var blob sql.RawBytes
		if err := rows.Scan(&blob); err != nil {
			return buf, err
		}
		buf = append(buf, blob...)
	}
	return buf, rows.Err()
}

// count returns how many stored events (before this import) have hash h.
func (d *dedupIndex) count(ctx context.Context, h uint64) (int32, error) {
	if d.none {
		return 0, nil
	}
	s, err := d.bucket(ctx, dedupBucket(h))
	if err != nil {
		return 0, err
	}
	return copies(s, h) + copies(d.gen, h) + copies(d.tail, h), nil
}

// countSorted returns how many stored events (before this import) have
// each of the sorted, distinct hashes hs. Each bucket they fall in is
// read once, in bucket order; those of dense ranges are decoded into one
// buffer and dropped, so a large batch costs one pass over the index and
// holds one range of it.
func (d *dedupIndex) countSorted(ctx context.Context, hs []uint64) ([]int32, error) {
	out := make([]int32, len(hs))
	if d.none {
		return out, nil
	}
	// Reused: a file linking identities between its events counts a few
	// hashes at a time, and 512 KB afresh each time was most of it.
	if d.ends == nil {
		d.ends = make([]int, 1<<dedupBits)
	}
	ends := d.ends
	k := 0
	for b := range ends {
		for k < len(hs) && dedupBucket(hs[k]) == b {
			k++
		}
		ends[b] = k
	}
	var scratch []uint64
	var unread [foldRange][]byte
	start := 0
	for b, end := range ends {
		if b%foldRange == 0 {
			if err := d.readRange(ctx, b, ends, start, &unread); err != nil {
				return nil, err
			}
		}
		if start == end {
			continue
		}
		s := d.stored[b]
		if !d.read[b] {
			var err error
			if scratch, err = decodeBucket(scratch[:0], b, unread[b%foldRange]); err != nil {
				return nil, err
			}
			s = scratch
		}
		for i := start; i < end; i++ {
			out[i] = copies(s, hs[i]) + copies(d.gen, hs[i]) + copies(d.tail, hs[i])
		}
		start = end
	}
	return out, nil
}

// copies counts h in the sorted hashes s.
func copies(s []uint64, h uint64) int32 {
	lo, found := slices.BinarySearch(s, h)
	if !found {
		return 0
	}
	hi := lo + 1
	for hi < len(s) && s[hi] == h {
		hi++
	}
	return int32(hi - lo)
}

// add records the hash of an event this import stores. The hashes are
// kept in blocks, each twice the last up to 1M hashes: one slice grown by
// appending copied every hash again at each doubling, a tenth of a bulk
// import's time.
func (d *dedupIndex) add(h uint64) {
	if n := len(d.added); n == 0 || len(d.added[n-1]) == cap(d.added[n-1]) {
		size := 1 << 10
		if n > 0 {
			size = min(2*cap(d.added[n-1]), 1<<20)
		}
		d.added = append(d.added, make([]uint64, 0, size))
	}
	last := &d.added[len(d.added)-1]
	*last = append(*last, h)
}

// write stores the hashes of import importID: in its chunks while the
// hashes outside the buckets stay within tailLimit, folding a share of a
// cycle's; else in the buckets with every other hash outside them.
func (d *dedupIndex) write(ctx context.Context, importID int64) error {
	added := 0
	for _, blk := range d.added {
		added += len(blk)
	}
	if added == 0 {
		return nil
	}
	limit := tailLimit(d.events)
	out := int64(len(d.gen) + len(d.tail) + added) // hashes outside the buckets
	if d.none || out > limit {
		return d.foldAll(ctx)
	}
	if err := d.keepInChunks(ctx, importID); err != nil {
		return err
	}
	if d.foldTo == 0 {
		if out <= limit/2 {
			return nil
		}
		// A cycle starts, over every chunk of the tail, this import's too.
		// The import pays for its hashes past half the limit only, as
		// the snapshot's (extendSnapshot).
		added = min(added, int(out-limit/2))
		if err := d.tx.QueryRowContext(ctx, "SELECT max(id) FROM chunks").Scan(&d.foldTo); err != nil {
			return err
		}
		for _, blk := range d.added {
			d.tail = append(d.tail, blk...)
		}
		slices.Sort(d.tail)
		d.gen, d.tail, d.foldAt = d.tail, nil, 0
	}
	// The share: 4 buckets' worth of the index per limit/2^dedupBits
	// hashes added (since the tail passed half the limit), so the cycle
	// ends before the tail passes three quarters of it.
	share := int((int64(added)<<(dedupBits+2) + limit - 1) / limit)
	return d.foldStep(ctx, min(d.foldAt+share, 1<<dedupBits))
}

// foldStep folds the cycle's hashes of buckets foldAt .. end-1 into their
// buckets; at the last bucket the cycle ends.
func (d *dedupIndex) foldStep(ctx context.Context, end int) error {
	k, _ := slices.BinarySearch(d.gen, uint64(end)<<(64-dedupBits))
	if end == 1<<dedupBits {
		k = len(d.gen)
	}
	d.added = [][]uint64{d.gen[:k]}
	if err := d.fold(ctx); err != nil {
		return err
	}
	d.gen, d.foldAt = d.gen[k:], end
	if foldHook != nil {
		foldHook()
	}
	if end < 1<<dedupBits {
		if err := putSetting(ctx, d.tx, "dedup_fold_to", d.foldTo); err != nil {
			return err
		}
		return putSetting(ctx, d.tx, "dedup_fold_at", int64(end))
	}
	if _, err := d.tx.ExecContext(ctx, "UPDATE chunks SET dedup = x'' WHERE id > ? AND id <= ?", d.upto, d.foldTo); err != nil {
		return err
	}
	d.upto = d.foldTo
	return d.endCycle(ctx)
}

// foldHook, when set, runs inside each fold step, after it wrote and
// before the import commits: a test stops the process there.
var foldHook func()

// foldAll folds every hash outside the buckets into them.
func (d *dedupIndex) foldAll(ctx context.Context) error {
	if len(d.gen)+len(d.tail) > 0 {
		// The tail joins the buckets; fold reads those the import did not.
		d.added = append(d.added, d.gen, d.tail)
		if _, err := d.tx.ExecContext(ctx, "UPDATE chunks SET dedup = x'' WHERE id > ?", d.upto); err != nil {
			return err
		}
	}
	if err := d.fold(ctx); err != nil {
		return err
	}
	if err := d.tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM chunks").Scan(&d.upto); err != nil {
		return err
	}
	return d.endCycle(ctx)
}

// endCycle records that the chunks up to d.upto are in the buckets and no
// cycle is under way.
func (d *dedupIndex) endCycle(ctx context.Context) error {
	if _, err := d.tx.ExecContext(ctx, "DELETE FROM settings WHERE key IN ('dedup_fold_to', 'dedup_fold_at')"); err != nil {
		return err
	}
	return putSetting(ctx, d.tx, "dedup_upto", d.upto)
}

// putSetting sets the integer setting key.
func putSetting(ctx context.Context, tx *sql.Tx, key string, v int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, strconv.FormatInt(v, 10))
	return err
}

// keepInChunks writes the import's hashes into its chunks, in row order.
func (d *dedupIndex) keepInChunks(ctx context.Context, importID int64) error {
	rows, err := d.tx.QueryContext(ctx, "SELECT id, n FROM chunks WHERE import_id = ? ORDER BY id", importID)
	if err != nil {
		return err
	}
	var chunks [][2]int64
	for rows.Next() {
		var c [2]int64
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return err
		}
		chunks = append(chunks, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var all []uint64
	for _, blk := range d.added {
		all = append(all, blk...)
	}
	var b []byte
	for _, c := range chunks {
		if c[1] > int64(len(all)) {
			return errCorrupt
		}
		b = b[:0]
		for _, h := range all[:c[1]] {
			b = binary.LittleEndian.AppendUint64(b, h)
		}
		all = all[c[1]:]
		if _, err := d.tx.ExecContext(ctx, "UPDATE chunks SET dedup = ? WHERE id = ?", b, c[0]); err != nil {
			return i18n.Errorf("store dedup index: %w", err)
		}
	}
	if len(all) != 0 {
		return errCorrupt
	}
	return putSetting(ctx, d.tx, "dedup_upto", d.upto)
}

// fold stores the added hashes into their buckets, rewriting only those.
func (d *dedupIndex) fold(ctx context.Context) error {
	total := 0
	for _, blk := range d.added {
		total += len(blk)
	}
	if total == 0 {
		return nil
	}
	// The added blocks are dropped as they are dealt into one array:
	// collecting more often reuses their memory instead of holding both
	// (at 100M events 800 MB each).
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	all, ends := dealHashes(d.added, total)
	d.added = nil
	put, err := d.tx.PrepareContext(ctx, "INSERT OR REPLACE INTO dedup_index(bucket, hashes) VALUES(?, ?)")
	if err != nil {
		return err
	}
	defer put.Close()
	var merged, scratch []uint64
	var blob []byte
	var unread [foldRange][]byte
	start := 0
	for b, end := range ends {
		if b%foldRange == 0 {
			if err := d.readRange(ctx, b, ends, start, &unread); err != nil {
				return err
			}
		}
		add := all[start:end]
		start = end
		if len(add) == 0 {
			continue
		}
		var old []uint64
		switch {
		case d.stored == nil: // nothing stored before
		case d.read[b]:
			old = d.stored[b]
		default:
			if scratch, err = decodeBucket(scratch[:0], b, unread[b%foldRange]); err != nil {
				return err
			}
			old = scratch
		}
		merged = mergeSorted(merged[:0], old, add)
		blob = appendBucket(blob[:0], merged)
		if _, err := put.ExecContext(ctx, b, blob); err != nil {
			return i18n.Errorf("store dedup index: %w", err)
		}
	}
	return nil
}

// foldRange is how many buckets fold reads in one query. The hashes of a
// tail folded in fall in most buckets, which no lookup read: a query per
// bucket, about 25 µs each, was most of a fold's time at 10M events; read
// in ranges, what a fold holds at once stays small.
const foldRange = 1 << 10

// sparseRange is the number of needed buckets in a range of foldRange
// below which readRange reads them one by one (about 25 µs a query,
// against 3 µs a bucket read in a range); a variable so tests can take
// the other path.
var sparseRange = foldRange / 8

// readRange reads the stored buckets from first on, up to foldRange of
// them, that have added hashes (ends, from the hash at start on) and were
// not read by a lookup: into unread, or, when few, as a lookup reads
// them; the others are left nil.
func (d *dedupIndex) readRange(ctx context.Context, first int, ends []int, start int, unread *[foldRange][]byte) error {
	clear(unread[:])
	if d.stored == nil {
		return nil
	}
	need, from := 0, start
	for b := first; b < first+foldRange; b++ {
		if ends[b] > start && !d.read[b] {
			need++
		}
		start = ends[b]
	}
	if need == 0 {
		return nil
	}
	if need < sparseRange && d.get != nil {
		// A few buckets of the range: a query each costs less than
		// reading the whole range. A bucket read a second time is kept,
		// as lookups keep them (a file linking identities between its
		// events looks up a few at a time); the first time only its
		// blob is read, into buf, and decoded into the caller's scratch:
		// kept, the 1,000 buckets of a 1,000-event import into 100M
		// events were 12 MB of fresh memory, a fifth of its CPU.
		if d.peeked == nil {
			d.peeked = make([]bool, 1<<dedupBits)
		}
		d.buf = d.buf[:0]
		for b, start := first, from; b < first+foldRange; b++ {
			if ends[b] > start && !d.read[b] {
				var err error
				if d.peeked[b] {
					_, err = d.bucket(ctx, b)
				} else {
					d.peeked[b] = true
					at := len(d.buf)
					d.buf, err = d.peek(ctx, b, d.buf)
					unread[b-first] = d.buf[at:len(d.buf):len(d.buf)]
				}
				if err != nil {
					return err
				}
			}
			start = ends[b]
		}
		return nil
	}
	rows, err := d.tx.QueryContext(ctx, "SELECT bucket, hashes FROM dedup_index WHERE bucket >= ? AND bucket < ?", first, first+foldRange)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b int
		var blob []byte
		if err := rows.Scan(&b, &blob); err != nil {
			return err
		}
		if b < first || b >= first+foldRange {
			return errCorrupt
		}
		if !d.read[b] {
			unread[b-first] = blob
		}
	}
	return rows.Err()
}

func mergeSorted(dst, a, b []uint64) []uint64 {
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			dst, a = append(dst, a[0]), a[1:]
		} else {
			dst, b = append(dst, b[0]), b[1:]
		}
	}
	return append(append(dst, a...), b...)
}

// dealHashes sorts the hashes of blocks (total in all), releasing each
// block once read, and returns them with where each bucket ends. They are
// dealt by their top byte (256 runs, written in step), then each run, a
// 256th of the whole, by its second byte within a small buffer, and each
// bucket is sorted where it lies; the runs go to the cores in turn. Dealt
// straight into the 65,536 buckets, most writes missed the cache: 20M
// hashes took 2.4-3.1 s of CPU to deal and sort, now 2.3-2.5 s.
func dealHashes(blocks [][]uint64, total int) (all []uint64, ends []int) {
	// Two bytes of a hash name its bucket: the dealing below needs that.
	const _ = uint(dedupBits-16) + uint(16-dedupBits)
	const shift = 64 - 8
	var at [257]int // where each top-byte run starts, then ends
	for _, blk := range blocks {
		for _, h := range blk {
			at[h>>shift+1]++
		}
	}
	for r := 1; r <= 256; r++ {
		at[r] += at[r-1]
	}
	all = make([]uint64, total)
	next := at
	for i, blk := range blocks {
		for _, h := range blk {
			all[next[h>>shift]] = h
			next[h>>shift]++
		}
		blocks[i] = nil
	}
	ends = make([]int, 1<<dedupBits)
	var wg sync.WaitGroup
	cores := runtime.GOMAXPROCS(0)
	for c := range cores {
		wg.Go(func() {
			var buf []uint64
			for r := c; r < 256; r += cores {
				run := all[at[r]:at[r+1]]
				buf = slices.Grow(buf[:0], len(run))[:len(run)]
				// Each run holds the buckets r<<8 to r<<8+255.
				var cut [257]int
				for _, h := range run {
					cut[dedupBucket(h)&0xff+1]++
				}
				for b := 1; b <= 256; b++ {
					cut[b] += cut[b-1]
				}
				pos := cut
				for _, h := range run {
					b := dedupBucket(h) & 0xff
					buf[pos[b]] = h
					pos[b]++
				}
				copy(run, buf)
				for b := 0; b < 256; b++ {
					slices.Sort(run[cut[b]:cut[b+1]])
					ends[r<<8|b] = at[r] + cut[b+1]
				}
			}
		})
	}
	wg.Wait()
	return all, ends
}

// migrateDedup moves the 8-byte hashes of the chunks (schema 1-4) into
// dedup_index and empties the chunks' copies, whose pages the index then
// reuses.
func migrateDedup(ctx context.Context, tx *sql.Tx) error {
	var total sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(length(dedup)) / 8 FROM chunks").Scan(&total); err != nil {
		return err
	}
	all := make([]uint64, 0, total.Int64)
	rows, err := tx.QueryContext(ctx, "SELECT dedup FROM chunks")
	if err != nil {
		return err
	}
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		for i := 0; i+8 <= len(b); i += 8 {
			all = append(all, binary.LittleEndian.Uint64(b[i:]))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE chunks SET dedup = x''"); err != nil {
		return err
	}
	d := &dedupIndex{tx: tx, added: [][]uint64{all}}
	return d.fold(ctx)
}
