package chquery

import (
	"context"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/why"
)

// TestWhyMatchesLocal compares spoor why's ranking counted on one server
// and on the 2-shard cluster with the local one, on random timelines (ms
// and equal times, DST zones, missing and quoted values, a property of
// hundreds of values, numbers and texts in the summed one) for every
// metric: events, users (their first event's values), a sum and a
// funnel's conversion (steps of different names, repeated names, a step
// filter), with --where, one or several before periods, overlapping ones;
// pairs summed from Count's combinations of values and counted again on
// the server.
func TestWhyMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(17))
	ctx := context.Background()
	zones := []string{"UTC", "Europe/Berlin", "America/New_York"}
	day := func(d int) string { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02") }
	explained, drilled := 0, 0
	defer func(n int) { maxCombos = n }(maxCombos)
	for it := range runs(6, 2) {
		// Every other timeline's pairs are counted by the server, as a
		// table's with too many combinations of values are.
		maxCombos = []int{1 << 15, 0}[it%2]
		loc, _ := time.LoadLocation(zones[it%len(zones)])
		base := time.Date(2026, 3, 20, 0, 0, 0, 0, loc).UnixMilli()
		var raw []query.RawEvent
		for u := range 10 + rng.Intn(50) {
			dev := []string{"ios", "android", "web", `it's \ x`}[rng.Intn(4)]
			for range rng.Intn(40) {
				e := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "b", "c"}[rng.Intn(3)],
					Time: base + int64(rng.Intn(14*24))*3_600_000 + int64(rng.Intn(3))*int64(rng.Intn(1000))}
				e.Props = map[string]string{"ref": "r" + strconv.Itoa(rng.Intn(400)), "n": []string{"1", "2.5", "-3", "1e2", "x", ""}[rng.Intn(6)]}
				if rng.Intn(5) > 0 {
					e.Props["d"] = dev
				}
				if rng.Intn(3) > 0 {
					e.Props["v"] = strconv.Itoa(rng.Intn(4))
				}
				// The drop: android on version 3 stops doing b.
				if e.Event == "b" && dev == "android" && e.Props["v"] == "3" && e.Time > base+8*86_400_000 {
					continue
				}
				raw = append(raw, e)
			}
		}
		b := f.load(raw, loc)
		for k := range 7 {
			q := why.Query{Keys: []string{"d", "v", "ref", "nosuch"}}
			q.After = why.Period{From: day(28 + rng.Intn(2)), To: day(30 + rng.Intn(3))}
			for range 1 + rng.Intn(3) {
				d := 20 + rng.Intn(9)
				q.Before = append(q.Before, why.Period{From: day(d), To: day(d + rng.Intn(3))})
			}
			switch k % 4 {
			case 0:
				q.Events = []string{"b"}
			case 1:
				q.Measure = query.MeasureUsers
				q.Events = [][]string{nil, {"a", "c"}}[rng.Intn(2)]
			case 2:
				q.Sum = "n"
				q.Measure = []string{query.MeasureTotal, query.MeasureUsers}[rng.Intn(2)]
			case 3:
				q.Steps = [][]query.FunnelStep{
					{{Event: "a"}, {Event: "b"}},
					{{Event: "a"}, {Event: "a"}, {Event: "b"}},
					{{Event: "c"}, {Event: "b", Where: []string{"d != web"}}, {Event: "a"}},
				}[rng.Intn(3)]
				q.Window = []string{"1h", "1d", "3d"}[rng.Intn(3)]
			}
			if rng.Intn(3) == 0 {
				q.Where = []string{[]string{`d != "it's \ x"`, "v in (1, 3)", "ref != r1"}[rng.Intn(3)]}
			}
			r := same(t, b, q, func(e query.Engine) (*why.Result, error) { return why.Evaluate(ctx, e, q) }, nil)
			if r == nil {
				_, err := why.Evaluate(ctx, b.local, q)
				t.Fatalf("%+v: %v", q, err)
			}
			if r.Explained {
				explained++
			}
			if r.Drill != nil && r.Drill.Users > 0 {
				drilled++
			}
		}
	}
	if explained == 0 || drilled == 0 {
		t.Errorf("no query was explained (%d) or drilled (%d): the loop tests too little", explained, drilled)
	}
}
