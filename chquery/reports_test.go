package chquery

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/attribution"
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
	attributed := 0
	inParts := partsEvery(t)
	for it := 0; it < datasets; it++ {
		inParts(it)
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
			opt := segment.RFMOptions{Revenue: "rev"}
			if rng.Intn(2) == 0 {
				opt.Event = "buy"
			}
			wantR, wantU, werr := segment.RFM(ctx, b.local, opt)
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
				// Without ids (RFMTiers): the same report, and the same
				// customers' scores in some order.
				gotR, gotU, err = e.rfm(ctx, opt, tz, false)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: rfm tiers %+v: error %v, local error %v", name, opt, err, werr)
				}
				sameJSON(t, name+" rfm tiers", gotR, wantR)
				sameJSON(t, name+" rfm tiers' users", unnamed(gotU), unnamed(wantU))
			}
			// Attribution: buys credited to the rev values of the views
			// before them (odd texts, equal times, ms), every model.
			aq := attribution.Query{Conversion: "buy", Touch: "rev", Model: attribution.Models[rng.Intn(len(attribution.Models))],
				Window: []string{"1ms", "1h", "1d", "7d", "30d"}[rng.Intn(5)], HalfLife: []string{"", "1h", "3d"}[rng.Intn(3)]}
			if rng.Intn(2) == 0 {
				aq.Revenue = "rev"
			}
			if rng.Intn(3) == 0 {
				aq.Where = []string{[]string{"rev != x", "rev > 0.15", "rev is set"}[rng.Intn(3)]}
			}
			if rng.Intn(3) == 0 {
				aq.Last = []string{"7d", "30d"}[rng.Intn(2)]
			}
			if rng.Intn(3) == 0 {
				aq.TZ = "Asia/Kolkata"
			}
			wantA, werr := attribution.Compute(ctx, b.local, aq)
			if werr == nil {
				attributed += wantA.Conversions
			}
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				gotA, err := e.Attribution(ctx, aq)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: attribution %+v: error %v, local error %v", name, aq, err, werr)
				}
				sameJSON(t, fmt.Sprintf("%s: attribution %+v", name, aq), gotA, wantA)
			}
		}
	}
	t.Logf("attribution credited %d conversions", attributed)
}

// unnamed is users without their ids, in an order of their scores alone.
func unnamed(users []segment.RFMUser) []segment.RFMUser {
	out := make([]segment.RFMUser, len(users))
	for i, u := range users {
		u.User = ""
		out[i] = u
	}
	slices.SortFunc(out, func(a, b segment.RFMUser) int {
		return cmp.Or(cmp.Compare(a.Monetary, b.Monetary), cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.RecencyDays, b.RecencyDays),
			cmp.Compare(a.R, b.R), cmp.Compare(a.F, b.F), cmp.Compare(a.M, b.M), strings.Compare(a.Tier, b.Tier))
	})
	return out
}

// TestRFMTiesHandChecked: revenues at one instant are summed in storage
// order, also where RFMTiers reads them without it. "three" buys 1e16,
// -1e16 and 1 at noon, stored in that order: 1e16 + -1e16 + 1 = 1, where
// 1e16 + 1 + -1e16 = 0 (1e16 + 1 rounds to 1e16). "two" buys 1e16 and 1
// at one instant (either order gives 1e16 + 1 = 1e16) and "one" buys 2.5.
func TestRFMTiesHandChecked(t *testing.T) {
	f := newFixture(t)
	noon := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC).UnixMilli()
	buy := func(user, rev string, at int64) query.RawEvent {
		return query.RawEvent{User: user, Event: "buy", Time: at, Props: map[string]string{"rev": rev}}
	}
	raw := []query.RawEvent{
		buy("two", "1e16", noon-86_400_000), buy("three", "1e16", noon), buy("one", "2.5", noon),
		buy("three", "-1e16", noon), buy("two", "1", noon-86_400_000), buy("three", "1", noon),
	}
	b := f.load(raw, time.UTC)
	ctx := context.Background()
	want := []segment.RFMUser{
		// Scores: 1 + 5 × (customers strictly worse) / 3; the tier by R and
		// (F + M + 1) / 2.
		{User: "two", RecencyDays: 1, Frequency: 2, Monetary: 1e16, R: 1, F: 2, M: 4, Tier: "at risk"},
		{User: "three", RecencyDays: 0, Frequency: 3, Monetary: 1, R: 2, F: 4, M: 1, Tier: "at risk"},
		{User: "one", RecencyDays: 0, Frequency: 1, Monetary: 2.5, R: 2, F: 1, M: 2, Tier: "hibernating"},
	}
	_, local, err := segment.RFM(ctx, b.local, segment.RFMOptions{Revenue: "rev"})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "local", local, want)
	// Also as a table without person_order (pushed by an older spoor):
	// grouped by the persons' text, listed in its order.
	noOrder := func(e *Engine) *Engine {
		tbl := *e.base
		tbl.Order = ""
		return New(e.c, &tbl, e.loc)
	}
	engines := map[string]*Engine{"single": b.single, "sharded": b.sharded, "single, no order": noOrder(b.single), "sharded, no order": noOrder(b.sharded)}
	for name, e := range engines {
		for _, named := range []bool{true, false} {
			rep, users, err := e.rfm(ctx, segment.RFMOptions{Revenue: "rev"}, nil, named)
			if err != nil {
				t.Fatal(err)
			}
			if named && e.base.Order != "" {
				sameJSON(t, name+" rfm users", users, want)
			}
			sameJSON(t, fmt.Sprintf("%s rfm users (named %v)", name, named), unnamed(users), unnamed(want))
			if rep.Customers != 3 || rep.NonCustomers != 0 {
				t.Fatalf("%s: %d customers, %d not; want 3 and 0", name, rep.Customers, rep.NonCustomers)
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
			// In import order, as locally.
			Users: []segment.UserGroup{{User: "big", Group: "returning"}, {User: "old", Group: "dormant"}, {User: "mid", Group: "active"}, {User: "browse", Group: "new"}}})
		rep, users, err := e.RFM(ctx, segment.RFMOptions{Revenue: "rev"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Scores: 1 + 5 × (customers strictly worse) / 3.
		sameJSON(t, name+" rfm users", users, []segment.RFMUser{
			{User: "big", RecencyDays: 0, Frequency: 2, Monetary: 150, R: 4, F: 4, M: 4, Tier: "loyal"},
			{User: "old", RecencyDays: 59, Frequency: 1, Monetary: 10, R: 1, F: 1, M: 1, Tier: "lost"},
			{User: "mid", RecencyDays: 30, Frequency: 1, Monetary: 20, R: 2, F: 1, M: 2, Tier: "hibernating"},
		})
		if rep.Customers != 3 || rep.NonCustomers != 1 {
			t.Fatalf("%s: %d customers, %d not; want 3 and 1", name, rep.Customers, rep.NonCustomers)
		}
	}
}

// TestAttributionHandChecked: u1 sees ads, then mail, then an unset
// source, buys for 100 at noon, and sees ads again at that instant
// (stored after the buy: still a touch); u2 buys with no touch; u3's
// only touch is 59 days before its buy, outside the 30-day lookback.
func TestAttributionHandChecked(t *testing.T) {
	f := newFixture(t)
	at := func(m time.Month, h int) int64 { return time.Date(2026, m, 1, h, 0, 0, 0, time.UTC).UnixMilli() }
	src := func(v string) map[string]string { return map[string]string{"src": v} }
	raw := []query.RawEvent{
		{User: "u1", Event: "view", Time: at(3, 10), Props: src("ads")},
		{User: "u1", Event: "view", Time: at(3, 11), Props: src("mail")},
		{User: "u1", Event: "view", Time: at(3, 11) + 1},
		{User: "u1", Event: "buy", Time: at(3, 12), Props: map[string]string{"rev": "100"}},
		{User: "u1", Event: "view", Time: at(3, 12), Props: src("ads")},
		{User: "u2", Event: "buy", Time: at(3, 9), Props: map[string]string{"rev": "x"}},
		{User: "u3", Event: "view", Time: at(1, 9), Props: src("mail")},
		{User: "u3", Event: "buy", Time: at(3, 9)},
	}
	b := f.load(raw, time.UTC)
	ctx := context.Background()
	row := func(touch string, conv, rev float64, users int) attribution.Row {
		return attribution.Row{Touch: touch, Conversions: conv, Revenue: query.Num(rev), Users: users}
	}
	for model, want := range map[string][]attribution.Row{
		// the latest touch is the ads at the buy's instant
		attribution.Last: {row("(direct)", 2, 0, 2), row("ads", 1, 100, 1)},
		// ads twice, mail once: thirds rounded to billionths, the spare
		// one to the larger remainder; revenue split by those credits
		attribution.Linear: {row("(direct)", 2, 0, 2), row("ads", 0.666666667, 66.666667, 1), row("mail", 0.333333333, 33.333333, 1)},
		// 40% first and last (both ads), 20% the middle
		attribution.Position: {row("(direct)", 2, 0, 2), row("ads", 0.8, 80, 1), row("mail", 0.2, 20, 1)},
	} {
		q := attribution.Query{Conversion: "buy", Touch: "src", Model: model, Revenue: "rev"}
		local, err := attribution.Compute(ctx, b.local, q)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "local "+model, local.Rows, want)
		for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
			got, err := e.Attribution(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, name+" "+model, got, local)
		}
	}
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		for _, c := range []struct {
			q   attribution.Query
			msg string
		}{
			{attribution.Query{Conversion: "buyy", Touch: "src"}, `--conversion: unknown event "buyy"`},
			{attribution.Query{Conversion: "buy", Touch: "srcc"}, `no event has the property "srcc"; closest known: src`},
		} {
			if _, err := e.Attribution(ctx, c.q); err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: %+v: %v, want %s", name, c.q, err, c.msg)
			}
		}
	}
}

// TestRFMCustomerRead: a row's events in any order come sorted by time,
// and three or more with a shared time are tied (their storage order is
// not in the row); two are not, nor any row already in timeline order.
func TestRFMCustomerRead(t *testing.T) {
	for _, c := range []struct {
		times, texts string
		ordered      bool
		want         []rfmEvent
		tied         bool
	}{
		{"[3,1,2]", "['c','a','b']", false, []rfmEvent{{1, "a"}, {2, "b"}, {3, "c"}}, false},
		{"[5,5]", "['x','y']", false, []rfmEvent{{5, "x"}, {5, "y"}}, false},
		{"[5,4,5]", "['x','','y']", false, []rfmEvent{{4, ""}, {5, "x"}, {5, "y"}}, true},
		{"[5,4,5]", "['x','','y']", true, []rfmEvent{{5, "x"}, {4, ""}, {5, "y"}}, false},
		{"[7]", "['1e2']", false, []rfmEvent{{7, "1e2"}}, false},
	} {
		var cu rfmCustomer
		order, err := cu.read([]string{"p", c.times, c.texts, "9"}, c.ordered)
		if err != nil || order != 9 {
			t.Fatalf("%s: order %d, error %v", c.times, order, err)
		}
		if c.tied != cu.tied || (!cu.tied && !slices.Equal(cu.events, c.want)) || (cu.tied && len(cu.events) != len(c.want)) {
			t.Fatalf("%s %s ordered %v: %v tied %v, want %v tied %v", c.times, c.texts, c.ordered, cu.events, cu.tied, c.want, c.tied)
		}
	}
	var cu rfmCustomer
	if _, err := cu.read([]string{"p", "[1,2]", "['a']", "0"}, false); err == nil {
		t.Fatal("two times and one text: no error")
	}
}
