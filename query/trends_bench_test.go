package query

import (
	"context"
	"testing"
)

// BenchmarkTrends measures daily trends once the data is loaded:
//
//	go test ./query/ -run '^$' -bench 'Trends' -benchtime 10x
func BenchmarkTrends(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		for _, m := range []string{MeasureTotal, MeasureUsers, MeasureDAU, MeasureMAU} {
			b.Run(size.name+"/"+m, func(b *testing.B) {
				d := synthDataset(b, size.n)
				q := TrendsQuery{Measure: m, Interval: "day"}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := d.Trends(context.Background(), q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(d.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mevents/s")
			})
		}
	}
}
