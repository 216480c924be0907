package store

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkImport measures the store's share of an import: interning,
// de-dup and writing, for events with a few properties.
func BenchmarkImport(b *testing.B) {
	const n = 200_000
	names := []string{"view_item", "add_to_cart", "begin_checkout", "purchase", "page_view"}
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{
			User: "user" + strconv.Itoa(i%4000), Name: names[i%len(names)], Time: 1_767_225_600_000 + int64(i)*1000,
			Props: []Prop{{"device", "ios"}, {"price", float64(i % 100)}, {"product_id", "p" + strconv.Itoa(i%500)}},
		}
	}
	for _, deferRows := range []bool{false, true} {
		name := "rows"
		if deferRows {
			name = "deferred"
		}
		b.Run(name, func(b *testing.B) { benchImport(b, evs, deferRows) })
	}
}

func benchImport(b *testing.B, evs []Event, deferRows bool) {
	ctx := context.Background()
	for k := 0; k < b.N; k++ {
		db, err := Open(filepath.Join(b.TempDir(), "b.db"), Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		tx, err := db.BeginImport(ctx, ImportInfo{File: "bench", DeferRows: deferRows})
		if err != nil {
			b.Fatal(err)
		}
		for i := range evs {
			if err := tx.Add(ctx, &evs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, ImportStats{}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}
