package sample

import (
	"context"
	"io"
	"testing"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// BenchmarkOpenDemo measures what the workbench pays at start without a
// database: generate the default sample, store it in memory, load it.
func BenchmarkOpenDemo(b *testing.B) {
	ctx := context.Background()
	for _, sc := range Names() {
		b.Run(sc, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				db, err := OpenDemo(ctx, sc)
				if err != nil {
					b.Fatal(err)
				}
				d, err := query.Load(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(d.Len()), "events")
				db.Close()
			}
		})
	}
}

// BenchmarkGenerate measures the generator alone, per event.
func BenchmarkGenerate(b *testing.B) {
	ctx := context.Background()
	for _, sc := range Names() {
		b.Run(sc, func(b *testing.B) {
			b.ReportAllocs()
			err := Generate(ctx, Config{Scenario: sc, MaxEvents: int64(b.N), Days: 90, Seed: 1}, func(*store.Event) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkWriteCSV measures generating and writing CSV, per event.
func BenchmarkWriteCSV(b *testing.B) {
	ctx := context.Background()
	for _, format := range []string{"csv", "jsonl"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			w, err := NewWriter(io.Discard, format, ecommerce.Keys)
			if err != nil {
				b.Fatal(err)
			}
			if err := Generate(ctx, Config{MaxEvents: int64(b.N), Days: 90, Seed: 1}, w.Write); err != nil {
				b.Fatal(err)
			}
			w.Flush()
		})
	}
}
