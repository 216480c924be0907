package chquery

import (
	"context"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

func sameTrends(t *testing.T, b *backends, q query.TrendsQuery) {
	t.Helper()
	same(t, b, q, func(e query.Engine) (*query.TrendsResult, error) { return e.Trends(context.Background(), q) }, nil)
}

// TestTrendsMatchesLocal compares every measure and interval with the
// local engine on random data around daylight saving changes (New York's
// 2026-03-08 and 2026-11-01, London's, Lord Howe's half-hour shift),
// with --where, --by, ranges and events named or not.
func TestTrendsMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(21))
	zones := []string{"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	bases := []time.Time{
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC),
	}
	datasets, queries := runs(6, 2), 8
	for it := 0; it < datasets; it++ {
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := bases[rng.Intn(len(bases))].UnixMilli()
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(25); u++ {
			for e := rng.Intn(15); e > 0; e-- {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "b", "c"}[rng.Intn(3)],
					Time: base + rng.Int63n(40*86_400_000)}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y", "10"}[rng.Intn(3)]}
				}
				raw = append(raw, re)
			}
		}
		b := f.load(raw, loc)
		for qi := 0; qi < queries; qi++ {
			q := query.TrendsQuery{Measure: []string{"total", "users", "avg", "dau", "wau", "mau", "stickiness"}[rng.Intn(7)]}
			q.Interval = []string{"day", "week", "month", "hour"}[rng.Intn(4)]
			if q.Interval == "hour" && q.Measure != "total" && q.Measure != "users" && q.Measure != "avg" {
				q.Interval = "day"
			}
			if rng.Intn(2) == 0 {
				q.Events = []string{"a", "c"}[:1+rng.Intn(2)]
			}
			if rng.Intn(3) == 0 {
				q.By = "p"
			}
			if rng.Intn(3) == 0 {
				q.Where = []string{"p != y"}
			}
			if rng.Intn(2) == 0 {
				from := time.UnixMilli(base).In(loc).AddDate(0, 0, 3+rng.Intn(10))
				q.From = from.Format("2006-01-02")
				q.To = from.AddDate(0, 0, rng.Intn(20)).Format("2006-01-02")
			}
			if rng.Intn(4) == 0 {
				q.TZ = zones[rng.Intn(len(zones))]
			}
			sameTrends(t, b, q)
		}
	}
}
