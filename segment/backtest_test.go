package segment

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// New York's clocks go forward on 2026-03-08 (02:00 EST → 03:00 EDT):
// that day has 23 hours. Times below are New York wall clock; the
// midnights ending the days are 03-07 05:00, 03-08 05:00, 03-09 04:00,
// 03-10 04:00 and 03-11 04:00 UTC.
const dstBacktest = `
u1 2026-03-07T23:30 view
u1 2026-03-08T22:00 buy
u2 2026-03-08T00:30 view
u2 2026-03-09T12:00 view
u2 2026-03-10T00:15 buy
u3 2026-03-08T23:59 view
u3 2026-03-09T23:30 buy
# u4's view is 03-09 04:30 UTC: a day of 24h from 03-08 00:00 EST would
# wrongly put it on 03-08.
u4 2026-03-09T00:30 view
zz 2026-03-10T12:00 ping
`

func runBacktest(t *testing.T, d *query.Dataset, loc *time.Location, rule string, days int, goal string, within int64) []BacktestDay {
	t.Helper()
	n, err := Parse(rule)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Backtest(WithZone(context.Background(), loc), d, n, days, goal, within)
	if err != nil {
		t.Fatal(err)
	}
	return r.Days
}

// TestBacktestAcrossDST: four days ending with the last event's day
// (03-10), the first compared with 03-06; goal buy within 24h.
func TestBacktestAcrossDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	_, d := timeline(t, ny, dstBacktest)
	day := int64(24 * time.Hour / time.Millisecond)

	// A calendar day: members viewed that day.
	//   03-07: u1. Bought 03-08 22:00 EDT, inside [03-08 00:00, +24h): 1 of 1.
	//   03-08: u2 (00:30 EST), u3 (23:59 EDT); both new. Window [03-09
	//          00:00 EDT, +24h): u3's buy 03-09 23:30 in, u2's 03-10 00:15
	//          out by 15 minutes: 1 of 2.
	//   03-09: u2 again (not new), u4 (new). Window from 03-10 00:00 EDT:
	//          u2's buy at 00:15 in: 1 of 2.
	//   03-10: nobody viewed; rate undefined.
	got := runBacktest(t, d, ny, "did view in 1d", 4, "buy", day)
	want := []BacktestDay{
		{Day: "2026-03-07", Members: 1, NewMembers: 1, Converted: 1, Rate: 1},
		{Day: "2026-03-08", Members: 2, NewMembers: 2, Converted: 1, Rate: 0.5},
		{Day: "2026-03-09", Members: 2, NewMembers: 1, Converted: 1, Rate: 0.5},
		{Day: "2026-03-10", Members: 0, NewMembers: 0, Converted: 0, Rate: query.Undefined},
	}
	checkDays(t, "did view in 1d", got, want)

	// 24 hours before each midnight, absolute: before 03-09 00:00 EDT
	// that reaches 03-07 23:00 EST, so u1's view at 23:30 is in.
	//   03-07 [03-06 00:00, 03-07 00:00 EST... i.e. to 03-08 00:00): u1.
	//   03-08 [03-07 23:00 EST, 03-09 00:00 EDT): u1, u2, u3; new u2, u3.
	//         Window from 03-09 00:00: only u3 buys in it (u1 bought
	//         before, u2 15 minutes late).
	//   03-09 [03-09 00:00, 03-10 00:00): u4 00:30, u2 12:00; new u4; u2's
	//         buy at 03-10 00:15 is in its window: 1 of 2.
	got = runBacktest(t, d, ny, "did view in 24h", 4, "buy", day)
	want = []BacktestDay{
		{Day: "2026-03-07", Members: 1, NewMembers: 1, Converted: 1, Rate: 1},
		{Day: "2026-03-08", Members: 3, NewMembers: 2, Converted: 1, Rate: query.Num(1.0 / 3)},
		{Day: "2026-03-09", Members: 2, NewMembers: 1, Converted: 1, Rate: 0.5},
		{Day: "2026-03-10", Members: 0, NewMembers: 0, Converted: 0, Rate: query.Undefined},
	}
	checkDays(t, "did view in 24h", got, want)

	// "not did buy": everyone seen by the midnight and without a buy yet.
	// 03-06: nobody seen yet, so 03-07's u1 is new. 03-07: u1. 03-08: u1
	// bought; u2, u3 seen: 2, both new. 03-09: u2, u4 (u3 bought 23:30);
	// new u4. 03-10: u4 and zz (u2 bought 00:15); new zz.
	// Goal within 1h: nobody buys within an hour of a midnight but u2
	// (00:15 on 03-10, a member as of 03-09's end).
	got = runBacktest(t, d, ny, "not did buy", 4, "buy", day/24)
	want = []BacktestDay{
		{Day: "2026-03-07", Members: 1, NewMembers: 1, Converted: 0, Rate: 0},
		{Day: "2026-03-08", Members: 2, NewMembers: 2, Converted: 0, Rate: 0},
		{Day: "2026-03-09", Members: 2, NewMembers: 1, Converted: 1, Rate: 0.5},
		{Day: "2026-03-10", Members: 2, NewMembers: 1, Converted: 0, Rate: 0},
	}
	checkDays(t, "not did buy", got, want)
}

func checkDays(t *testing.T, rule string, got, want []BacktestDay) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d days %+v, want %d", rule, len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		rateOK := g.Rate.Valid() == w.Rate.Valid() && (!w.Rate.Valid() || float64(g.Rate) == float64(w.Rate))
		if g.Day != w.Day || g.Members != w.Members || g.NewMembers != w.NewMembers || g.Converted != w.Converted || !rateOK {
			t.Errorf("%s: day %d = %+v, want %+v", rule, i, g, w)
		}
	}
}

// slowBacktest is the definition: the rule compiled from scratch as of
// the instant before each midnight (its windows end there, later events
// unseen), goal events looked up one by one.
func slowBacktest(t *testing.T, ctx context.Context, d *query.Dataset, n Node, days int, goal string, within int64) []BacktestDay {
	loc := Zone(ctx, d)
	last := dayStart(d.MaxTime, loc)
	goalID, _ := d.EventID(goal)
	var prev []bool
	var out []BacktestDay
	for k := 0; k <= days; k++ {
		mid := last.AddDate(0, 0, k-days+1).UnixMilli()
		e := newEvaluator(d, loc)
		e.anchor, e.asOf = mid-1, true
		if _, err := compileAt(ctx, e, n); err != nil {
			t.Fatal(err)
		}
		m, err := e.Members(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 {
			day := BacktestDay{Day: last.AddDate(0, 0, k-days).Format("2006-01-02")}
			for p, in := range m {
				if !in {
					continue
				}
				day.Members++
				if !prev[p] {
					day.NewMembers++
				}
				for i := d.Start[p]; i < d.Start[p+1]; i++ {
					if d.Event[i] == goalID && d.Time[i] >= mid && d.Time[i] < mid+within {
						day.Converted++
						break
					}
				}
			}
			day.Rate = query.Ratio(day.Converted, day.Members)
			out = append(out, day)
		}
		prev = m
	}
	return out
}

// TestBacktestMatchesSlowForm: random rules of every kind of term on
// random data over a DST change, in three zones, against the slow form.
func TestBacktestMatchesSlowForm(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "Asia/Shanghai"), mustLoc(t, "America/New_York")}
	rng := rand.New(rand.NewSource(21))
	hour := int64(time.Hour / time.Millisecond)
	nonzero := 0
	for round := range 60 {
		loc := locs[round%len(locs)]
		ctx := WithZone(context.Background(), loc)
		d := query.NewDataset(randomData(rng, loc), time.UTC)
		for range 15 {
			expr := randomExpr(rng, 3)
			n, err := Parse(expr)
			if err != nil {
				t.Fatalf("generated %q: %v", expr, err)
			}
			days := 1 + rng.Intn(45) // sometimes reaching before the data
			goal := pick(rng, "a", "b", "c")
			if _, ok := d.EventID(goal); !ok {
				continue
			}
			within := int64(1+rng.Intn(72)) * hour
			r, err := Backtest(ctx, d, n, days, goal, within)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			want := slowBacktest(t, ctx, d, n, days, goal, within)
			if len(r.Days) != len(want) {
				t.Fatalf("%s: %d days, slow form %d", expr, len(r.Days), len(want))
			}
			for i, w := range want {
				g := r.Days[i]
				if g.Day != w.Day || g.Members != w.Members || g.NewMembers != w.NewMembers || g.Converted != w.Converted {
					t.Fatalf("round %d %s, %q, %d days, goal %s within %dh: day %s = %+v, slow form %+v",
						round, loc, expr, days, goal, within/hour, w.Day, g, w)
				}
				if w.Members > 0 && w.Members < len(d.Users) {
					nonzero++
				}
			}
		}
	}
	if nonzero < 1000 {
		t.Errorf("only %d days with some but not all users members: the comparison is too easy", nonzero)
	}
}
