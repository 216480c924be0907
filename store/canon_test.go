package store

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestPersonsOfMatchesLoadCanon: personsOf gives every user the person
// loadCanon does, on random link sets few (kept in a map) and many (a slot
// per user), with chains longer than the 32 links followed, cycles, links
// into ids out of range, and a hand-checked case.
func TestPersonsOfMatchesLoadCanon(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	check := func(what string, n int, links [][2]int32) []int32 {
		t.Helper()
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec("DELETE FROM identities"); err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if _, err := tx.Exec("INSERT OR REPLACE INTO identities(anon_id, user_id) VALUES(?, ?)", l[0], l[1]); err != nil {
				t.Fatal(err)
			}
		}
		want, err := loadCanon(ctx, tx, n)
		if err != nil {
			t.Fatal(err)
		}
		person, err := personsOf(ctx, tx, n)
		if err != nil {
			t.Fatal(err)
		}
		for u := range want {
			if got := person(int32(u)); got != want[u] {
				t.Fatalf("%s: n %d, %d links: user %d has person %d, loadCanon %d", what, n, len(links), u, got, want[u])
			}
		}
		return want
	}
	// By hand: 3 -> 5 -> 7, 9 -> 3 (resolved after 3), 2 <-> 4 (a cycle
	// walked 32 steps from each in turn: 2 ends at 4, then 4 at 2), 6 -> 50
	// (out of range: ignored).
	got := check("by hand", 40, [][2]int32{{3, 5}, {5, 7}, {9, 3}, {2, 4}, {4, 2}, {6, 50}})
	for u, p := range map[int]int32{3: 7, 5: 7, 7: 7, 9: 7, 2: 4, 4: 2, 6: 6, 1: 1} {
		if got[u] != p {
			t.Fatalf("by hand: user %d has person %d, want %d", u, got[u], p)
		}
	}
	rng := rand.New(rand.NewPCG(19, 4))
	for round := range 150 {
		n := 1 + rng.IntN(3000)
		k := rng.IntN(n/8 + 2) // sparse and dense (over n/16) both come up
		if round%5 == 0 {
			k = rng.IntN(n + 1)
		}
		id := func() int32 { return int32(rng.IntN(n+4)) - 2 } // a few out of range
		var links [][2]int32
		for range k {
			links = append(links, [2]int32{id(), id()})
		}
		if round%3 == 0 && n > 50 {
			// A chain of 40 ids, longer than the links followed.
			start := rng.IntN(n - 41)
			for i := range 40 {
				links = append(links, [2]int32{int32(start + i + 1), int32(start + i)})
			}
		}
		check("random", n, links)
	}
}
