package query

import (
	"context"
	"testing"
)

// BenchmarkRetention is 31 daily periods over the synthetic data (60 days).
//
//	go test ./query/ -run '^$' -bench 'Retention|Lifecycle' -benchtime 10x
func BenchmarkRetention(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			d := synthDataset(b, size.n)
			q := RetentionQuery{Periods: 31}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := d.Retention(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRetentionRecurring(b *testing.B) {
	d := synthDataset(b, 10_000_000)
	q := RetentionQuery{Periods: 31, Recurring: true, Start: "view_item", Return: "purchase"}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := d.Retention(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLifecycle(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			d := synthDataset(b, size.n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := d.Lifecycle(context.Background(), LifecycleQuery{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
