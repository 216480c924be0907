package segment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

func TestBuiltinsFollowZone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	_, d := timeline(t, time.UTC, `
old 2026-03-30T15:00 purchase revenue=10
old 2026-03-20T15:00 purchase revenue=10
new 2026-03-31T10:00 purchase revenue=20
z 2026-03-31T20:00 page_view
`)
	shCtx := WithZone(context.Background(), sh)
	// RFM recency, stages and trends in either zone are in
	// testdata/builtins.test; here the functions' zone defaults, a
	// summary's users and stage:NAME. Stages with a 1-day window: the
	// last day is 04-01 in Shanghai, where new's 18:00 event falls on the
	// day before.
	if got := fmt.Sprint(Stages(d, 1)); got != fmt.Sprint(StagesIn(d, 1, time.UTC)) || got != fmt.Sprint(StagesIn(d, 1, nil)) {
		t.Errorf("Stages and StagesIn(nil) use the dataset's zone: %s", got)
	}
	rep, err := StageSummaryIn(d, sh, 1, true, "dormant")
	if err != nil || fmt.Sprint(rep.Users) != "[{new dormant}]" {
		t.Errorf("Shanghai dormant users %v %v", rep.Users, err)
	}
	// --segment stage:NAME (a 30-day window) resolves in the context's
	// zone: w's 03-02 10:00 UTC is in the last 30 days in UTC (from
	// 03-02), not in Shanghai (from 03-03, 03-02 16:00 UTC).
	_, d30 := timeline(t, time.UTC, "w 2026-03-02T10:00 e\nz 2026-03-31T20:00 e\n")
	for _, c := range []struct {
		ctx        context.Context
		stage, who string
	}{
		{context.Background(), "new", "w z"}, {context.Background(), "dormant", ""},
		{shCtx, "new", "z"}, {shCtx, "dormant", "w"},
	} {
		m, err := Resolve(c.ctx, nil, d30, "stage:"+c.stage)
		if got := strings.Join(usersOf(d30, m), " "); err != nil || got != c.who {
			t.Errorf("stage:%s in %s: %q %v, want %q", c.stage, Zone(c.ctx, d30), got, err, c.who)
		}
	}
}

func TestChurnDaysFollowZone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	// u is active daily at 15:30 UTC = 23:30 Shanghai, then at 16:30 UTC =
	// 00:30 Shanghai, until 03-20; the data ends 03-31 20:00 UTC.
	var evs []query.RawEvent
	for day := 1; day <= 20; day++ {
		at := time.Date(2026, 3, day, 15, 30, 0, 0, time.UTC)
		if day%2 == 0 {
			at = at.Add(time.Hour)
		}
		evs = append(evs, query.RawEvent{User: "u", Event: "e", Time: at.UnixMilli()})
	}
	evs = append(evs, query.RawEvent{User: "z", Event: "e", Time: time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC).UnixMilli()})
	d := query.NewDataset(evs, time.UTC)
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		// UTC: 20 active days 03-01..03-20, gap 1; silent 11 days to 03-31.
		{context.Background(), "since=11 gap=1 key=2026-03-20T16:30:00Z"},
		// Shanghai: 03-01 23:30, then 03-03 00:30 and 03-03 23:30, ...: the
		// even days jump a local day, so the days are 1,3,3,5,5,...,21 and
		// the gaps all 2; 03-21 to 04-01 is 11 days.
		{WithZone(context.Background(), sh), "since=11 gap=2 key=2026-03-21T00:30:00+08:00"},
	} {
		rep, err := Churn(c.ctx, d, ChurnOptions{WindowDays: 7, BaselineDays: 28})
		if err != nil || len(rep.Users) != 1 {
			t.Fatalf("churn %+v %v", rep, err)
		}
		u := rep.Users[0]
		if got := fmt.Sprintf("since=%d gap=%s key=%s", u.DaysSinceLastSeen, num(*u.UsualGapDays), u.LastKeyEventTime); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
}
