package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/store"
)

// BenchmarkLoad measures getting from a spoor.db file to a Dataset: what
// every command and the workbench pay before their first answer.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1_000_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			ctx := context.Background()
			src := synthDataset(b, n)
			path := filepath.Join(b.TempDir(), "load.db")
			db, err := store.Open(path, store.Options{Create: true})
			if err != nil {
				b.Fatal(err)
			}
			tx, err := db.BeginImport(ctx, store.ImportInfo{File: "synth", DeferRows: true})
			if err != nil {
				b.Fatal(err)
			}
			devices := []string{"ios", "android", "web"}
			for p := range src.Users {
				for i := src.Start[p]; i < src.Start[p+1]; i++ {
					ev := store.Event{User: src.Users[p], Name: src.Names[src.Event[i]], Time: src.Time[i],
						Props: []store.Prop{{Key: "device", Value: devices[int(i)%3]}}}
					if err := tx.Add(ctx, &ev); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
				b.Fatal(err)
			}
			db.Close()
			b.ResetTimer()
			for k := 0; k < b.N; k++ {
				db, err := store.Open(path, store.Options{ReadOnly: true})
				if err != nil {
					b.Fatal(err)
				}
				d, err := Load(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := d.Prop(ctx, "device"); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(n), "events")
		})
	}
}

// BenchmarkLoadFile loads the database named by SPOOR_BENCH_DB (e.g. one
// made by bench/run.sh), to profile opening at full size.
func BenchmarkLoadFile(b *testing.B) {
	path := os.Getenv("SPOOR_BENCH_DB")
	if path == "" {
		b.Skip("set SPOOR_BENCH_DB to a spoor database to run this benchmark")
	}
	ctx := context.Background()
	for k := 0; k < b.N; k++ {
		db, err := store.Open(path, store.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		d, err := Load(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(d.Len()), "events")
		db.Close()
	}
}
