package chquery

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// randomShop is a random shop's timeline in a DST zone: up to 30 users
// over about 100 days (some only at the start, some at the end), ms and
// equal times in shuffled storage order, views and buys whose revenue is
// a number, a number Go reads differently from ClickHouse, or no number.
func randomShop(rng *rand.Rand) ([]query.RawEvent, *time.Location) {
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Europe/London", "Asia/Kolkata", "UTC"}
	loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
	base := time.Date(2026, time.Month(1+rng.Intn(10)), 1+rng.Intn(28), 0, 0, 0, 0, loc).UnixMilli()
	const day = int64(86_400_000)
	var raw []query.RawEvent
	for u := 0; u < 1+rng.Intn(30); u++ {
		tm := base + rng.Int63n(100*day)
		for e := rng.Intn(14); e >= 0; e-- {
			re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"view", "view", "buy"}[rng.Intn(3)], Time: tm}
			if rng.Intn(3) > 0 {
				re.Props = map[string]string{"rev": []string{"19.99", "0.1", "0.2", "1e2", "-3", "x", "NaN", "1e400", "", " 5", "0x10"}[rng.Intn(11)]}
			}
			raw = append(raw, re)
			tm += []int64{0, 0, 1, 3_600_000, day, 7 * day, 30 * day}[rng.Intn(7)]
		}
	}
	rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
	return raw, loc
}

// zoneCtx is ctx with a --tz of one of zones, or none, at random.
func zoneCtx(rng *rand.Rand) (context.Context, *time.Location) {
	if rng.Intn(3) > 0 {
		return context.Background(), nil
	}
	loc, _ := time.LoadLocation([]string{"America/New_York", "Pacific/Chatham", "UTC"}[rng.Intn(3)])
	return segment.WithZone(context.Background(), loc), loc
}

// sameJSON fails unless got and want marshal alike.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("%s:\n got %s\nwant %s", what, gj, wj)
	}
}

func TestStagesAndRFMMatchLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(21))
	datasets := runs(8, 3)
	for it := 0; it < datasets; it++ {
		raw, loc := randomShop(rng)
		b := f.load(raw, loc)
		for qi := 0; qi < 6; qi++ {
			ctx, tz := zoneCtx(rng)
			window := []int{1, 7, 30}[rng.Intn(3)]
			only := []string{"", "", "active", "Churned"}[rng.Intn(4)]
			users := only != "" || rng.Intn(2) == 0
			want, err := segment.StageSummaryIn(b.local, segment.Zone(ctx, b.local), window, users, only)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(want.Users, func(x, y segment.UserGroup) int { return strings.Compare(x.User, y.User) })
			opt := segment.RFMOptions{Revenue: "rev"}
			if rng.Intn(2) == 0 {
				opt.Event = "buy"
			}
			wantR, wantU, werr := segment.RFM(ctx, b.local, opt)
			slices.SortFunc(wantU, func(x, y segment.RFMUser) int { return strings.Compare(x.User, y.User) })
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Stages(ctx, window, tz, users, only)
				if err != nil {
					t.Fatalf("%s: stages: %v", name, err)
				}
				sameJSON(t, name+" stages "+strconv.Itoa(window)+"d "+only, got, want)
				gotR, gotU, err := e.RFM(ctx, opt, tz)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: rfm %+v: error %v, local error %v", name, opt, err, werr)
				}
				sameJSON(t, name+" rfm", gotR, wantR)
				sameJSON(t, name+" rfm users", gotU, wantU)
			}
		}
	}
}

// TestStagesAndRFMHandChecked: three customers and a browser on a
// timeline whose last event is Mar 31, 2026 12:00 UTC.
func TestStagesAndRFMHandChecked(t *testing.T) {
	f := newFixture(t)
	at := func(m time.Month, d int) int64 { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC).UnixMilli() }
	rev := func(v string) map[string]string { return map[string]string{"rev": v} }
	raw := []query.RawEvent{
		// big: buys 100 + 50 on Mar 30 and 31; first seen in January.
		{User: "big", Event: "buy", Time: at(1, 5), Props: rev("not a number")},
		{User: "big", Event: "buy", Time: at(3, 30), Props: rev("100")}, {User: "big", Event: "buy", Time: at(3, 31), Props: rev("50")},
		// old: one buy of 10 on Jan 31, 59 days before the last day.
		{User: "old", Event: "buy", Time: at(1, 31), Props: rev("10")},
		// mid: buys 20 on Mar 1 (in the 30 days before the last 30), seen again Mar 20.
		{User: "mid", Event: "buy", Time: at(3, 1), Props: rev("20")}, {User: "mid", Event: "view", Time: at(3, 20)},
		// browse: first seen Mar 25, no purchase.
		{User: "browse", Event: "view", Time: at(3, 25)},
	}
	b := f.load(raw, time.UTC)
	ctx := context.Background()
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		// 30-day window: recent from Mar 2, before it from Jan 31.
		st, err := e.Stages(ctx, 30, nil, true, "")
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, name+" stages", st, &segment.StageReport{WindowDays: 30, Total: 4, Stages: []segment.GroupCount{
			{Name: "new", Users: 1, Share: 0.25}, {Name: "active", Users: 1, Share: 0.25}, {Name: "returning", Users: 1, Share: 0.25},
			{Name: "dormant", Users: 1, Share: 0.25}, {Name: "churned", Users: 0}},
			Users: []segment.UserGroup{{User: "big", Group: "returning"}, {User: "browse", Group: "new"}, {User: "mid", Group: "active"}, {User: "old", Group: "dormant"}}})
		rep, users, err := e.RFM(ctx, segment.RFMOptions{Revenue: "rev"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Scores: 1 + 5 × (customers strictly worse) / 3.
		sameJSON(t, name+" rfm users", users, []segment.RFMUser{
			{User: "big", RecencyDays: 0, Frequency: 2, Monetary: 150, R: 4, F: 4, M: 4, Tier: "loyal"},
			{User: "mid", RecencyDays: 30, Frequency: 1, Monetary: 20, R: 2, F: 1, M: 2, Tier: "hibernating"},
			{User: "old", RecencyDays: 59, Frequency: 1, Monetary: 10, R: 1, F: 1, M: 1, Tier: "lost"},
		})
		if rep.Customers != 3 || rep.NonCustomers != 1 {
			t.Fatalf("%s: %d customers, %d not; want 3 and 1", name, rep.Customers, rep.NonCustomers)
		}
	}
}
