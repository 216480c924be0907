package segment

import (
	"context"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// A naive churn reference on raw events with time.Time day arithmetic,
// restating the formula of docs/segments.md term by term.

func naiveDays(a, b int64) int { return int(math.Round(float64(b-a) / 86_400_000)) }

type naiveChurn struct {
	user                    string
	score, ratio, gap, g    float64
	since, recent, baseline int
}

// naiveChurnOf scores one user's time-ordered events; status is
// "eligible", "little" (one active day before the window) or "" (no
// event in the baseline).
func naiveChurnOf(r naive, evs []query.RawEvent, w, b int) (c naiveChurn, status string) {
	recentFrom, baseFrom := r.dayStart(r.maxT, 1-w), r.dayStart(r.maxT, 1-w-b)
	c.user = evs[0].User
	days := map[int64]bool{}
	for _, e := range evs {
		if e.Time >= recentFrom {
			c.recent++
		} else if e.Time >= baseFrom {
			c.baseline++
		}
		days[r.dayStart(e.Time, 0)] = true
	}
	var sorted []int64
	before := 0
	for d := range days {
		sorted = append(sorted, d)
		if d < recentFrom {
			before++
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	if c.baseline == 0 {
		return c, ""
	}
	if before < 2 {
		return c, "little"
	}
	var gaps []float64
	for i := 1; i < len(sorted); i++ {
		gaps = append(gaps, float64(naiveDays(sorted[i-1], sorted[i])))
	}
	sort.Float64s(gaps)
	n := float64(len(gaps))
	c.gap = (gaps[(len(gaps)-1)/2] + gaps[len(gaps)/2]) / 2
	c.g = (n*c.gap + 2*7) / (n + 2)
	baseDays := naiveDays(max(sorted[0], baseFrom), recentFrom)
	c.ratio = (float64(c.recent) / float64(w)) / (float64(c.baseline) / float64(baseDays))
	c.since = naiveDays(sorted[len(sorted)-1], r.dayStart(r.maxT, 0))
	overdue := 0.0
	if float64(c.since) > c.g {
		overdue = (float64(c.since) - c.g) / c.g
	}
	fell := 0.0
	if c.ratio < 1 {
		fell = 1 - c.ratio
	}
	x := overdue + fell*math.Min(1, float64(w)/c.g)
	c.score = x / (1 + x)
	return c, "eligible"
}

// habitData: users who visit with a habit of their own (a mean gap of 1 to
// 15 days, some visits at either side of midnight), some stopping early,
// over about 70 days.
func habitData(rng *rand.Rand, loc *time.Location) []query.RawEvent {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	var evs []query.RawEvent
	users := 5 + rng.Intn(30)
	for u := 0; u < users; u++ {
		day := rng.Intn(60)
		meanGap := 1 + rng.Float64()*14
		for visits := 1 + rng.Intn(15); visits > 0 && day < 70; visits-- {
			at := base.AddDate(0, 0, day).Add(time.Duration(rng.Intn(24*60)) * time.Minute)
			if rng.Intn(4) == 0 {
				at = base.AddDate(0, 0, day).Add(time.Duration(rng.Intn(3)-1) * time.Minute)
			}
			for k := 1 + rng.Intn(3); k > 0; k-- {
				evs = append(evs, query.RawEvent{User: "u" + strconv.Itoa(u), Event: "e", Time: at.UnixMilli()})
				at = at.Add(time.Duration(rng.Intn(90)) * time.Minute)
			}
			day += int(rng.ExpFloat64() * meanGap)
		}
	}
	rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	return evs
}

func TestChurnMatchesNaiveReference(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "Asia/Shanghai"), mustLoc(t, "America/New_York")}
	rng := rand.New(rand.NewSource(23))
	listed, little, fractional := 0, 0, 0
	for round := 0; round < 300; round++ {
		// Calendar days in loc, given as a context zone (a --tz) over a
		// dataset whose own display timezone is often another one.
		loc := locs[round%len(locs)]
		stored := locs[(round/len(locs))%len(locs)]
		evs := habitData(rng, loc)
		if round%2 == 1 {
			evs = randomData(rng, loc)
		}
		d := query.NewDataset(evs, stored)
		byUser := map[string][]query.RawEvent{}
		for _, e := range evs {
			byUser[e.User] = append(byUser[e.User], e)
		}
		for _, list := range byUser {
			sort.SliceStable(list, func(i, j int) bool { return list[i].Time < list[j].Time })
		}
		ref := naive{loc: loc, maxT: d.MaxTime}
		w, b := 1+rng.Intn(20), 1+rng.Intn(40)
		minScore := []float64{0, 0.3, 0.5, DefaultMinScore}[rng.Intn(4)]
		top := []int{0, 0, 1, 5}[rng.Intn(4)]
		rep, err := Churn(WithZone(context.Background(), loc), d, ChurnOptions{WindowDays: w, BaselineDays: b, MinScore: minScore, Top: top})
		if err != nil {
			t.Fatal(err)
		}
		var want []naiveChurn
		eligible, tooLittle := 0, 0
		for u, list := range byUser {
			c, status := naiveChurnOf(ref, list, w, b)
			switch status {
			case "little":
				tooLittle++
			case "eligible":
				eligible++
				if c.score >= minScore {
					c.user = u
					want = append(want, c)
				}
			}
		}
		sort.Slice(want, func(i, j int) bool {
			if want[i].score != want[j].score {
				return want[i].score > want[j].score
			}
			if want[i].since != want[j].since {
				return want[i].since > want[j].since
			}
			return want[i].user < want[j].user
		})
		if rep.Eligible != eligible || rep.TooLittleHistory != tooLittle || rep.AtRisk != len(want) {
			t.Fatalf("round %d %s w=%d b=%d: eligible %d, little %d, at risk %d; naive %d %d %d", round, loc, w, b,
				rep.Eligible, rep.TooLittleHistory, rep.AtRisk, eligible, tooLittle, len(want))
		}
		if top > 0 && len(want) > top {
			want = want[:top]
		}
		if len(rep.Users) != len(want) {
			t.Fatalf("round %d: %d listed, naive %d", round, len(rep.Users), len(want))
		}
		listed += len(want)
		little += tooLittle
		for i, u := range rep.Users {
			n := want[i]
			if n.gap != math.Trunc(n.gap) {
				fractional++
			}
			if u.User != n.user || math.Abs(u.Score-n.score) > 1e-9 || math.Abs(u.ActivityRatio-n.ratio) > 1e-9 ||
				u.DaysSinceLastSeen != n.since || u.RecentEvents != n.recent || u.BaselineEvents != n.baseline ||
				*u.UsualGapDays != n.gap || math.Abs(u.ExpectedGapDays-n.g) > 1e-9 {
				t.Fatalf("round %d %s w=%d b=%d rank %d: got %+v gap %v, naive %+v%s", round, loc, w, b, i, u, *u.UsualGapDays, n, dump(byUser[u.User], loc))
			}
		}
	}
	if listed < 500 || little < 100 || fractional < 20 {
		t.Errorf("%d users listed, %d with too little history, %d even medians: the random data does not exercise churn", listed, little, fractional)
	}
}
