package store

import (
	"context"
	"os"
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

// BenchmarkOpenReadOnly measures the fixed cost an analysis pays to open a
// database read-only, read a setting and close it again (removing
// the -wal and -shm the open made): with SPOOR_BENCH_DB, on that file.
func BenchmarkOpenReadOnly(b *testing.B) {
	path := os.Getenv("SPOOR_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "b.db")
		db, err := Open(path, Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		tx, err := db.BeginImport(context.Background(), ImportInfo{File: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 1000 {
			if err := tx.Add(context.Background(), &Event{User: "u" + strconv.Itoa(i%50), Name: "e", Time: int64(i) * 1000}); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(context.Background(), ImportStats{}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	cpu0 := CPUTime()
	for b.Loop() {
		db, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Setting(context.Background(), "timezone", ""); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64((CPUTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
