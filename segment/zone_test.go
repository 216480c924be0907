package segment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// membersIn evaluates expr with calendar days in loc (a --tz), whatever
// the dataset's own display timezone.
func membersIn(t *testing.T, d *query.Dataset, loc *time.Location, expr string) string {
	t.Helper()
	m, err := Evaluate(WithZone(context.Background(), loc), d, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return strings.Join(usersOf(d, m), " ")
}

// The data is stored with UTC as its display timezone; Asia/Shanghai is
// UTC+8 all year. Times are UTC, with Shanghai's wall clock in comments.
const zoneTimeline = `
# sh3: Shanghai days 03-01, 03-02, 03-03; UTC days 03-01, 03-01, 03-02.
sh3 2026-03-01T15:30 view_item product_id=P1
sh3 2026-03-01T16:30 view_item product_id=P1
sh3 2026-03-02T16:30 view_item product_id=P1
# utc3: UTC days 03-01, 03-02, 03-03; Shanghai days 03-02, 03-02, 03-03.
utc3 2026-03-01T23:00 view_item product_id=P1
utc3 2026-03-02T00:30 view_item product_id=P1
utc3 2026-03-03T10:00 view_item product_id=P1
# spoil: views on 03-05..03-07 in both zones (17:00 UTC = 01:00 next day
# in Shanghai); the purchase at 15:00 UTC is on the streak's first day in
# UTC (03-05) but the day before it in Shanghai (03-05 23:00).
spoil 2026-03-05T15:00 purchase product_id=P1
spoil 2026-03-05T17:00 view_item product_id=P1
spoil 2026-03-06T17:00 view_item product_id=P1
spoil 2026-03-07T17:00 view_item product_id=P1
# late: one event on 03-31 10:00 UTC = 18:00 Shanghai.
late 2026-03-31T10:00 purchase revenue=5
late 2026-03-20T10:00 purchase revenue=5
# edge: first seen 03-09 20:00 UTC = 03-10 04:00 Shanghai.
edge 2026-03-09T20:00 page_view
edge 2026-03-29T20:00 page_view
# cart: a cart 24h before its checkout, across Shanghai's midnight.
cart 2026-03-30T15:59 add_to_cart
cart 2026-03-31T15:59 begin_checkout
# z: the last event, 03-31 20:00 UTC = 04-01 04:00 Shanghai.
z 2026-03-31T20:00 page_view
`

func TestStreakDaysFollowZone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	_, d := timeline(t, time.UTC, zoneTimeline)
	const rule = "streak view_item by product_id >= 3 days without purchase"
	if got := membersIn(t, d, sh, rule); got != "sh3 spoil" {
		t.Errorf("Shanghai: %s, want sh3 spoil", got)
	}
	if got := membersIn(t, d, time.UTC, rule); got != "utc3" {
		t.Errorf("UTC: %s, want utc3", got)
	}
	// Without a zone in the context, the dataset's own (UTC) applies.
	checkMembers(t, d, rule, "utc3")
	if got := membersIn(t, d, sh, "streak view_item >= 2 days"); got != "sh3 spoil utc3" {
		t.Errorf("2 days in Shanghai: %s", got)
	}

	// Evidence: local days and times in the zone.
	n, _ := Parse(rule)
	e, err := Compile(WithZone(context.Background(), sh), d, n)
	if err != nil {
		t.Fatal(err)
	}
	ev := e.Explain(personOf(t, d, "sh3"))
	if len(ev) != 1 || ev[0].Detail != "product_id P1: 3 consecutive days, 2026-03-01 to 2026-03-03" ||
		ev[0].Events[0].Time != "2026-03-01T23:30:00+08:00" || ev[0].Events[1].Time != "2026-03-03T00:30:00+08:00" {
		t.Errorf("Shanghai evidence %+v", ev)
	}
	e, _ = Compile(context.Background(), d, n)
	if ev := e.Explain(personOf(t, d, "utc3")); len(ev) != 1 || ev[0].Detail != "product_id P1: 3 consecutive days, 2026-03-01 to 2026-03-03" ||
		ev[0].Events[0].Time != "2026-03-01T23:00:00Z" {
		t.Errorf("UTC evidence %+v", ev)
	}
}

func TestWindowsAndDatesFollowZone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	_, d := timeline(t, time.UTC, zoneTimeline)
	cases := []struct{ expr, utc, shanghai string }{
		// "in 1d" is the last event's calendar day: 03-31 in UTC, 04-01
		// (from 03-31 16:00 UTC) in Shanghai.
		{"did purchase in 1d", "late", ""},
		{"active in 1d", "cart late z", "z"},
		{"active in 1d and silent for 1h", "cart late", ""},
		{"silent for 1d", "edge sh3 spoil utc3", "cart edge late sh3 spoil utc3"},
		// Dates are local days: edge's first event is 03-09 in UTC, 03-10 in Shanghai.
		{"first_seen before 2026-03-10", "edge sh3 spoil utc3", "sh3 spoil utc3"},
		{"first_seen between 2026-03-10 and 2026-03-31", "cart late z", "cart edge late"},
		{"first_seen after 2026-03-30", "z", "z"},
		{"last_seen within 2d", "cart late z", "cart late z"},
		{"last_seen within 3d", "cart edge late z", "cart edge late z"},
		{"did view_item between 2026-03-03 and 2026-03-03", "utc3", "sh3 utc3"},
		// Durations do not move: 6h before the last event, and a
		// checkout exactly 24h after its cart, in every zone.
		{"active in 6h", "cart z", "cart z"},
		{"did page_view in 12h", "z", "z"},
		{"did add_to_cart then begin_checkout within 24h", "cart", "cart"},
		{"did add_to_cart then not begin_checkout within 23h", "cart", "cart"},
	}
	for _, c := range cases {
		if got := membersIn(t, d, time.UTC, c.expr); got != c.utc {
			t.Errorf("UTC %s: %q, want %q", c.expr, got, c.utc)
		}
		if got := membersIn(t, d, sh, c.expr); got != c.shanghai {
			t.Errorf("Shanghai %s: %q, want %q", c.expr, got, c.shanghai)
		}
	}
}

// New York springs forward on 2026-03-08 (a 23-hour day) and falls back
// on 2026-11-01 (25 hours). A calendar that stepped 24h from the first
// midnight would put 03-09 00:30 EDT on 03-08 and 11-01 23:30 EST on 11-02.
func TestStreakOnDSTDays(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	_, d := timeline(t, ny, `
spring 2026-03-07T12:00 view_item
spring 2026-03-08T12:00 view_item
spring 2026-03-09T00:30 view_item
fall 2026-10-31T12:00 view_item
fall 2026-11-01T23:30 view_item
fall 2026-11-02T12:00 view_item
short 2026-03-08T00:10 view_item
short 2026-03-08T23:50 view_item
short 2026-03-09T23:50 view_item
long 2026-11-01T00:10 view_item
long 2026-11-01T23:50 view_item
z 2026-11-03T12:00 page_view
`)
	checkMembers(t, d, "streak view_item >= 3 days", "fall spring")
	// short's first two views are both on the 23-hour 03-08 and long's
	// both on the 25-hour 11-01: two and one calendar days.
	checkMembers(t, d, "streak view_item >= 2 days", "fall short spring")
	// Seen from UTC (the context's zone), spring's views are 03-07 17:00,
	// 03-08 16:00, 03-09 04:30 and fall's 10-31 16:00, 11-02 04:30, 11-02
	// 17:00; short's 03-08 05:10, 03-09 03:50, 03-10 03:50.
	if got := membersIn(t, d, time.UTC, "streak view_item >= 3 days"); got != "short spring" {
		t.Errorf("UTC: %s", got)
	}
	n, _ := Parse("streak view_item >= 3 days")
	e, err := Compile(context.Background(), d, n)
	if err != nil {
		t.Fatal(err)
	}
	if ev := e.Explain(personOf(t, d, "fall")); len(ev) != 1 || ev[0].Detail != "3 consecutive days, 2026-10-31 to 2026-11-02" ||
		ev[0].Events[0].Time != "2026-10-31T12:00:00-04:00" || ev[0].Events[1].Time != "2026-11-02T12:00:00-05:00" {
		t.Errorf("fall evidence %+v", ev)
	}
}

func TestBuiltinsFollowZone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	_, d := timeline(t, time.UTC, `
old 2026-03-30T15:00 purchase revenue=10
old 2026-03-20T15:00 purchase revenue=10
new 2026-03-31T10:00 purchase revenue=20
z 2026-03-31T20:00 page_view
`)
	shCtx := WithZone(context.Background(), sh)
	// RFM recency: old's last purchase is 03-30 in UTC (1 day before z's
	// 03-31) and 03-30 23:00 in Shanghai (2 days before z's 04-01).
	recency := func(ctx context.Context) string {
		_, users, err := RFM(ctx, d, RFMOptions{Revenue: "revenue"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range users {
			out = append(out, fmt.Sprintf("%s:%d", u.User, u.RecencyDays))
		}
		return strings.Join(out, " ")
	}
	if got := recency(context.Background()); got != "old:1 new:0" {
		t.Errorf("UTC recency %s", got)
	}
	if got := recency(shCtx); got != "old:2 new:1" {
		t.Errorf("Shanghai recency %s", got)
	}

	// Stages with a 1-day window: the last day is 03-31 in UTC, 04-01 in
	// Shanghai, where new's 18:00 event falls on the day before and old's
	// 23:00 two days before.
	stages := func(loc *time.Location) string {
		var out []string
		for p, s := range StagesIn(d, 1, loc) {
			out = append(out, d.Users[p]+":"+StageNames[s])
		}
		return strings.Join(out, " ")
	}
	if got := stages(time.UTC); got != "old:dormant new:new z:new" {
		t.Errorf("UTC stages %s", got)
	}
	if got := stages(sh); got != "old:churned new:dormant z:new" {
		t.Errorf("Shanghai stages %s", got)
	}
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

	// Trend days are the zone's: the last point is the last event's local day.
	n, _ := Parse("did purchase in 1d")
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{context.Background(), "[{2026-03-30 1 1 1} {2026-03-31 1 3 0.3333333333333333}]"},
		{shCtx, "[{2026-03-31 1 2 0.5} {2026-04-01 0 3 0}]"},
	} {
		pts, err := Trend(c.ctx, d, n, 2)
		if err != nil || fmt.Sprint(pts) != c.want {
			t.Errorf("trend %v %v, want %s", pts, err, c.want)
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

func personOf(t *testing.T, d *query.Dataset, user string) int {
	t.Helper()
	for p, u := range d.Users {
		if u == user {
			return p
		}
	}
	t.Fatalf("no user %s", user)
	return -1
}

// Trend days in New York across the spring-forward day: each point sees
// the events until its local midnight (03-08 ends at 04:00 UTC, not 05:00).
func TestTrendDaysOnDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	// Stored in UTC; New York wall clock in comments.
	_, d := timeline(t, time.UTC, `
a 2026-03-08T04:30 e
b 2026-03-09T03:30 e
c 2026-03-09T04:30 e
z 2026-03-09T16:00 e
`) // a 03-07 23:30 EST, b 03-08 23:30 EDT, c 03-09 00:30 EDT, z 03-09 12:00 EDT
	n, _ := Parse("active in 1d")
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{
		{ny, "[{2026-03-07 1 1 1} {2026-03-08 1 2 0.5} {2026-03-09 2 4 0.5}]"},
		{time.UTC, "[{2026-03-07 0 0 0} {2026-03-08 1 1 1} {2026-03-09 3 4 0.75}]"},
	} {
		pts, err := Trend(WithZone(context.Background(), c.loc), d, n, 3)
		if err != nil || fmt.Sprint(pts) != c.want {
			t.Errorf("%s: %v %v, want %s", c.loc, pts, err, c.want)
		}
	}
}
