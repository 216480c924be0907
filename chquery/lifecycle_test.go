package chquery

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestLifecycleMatchesLocal compares lifecycle per day, week and month,
// with --event, --where, --by and ranges, in DST zones, on one server and
// the 2-shard cluster.
func TestLifecycleMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(31))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	datasets, queries := runs(6, 2), 8
	ctx := context.Background()
	for it := 0; it < datasets; it++ {
		raw, loc, base := randomZoned(rng, zones, 90)
		b := f.load(raw, loc)
		for qi := 0; qi < queries; qi++ {
			q := query.LifecycleQuery{Interval: []string{"day", "week", "month"}[rng.Intn(3)]}
			if rng.Intn(2) == 0 {
				q.Event = "a"
			}
			if rng.Intn(3) == 0 {
				q.By = "p"
			}
			if rng.Intn(3) == 0 {
				q.Where = []string{"p != y"}
			}
			if rng.Intn(2) == 0 {
				from := time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(60))
				q.From = from.Format("2006-01-02")
				q.To = from.AddDate(0, 0, rng.Intn(40)).Format("2006-01-02")
			}
			same(t, b, q, func(e query.Engine) (*query.LifecycleResult, error) { return e.Lifecycle(ctx, q) }, nil)
		}
	}
}
