package query

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"
)

// The person ranges run in parallel on large data; the merged result of
// every analysis must equal the single-range one exactly.
func TestParallelEqualsSerial(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 300k events")
	}
	d := synthDataset(t, 300_000)
	run := func(procs int) string {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		var out []any
		for _, m := range []string{"total", "users", "avg", "wau", "stickiness"} {
			r, err := d.Trends(context.Background(), TrendsQuery{Measure: m, Interval: "week", Events: []string{"view_item", "purchase"}})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		// The synthetic data has no properties: every event is "(none)".
		r, err := d.Trends(context.Background(), TrendsQuery{Common: Common{By: "plan"}, Measure: "mau"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		for _, q := range []PathsQuery{{From: "view_item", Depth: 3}, {To: "purchase", NoCollapse: true, Top: 50}} {
			r, err := d.Paths(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		for _, q := range []FunnelQuery{
			{Steps: FunnelSteps([]string{"view_item", "add_to_cart", "purchase"}), Window: "2d"},
			{Steps: FunnelSteps([]string{"view_item", "purchase"}), Mode: "any", Interval: "week"},
		} {
			r, err := d.Funnel(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r, r.Level, r.InProgress, r.Attempt)
		}
		for _, q := range []RetentionQuery{{Periods: 14}, {Period: "week", Periods: 6, Recurring: true, Return: "purchase"}} {
			r, err := d.Retention(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r, r.CellUsers(0, 1), r.CellUsers(len(r.Cohorts)-1, 0))
		}
		lc, err := d.Lifecycle(context.Background(), LifecycleQuery{Interval: "week"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, lc)
		js, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	if n := len(d.splitPersons(4)); n != 4 {
		t.Fatalf("the data is cut in %d ranges, not 4", n)
	}
	serial, parallel := run(1), run(4)
	if serial != parallel {
		t.Errorf("parallel result differs from serial")
	}
}
