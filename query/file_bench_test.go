package query

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/store/storetest"
)

// benchDataset loads the database SPOOR_BENCH_DB names, read-only, and
// closes it when b ends; without the variable b is skipped.
func benchDataset(b *testing.B) *Dataset {
	path := storetest.BenchDB(b)
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	d, err := Load(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkFileAnalyses runs analyses on a real database once loaded, as
// the workbench does: SPOOR_BENCH_DB=bench/data/s-10000000.db go test
// ./query -run '^$' -bench FileAnalyses
func BenchmarkFileAnalyses(b *testing.B) {
	d := benchDataset(b)
	b.Run("trends", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			if _, err := d.Trends(context.Background(), TrendsQuery{Measure: "users", Interval: "day"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("funnel", func(b *testing.B) {
		q := FunnelQuery{Steps: FunnelSteps([]string{"view_item", "add_to_cart", "begin_checkout", "purchase"}), Window: "7d"}
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			if _, err := d.Funnel(context.Background(), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("retention", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			if _, err := d.Retention(context.Background(), RetentionQuery{Period: "day", Periods: 31}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A property column's first read, as a first --by or --where makes
	// it: with SPOOR_COLUMN_CACHE=off from the database every time, else
	// from the column cache from the second time on.
	b.Run("prop", func(b *testing.B) {
		defer cpuPerOp(b)()
		for i := 0; i < b.N; i++ {
			forgetProp(d, "country")
			if _, err := d.Prop(context.Background(), "country"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// forgetProp drops d's column of key, for the next use to read it again.
func forgetProp(d *Dataset, key string) {
	d.mu.Lock()
	delete(d.props, key)
	d.mu.Unlock()
}

// cpuPerOp reports the process's CPU time (user + system) per operation:
// on a machine shared with other work, wall time per op moves with their
// load, CPU time much less. Call as defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
