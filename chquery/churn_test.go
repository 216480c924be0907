package chquery

import (
	"context"
	"encoding/json"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// TestChurnMatchesLocal compares churn risk with the local engine on
// random habits (daily, weekly, stopped, a single day) in DST zones, with
// ms and equal times, key events, other --tz zones, windows and scores.
func TestChurnMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(14))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/London", "UTC"}
	datasets, queries := runs(6, 2), 6
	const day = int64(86_400_000)
	words, partEvents := maxDayWords, churnPartEvents
	t.Cleanup(func() { maxDayWords, churnPartEvents = words, partEvents })
	for it := 0; it < datasets; it++ {
		// Every other dataset, days as sets and the last event by argMax
		// (as past maxDayWords), else as bitmaps.
		maxDayWords = words * (it % 2)
		// Persons too long for personNumber in one dataset of three, so
		// read as text after its throwIf.
		prefix := []string{"u", "u", "person-"}[it%3]
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := time.Date(2026, time.Month(1+rng.Intn(8)), 1, 0, 0, 0, 0, loc).UnixMilli()
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(40); u++ {
			every := []int64{1, 2, 7, 15}[rng.Intn(4)] * day
			tm := base + rng.Int63n(30*day)
			stop := base + rng.Int63n(120*day)
			for tm < stop && len(raw) < 4000 {
				raw = append(raw, query.RawEvent{User: prefix + strconv.Itoa(u), Event: []string{"open", "buy"}[rng.Intn(2)], Time: tm})
				tm += []int64{0, 1, every / 2, every, every, 2 * every}[rng.Intn(6)] + rng.Int63n(3_600_000)
			}
			// The last event is one of two at one instant: the storage
			// order says which.
			raw = append(raw, query.RawEvent{User: prefix + strconv.Itoa(u), Event: "open", Time: stop}, query.RawEvent{User: prefix + strconv.Itoa(u), Event: "buy", Time: stop})
		}
		raw = append(raw, query.RawEvent{User: "last", Event: "open", Time: base + 120*day})
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := f.load(raw, loc)
		// Read in ranges of persons (churnParts) but in one dataset of
		// four.
		churnPartEvents = partEvents
		if it%4 != 3 {
			churnPartEvents = int64(len(raw)/4 + 1)
		}
		for qi := 0; qi < queries; qi++ {
			opt := segment.ChurnOptions{WindowDays: []int{0, 7, 14, 30}[rng.Intn(4)], BaselineDays: []int{0, 10, 56}[rng.Intn(3)],
				MinScore: []float64{0, 0.5, 0.8}[rng.Intn(3)], Top: []int{0, 5}[rng.Intn(2)]}
			if rng.Intn(2) == 0 {
				opt.KeyEvent = []string{"buy", "nope"}[rng.Intn(2)]
			}
			ctx := context.Background()
			var tz *time.Location
			if rng.Intn(3) == 0 {
				tz, _ = time.LoadLocation(zones[rng.Intn(len(zones))])
				ctx = segment.WithZone(ctx, tz)
			}
			want, werr := segment.Churn(ctx, b.local, opt)
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Churn(ctx, opt, tz)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: %+v: error %v, local error %v", name, opt, err, werr)
				}
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got)
				if string(wj) != string(gj) {
					t.Fatalf("%s: %+v in %v:\n got %s\nwant %s", name, opt, tz, gj, wj)
				}
			}
		}
	}
}
