package query

import (
	"context"
	"testing"
)

// BenchmarkFunnel times a 4-step ordered funnel with a 7-day window on
// the synthetic data, once loaded (SPEC 7: under 0.2 s at 10M events).
func BenchmarkFunnel(b *testing.B) {
	q := FunnelQuery{Steps: FunnelSteps([]string{"view_item", "add_to_cart", "begin_checkout", "purchase"}), Window: "7d"}
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			d := synthDataset(b, size.n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := d.Funnel(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				if r.Steps[3].Users == 0 {
					b.Fatal("nobody converted")
				}
			}
		})
	}
}

// BenchmarkFunnelModes covers the other paths on 1M events: strict and
// any-order scans, exclusions (one attempt at a time) and a breakdown.
func BenchmarkFunnelModes(b *testing.B) {
	st := FunnelSteps([]string{"view_item", "add_to_cart", "begin_checkout", "purchase"})
	for _, c := range []struct {
		name string
		q    FunnelQuery
	}{
		{"strict", FunnelQuery{Steps: st, Mode: FunnelStrict}},
		{"any", FunnelQuery{Steps: st, Mode: FunnelAny}},
		{"exclusion", FunnelQuery{Steps: st, Exclude: []Exclusion{{Event: "login", From: 1, To: 3}}}},
		{"interval-week", FunnelQuery{Steps: st, Interval: "week"}},
	} {
		b.Run("1M/"+c.name, func(b *testing.B) {
			d := synthDataset(b, 1_000_000)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.Funnel(context.Background(), c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
