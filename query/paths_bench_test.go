package query

import (
	"context"
	"testing"
)

// BenchmarkPaths measures 3-step paths after view_item once the data is
// loaded:
//
//	go test ./query/ -run '^$' -bench 'Paths' -benchtime 10x
func BenchmarkPaths(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		for _, dir := range []string{"from", "to"} {
			b.Run(size.name+"/"+dir, func(b *testing.B) {
				d := synthDataset(b, size.n)
				q := PathsQuery{From: "view_item", Depth: 3}
				if dir == "to" {
					q = PathsQuery{To: "purchase", Depth: 3}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := d.Paths(context.Background(), q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(d.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mevents/s")
			})
		}
	}
}
