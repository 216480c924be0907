package segment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
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
