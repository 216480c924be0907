package segment

import (
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// Naive references for the built-ins, on raw events with time.Time
// arithmetic, checked on random data in three timezones.

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

func TestBuiltinsMatchNaiveReference(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "Asia/Shanghai"), mustLoc(t, "America/New_York")}
	rng := rand.New(rand.NewSource(11))
	for round := 0; round < 120; round++ {
		// Calendar days in loc over a dataset whose own display timezone
		// is often another one.
		loc := locs[round%len(locs)]
		stored := locs[(round/len(locs))%len(locs)]
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
}
