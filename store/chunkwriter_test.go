package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBackgroundChunksMatchDirect imports the same events and links over
// many small chunks twice: deferred (each full chunk written on its own
// goroutine while the next fills, links and user lookups going on beside
// it) and direct (written in place). The users, names, links, SQL rows and
// analysis order must be the same, over three imports, the third into a
// database whose users it looks up one by one.
func TestBackgroundChunksMatchDirect(t *testing.T) {
	defer func(n int) { chunkEvents = n }(chunkEvents)
	defer func(n int64) { usersReadWhole = n }(usersReadWhole)
	chunkEvents = 16
	rng := rand.New(rand.NewPCG(3, 4))
	direct, deferred := openTemp(t), openTemp(t)
	ctx := context.Background()
	for file := 0; file < 3; file++ {
		if file == 2 {
			usersReadWhole = 0 // the other path of internUser
		}
		type step struct {
			ev         *Event
			anon, user string
		}
		var steps []step
		for i := 0; i < 700; i++ {
			if rng.IntN(10) == 0 {
				steps = append(steps, step{anon: fmt.Sprintf("d%d", rng.IntN(300)), user: fmt.Sprintf("u%d", rng.IntN(100+file*50))})
				continue
			}
			e := &Event{User: fmt.Sprintf("u%d", rng.IntN(100+file*50)), Name: fmt.Sprintf("e%d", rng.IntN(4+file)), Time: rng.Int64N(1e12)}
			if rng.IntN(2) == 0 {
				e.User = fmt.Sprintf("d%d", rng.IntN(300))
			}
			if rng.IntN(3) > 0 {
				e.Props = []Prop{{"k", fmt.Sprint(rng.IntN(9))}}
			}
			steps = append(steps, step{ev: e})
		}
		for _, db := range []*DB{direct, deferred} {
			tx, err := db.BeginImport(ctx, ImportInfo{File: fmt.Sprint(file), DeferRows: db == deferred})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if s.ev != nil {
					err = tx.Add(ctx, s.ev)
				} else {
					err = tx.Link(ctx, s.anon, s.user)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(ctx, ImportStats{}); err != nil {
				t.Fatalf("file %d, deferred %v: %v", file, db == deferred, err)
			}
		}
	}
	if err := deferred.EnsureRows(ctx); err != nil {
		t.Fatal(err)
	}
	table := func(db *DB, q string) []string {
		rows, err := db.SQL.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b any
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(a, b))
		}
		return out
	}
	for _, q := range []string{"SELECT id, distinct_id FROM users ORDER BY id", "SELECT id, name FROM event_names ORDER BY id",
		"SELECT anon_id, user_id FROM identities ORDER BY anon_id", "SELECT first_id, n FROM chunks ORDER BY id",
		"SELECT first_id, n FROM user_names ORDER BY first_id"} {
		if want, got := table(direct, q), table(deferred, q); !slices.Equal(want, got) || len(want) == 0 {
			t.Errorf("%s: direct %d rows, deferred %d, or they differ", q, len(want), len(got))
		}
	}
	if want, got := sqlRows(t, direct), sqlRows(t, deferred); !slices.Equal(want, got) || len(want) < 1500 {
		t.Errorf("SQL rows: direct %d, deferred %d, or they differ", len(want), len(got))
	}
	sameOrder(t, "deferred", mustLoad(t, deferred), chunkOrder(t, direct))
}
