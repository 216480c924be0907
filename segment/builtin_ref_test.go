package segment

import (
	"context"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// Naive references for the built-ins, on raw events with time.Time
// arithmetic, checked on random data in three timezones.

func naiveDays(a, b int64) int { return int(math.Round(float64(b-a) / 86_400_000)) }

func naiveStage(r naive, evs []query.RawEvent, w int) string {
	recent, before := r.dayStart(r.maxT, 1-w), r.dayStart(r.maxT, 1-2*w)
	first, last := evs[0].Time, evs[len(evs)-1].Time
	if last < before {
		return "churned"
	}
	if last < recent {
		return "dormant"
	}
	if first >= recent {
		return "new"
	}
	for _, e := range evs {
		if e.Time >= before && e.Time < recent {
			return "active"
		}
	}
	return "returning"
}

type naiveChurn struct {
	user                    string
	score, ratio            float64
	since, recent, baseline int
	gap                     float64 // -1: none
}

func naiveChurnOf(r naive, evs []query.RawEvent, w, b int) (naiveChurn, bool) {
	recentFrom, baseFrom := r.dayStart(r.maxT, 1-w), r.dayStart(r.maxT, 1-w-b)
	c := naiveChurn{user: evs[0].User, gap: -1}
	var days []int64
	for _, e := range evs {
		if e.Time >= recentFrom {
			c.recent++
		} else if e.Time >= baseFrom {
			c.baseline++
		}
		if d := r.dayStart(e.Time, 0); len(days) == 0 || days[len(days)-1] != d {
			days = append(days, d)
		}
	}
	before := 0
	for _, d := range days {
		if d < recentFrom {
			before++
		}
	}
	if c.baseline == 0 || before < 2 {
		return c, false
	}
	baseDays := naiveDays(max(days[0], baseFrom), recentFrom)
	c.ratio = (float64(c.recent) / float64(w)) / (float64(c.baseline) / float64(baseDays))
	c.since = naiveDays(days[len(days)-1], r.dayStart(r.maxT, 0))
	c.score = math.Max(0, 1-c.ratio)
	flagged := c.ratio <= 0.5
	if len(days) > 1 {
		var gaps []int
		for i := 1; i < len(days); i++ {
			gaps = append(gaps, naiveDays(days[i-1], days[i]))
		}
		sort.Ints(gaps)
		if n := len(gaps); n%2 == 1 {
			c.gap = float64(gaps[n/2])
		} else {
			c.gap = float64(gaps[n/2-1]+gaps[n/2]) / 2
		}
		if float64(c.since) > 2*c.gap {
			flagged = true
			c.score = math.Max(c.score, 1-2*c.gap/float64(c.since))
		}
	}
	return c, flagged
}

func TestBuiltinsMatchNaiveReference(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "Asia/Shanghai"), mustLoc(t, "America/New_York")}
	rng := rand.New(rand.NewSource(11))
	atRisk := 0
	for round := 0; round < 120; round++ {
		// Calendar days in loc, given as a context zone (a --tz) over a
		// dataset whose own display timezone is often another one.
		loc := locs[round%len(locs)]
		stored := locs[(round/len(locs))%len(locs)]
		ctx := WithZone(context.Background(), loc)
		evs := randomData(rng, loc)
		d := query.NewDataset(evs, stored)
		byUser := map[string][]query.RawEvent{}
		for _, e := range evs {
			byUser[e.User] = append(byUser[e.User], e)
		}
		for _, list := range byUser {
			sort.SliceStable(list, func(i, j int) bool { return list[i].Time < list[j].Time })
		}
		ref := naive{loc: loc, maxT: d.MaxTime}

		w := 1 + rng.Intn(12)
		for p, s := range StagesIn(d, w, loc) {
			if want := naiveStage(ref, byUser[d.Users[p]], w); StageNames[s] != want {
				t.Fatalf("round %d %s window %d user %s: stage %s, naive %s%s", round, loc, w, d.Users[p], StageNames[s], want, dump(byUser[d.Users[p]], loc))
			}
		}

		b := 1 + rng.Intn(20)
		rep, err := Churn(ctx, d, ChurnOptions{WindowDays: w, BaselineDays: b})
		if err != nil {
			t.Fatal(err)
		}
		var want []naiveChurn
		eligible := 0
		for _, u := range d.Users {
			if naiveEligible(ref, byUser[u], w, b) {
				eligible++
			}
			if c, flagged := naiveChurnOf(ref, byUser[u], w, b); flagged {
				want = append(want, c)
			}
		}
		atRisk += len(want)
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].score != want[j].score {
				return want[i].score > want[j].score
			}
			if want[i].baseline != want[j].baseline {
				return want[i].baseline > want[j].baseline
			}
			return want[i].user < want[j].user
		})
		if rep.Eligible != eligible || len(rep.Users) != len(want) {
			t.Fatalf("round %d %s w=%d b=%d: eligible %d at risk %d, naive %d %d", round, loc, w, b, rep.Eligible, len(rep.Users), eligible, len(want))
		}
		for i, u := range rep.Users {
			n := want[i]
			gap := -1.0
			if u.UsualGapDays != nil {
				gap = *u.UsualGapDays
			}
			if u.User != n.user || math.Abs(u.Score-n.score) > 1e-9 || math.Abs(u.ActivityRatio-n.ratio) > 1e-9 ||
				u.DaysSinceLastSeen != n.since || u.RecentEvents != n.recent || u.BaselineEvents != n.baseline || gap != n.gap {
				t.Fatalf("round %d %s w=%d b=%d rank %d: got %+v gap %v, naive %+v%s", round, loc, w, b, i, u, gap, n, dump(byUser[u.User], loc))
			}
		}

		vals := make([]float64, 1+rng.Intn(30))
		for i := range vals {
			vals[i] = float64(rng.Intn(6))
		}
		for i, s := range quintiles(vals) {
			worse := 0
			for _, v := range vals {
				if v < vals[i] {
					worse++
				}
			}
			if want := 1 + int(math.Floor(5*float64(worse)/float64(len(vals)))); s != want {
				t.Fatalf("quintiles(%v)[%d] = %d, naive %d", vals, i, s, want)
			}
		}
	}
	if atRisk < 100 {
		t.Errorf("only %d users at risk over all rounds: the random data does not exercise churn", atRisk)
	}
}

// naiveEligible: some event in the baseline window and two active days
// before the recent window.
func naiveEligible(r naive, evs []query.RawEvent, w, b int) bool {
	recentFrom, baseFrom := r.dayStart(r.maxT, 1-w), r.dayStart(r.maxT, 1-w-b)
	baseline, days := 0, map[int64]bool{}
	for _, e := range evs {
		if e.Time >= baseFrom && e.Time < recentFrom {
			baseline++
		}
		if d := r.dayStart(e.Time, 0); d < recentFrom {
			days[d] = true
		}
	}
	return baseline > 0 && len(days) >= 2
}
