package query

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// lcRow is the expected point: t, new, returning, resurrecting, dormant.
type lcRow struct {
	t                      string
	new, ret, res, dormant int
	incomplete             bool
}

func lcCheck(t *testing.T, d *Dataset, q LifecycleQuery, want []lcRow) {
	t.Helper()
	r, err := d.Lifecycle(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != len(want) {
		t.Fatalf("got %d points %+v, want %d", len(r.Points), r.Points, len(want))
	}
	for i, w := range want {
		p := r.Points[i]
		got := lcRow{p.T, p.New, p.Returning, p.Resurrecting, p.Dormant, p.Incomplete}
		if got != w {
			t.Errorf("point %d = %+v, want %+v", i, got, w)
		}
	}
}

// No data, and a range past the data: no points, [] in JSON.
func TestLifecycleEmpty(t *testing.T) {
	d := NewDataset(nil, nil)
	lcCheck(t, d, LifecycleQuery{}, nil)
	d = NewDataset(rtTimeline(t, time.UTC, "u1 open 2026-03-02 10:00"), time.UTC)
	r, err := d.Lifecycle(context.Background(), LifecycleQuery{Common: Common{From: "2027-01-01", To: "2027-02-01"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"points":[]`) {
		t.Errorf("empty range: %s", b)
	}
}

func TestLifecycleErrors(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, "u1 purchase 2026-03-02 10:00"), time.UTC)
	ctx := context.Background()
	if _, err := d.Lifecycle(ctx, LifecycleQuery{Event: "purchse"}); err == nil || !strings.Contains(err.Error(), "purchase") {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := d.Lifecycle(ctx, LifecycleQuery{Interval: "fortnight"}); err == nil {
		t.Error("unknown interval accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Lifecycle(cancelled, LifecycleQuery{}); err == nil {
		t.Error("cancelled query ran")
	}
}
