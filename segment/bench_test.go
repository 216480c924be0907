package segment

import (
	"context"
	"math/rand"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

var benchCache sync.Map

// benchDataset builds a deterministic shop of about n events over 60 days,
// 50 events per user on average, each user a chronological timeline of
// views with a category and product, carts, checkouts, purchases with
// revenue and a rare refund; every event carries a country.
func benchDataset(tb testing.TB, n int) *query.Dataset {
	if d, ok := benchCache.Load(n); ok {
		return d.(*query.Dataset)
	}
	rng := rand.New(rand.NewSource(1))
	users := max(1, n/50)
	names := make([]string, users)
	for u := range names {
		names[u] = "u" + strconv.Itoa(u)
	}
	// Property maps are shared: only a few distinct ones exist.
	cats := []string{"shoes", "bags", "fashion", "home", "sports"}
	countries := []string{"CN", "US", "DE", "GB", "FR"}
	var views, plain []map[string]string
	for _, c := range cats {
		for _, k := range countries {
			for p := 0; p < 4; p++ {
				views = append(views, map[string]string{"category": c, "country": k, "product_id": c + strconv.Itoa(p)})
			}
		}
	}
	for _, k := range countries {
		plain = append(plain, map[string]string{"country": k, "revenue": strconv.Itoa(10 + len(plain)*7)})
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	evs := make([]query.RawEvent, 0, n)
	for u := 0; len(evs) < n; u = (u + 1) % users {
		k := rng.Intn(len(countries))
		t := start + rng.Int63n(60*86400_000)
		for s := 0; s < 10 && len(evs) < n; s++ {
			var e query.RawEvent
			switch r := rng.Intn(100); {
			case r < 60:
				e = query.RawEvent{Event: "view_item", Props: views[rng.Intn(len(cats))*20+k*4+rng.Intn(4)]}
			case r < 80:
				e = query.RawEvent{Event: "add_to_cart", Props: plain[k]}
			case r < 90:
				e = query.RawEvent{Event: "begin_checkout", Props: plain[k]}
			case r < 99:
				e = query.RawEvent{Event: "purchase", Props: plain[k]}
			default:
				e = query.RawEvent{Event: "refund", Props: plain[k]}
			}
			e.User, e.Time = names[u], t
			evs = append(evs, e)
			t += rng.Int63n(6 * 3600_000)
		}
	}
	d := query.NewDataset(evs, time.UTC)
	benchCache.Store(n, d)
	return d
}

// BenchmarkSegments evaluates typical expressions end to end (parse,
// compile, one pass per person). Property columns are loaded once, outside
// the timing, as a Dataset caches them. SPOOR_BENCH_EVENTS sets the size
// (default 1M; the 10M budget is "well under a second").
func BenchmarkSegments(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SPOOR_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	d := benchDataset(b, n)
	ctx := context.Background()
	for _, expr := range []string{
		"did purchase >= 2 in 30d and not did refund",
		"first_seen within 7d",
		"country = CN",
		"did view_item where category = shoes >= 3 in 14d",
		"did add_to_cart then not begin_checkout within 24h",
		"streak view_item by product_id >= 3 days without purchase",
		"active in 30d and silent for 14d",
	} {
		if _, err := Evaluate(ctx, d, expr); err != nil { // loads property columns
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Evaluate(ctx, d, expr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(d.Len()), "ns/event")
		})
	}
}

// BenchmarkBuiltins times churn risk, lifecycle stages and RFM on the
// same synthetic shop.
func BenchmarkBuiltins(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SPOOR_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	d := benchDataset(b, n)
	ctx := context.Background()
	if _, err := d.Prop(ctx, "revenue"); err != nil {
		b.Fatal(err)
	}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(d.Len()), "ns/event")
		})
	}
	run("churn", func() error { _, err := Churn(ctx, d, ChurnOptions{}); return err })
	run("stages", func() error { Stages(d, DefaultStageWindow); return nil })
	run("rfm", func() error { _, _, err := RFM(ctx, d, RFMOptions{Revenue: "revenue"}); return err })
}
