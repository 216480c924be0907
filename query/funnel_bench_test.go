package query

import (
	"context"
	"testing"
	"time"
)

// BenchmarkFunnel times a 4-step ordered funnel with a 7-day window on
// the synthetic data, once loaded (budget: under 0.2 s at 10M events).
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

// heavyUserDataset is one person replaying a flow n times within a
// 7-day window (a bot, a replaying client): n views evenly over 600,000 s
// (every 30 s for 20,000), a cart after every 7th view, a checkout after
// every 23rd and a login after every 50th, never a
// purchase, so no attempt settles the person early; plus a few ordinary
// persons.
func heavyUserDataset(n int) *Dataset {
	base := int64(1_767_225_600_000) // 2026-01-01
	var raw []RawEvent
	for i := 0; i < n; i++ {
		t := base + int64(i)*(600_000_000/int64(n))
		raw = append(raw, RawEvent{User: "bot", Event: "view_item", Time: t})
		for _, e := range []struct {
			every int
			name  string
		}{{7, "add_to_cart"}, {23, "begin_checkout"}, {50, "login"}} {
			if i%e.every == e.every-1 {
				raw = append(raw, RawEvent{User: "bot", Event: e.name, Time: t + 1000})
			}
		}
	}
	for u := 0; u < 100; u++ {
		t := base + int64(u)*3_600_000
		for j, name := range []string{"view_item", "add_to_cart", "login", "begin_checkout", "purchase"} {
			raw = append(raw, RawEvent{User: "u" + itoa(u), Event: name, Time: t + int64(j)*60_000})
		}
	}
	return NewDataset(raw, time.UTC)
}

// floodDataset is one person with n views at one instant (an import that
// lost the times), carts and logins at the same instant and after it.
func floodDataset(n int) *Dataset {
	base := int64(1_767_225_600_000)
	var raw []RawEvent
	for i := 0; i < n; i++ {
		raw = append(raw, RawEvent{User: "bot", Event: "view_item", Time: base})
		if i%10 == 0 {
			raw = append(raw, RawEvent{User: "bot", Event: "add_to_cart", Time: base + int64(i%20)*60_000})
		}
		if i%50 == 0 {
			raw = append(raw, RawEvent{User: "bot", Event: "login", Time: base + int64(i)*60_000})
		}
	}
	raw = append(raw, RawEvent{User: "u", Event: "purchase", Time: base})
	return NewDataset(raw, time.UTC)
}

// BenchmarkFunnelExclusionsHeavyUser times ordered funnels with exclusions
// on one person with 20,000 step-1 events inside one window, and on the
// synthetic 1M events for comparison.
func BenchmarkFunnelExclusionsHeavyUser(b *testing.B) {
	st := FunnelSteps([]string{"view_item", "add_to_cart", "begin_checkout", "purchase"})
	heavy := heavyUserDataset(20_000)
	flood := floodDataset(5000)
	for _, c := range []struct {
		name string
		d    func() *Dataset
		q    FunnelQuery
	}{
		{"heavy/whole-funnel", func() *Dataset { return heavy }, FunnelQuery{Steps: st, Exclude: []Exclusion{{Event: "login"}}}},
		{"heavy/steps-2-4", func() *Dataset { return heavy }, FunnelQuery{Steps: st, Exclude: []Exclusion{{Event: "login", From: 1, To: 3}}}},
		{"heavy/strict", func() *Dataset { return heavy }, FunnelQuery{Steps: st, Mode: FunnelStrict, Exclude: []Exclusion{{Event: "login"}}}},
		{"heavy/one-instant", func() *Dataset { return flood }, FunnelQuery{Steps: FunnelSteps([]string{"view_item", "view_item", "add_to_cart", "purchase"}),
			Exclude: []Exclusion{{Event: "login", From: 1, To: 3}}}},
		{"synth1M/steps-2-4", func() *Dataset { return synthDataset(b, 1_000_000) }, FunnelQuery{Steps: st, Exclude: []Exclusion{{Event: "login", From: 1, To: 3}}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := c.d()
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
