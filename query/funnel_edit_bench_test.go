package query

import (
	"context"
	"slices"
	"testing"
)

// BenchmarkFunnelEdits times the workbench's Funnel-tab edits
// (bench/workbench.sh) on a real database once loaded, each as the tab
// runs it: FunnelAgain, else Funnel, then the chart's top values.
// SPOOR_BENCH_DB=bench/data/s-10000000.db go test ./query -run '^$'
// -bench FunnelEdits
//
// by-first is the breakdown edit as the workbench makes it the first
// time: the country column read too. With SPOOR_COLUMN_CACHE=off it is
// read from the database every time (the first use of a column on a
// database); else, from the first time on, from the column cache (but
// mapped once for the whole run, where a new workbench maps the file).
func BenchmarkFunnelEdits(b *testing.B) {
	d := benchDataset(b)
	ctx := context.Background()
	// The workbench's first funnel on the sample: its four most common
	// events in the order persons first do them.
	q := FunnelQuery{Steps: FunnelSteps([]string{"session_start", "page_view", "view_item", "add_to_cart"})}
	step := q
	step.Steps = slices.Clone(q.Steps)
	step.Steps[3].Event = "purchase"
	window := step
	window.Window = "1d"
	by := window
	by.By = "country"
	device, err := d.Prop(ctx, "device")
	if err != nil {
		b.Fatal(err)
	}
	where := by
	where.Where = []string{"device = " + device.Values[mostCommon(device)-1]}
	// Each edit is answered with the result of the query before it on
	// screen, as in the workbench, which releases a result it no longer
	// shows, and the one on screen when it cannot answer the edit.
	var prev *FunnelResult
	for _, c := range []struct {
		name   string
		q      FunnelQuery
		forget string // the column read again at each run; the next edit is made on the same result
	}{{"first", q, ""}, {"step", step, ""}, {"window", window, ""}, {"by-first", by, "country"}, {"by", by, ""}, {"where", where, ""}} {
		run := func() *FunnelResult {
			if c.forget != "" {
				forgetProp(d, c.forget)
			}
			r, ok, err := d.FunnelAgain(ctx, prev, c.q)
			if !ok {
				prev.Release()
				r, err = d.Funnel(ctx, c.q)
			}
			if err != nil {
				b.Fatal(err)
			}
			r.TopBreakdown(5)
			return r
		}
		b.Run(c.name, func(b *testing.B) {
			defer cpuPerOp(b)()
			for i := 0; i < b.N; i++ {
				run().Release()
			}
		})
		if c.forget == "" { // the edit the next one is made on
			r := run()
			prev.Release()
			prev = r
		}
	}
}

// mostCommon is the code of p's most common set value.
func mostCommon(p *Prop) int {
	counts := make([]int, len(p.Values)+1)
	for _, c := range p.Codes {
		counts[c]++
	}
	counts[0] = -1
	best := 0
	for c, n := range counts {
		if n > counts[best] {
			best = c
		}
	}
	return best
}
