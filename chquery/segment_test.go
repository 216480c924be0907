package chquery

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// randomSegmentData is up to 16 users with events a, b and c over days
// days from base (zone loc): a third of them at the instant of the user's
// event before (equal timestamps), half with a property p of x, y, 5 or
// empty; shuffled, so the storage order is not the time order.
func randomSegmentData(rng *rand.Rand, days int64) (raw []query.RawEvent, loc *time.Location, base int64) {
	zones := []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/London"}
	loc, _ = time.LoadLocation(zones[rng.Intn(len(zones))])
	base = time.Date(2026, time.Month(1+rng.Intn(11)), 1+rng.Intn(20), 0, 0, 0, 0, loc).UnixMilli()
	for u := 0; u < 1+rng.Intn(16); u++ {
		var last int64 = -1
		for e := rng.Intn(20); e > 0; e-- {
			tm := base + rng.Int63n(days*86_400_000)
			if last >= 0 && rng.Intn(3) == 0 {
				tm = last
			}
			last = tm
			re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "b", "c"}[rng.Intn(3)], Time: tm}
			if rng.Intn(2) == 0 {
				re.Props = map[string]string{"p": []string{"x", "y", "5", ""}[rng.Intn(4)]}
			}
			raw = append(raw, re)
		}
	}
	rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
	return raw, loc, base
}

// randomExpr is a random expression of every kind of term, dates around
// base in loc.
func randomExpr(rng *rand.Rand, loc *time.Location, base int64, depth int) string {
	date := func() string {
		return time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(8)).Format("2006-01-02")
	}
	ev := func() string { return []string{"a", "b", "c", "a", "b", "zz"}[rng.Intn(6)] }
	where := func() string {
		if rng.Intn(3) > 0 {
			return ""
		}
		return " where p " + []string{"= x", "!= y", "is set", "> 4", "in (x, 5)", "contains x"}[rng.Intn(6)]
	}
	win := func() string {
		switch rng.Intn(5) {
		case 0:
			return " in " + strconv.Itoa(1+rng.Intn(5)) + "d"
		case 1:
			return " in " + strconv.Itoa(1+rng.Intn(40)) + "h"
		case 2:
			d1 := time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(8))
			return " between " + d1.Format("2006-01-02") + " and " + d1.AddDate(0, 0, rng.Intn(4)).Format("2006-01-02")
		}
		return ""
	}
	if depth > 0 && rng.Intn(3) == 0 {
		op := []string{" and ", " or "}[rng.Intn(2)]
		x := "(" + randomExpr(rng, loc, base, depth-1) + op + randomExpr(rng, loc, base, depth-1) + ")"
		if rng.Intn(4) == 0 {
			x = "not " + x
		}
		return x
	}
	switch rng.Intn(9) {
	case 0:
		return "did " + ev() + where() + []string{"", " >= 2", " < 2", " = 1", " > 1", " <= 3"}[rng.Intn(6)] + win()
	case 1:
		return []string{"first_seen", "last_seen"}[rng.Intn(2)] + " " + []string{"before " + date(), "after " + date(), "within " + strconv.Itoa(1+rng.Intn(6)) + "d", "within 30h", "between " + date() + " and " + time.UnixMilli(base).In(loc).AddDate(0, 0, 9).Format("2006-01-02")}[rng.Intn(5)]
	case 2:
		return "p " + []string{"= x", "!= y", "is set", "is not set", "in (x, y)", "> 4", "contains x", "not in (5)"}[rng.Intn(8)]
	case 3, 4:
		within := []string{"", " within 2h", " within 1d", " within 30m", " within 0m"}[rng.Intn(5)]
		if within == " within 0m" {
			within = ""
		}
		not := []string{"", "not "}[rng.Intn(2)]
		return "did " + ev() + where() + " then " + not + ev() + where() + within + win()
	case 5, 6:
		e := ev()
		x := "streak " + e + where()
		if rng.Intn(2) == 0 {
			x += " by p"
		}
		x += " >= " + strconv.Itoa(1+rng.Intn(3)) + " days"
		if rng.Intn(2) == 0 {
			w := ev()
			for w == e {
				w = ev()
			}
			x += " without " + w
		}
		return x
	case 7:
		return "active in " + strconv.Itoa(1+rng.Intn(4)) + []string{"d", "h"}[rng.Intn(2)]
	}
	return "silent for " + strconv.Itoa(1+rng.Intn(4)) + []string{"d", "h"}[rng.Intn(2)]
}

// membersOf lists the members in the local engine's order.
func membersOf(d *query.Dataset, m []bool) []string {
	out := []string{}
	for p, ok := range m {
		if ok {
			out = append(out, d.Users[p])
		}
	}
	return out
}

// TestSegmentMatchesLocal compares the members of random expressions, on
// one server and on the two-shard cluster, with package segment's.
func TestSegmentMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(31))
	ctx := context.Background()
	exprs, backtested := 0, 0
	for round := range 10 {
		raw, loc, base := randomSegmentData(rng, 8)
		b := f.load(raw, loc)
		for range 8 {
			expr := randomExpr(rng, loc, base, 2)
			if _, err := segment.Parse(expr); err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			m, err := segment.Evaluate(ctx, b.local, expr)
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			want := membersOf(b.local, m)
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Segment(ctx, expr, nil, true)
				if err != nil {
					t.Fatalf("round %d, %s, %s: %v", round, name, expr, err)
				}
				if !slices.Equal(got.Members, want) || got.Total != len(b.local.Users) {
					t.Fatalf("round %d, %s (%s), %q:\n got %v of %d\nwant %v of %d", round, name, loc, expr, got.Members, got.Total, want, len(b.local.Users))
				}
				if name == "sharded" { // the count alone, summed over the shards
					size, err := e.Segment(ctx, expr, nil, false)
					if err != nil || size.Users != len(want) {
						t.Fatalf("round %d, %s, %q: size %+v, %v; want %d", round, name, expr, size, err, len(want))
					}
				}
			}
			exprs++
			// One expression of each dataset is also backtested: replayed
			// as of the end of each of the last days.
			if exprs%10 == 1 {
				n, _ := segment.Parse(expr)
				days, goal := 1+rng.Intn(4), []string{"a", "b", "c", "zz"}[rng.Intn(4)]
				within := []int64{3_600_000, 86_400_000, 3 * 86_400_000}[rng.Intn(3)]
				want, werr := segment.Backtest(ctx, b.local, n, days, goal, within)
				for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
					got, _, err := e.Backtest(ctx, n, days, goal, within, nil)
					if (err != nil) != (werr != nil) {
						t.Fatalf("round %d, %s, backtest %q: error %v, local error %v", round, name, expr, err, werr)
					}
					if err == nil {
						if got.Complete != want.Complete {
							t.Fatalf("round %d, %s, backtest %q: %d complete days, local %d", round, name, expr, got.Complete, want.Complete)
						}
						for _, d := range want.Days {
							backtested += d.Members + d.NewMembers + d.Converted
						}
						sameJSON(t, fmt.Sprintf("round %d, %s (%s), backtest %q %d days, goal %s within %d", round, name, loc, expr, days, goal, within), got, want)
					}
				}
			}
		}
	}
	t.Logf("%d expressions; backtests counted %d members, new members and conversions", exprs, backtested)
}

// TestSegmentScopesAnalyses runs every compiled analysis (trends,
// funnel, retention, paths, lifecycle) with --segment
// (saved segments, audiences and stages) and --by segment:NAME on random
// data: the same JSON as the local engine.
func TestSegmentScopesAnalyses(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(32))
	ctx := context.Background()
	for range 4 {
		raw, loc, base := randomSegmentData(rng, 70)
		saved := map[string]string{"s": randomExpr(rng, loc, base, 2), "audience:r": randomExpr(rng, loc, base, 1)}
		rules := func(_ context.Context, name string) (string, error) {
			if x, ok := saved[name]; ok {
				return x, nil
			}
			return "", fmt.Errorf("no segment %q", name)
		}
		b := f.load(raw, loc)
		b.local.Segments = segment.Resolver{Rules: rules}
		b = &backends{local: b.local, single: b.single.WithRules(rules), sharded: b.sharded.WithRules(rules)}
		names := []string{"s", "audience:r", "stage:" + segment.StageNames[rng.Intn(len(segment.StageNames))], "nope"}
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for _, name := range names[:3] {
			var cm query.Common
			if rng.Intn(2) == 0 {
				cm.Segment = name
			} else {
				cm.By = "segment:" + name
			}
			if rng.Intn(3) == 0 {
				cm.TZ = "Asia/Kolkata"
			}
			if rng.Intn(3) == 0 {
				cm.Where = []string{"p != y"}
			}
			tq := query.TrendsQuery{Common: cm, Measure: []string{"total", "users", "dau"}[rng.Intn(3)]}
			same(t, b, tq, func(e query.Engine) (*query.TrendsResult, error) { return e.Trends(ctx, tq) }, nil)
			fq := query.FunnelQuery{Common: cm, Steps: query.FunnelSteps([]string{"a", "b"}), Window: "3d"}
			same(t, b, fq, func(e query.Engine) (*query.FunnelResult, error) { return e.Funnel(ctx, fq) }, nil)
			rq := query.RetentionQuery{Common: cm, Period: "week"}
			same(t, b, rq, func(e query.Engine) (*query.RetentionResult, error) { return e.Retention(ctx, rq) }, nil)
			pq := query.PathsQuery{Common: cm, From: "a", Depth: 2}
			same(t, b, pq, func(e query.Engine) (*query.PathsResult, error) { return e.Paths(ctx, pq) }, nil)
			lq := query.LifecycleQuery{Common: cm, Interval: "week"}
			same(t, b, lq, func(e query.Engine) (*query.LifecycleResult, error) { return e.Lifecycle(ctx, lq) }, nil)
			if cm.Segment != "" { // attribution takes no --by
				aq := attribution.Query{Common: cm, Conversion: "b", Touch: "p", Model: attribution.Linear, Window: "2d"}
				same(t, b, aq, func(e query.Engine) (*attribution.Result, error) { return attribution.Evaluate(ctx, e, aq) }, nil)
			}
		}
	}
}

// TestSegmentLiterals: values with quotes, backslashes and SQL compare
// literally, and a person with many events is linear (sequence, streak).
func TestSegmentLiterals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	nasty := `it's \ '; DROP TABLE x; --`
	raw := []query.RawEvent{
		{User: "q", Event: "a", Time: day0, Props: map[string]string{"p": nasty}},
		{User: "r", Event: "a", Time: day0 + 1, Props: map[string]string{"p": "plain"}},
	}
	b := f.load(raw, time.UTC)
	for _, expr := range []string{`p = "it's \ '; DROP TABLE x; --"`, `did a where p = "it's \ '; DROP TABLE x; --"`} {
		for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
			got, err := e.Segment(ctx, expr, nil, true)
			if err != nil || !slices.Equal(got.Members, []string{"q"}) {
				t.Fatalf("%s: %s: %+v, %v", name, expr, got, err)
			}
		}
	}
	if testing.Short() {
		return
	}
	var heavy []query.RawEvent
	for i := range 200_000 {
		heavy = append(heavy, query.RawEvent{User: "h", Event: []string{"a", "b"}[i%2], Time: day0 + int64(i)*60_000})
	}
	hb := f.load(heavy, time.UTC)
	for _, expr := range []string{"did a then b within 1m", "did a then not b within 30s", "streak a >= 100 days without b"} {
		start := time.Now()
		got, err := hb.single.Segment(ctx, expr, nil, false)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		m, _ := segment.Evaluate(ctx, hb.local, expr)
		if want := len(membersOf(hb.local, m)); got.Users != want {
			t.Fatalf("%s: %d members, local %d", expr, got.Users, want)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Fatalf("%s over one person's 200,000 events took %v", expr, d)
		}
	}
}

// TestBacktestHandChecked: "did a" backtested over the three days up to
// Mar 10, 2026 (UTC), goal b within a day of each day's end.
func TestBacktestHandChecked(t *testing.T) {
	f := newFixture(t)
	at := func(d, h int) int64 { return time.Date(2026, time.March, d, h, 0, 0, 0, time.UTC).UnixMilli() }
	raw := []query.RawEvent{
		{User: "u1", Event: "a", Time: at(8, 10)}, {User: "u1", Event: "b", Time: at(9, 5)},
		{User: "u1", Event: "b", Time: at(10, 0)}, // at the midnight ending Mar 9: counts for that day
		{User: "u2", Event: "a", Time: at(9, 20)}, {User: "u2", Event: "b", Time: at(10, 12)},
		{User: "u3", Event: "b", Time: at(7, 10)}, // never a member
	}
	b := f.load(raw, time.UTC)
	n, _ := segment.Parse("did a")
	want := []segment.BacktestDay{
		{Day: "2026-03-08", Members: 1, NewMembers: 1, Converted: 1, Rate: 1},
		{Day: "2026-03-09", Members: 2, NewMembers: 1, Converted: 2, Rate: 1},
		{Day: "2026-03-10", Members: 2, NewMembers: 0, Converted: 0, Rate: 0},
	}
	local, err := segment.Backtest(context.Background(), b.local, n, 3, "b", 86_400_000)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "local", local.Days, want)
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		got, _, err := e.Backtest(context.Background(), n, 3, "b", 86_400_000, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, name, got.Days, want)
		if got.Complete != 1 {
			t.Fatalf("%s: %d complete days, want 1 (Mar 9's window ends after the last event)", name, got.Complete)
		}
	}
}
