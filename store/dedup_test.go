package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// indexHashes reads every hash of dedup_index, sorted.
func indexHashes(t *testing.T, db *DB) []uint64 {
	t.Helper()
	rows, err := db.SQL.Query("SELECT bucket, hashes FROM dedup_index ORDER BY bucket")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []uint64
	for rows.Next() {
		var b int
		var blob []byte
		if err := rows.Scan(&b, &blob); err != nil {
			t.Fatal(err)
		}
		if all, err = decodeBucket(all, b, blob); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// tailHashes reads the hashes of the dedup tail not in the buckets yet
// (those of a fold cycle's chunks in buckets it has not reached, and all
// of the later chunks').
func tailHashes(t *testing.T, db *DB) []uint64 {
	t.Helper()
	upto, foldTo, foldAt := settingInt(t, db, "dedup_upto"), settingInt(t, db, "dedup_fold_to"), settingInt(t, db, "dedup_fold_at")
	rows, err := db.SQL.Query("SELECT id, dedup FROM chunks WHERE id > ?", upto)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []uint64
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			t.Fatal(err)
		}
		for i := 0; i+8 <= len(b); i += 8 {
			if h := binary.LittleEndian.Uint64(b[i:]); id > foldTo || int64(h>>(64-dedupBits)) >= foldAt {
				all = append(all, h)
			}
		}
	}
	return all
}

// subset reports whether the multiset a is within b.
func subset(a, b []uint64) bool {
	n := map[uint64]int{}
	for _, h := range b {
		n[h]++
	}
	for _, h := range a {
		if n[h]--; n[h] < 0 {
			return false
		}
	}
	return true
}

// asSchema4 turns db into the layout of schema 4: each chunk holds 8-byte
// hashes (here the index's, dealt out in chunk order: migration reads them
// as a multiset) and there is no dedup_index.
func asSchema4(t *testing.T, db *DB) {
	t.Helper()
	all := indexHashes(t, db)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	rows, err := db.SQL.Query("SELECT id, n FROM chunks ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	type ch struct{ id, n int }
	var cs []ch
	for rows.Next() {
		var c ch
		rows.Scan(&c.id, &c.n)
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		var blob []byte
		for _, h := range all[:c.n] {
			blob = binary.LittleEndian.AppendUint64(blob, h)
		}
		all = all[c.n:]
		if _, err := db.SQL.Exec("UPDATE chunks SET dedup = ? WHERE id = ?", blob, c.id); err != nil {
			t.Fatal(err)
		}
	}
	if len(all) != 0 {
		t.Fatalf("%d hashes more than events", len(all))
	}
	for _, q := range []string{"DROP TABLE dedup_index", "DROP TABLE snapshot_added", "UPDATE settings SET value = '4' WHERE key = 'schema_version'", "PRAGMA user_version = 4"} {
		if _, err := db.SQL.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBucketRoundTrip encodes buckets of sorted hashes with repeats, the
// extremes of the low bits included, and refuses a damaged one.
func TestBucketRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, b := range []int{0, 1, 1<<dedupBits - 1, 4242} {
		top := uint64(b) << (64 - dedupBits)
		low := uint64(1)<<(64-dedupBits) - 1
		hs := []uint64{top, top, top | low, top | low}
		for range 300 {
			h := top | r.Uint64()&low
			hs = append(hs, h)
			if r.IntN(10) == 0 {
				hs = append(hs, h)
			}
		}
		slices.Sort(hs)
		got, err := decodeBucket(nil, b, appendBucket(nil, hs))
		if err != nil || !slices.Equal(got, hs) {
			t.Fatalf("bucket %d: %v, %d of %d hashes back", b, err, len(got), len(hs))
		}
	}
	// Damage is refused: a step past the bucket's low bits (one hash, k 48,
	// quotient 1), a count beyond the bits, a byte past the last hash.
	if _, err := decodeBucket(nil, 7, []byte{1, 48, 0x01, 0, 0, 0, 0, 0, 0}); err == nil {
		t.Fatal("a step past the bucket's low bits was accepted")
	}
	good := appendBucket(nil, []uint64{5, 9, 9, 1 << 40})
	if got, err := decodeBucket(nil, 0, good); err != nil || !slices.Equal(got, []uint64{5, 9, 9, 1 << 40}) {
		t.Fatalf("%v %v", got, err)
	}
	more := append([]byte{9}, good[1:]...)
	if _, err := decodeBucket(nil, 0, more); err == nil {
		t.Fatal("a count beyond the bits was accepted")
	}
	if _, err := decodeBucket(nil, 0, append(good, 0)); err == nil {
		t.Fatal("a byte past the last hash was accepted")
	}
}

// TestMigrateDedupFromSchema4 migrates a schema-4 file: the hashes move from
// the chunks into dedup_index, one for one, and de-duplication works on
// after it: the same events again add nothing, new ones are added.
func TestMigrateDedupFromSchema4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v4.db")
	db, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := someEvents(700, "a"), someEvents(300, "b")
	a = append(a, a[:50]...) // identical rows in one file are all kept
	importEvents(t, db, a)
	importEvents(t, db, b)
	want := indexHashes(t, db)
	if len(want) != 1050 {
		t.Fatalf("%d hashes in the index, want 1050", len(want))
	}
	asSchema4(t, db)
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := indexHashes(t, db); !slices.Equal(got, want) {
		t.Fatalf("after migrating: %d hashes, want %d", len(got), len(want))
	}
	var left int
	db.SQL.QueryRow("SELECT sum(length(dedup)) FROM chunks").Scan(&left)
	if left != 0 {
		t.Fatalf("%d bytes of hashes left in the chunks", left)
	}
	if imp, dup := importEvents(t, db, a); imp != 0 || dup != 750 {
		t.Fatalf("the first file again: %d imported, %d duplicates", imp, dup)
	}
	if imp, dup := importEvents(t, db, someEvents(400, "b")); imp != 100 || dup != 300 {
		t.Fatalf("a longer second file: %d imported, %d duplicates", imp, dup)
	}
}

// TestDedupBucketByBucket imports into a database past dedupWholeIndex, as
// read bucket by bucket, and cross-checks every count against a plain
// multiset kept beside it: insert ids, repeated rows within a file, and
// rows repeating stored ones; small files among them leave their hashes
// in the dedup tail, a few at a time, fold it into the buckets a range at
// a time over several imports, or, larger, at once.
func TestDedupBucketByBucket(t *testing.T) {
	defer func(n int) { tailEvents = n }(tailEvents)
	tailEvents = 1 << 20 // tails of up to an eighth of the stored events
	for _, mode := range []string{"whole index", "bucket by bucket", "small batches"} {
		t.Run(mode, func(t *testing.T) {
			db := openTemp(t)
			if mode != "whole index" {
				// Any stored event makes the import read bucket by bucket.
				defer func(n int64) { dedupWholeIndex = n }(dedupWholeIndex)
				dedupWholeIndex = 0
			}
			if mode == "small batches" {
				// Batches of 3 read in ranges; a file past 2 of them
				// reads the index whole.
				defer holdFor(3, 2, 0)()
			}
			r := rand.New(rand.NewPCG(5, 6))
			stored := map[string]int{} // row key -> copies stored
			var ids = map[string]bool{}
			tails, steps, open, folds := 0, 0, 0, 0
			for round := range 48 {
				size := 400
				switch {
				case round >= 2 && r.IntN(8) == 0:
					size = 100 + r.IntN(100) // past the tail's limit
				case round >= 2:
					size = 2 + r.IntN(30)
				}
				var evs []Event
				for range size {
					e := Event{User: fmt.Sprint("u", r.IntN(30)), Name: fmt.Sprint("e", r.IntN(3)), Time: int64(r.IntN(40)) * 1000}
					if r.IntN(4) == 0 {
						e.InsertID = fmt.Sprint("id", r.IntN(200))
					}
					evs = append(evs, e)
				}
				inFile := map[string]int{}
				var want int64
				for _, e := range evs {
					if e.InsertID != "" {
						if !ids[e.InsertID] {
							ids[e.InsertID] = true
							want++
						}
						continue
					}
					k := fmt.Sprint(e.User, e.Name, e.Time)
					inFile[k]++
					if inFile[k] > stored[k] {
						want++
					}
				}
				for k, n := range inFile {
					stored[k] = max(stored[k], n)
				}
				index, tailBefore := indexHashes(t, db), tailHashes(t, db)
				imp, dup := importEvents(t, db, evs)
				if imp != want || imp+dup != int64(size) {
					t.Fatalf("round %d: %d imported, %d duplicates; want %d imported", round, imp, dup, want)
				}
				// Every stored event's hash is in the buckets or the tail,
				// once (a cycle's chunks keep those it folded, which the
				// tail leaves out); a file left in the tail leaves the
				// buckets as they were.
				var n, chunked int64
				db.SQL.QueryRow("SELECT sum(n), sum(length(dedup)) / 8 FROM chunks").Scan(&n, &chunked)
				tail := tailHashes(t, db)
				after := indexHashes(t, db)
				if int64(len(after)+len(tail)) != n {
					t.Fatalf("round %d: %d hashes in the index and %d in the tail for %d events", round, len(after), len(tail), n)
				}
				// Nothing is lost or counted twice: what was stored is
				// still there, beside the hashes the file added.
				if !subset(append(index, tailBefore...), append(after, tail...)) {
					t.Fatalf("round %d: a hash stored before is gone", round)
				}
				switch {
				case chunked == 0:
					folds++
				case slices.Equal(index, after):
					tails++
				default:
					steps++
				}
				if settingInt(t, db, "dedup_fold_to") > 0 {
					open++
				}
			}
			if tails < 3 || steps < 6 || open < 3 || folds < 3 {
				t.Fatalf("%d files left in the tail, %d steps of a fold cycle (%d leaving it open), %d folds: the test no longer covers each", tails, steps, open, folds)
			}
		})
	}
}

// TestUsersLookedUp imports the same files into a database that reads its
// users whole and one that looks them up one by one (and, for a file
// naming many, switches to reading them whole midway): every event, link
// and user id comes out the same.
func TestUsersLookedUp(t *testing.T) {
	files := [][]Event{someEvents(300, "a")}
	r := rand.New(rand.NewPCG(7, 8))
	for f := range 4 {
		var evs []Event
		for i := range 50 + 100*f {
			evs = append(evs, Event{User: fmt.Sprint("u", r.IntN(60+40*f)), Name: "e", Time: int64(f*1000 + i)})
		}
		files = append(files, evs)
	}
	load := func(lookup bool) ([]string, []string) {
		if lookup {
			defer func(n int64) { usersReadWhole = n }(usersReadWhole)
			usersReadWhole = 0
		}
		db := openTemp(t)
		ctx := context.Background()
		for i, evs := range files {
			tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			for j := range evs {
				if err := tx.Add(ctx, &evs[j]); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Link(ctx, fmt.Sprint("anon", i), fmt.Sprint("u", i)); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx, ImportStats{}); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.LoadRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var evs []string
		for i := range rows.Time {
			evs = append(evs, fmt.Sprint(rows.Users[rows.User[i]], rows.Users[rows.Canon[rows.User[i]]], rows.Time[i]))
		}
		return rows.Users, evs
	}
	u1, e1 := load(false)
	u2, e2 := load(true)
	if !slices.Equal(u1, u2) || !slices.Equal(e1, e2) || len(e1) != 300+50+150+250+350 {
		t.Fatalf("read whole: %d users, %d events; looked up: %d users, %d events", len(u1), len(e1), len(u2), len(e2))
	}
}

// TestImportUnmapsItsConnection: an import looking up hashes bucket by
// bucket maps the file for it and shrinks its page cache, and its
// connection reads through the full page cache again afterwards, committed
// or rolled back, small or large; a large one gets it back once it is.
func TestImportUnmapsItsConnection(t *testing.T) {
	defer func(n int64) { dedupWholeIndex = n }(dedupWholeIndex)
	dedupWholeIndex = 0
	db := openTemp(t)
	db.SQL.SetMaxOpenConns(1) // the pragmas are per connection: see the import's
	importEvents(t, db, someEvents(500, "a"))
	type querier interface {
		QueryRow(string, ...any) *sql.Row
	}
	pragmas := func(q querier, what string, mapped bool, cache int64) {
		t.Helper()
		var m, c int64
		if err := q.QueryRow("PRAGMA mmap_size").Scan(&m); err != nil || (m > 0) != mapped {
			t.Fatalf("%s: mmap_size %d (%v), want mapped %v", what, m, err, mapped)
		}
		if err := q.QueryRow("PRAGMA cache_size").Scan(&c); err != nil || c != cache {
			t.Fatalf("%s: cache_size %d (%v), want %d", what, c, err, cache)
		}
	}
	settled := func(what string) { t.Helper(); pragmas(db.SQL, what, false, -cacheKB) }
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if !tx.mapped || !tx.small {
		t.Fatal("a bucket-by-bucket import did not map the file and shrink its cache")
	}
	pragmas(tx.tx, "a small import", true, -smallCacheKB)
	ev := Event{User: "x", Name: "e", Time: 1}
	if err := tx.Add(ctx, &ev); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	settled("rolled back")
	importEvents(t, db, someEvents(20, "b"))
	settled("small import")
	tx, err = db.BeginImport(ctx, ImportInfo{File: "c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range someEvents(mappedEvents+10, "c") {
		if err := tx.Add(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tx.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	pragmas(tx.tx, "a large import", false, -cacheKB)
	if err := tx.Commit(ctx, ImportStats{}); err != nil {
		t.Fatal(err)
	}
	settled("large import")
}

// TestDealHashes checks the fold's dealing against a plain sort: random
// blocks with repeats, the extreme hashes and a crowded bucket, and the end
// of every bucket.
func TestDealHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 20; round++ {
		var blocks [][]uint64
		var want []uint64
		for range 1 + rng.IntN(5) {
			blk := make([]uint64, rng.IntN(5000))
			for i := range blk {
				switch rng.IntN(10) {
				case 0:
					blk[i] = 0
				case 1:
					blk[i] = 1<<64 - 1
				case 2:
					blk[i] = 0x1234<<48 | rng.Uint64()&lowBits // one bucket
				case 3:
					if i > 0 {
						blk[i] = blk[i-1] // a repeat
						break
					}
					fallthrough
				default:
					blk[i] = rng.Uint64()
				}
			}
			blocks = append(blocks, blk)
			want = append(want, blk...)
		}
		slices.Sort(want)
		all, ends := dealHashes(blocks, len(want))
		if !slices.Equal(all, want) {
			t.Fatalf("round %d: dealt hashes are not sorted", round)
		}
		start := 0
		for b, end := range ends {
			if end < start {
				t.Fatalf("round %d: bucket %d ends at %d before it starts (%d)", round, b, end, start)
			}
			for _, h := range all[start:end] {
				if dedupBucket(h) != b {
					t.Fatalf("round %d: hash %x in bucket %d", round, h, b)
				}
			}
			start = end
		}
		if start != len(want) {
			t.Fatalf("round %d: buckets end at %d of %d hashes", round, start, len(want))
		}
		for i, blk := range blocks {
			if blk != nil {
				t.Fatalf("round %d: block %d kept after dealing", round, i)
			}
		}
	}
}

// TestBucketDecodeMatchesBitByBit decodes buckets with the word reader and
// with a plain bit-by-bit one: random buckets (steps that take a long run
// of ones, repeats, the bucket's extremes), each whole and damaged (a byte
// changed, cut short, one more byte), give the same hashes or both fail.
func TestBucketDecodeMatchesBitByBit(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for round := range 3000 {
		b := r.IntN(1 << dedupBits)
		top := uint64(b) << (64 - dedupBits)
		var hs []uint64
		for range 1 + r.IntN(40) {
			switch r.IntN(4) {
			case 0: // far from the others: a long unary quotient
				hs = append(hs, top|r.Uint64()&lowBits)
			case 1:
				if len(hs) > 0 {
					hs = append(hs, hs[len(hs)-1])
					break
				}
				fallthrough
			default: // near one another: a small Rice parameter
				hs = append(hs, top|uint64(r.IntN(1<<(4+r.IntN(20)))))
			}
		}
		slices.Sort(hs)
		blob := appendBucket(nil, hs)
		blobs := [][]byte{blob, blob[:r.IntN(len(blob)+1)], append(slices.Clone(blob), byte(r.IntN(256)))}
		if len(blob) > 0 {
			bad := slices.Clone(blob)
			bad[r.IntN(len(bad))] ^= byte(1 << r.IntN(8))
			blobs = append(blobs, bad)
		}
		for i, blob := range blobs {
			got, err := decodeBucket(nil, b, blob)
			want, werr := slowDecodeBucket(b, blob)
			if (err == nil) != (werr == nil) || !slices.Equal(got, want) {
				t.Fatalf("round %d blob %d (%d hashes): %d hashes, %v; bit by bit %d, %v", round, i, len(hs), len(got), err, len(want), werr)
			}
			if i == 0 && (err != nil || !slices.Equal(got, hs)) {
				t.Fatalf("round %d: %v, %d of %d hashes back", round, err, len(got), len(hs))
			}
		}
	}
}

// slowDecodeBucket is decodeBucket reading a bit at a time.
func slowDecodeBucket(b int, blob []byte) ([]uint64, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	n, m := binary.Uvarint(blob)
	if m <= 0 || len(blob) == m || n > uint64(len(blob))*8 {
		return nil, errCorrupt
	}
	k := uint(blob[m])
	if k > 64-dedupBits {
		return nil, errCorrupt
	}
	r := slowBits{b: blob[m+1:]}
	top := uint64(b) << (64 - dedupBits)
	var dst []uint64
	prev := uint64(0)
	for range n {
		q := uint64(0)
		for r.bit() == 1 {
			if q++; q > lowBits>>k {
				return nil, errCorrupt
			}
		}
		d := q<<k | r.bits(k)
		if r.over || d > lowBits-prev {
			return nil, errCorrupt
		}
		prev += d
		dst = append(dst, top|prev)
	}
	if len(r.b) > 0 || r.over {
		return nil, errCorrupt
	}
	return dst, nil
}

// slowBits reads what bitWriter wrote a bit at a time, as decodeBucket
// did before it read words: the reference for TestBucketDecodeMatchesBitByBit.
type slowBits struct {
	b    []byte
	cur  byte
	left uint // bits of cur not yet read
	over bool
}

func (r *slowBits) bit() uint64 {
	if r.left == 0 {
		if len(r.b) == 0 {
			r.over = true
			return 0
		}
		r.cur, r.b, r.left = r.b[0], r.b[1:], 8
	}
	v := uint64(r.cur & 1)
	r.cur >>= 1
	r.left--
	return v
}

func (r *slowBits) bits(k uint) uint64 {
	var v uint64
	for got := uint(0); got < k; {
		if r.left == 0 {
			if len(r.b) == 0 {
				r.over = true
				return 0
			}
			r.cur, r.b, r.left = r.b[0], r.b[1:], 8
		}
		take := min(r.left, k-got)
		v |= uint64(r.cur&(1<<take-1)) << got
		r.cur >>= take
		r.left -= take
		got += take
	}
	return v
}

// TestBitWriterBytes checks the word writer against appending a bit at a
// time: the same bytes, so buckets written before it read the same.
func TestBitWriterBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for round := range 2000 {
		w := bitWriter{b: []byte{7}}
		want, acc, nb := []byte{7}, byte(0), uint(0)
		for range r.IntN(60) {
			n := uint(r.IntN(57))
			v := r.Uint64() & (1<<n - 1)
			w.put(v, n)
			for i := range n {
				acc |= byte(v>>i&1) << nb
				if nb++; nb == 8 {
					want, acc, nb = append(want, acc), 0, 0
				}
			}
		}
		if nb > 0 {
			want = append(want, acc)
		}
		if got := w.flush(); !slices.Equal(got, want) {
			t.Fatalf("round %d: % x, want % x", round, got, want)
		}
	}
}

// holdFor sets the batches of held events (holdEvents, holdPasses) and
// sparseRange, returning what puts them back.
func holdFor(events, passes, sparse int) func() {
	e, p, s := holdEvents, holdPasses, sparseRange
	holdEvents, holdPasses, sparseRange = events, passes, sparse
	return func() { holdEvents, holdPasses, sparseRange = e, p, s }
}

// TestHeldLookupsMatchWholeIndex imports the same files, with identity
// links between their events, into a database that reads its dedup index
// whole and into ones that hold events for batched lookups: batches of a
// few events read bucket by bucket or in ranges, links storing a batch
// early, and files past holdPasses batches reading the index whole. Each
// import counts the same events and duplicates, and the stored events,
// users and links come out the same.
func TestHeldLookupsMatchWholeIndex(t *testing.T) {
	type step struct {
		ev   Event
		link [2]string
	}
	r := rand.New(rand.NewPCG(11, 12))
	var files [][]step
	for f := range 14 {
		n := 1 + r.IntN(60)
		if f == 4 || f == 9 {
			n = 300
		}
		var steps []step
		for range n {
			if r.IntN(12) == 0 {
				steps = append(steps, step{link: [2]string{fmt.Sprint("a", r.IntN(20)), fmt.Sprint("u", r.IntN(40))}})
				continue
			}
			e := Event{User: fmt.Sprint("u", r.IntN(40)), Name: fmt.Sprint("e", r.IntN(3)), Time: int64(r.IntN(50)) * 1000}
			if r.IntN(3) == 0 {
				e.Props = []Prop{{"p", fmt.Sprint(r.IntN(3))}, {"q", float64(r.IntN(2))}, {"z", nil}}
			}
			if r.IntN(5) == 0 {
				e.InsertID = fmt.Sprint("id", r.IntN(100))
			}
			steps = append(steps, step{ev: e})
		}
		files = append(files, steps)
	}
	ctx := context.Background()
	run := func(t *testing.T) (counts []int64, events []string, users []string) {
		db := openTemp(t)
		for i, steps := range files {
			tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			for j := range steps {
				if s := &steps[j]; s.link[0] != "" {
					err = tx.Link(ctx, s.link[0], s.link[1])
				} else {
					err = tx.Add(ctx, &s.ev)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			imp, dup, err := tx.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx, ImportStats{}); err != nil {
				t.Fatal(err)
			}
			counts = append(counts, imp, dup)
		}
		rows, err := db.LoadRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows.Time {
			events = append(events, fmt.Sprint(rows.Users[rows.User[i]], rows.Users[rows.Canon[rows.User[i]]], rows.Event[i], rows.Time[i]))
		}
		var n int
		if err := db.SQL.QueryRow("SELECT count(*) FROM events WHERE props IS NOT NULL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return counts, append(events, fmt.Sprint(n, " rows with props")), rows.Users
	}
	c0, e0, u0 := run(t)
	dups := 0
	for i := 1; i < len(c0); i += 2 {
		if c0[i] > 0 {
			dups++
		}
	}
	if dups < 8 {
		t.Fatalf("counts %v: only %d files repeat events", c0, dups)
	}
	defer func(n int64) { dedupWholeIndex = n }(dedupWholeIndex)
	dedupWholeIndex = 0
	for _, h := range [][3]int{{1 << 18, 4, sparseRange}, {5, 3, sparseRange}, {5, 3, 0}, {7, 100, 0}} {
		t.Run(fmt.Sprint(h), func(t *testing.T) {
			defer holdFor(h[0], h[1], h[2])()
			c, e, u := run(t)
			if !slices.Equal(c, c0) || !slices.Equal(e, e0) || !slices.Equal(u, u0) {
				t.Fatalf("counts %v, %d events, %d users; whole index: %v, %d events, %d users", c, len(e), len(u), c0, len(e0), len(u0))
			}
		})
	}
}

// TestDedupPeekThenKeep: a bucket looked up bucket by bucket is read but
// not kept the first time, and kept the second; the counts are the same
// either way. Batches of two events: A's bucket is read for [A, X], again
// for [A, Y], and answered from memory for the last A. A is stored once,
// so the file's first A is a duplicate and the two others are new.
func TestDedupPeekThenKeep(t *testing.T) {
	defer func(n int64) { dedupWholeIndex = n }(dedupWholeIndex)
	dedupWholeIndex = 0
	defer holdFor(2, 10, foldRange)()
	db := openTemp(t)
	a := Event{User: "a", Name: "e", Time: 1000}
	importEvents(t, db, []Event{a, {User: "b", Name: "e", Time: 2000}})
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, ImportInfo{File: "f"})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	add := func(e Event) {
		t.Helper()
		if err := tx.Add(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	h := xxhash.Sum64String("a\x00e\x001000\x00{}") // Add's digest of A
	b := dedupBucket(h)
	add(a)
	add(Event{User: "x", Name: "e", Time: 3000})
	if d := tx.dedup; !d.peeked[b] || d.read[b] {
		t.Fatalf("after one lookup: peeked %v, kept %v; want read, not kept", d.peeked[b], d.read[b])
	}
	add(a)
	add(Event{User: "y", Name: "e", Time: 4000})
	if d := tx.dedup; !d.read[b] || len(d.stored[b]) != 1 || d.stored[b][0] != h {
		t.Fatalf("after two lookups: kept %v, %x; want A's hash kept", d.read[b], d.stored[b])
	}
	add(a)
	imp, dup, err := tx.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if imp != 4 || dup != 1 {
		t.Fatalf("%d imported, %d duplicates; want 4 and 1", imp, dup)
	}
}
