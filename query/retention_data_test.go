package query

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestRetentionTaobao runs retention and lifecycle on a real export (43
// Taobao users over nine days, with one stray September event) and checks
// them against the naive references, in China time.
func TestRetentionTaobao(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "taobao-userbehavior", "UserBehavior.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("real dataset not available (%v); see ../shared/data/README.md", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]RawEvent, 0, len(rows))
	users := map[string]bool{}
	for _, r := range rows {
		sec, err := strconv.ParseInt(r[4], 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		evs = append(evs, RawEvent{User: r[0], Event: r[3], Time: sec * 1000})
		users[r[0]] = true
	}
	shanghai := rtLoc(t, "Asia/Shanghai")
	d := NewDataset(evs, shanghai)
	ctx := context.Background()
	for _, q := range []RetentionQuery{
		{Periods: 9},
		{Periods: 9, Unbounded: true},
		{Periods: 9, Recurring: true},
		{Start: "pv", Return: "buy", Periods: 9, Common: Common{From: "2017-11-25"}},
		{Start: "cart", Return: "buy", Period: "week", Periods: 3, Unbounded: true},
	} {
		r, err := d.Retention(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveRetention(evs, shanghai, q, "", nil); !rtSame(r, want) {
			t.Errorf("%+v:\n got %+v %v\nwant %+v %v", q, r.Cohorts, r.Average, want.rows, want.avg)
		}
		if q.Start == "" && !q.Recurring {
			total := 0
			for _, c := range r.Cohorts {
				total += c.Size
			}
			if total != len(users) {
				t.Errorf("%+v: cohorts hold %d users, the data %d", q, total, len(users))
			}
		}
	}
	for _, q := range []LifecycleQuery{{}, {Event: "buy", Common: Common{From: "2017-11-25"}}, {Interval: "week"}} {
		r, err := d.Lifecycle(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveLifecycle(evs, shanghai, q, "", nil)
		if len(r.Points) != len(want) {
			t.Fatalf("%+v: %d points, want %d", q, len(r.Points), len(want))
		}
		for i, p := range r.Points {
			if got := (lcRow{p.T, p.New, p.Returning, p.Resurrecting, p.Dormant, p.Incomplete}); got != want[i] {
				t.Errorf("%+v point %d = %+v, want %+v", q, i, got, want[i])
			}
		}
	}
}
