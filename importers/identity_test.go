package importers

import (
	"testing"
)

// Identity stitching across files, and conflicts: one anonymous id claimed
// by two users is counted (the first link kept) in the import report and
// in the doctor report.
func TestIdentityConflicts(t *testing.T) {
	db := newDB(t)
	a := `{"type":"track","event":"view","anonymousId":"anon-1","messageId":"m1","timestamp":"2024-01-01T00:00:00Z"}` + "\n" +
		`{"type":"track","event":"buy","anonymousId":"anon-1","userId":"carol","messageId":"m2","timestamp":"2024-01-01T00:01:00Z"}` + "\n" +
		`{"type":"identify","anonymousId":"anon-1","userId":"carol","messageId":"m3","timestamp":"2024-01-01T00:01:00Z"}` + "\n"
	res := mustImport(t, db, writeFile(t, "a.jsonl", a), Options{})
	if res.Imported != 2 || res.Links != 1 || res.Quality.IdentityConflicts != 0 {
		t.Fatalf("a: %+v", res)
	}
	// A later file links the same anonymous id to dave: a conflict; the
	// events of anon-1 stay with carol.
	b := `{"type":"track","event":"view","anonymousId":"anon-1","userId":"dave","messageId":"m4","timestamp":"2024-01-02T00:00:00Z"}` + "\n"
	res = mustImport(t, db, writeFile(t, "b.jsonl", b), Options{})
	if res.Imported != 1 || res.Quality.IdentityConflicts != 1 {
		t.Fatalf("b: %+v", res)
	}
	if _, persons, _ := counts(t, db); persons != 2 {
		t.Fatalf("%d persons, want 2 (carol with anon-1, dave)", persons)
	}
	d, err := Diagnose(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	if d.Quality.IdentityConflicts != 1 || len(d.Conflicts) != 1 || d.Conflicts[0].Anon != "anon-1" || d.Conflicts[0].User != "carol" || d.Events != 3 || d.Users != 3 {
		t.Fatalf("doctor: %+v", d)
	}
}

// The doctor sees future and pre-2000 events and case/spacing variants.
func TestDoctorQuality(t *testing.T) {
	db := newDB(t)
	csv := "user_id,event,time\nu,Add To Cart,2024-01-01\nu,add_to_cart,2024-01-02\nu,AddToCart,2024-01-03\nu,old,1999-01-01\nu,later,2099-01-01\nu,buy,2024-01-04\n"
	mustImport(t, db, writeFile(t, "q.csv", csv), Options{TZ: "Asia/Shanghai"})
	d, err := Diagnose(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	q := d.Quality
	if q.Future != 1 || q.Before2000 != 1 || len(q.NameVariants) != 1 || len(q.NameVariants[0]) != 3 || q.NameVariants[0][0] != "Add To Cart" || q.Timezone != "Asia/Shanghai" || q.NaiveTimes != 6 {
		t.Fatalf("quality %+v", q)
	}
}

// The ledger records the file's SHA-256, computed while streaming.
func TestLedgerHash(t *testing.T) {
	db := newDB(t)
	mustImport(t, db, writeFile(t, "h.csv", "user_id,event,time\nu,e,2024-01-01\n"), Options{})
	var h string
	db.SQL.QueryRow("SELECT sha256 FROM imports").Scan(&h)
	// printf 'user_id,event,time\nu,e,2024-01-01\n' | sha256sum
	if h != "e0d4744c46a6a0090e5ad62adfef75b809abf835897f01375c1eb13d47444f72" {
		t.Fatalf("ledger sha256 %q", h)
	}
}
