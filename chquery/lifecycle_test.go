package chquery

import (
	"context"
	"encoding/json"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/query"
)

// TestLifecycleMatchesLocal compares lifecycle per day, week and month,
// with --event, --where, --by and ranges, in DST zones, on one server and
// the 2-shard cluster.
func TestLifecycleMatchesLocal(t *testing.T) {
	c := chtest.Get(t)
	db := c.NewDatabase(t)
	rng := rand.New(rand.NewSource(31))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	datasets, queries := 6, 8
	if testing.Short() {
		datasets = 2
	}
	ctx := context.Background()
	for it := 0; it < datasets; it++ {
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := time.Date(2026, time.Month(1+rng.Intn(11)), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(25); u++ {
			for e := rng.Intn(15); e > 0; e-- {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "b"}[rng.Intn(2)], Time: base + rng.Int63n(90*86_400_000)}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y", ""}[rng.Intn(3)]}
				}
				raw = append(raw, re)
			}
		}
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := load(t, c, db, raw, loc)
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
			want, werr := b.local.Lifecycle(ctx, q)
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Lifecycle(ctx, q)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: %+v: error %v, local error %v", name, q, err, werr)
				}
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got)
				if string(wj) != string(gj) {
					t.Fatalf("%s: %+v:\n got %s\nwant %s", name, q, gj, wj)
				}
			}
		}
	}
}
