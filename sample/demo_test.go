package sample

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func TestOpenDemo(t *testing.T) {
	ctx := context.Background()
	for _, sc := range []string{"", "education"} {
		db, err := OpenDemo(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		d, err := query.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := len(collect(t, Config{Scenario: sc, Users: DemoUsers, Days: DemoDays, Seed: DemoSeed}))
		if d.Len() != want || d.Len() < 10000 {
			t.Errorf("%q: demo holds %d events, the generator gives %d", sc, d.Len(), want)
		}
		if len(d.Users) < DemoUsers*9/10 {
			t.Errorf("%q: %d users", sc, len(d.Users))
		}
		wantTZ := "UTC"
		if sc == "education" {
			wantTZ = "Asia/Shanghai"
		}
		if d.Loc.String() != wantTZ {
			t.Errorf("%q: display timezone %s, want %s", sc, d.Loc, wantTZ)
		}
		db.Close()
	}
	if _, err := OpenDemo(ctx, "nope"); err == nil {
		t.Error("unknown scenario opened")
	}
}

// TestImportTwice checks a sample written twice to one database is stored
// once: the generator's repeats (same user, event and time) survive the
// first import and the multiset de-duplication drops the whole second one.
func TestImportTwice(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := Config{Scenario: "saas", Users: 300, Seed: 3}
	n, err := Import(ctx, db, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(collect(t, cfg))); n != want {
		t.Fatalf("first import stored %d of %d", n, want)
	}
	if n2, err := Import(ctx, db, cfg, true); err != nil || n2 != 0 {
		t.Fatalf("second import stored %d (%v)", n2, err)
	}
	var ledger string
	db.SQL.QueryRow("SELECT file FROM imports ORDER BY id LIMIT 1").Scan(&ledger)
	if ledger != "sample:saas users=300 days=60 seed=3 to=2026-06-30 tz=UTC" {
		t.Fatalf("ledger names the import %q", ledger)
	}
}
