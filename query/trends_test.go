package query

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

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

func TestTrendsEmpty(t *testing.T) {
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
		if tb := r.Tables(i18n.English); len(tb[0].Rows) != 0 {
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
}

func TestTrendsTopWithFewValuesIsUnchanged(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 a 2026-03-02 10:00 c=A\nu2 a 2026-03-02 10:00 c=B\n")
	r := trendsRun(t, d, TrendsQuery{Common: Common{By: "c"}})
	top, err := r.Top(context.Background(), 2)
	if err != nil || top != r {
		t.Errorf("Top(2) of two values = %v, %v; want the result itself", top, err)
	}
}
