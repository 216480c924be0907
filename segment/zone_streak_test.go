package segment

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// civilDay numbers the calendar date of instant ms in loc from the date
// alone (its noon in UTC, in whole days), so it owes nothing to where
// midnights fall or to DST.
func civilDay(ms int64, loc *time.Location) int64 {
	y, m, d := time.UnixMilli(ms).In(loc).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() / 86400
}

// perDayStreak judges "streak EVENT [by BY] >= N days [without W]" from
// per-value sets of local dates: some maximal run of N or more
// consecutive dates with no W event (of that value, or of none) dated on
// or after the run's first date.
func perDayStreak(evs []query.RawEvent, loc *time.Location, event, by string, n int, without string) bool {
	dates := map[string]map[int64]bool{}
	for _, e := range evs {
		if e.Event != event {
			continue
		}
		v, ok := "", true
		if by != "" {
			v, ok = e.Props[by]
		}
		if !ok {
			continue
		}
		if dates[v] == nil {
			dates[v] = map[int64]bool{}
		}
		dates[v][civilDay(e.Time, loc)] = true
	}
	for v, set := range dates {
		var ds []int64
		for day := range set {
			ds = append(ds, day)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		for i := 0; i < len(ds); {
			j := i
			for j+1 < len(ds) && ds[j+1] == ds[j]+1 {
				j++
			}
			if j-i+1 >= n && !spoiledFrom(evs, loc, ds[i], by, v, without) {
				return true
			}
			i = j + 1
		}
	}
	return false
}

func spoiledFrom(evs []query.RawEvent, loc *time.Location, first int64, by, v, without string) bool {
	for _, e := range evs {
		if without == "" || e.Event != without || civilDay(e.Time, loc) < first {
			continue
		}
		if w, ok := e.Props[by]; by == "" || !ok || w == v {
			return true
		}
	}
	return false
}

// streakData puts events within 90 minutes of some zone's local midnight
// (or anywhere in the day) between 02-25 and 04-10 2026, across the DST
// changes of New York (03-08), Europe (03-29) and Lord Howe (04-05, a
// 30-minute shift).
func streakData(rng *rand.Rand, zones []*time.Location) []query.RawEvent {
	var evs []query.RawEvent
	users := 20 + rng.Intn(20)
	for u := 0; u < users; u++ {
		n := 1 + rng.Intn(20)
		start := 1 + rng.Intn(40) // users live in a few neighbouring days, so streaks happen
		for k := 0; k < n; k++ {
			z := zones[rng.Intn(len(zones))]
			day := time.Date(2026, 2, 24+start+rng.Intn(6), 0, 0, 0, 0, z)
			var at time.Time
			if rng.Intn(3) == 0 {
				at = day.Add(time.Duration(rng.Intn(24*60)) * time.Minute)
			} else {
				at = day.Add(time.Duration(rng.Intn(181)-90) * time.Minute)
			}
			e := query.RawEvent{User: "u" + strconv.Itoa(u), Time: at.UnixMilli(), Event: pick(rng, "view", "view", "view", "buy", "other")}
			if rng.Intn(4) > 0 {
				e.Props = map[string]string{"pid": pick(rng, "P1", "P2")}
			}
			evs = append(evs, e)
		}
	}
	return evs
}

func TestStreakMatchesPerDayReferenceAcrossZones(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "Australia/Lord_Howe"} {
		zones = append(zones, mustLoc(t, name))
	}
	rng := rand.New(rand.NewSource(2026))
	checked, members, zoneMatters := 0, 0, 0
	for round := 0; round < 200; round++ {
		evs := streakData(rng, zones)
		stored, loc := zones[rng.Intn(len(zones))], zones[rng.Intn(len(zones))]
		d := query.NewDataset(evs, stored)
		byUser := map[string][]query.RawEvent{}
		for _, e := range evs {
			byUser[e.User] = append(byUser[e.User], e)
		}
		ctx := WithZone(context.Background(), loc)
		for k := 0; k < 8; k++ {
			by, without, n := pick(rng, "", "pid"), pick(rng, "", "buy"), 1+rng.Intn(4)
			rule := "streak view"
			if by != "" {
				rule += " by " + by
			}
			rule += " >= " + strconv.Itoa(n) + " days"
			if without != "" {
				rule += " without " + without
			}
			m, err := Evaluate(ctx, d, rule)
			if err != nil {
				t.Fatalf("%s: %v", rule, err)
			}
			for p, u := range d.Users {
				want := perDayStreak(byUser[u], loc, "view", by, n, without)
				if m[p] != want {
					t.Fatalf("round %d, %s in %s (stored %s), user %s: got %v, per-day %v%s",
						round, rule, loc, stored, u, m[p], want, dumpZones(byUser[u], loc))
				}
				checked++
				if want {
					members++
				}
				if want != perDayStreak(byUser[u], time.UTC, "view", by, n, without) {
					zoneMatters++
				}
			}
		}
	}
	// The data must exercise both answers and answers that move with the zone.
	if members < checked/10 || members > checked*9/10 || zoneMatters < checked/50 {
		t.Errorf("%d checks, %d members, %d differ from UTC: the generator misses the point", checked, members, zoneMatters)
	}
}

func dumpZones(evs []query.RawEvent, loc *time.Location) string {
	s := ""
	for _, e := range evs {
		s += fmt.Sprintf("\n  %s (%s) %s %v", time.UnixMilli(e.Time).UTC().Format(time.RFC3339),
			time.UnixMilli(e.Time).In(loc).Format("2006-01-02 15:04 MST"), e.Event, e.Props)
	}
	return s
}
