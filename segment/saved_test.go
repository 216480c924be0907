package segment

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func importInto(t *testing.T, db *store.DB, file string, evs []store.Event) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: file, Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, store.ImportStats{RowsRead: int64(len(evs))}); err != nil {
		t.Fatal(err)
	}
}

func ms(day int, hour int) int64 {
	return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC).UnixMilli()
}

func TestSavedSegmentsAndAudiences(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	importInto(t, db, "a.csv", []store.Event{
		{User: "u1", Name: "purchase", Time: ms(1, 10), Props: []store.Prop{{Key: "country", Value: "CN"}}},
		{User: "u1", Name: "purchase", Time: ms(2, 10)},
		{User: "u2", Name: "add_to_cart", Time: ms(2, 11)},
		{User: "u3", Name: "page_view", Time: ms(3, 10)},
	})

	if err := Segments.Save(ctx, db, "buyers", "did purchase >= 2", false); err != nil {
		t.Fatal(err)
	}
	if err := Segments.Save(ctx, db, "buyers", "did purchase", false); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Errorf("duplicate name: %v", err)
	}
	var pe *ParseError
	if err := Segments.Save(ctx, db, "bad", "did purchase >=", false); !errors.As(err, &pe) {
		t.Errorf("bad expression saved: %v", err)
	}
	if err := Segments.Save(ctx, db, "two words", "did purchase", false); err == nil {
		t.Error("name with a space accepted")
	}
	if _, err := Segments.Get(ctx, db, "buyer"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "closest: buyers") {
		t.Errorf("unknown name: %v", err)
	}

	d, err := query.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// --segment through the Dataset's resolver, in every analysis's Resolve.
	d.Segments = Resolver{DB: db}
	s, err := d.Resolve(ctx, query.Common{Segment: "buyers"})
	if err != nil {
		t.Fatal(err)
	}
	if got := usersOf(d, s.Members); strings.Join(got, " ") != "u1" {
		t.Errorf("--segment buyers = %v", got)
	}
	if _, err := d.Resolve(ctx, query.Common{Segment: "stage:new"}); err != nil {
		t.Errorf("stage: %v", err)
	}

	// Breakdown: events of members say "buyers", the others "not buyers".
	bs, err := d.Resolve(ctx, query.Common{By: "segment:buyers"})
	if err != nil {
		t.Fatal(err)
	}
	prop := bs.By
	for p := range d.Users {
		want := "not buyers"
		if d.Users[p] == "u1" {
			want = "buyers"
		}
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			if v, _ := prop.Value(int(i)); v != want {
				t.Errorf("event %d of %s labelled %q", i, d.Users[p], v)
			}
		}
	}

	// Audiences: the size is recorded at creation and after each import.
	const rule = "did add_to_cart then not purchase within 24h"
	if err := Audiences.Save(ctx, db, "abandoned", rule, false); err != nil {
		t.Fatal(err)
	}
	m0, err := Evaluate(ctx, d, rule)
	if err != nil || count(m0) != 1 {
		t.Fatalf("count %d %v", count(m0), err)
	}
	if err := RecordAudience(ctx, db, "abandoned", count(m0)); err != nil {
		t.Fatal(err)
	}
	importInto(t, db, "b.csv", []store.Event{
		{User: "u3", Name: "add_to_cart", Time: ms(4, 10)},
		{User: "u4", Name: "add_to_cart", Time: ms(4, 11)},
		{User: "u2", Name: "purchase", Time: ms(2, 12)},
	})
	if err := RefreshAudiences(ctx, db); err != nil {
		t.Fatal(err)
	}
	a, err := Audiences.Get(ctx, db, "abandoned")
	if err != nil {
		t.Fatal(err)
	}
	if a.LastCount == nil || a.PrevCount == nil || *a.LastCount != 2 || *a.PrevCount != 1 || a.EvaluatedAt == "" {
		t.Errorf("audience counts %+v", a)
	}
	d2, err := query.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Resolve(ctx, db, d2, "audience:abandoned")
	if err != nil || strings.Join(usersOf(d2, m), " ") != "u3 u4" {
		t.Errorf("audience:abandoned = %v %v", usersOf(d2, m), err)
	}

	if err := Segments.Delete(ctx, db, "buyers"); err != nil {
		t.Fatal(err)
	}
	if list, _ := Segments.List(ctx, db); len(list) != 0 {
		t.Errorf("after delete: %+v", list)
	}
	if err := Segments.Delete(ctx, db, "buyers"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestReplaceResetsAudienceHistory(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "r.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Audiences.Save(ctx, db, "x", "did a", false); err != nil {
		t.Fatal(err)
	}
	if err := RecordAudience(ctx, db, "x", 5); err != nil {
		t.Fatal(err)
	}
	if err := Audiences.Save(ctx, db, "x", "did b", true); err != nil {
		t.Fatal(err)
	}
	a, err := Audiences.Get(ctx, db, "x")
	if err != nil || a.Expr != "did b" || a.LastCount != nil || a.EvaluatedAt != "" {
		t.Errorf("after replace: %+v %v", a, err)
	}
	if err := Segments.Save(ctx, db, "s", "did a", false); err != nil {
		t.Fatal(err)
	}
	if err := Segments.Save(ctx, db, "s", "did (", true); err == nil {
		t.Error("a bad expression replaced a good one")
	}
	if s, _ := Segments.Get(ctx, db, "s"); s.Expr != "did a" {
		t.Errorf("segment after failed replace: %+v", s)
	}
}
