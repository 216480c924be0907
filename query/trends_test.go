package query

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Rolling windows: u1 active 03-01 and 03-05, u2 on 03-03, u3 only on 02-24
// (before the range: its trailing window still reaches into it).
const trendsRollingData = `
u3 a 2026-02-24 12:00
u1 a 2026-03-01 08:00
u2 a 2026-03-03 08:00
u1 a 2026-03-05 08:00
u1 a 2026-03-05 09:00
u9 a 2026-03-11 08:00
`

// The rolling measures' series are in testdata/trends.test; the
// stickiness histogram is not part of that rendering.
func TestTrendsRollingHistogram(t *testing.T) {
	d := textTimeline(t, time.UTC, trendsRollingData)
	rng := Common{From: "2026-03-01", To: "2026-03-10"}
	r := trendsRun(t, d, TrendsQuery{Common: rng, Measure: "stickiness"})
	// Active days in the range: u1 on 2 days, u2 on 1; u3 and u9 outside.
	h := r.Series[0].StickinessHistogram
	if len(h) != 2 || h[0] != (StickinessBin{1, 1}) || h[1] != (StickinessBin{2, 1}) {
		t.Errorf("stickiness histogram = %+v, want [{1 1} {2 1}]", h)
	}
	if r.Series[0].Total != 2 {
		t.Errorf("series total = %v, want 2 distinct users in range", r.Series[0].Total)
	}
}

func TestTrendsTopFoldsExactly(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-02 10:00 c=A
u2 view 2026-03-02 10:00 c=A
u3 view 2026-03-02 10:00 c=A
u1 view 2026-03-02 11:00 c=B
u2 view 2026-03-02 11:00 c=B
u1 view 2026-03-02 12:00 c=C
u4 view 2026-03-02 12:00
`)
	r := trendsRun(t, d, TrendsQuery{Common: Common{By: "c"}, Events: []string{"view"}, Measure: "users"})
	if len(r.Series) != 4 {
		t.Fatalf("want every value as a series, got %d", len(r.Series))
	}
	top, err := r.Top(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// other = users of B, C or none: u1, u2, u4 = 3 (a sum would say 4).
	if got, want := trendsPoints(top), "view · A: 03-02=3\nview · other: 03-02=3\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestTrendsErrors(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 view 2026-03-02 10:00\n")
	for _, c := range []struct {
		q    TrendsQuery
		want string
	}{
		{TrendsQuery{Events: []string{"veiw"}}, "closest known: view"},
		{TrendsQuery{Measure: "sessions"}, "unknown measure"},
		{TrendsQuery{Measure: "dau", Interval: "hour"}, "calendar days"},
		{TrendsQuery{Interval: "year"}, "unknown interval"},
		{TrendsQuery{Events: []string{"view", "view"}}, "twice"},
	} {
		_, err := d.Trends(context.Background(), c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to mention %q", c.q, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Trends(ctx, TrendsQuery{}); err == nil {
		t.Error("a cancelled query must fail")
	}
}

func TestTrendsEmptyAndSingleEvent(t *testing.T) {
	empty := NewDataset(nil, time.UTC)
	for _, m := range []string{"total", "users", "avg", "dau", "wau", "mau", "stickiness"} {
		r := trendsRun(t, empty, TrendsQuery{Measure: m})
		wantTotal := Num(0)
		if m == "avg" {
			wantTotal = Undefined // events per user of no user
		}
		if len(r.Series) != 1 || len(r.Series[0].Points) != 0 || !sameNum(r.Series[0].Total, float64(wantTotal)) || r.From != "" {
			t.Errorf("%s on no data: %+v, want one series without points", m, r)
		}
		if tb := r.Tables(); len(tb[0].Rows) != 0 {
			t.Errorf("%s on no data: table rows %v", m, tb[0].Rows)
		}
	}
	// A breakdown with no values is an empty list in JSON, not null.
	byEmpty := trendsRun(t, empty, TrendsQuery{Common: Common{By: "k"}})
	if js, _ := json.Marshal(byEmpty); !strings.Contains(string(js), `"series":[]`) {
		t.Errorf("empty breakdown JSON: %s", js)
	}
	// A range on empty data still lists its days, with zeros.
	r := trendsRun(t, empty, TrendsQuery{Common: Common{From: "2026-03-01", To: "2026-03-02"}, Measure: "mau"})
	if got, want := trendsPoints(r), "all events: 03-01=0 03-02=0\n"; got != want {
		t.Errorf("empty data with a range: got %q want %q", got, want)
	}
	one := textTimeline(t, time.UTC, "u1 a 2026-03-02 23:59:59.999\n")
	for m, want := range map[string]string{
		"total":      "all events: 03-02=1\n",
		"avg":        "all events: 03-02=1.00\n",
		"mau":        "all events: 03-02=1\n",
		"stickiness": "all events: 03-02=1.000\n",
	} {
		if got := trendsPoints(trendsRun(t, one, TrendsQuery{Measure: m})); got != want {
			t.Errorf("%s on one event: got %q want %q", m, got, want)
		}
	}
}

func TestTrendsTopWithFewValuesIsUnchanged(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 a 2026-03-02 10:00 c=A\nu2 a 2026-03-02 10:00 c=B\n")
	r := trendsRun(t, d, TrendsQuery{Common: Common{By: "c"}})
	top, err := r.Top(context.Background(), 2)
	if err != nil || top != r {
		t.Errorf("Top(2) of two values = %v, %v; want the result itself", top, err)
	}
}

// Top folds per event, and recomputes rolling measures exactly.
func TestTrendsTopPerEventRolling(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-01 10:00 c=A
u2 view 2026-03-01 10:00 c=A
u1 view 2026-03-02 10:00 c=B
u1 view 2026-03-02 10:30 c=C
u1 buy  2026-03-02 11:00 c=B
u2 buy  2026-03-02 11:00 c=B
u3 buy  2026-03-02 11:00 c=C
`)
	r := trendsRun(t, d, TrendsQuery{Common: Common{By: "c"}, Events: []string{"view", "buy"}, Measure: "wau"})
	top, err := r.Top(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// view: A has 2 users; B and C fold into other, where u1 counts once
	// (a sum of the B and C series would say 2). buy: B has 2, C is other.
	want := "view · A: 03-01=2 03-02=2\nview · other: 03-01=0 03-02=1\nbuy · B: 03-01=0 03-02=2\nbuy · other: 03-01=0 03-02=1\n"
	if got := trendsPoints(top); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}
