package chquery

import (
	"context"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestRetentionMatchesLocal compares retention per day, week and month,
// bounded and unbounded, recurring or not, with start and return events,
// --where, --by and ranges in DST zones, and the users of every cell, on
// one server and the 2-shard cluster.
func TestRetentionMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(41))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	datasets, queries := runs(6, 2), 8
	ctx := context.Background()
	inParts := partsEvery(t)
	for it := 0; it < datasets; it++ {
		inParts(it)
		raw, loc, base := randomZoned(rng, zones, 60)
		b := f.load(raw, loc)
		for qi := 0; qi < queries; qi++ {
			q := query.RetentionQuery{Period: []string{"day", "week", "month"}[rng.Intn(3)], Periods: []int{0, 3, 10}[rng.Intn(3)],
				Unbounded: rng.Intn(3) == 0, Recurring: rng.Intn(3) == 0}
			if rng.Intn(2) == 0 {
				q.Start = "a"
			}
			if rng.Intn(2) == 0 {
				q.Return = "b"
			}
			if rng.Intn(3) == 0 {
				q.By = "p"
			}
			if rng.Intn(3) == 0 {
				q.Where = []string{"p != y"}
			}
			if rng.Intn(2) == 0 {
				from := time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(40))
				q.From = from.Format("2006-01-02")
				q.To = from.AddDate(0, 0, rng.Intn(30)).Format("2006-01-02")
			}
			same(t, b, q, func(e query.Engine) (*query.RetentionResult, error) { return e.Retention(ctx, q) }, func(name string, got, want *query.RetentionResult) {
				// The users of a cell are fetched with a query of their
				// own: one cell of the table, and one of a group's, in
				// every other query (each list costs a query per engine).
				if len(want.Cohorts) == 0 || qi%2 == 1 {
					return
				}
				ci := (it + qi) % len(want.Cohorts)
				k := qi % len(want.Cohorts[ci].Retained)
				for g := -1; g < min(len(want.Breakdown), 1); g++ {
					gu, err := got.Users(ctx, g, ci, k)
					if err != nil {
						t.Fatal(err)
					}
					wu, _ := want.Users(ctx, g, ci, k)
					if g, w := gu, wu; !slices.Equal(g, w) { // lists, in the local order
						t.Fatalf("%s: %+v: users of cohort %d period %d: got %v, want %v", name, q, ci, k, g, w)
					}
				}
			})
		}
	}
}
