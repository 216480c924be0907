package importers

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// The same file twice adds nothing; overlapping files add only the copies
// of a row beyond those already stored (docs/semantics.md#import: the multiset rule).
func TestIdempotence(t *testing.T) {
	db := newDB(t)
	a := "user_id,event,time\nu1,view,2024-01-01\nu1,view,2024-01-01\nu2,buy,2024-01-02\nu3,view,2024-01-03\n"
	pa := writeFile(t, "a.csv", a)
	if r := mustImport(t, db, pa, Options{}); r.Imported != 4 || r.Duplicates != 0 {
		t.Fatalf("first: %+v", r)
	}
	if r := mustImport(t, db, pa, Options{}); r.Imported != 0 || r.Duplicates != 4 {
		t.Fatalf("again: imported %d dups %d", r.Imported, r.Duplicates)
	}
	// b overlaps: three copies of (u1,view) of which two are stored, the
	// stored u3 row, and one new row.
	b := "user_id,event,time\nu1,view,2024-01-01\nu3,view,2024-01-03\nu1,view,2024-01-01\nu1,view,2024-01-01\nu4,view,2024-01-04\n"
	if r := mustImport(t, db, writeFile(t, "b.csv", b), Options{}); r.Imported != 2 || r.Duplicates != 3 {
		t.Fatalf("overlap: imported %d dups %d, want 2 3", r.Imported, r.Duplicates)
	}
	if e, _, _ := counts(t, db); e != 6 {
		t.Fatalf("%d events stored, want 6", e)
	}
	// The same rows in another format (JSON Lines) are the same events.
	j := `{"user_id":"u2","event":"buy","time":"2024-01-02"}` + "\n" + `{"user_id":"u5","event":"buy","time":"2024-01-02"}` + "\n"
	if r := mustImport(t, db, writeFile(t, "c.jsonl", j), Options{}); r.Imported != 1 || r.Duplicates != 1 {
		t.Fatalf("json overlap: imported %d dups %d, want 1 1", r.Imported, r.Duplicates)
	}
	// Vendor insert ids: a re-export with different properties but the
	// same $insert_id is a duplicate.
	m := `{"event":"e","properties":{"distinct_id":"x","time":1700000000,"$insert_id":"i1","v":1}}` + "\n"
	m2 := `{"event":"e","properties":{"distinct_id":"x","time":1700000000,"$insert_id":"i1","v":2}}` + "\n"
	mustImport(t, db, writeFile(t, "m.jsonl", m), Options{})
	if r := mustImport(t, db, writeFile(t, "m2.jsonl", m2), Options{}); r.Imported != 0 || r.Duplicates != 1 {
		t.Fatalf("insert id: imported %d dups %d", r.Imported, r.Duplicates)
	}
}

// Random files over a small universe of rows, imported in sequence, store
// exactly what a naive multiset reference says: after each file, a row is
// held max(held before, copies in the file) times.
func TestIdempotenceRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 20; trial++ {
		db := newDB(t)
		held := map[string]int{}
		for f := 0; f < 4; f++ {
			var b strings.Builder
			b.WriteString("user_id,event,time,p\n")
			inFile := map[string]int{}
			for i := rng.Intn(30); i > 0; i-- {
				row := fmt.Sprintf("u%d,e%d,2024-01-0%d,%d", rng.Intn(3), rng.Intn(2), 1+rng.Intn(2), rng.Intn(2))
				inFile[row]++
				b.WriteString(row + "\n")
			}
			var want int64
			for k, n := range inFile {
				if n > held[k] {
					want += int64(n - held[k])
					held[k] = n
				}
			}
			res, err := ImportFile(bg, db, writeFile(t, "r.csv", b.String()), Options{})
			if len(inFile) == 0 {
				if err == nil {
					t.Fatal("a header-only file was accepted")
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != want {
				t.Fatalf("trial %d file %d: imported %d, reference %d", trial, f, res.Imported, want)
			}
		}
		total := 0
		for _, n := range held {
			total += n
		}
		if e, _, _ := counts(t, db); e != total {
			t.Fatalf("trial %d: %d stored, reference %d", trial, e, total)
		}
	}
}
