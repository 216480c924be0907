package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/store"
)

// TestLoadWithoutNames loads one database with and without the users' ids
// (with a stitched identity, so persons are fewer than users): the same
// persons, every id left empty, and the analyses that print no id give the
// same answers, with a --where and a --by.
func TestLoadWithoutNames(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(5))
	names := []string{"view", "cart", "buy"}
	for i := 0; i < 3000; i++ {
		e := store.Event{User: fmt.Sprintf("u%d", rng.Intn(60)), Name: names[rng.Intn(3)],
			Time: 1_780_000_000_000 + rng.Int63n(40*86_400_000)}
		e.Props = []store.Prop{{Key: "country", Value: []string{"US", "CN", "DE"}[rng.Intn(3)]}}
		if err := tx.Add(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Link(ctx, "u1", "u2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
		t.Fatal(err)
	}
	named, err := Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := LoadWithoutNames(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(named.Users) != 59 || len(bare.Users) != len(named.Users) {
		t.Fatalf("persons: %d named, %d without names, want 59 (60 users, two stitched)", len(named.Users), len(bare.Users))
	}
	for p, u := range bare.Users {
		if u != "" || named.Users[p] == "" {
			t.Fatalf("person %d: %q without names, %q with", p, u, named.Users[p])
		}
	}
	c := Common{Where: []string{"country = US"}, By: "country"}
	queries := map[string]func(d *Dataset) (any, error){
		"funnel": func(d *Dataset) (any, error) {
			return d.Funnel(ctx, FunnelQuery{Steps: FunnelSteps([]string{"view", "cart", "buy"}), Window: "7d", Interval: "week"})
		},
		"funnel --by": func(d *Dataset) (any, error) {
			return d.Funnel(ctx, FunnelQuery{Steps: FunnelSteps([]string{"view", "buy"}), Common: Common{By: "country"}})
		},
		"retention": func(d *Dataset) (any, error) { return d.Retention(ctx, RetentionQuery{Period: "day", Periods: 10}) },
		"retention --where --by": func(d *Dataset) (any, error) {
			return d.Retention(ctx, RetentionQuery{Period: "week", Common: c})
		},
		"paths": func(d *Dataset) (any, error) {
			return d.Paths(ctx, PathsQuery{From: "view", Depth: 3, Top: 10, SessionGap: "0"})
		},
		"trends": func(d *Dataset) (any, error) {
			return d.Trends(ctx, TrendsQuery{Measure: "users", Interval: "day", Common: Common{By: "country"}})
		},
		"lifecycle": func(d *Dataset) (any, error) {
			return d.Lifecycle(ctx, LifecycleQuery{Interval: "week", Common: Common{Where: c.Where}})
		},
	}
	for name, run := range queries {
		var out [2]string
		for i, d := range []*Dataset{named, bare} {
			r, err := run(d)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = string(b)
		}
		if out[0] != out[1] {
			t.Errorf("%s: without names\n%s\nwith names\n%s", name, out[1], out[0])
		}
	}
}
