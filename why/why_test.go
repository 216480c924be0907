package why

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

var ctx = context.Background()

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.9g, want %.9g", what, got, want)
	}
}

func day(d int) int64 { return time.Date(2026, 6, d, 12, 0, 0, 0, time.UTC).UnixMilli() }

// Android 40 → 10 checkouts, iOS 60 → 60: the change is −30, all
// android's. Chi-square by hand: n(ad−bc)²/(row·row·col·col) =
// 170·(40·60−60·10)²/(50·120·100·70) = 13.1143, p = 0.000293; one
// property of two values and no pairs means 2 tests (Bonferroni ×2).
func TestCountsByHand(t *testing.T) {
	var ev []query.RawEvent
	add := func(n int, device string, d int) {
		for k := 0; k < n; k++ {
			ev = append(ev, query.RawEvent{User: fmt.Sprintf("%s%d", device, k), Event: "checkout", Time: day(d), Props: map[string]string{"device": device}})
		}
	}
	add(40, "android", 1)
	add(60, "ios", 1)
	add(10, "android", 2)
	add(60, "ios", 2)
	d := query.NewDataset(ev, time.UTC)
	r, err := Analyze(ctx, d, Query{Events: []string{"checkout"}, Measure: "total", Before: []Period{{"2026-06-01", "2026-06-01"}}, After: Period{"2026-06-02", "2026-06-02"}, Keys: []string{"device"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Before != 100 || r.After != 70 || r.Change != -30 || len(r.Contributors) != 2 {
		t.Fatalf("%+v", r)
	}
	a := r.Contributors[0]
	if a.Value != "android" || a.Before != 40 || a.After != 10 || a.Contribution != -30 || *a.Share != 1 {
		t.Fatalf("top %+v", a)
	}
	near(t, "p", *a.P, 2*0.00029305252019248926, 1e-12)
	if !r.Explained || r.Drill == nil || r.Drill.Users != 40 || r.Drill.Value != "android" {
		t.Errorf("explained %v drill %+v", r.Explained, r.Drill)
	}
	if c := r.Contributors[1]; c.Value != "ios" || c.Contribution != 0 || *c.Share != 0 {
		t.Errorf("ios %+v", c)
	}
	// Users: the same, as each user has one event a day.
	r, _ = Analyze(ctx, d, Query{Measure: "users", Before: []Period{{"2026-06-01", "2026-06-01"}}, After: Period{"2026-06-02", "2026-06-02"}, Keys: []string{"device"}})
	if r.Before != 100 || r.After != 70 || r.Contributors[0].Contribution != -30 {
		t.Errorf("users: %+v", r)
	}
	// Two before days, one after: before is scaled by 1/2.
	add(40, "android", 3)
	add(60, "ios", 3)
	d = query.NewDataset(ev, time.UTC)
	r, _ = Analyze(ctx, d, Query{Before: []Period{{"2026-06-01", "2026-06-01"}, {"2026-06-03", "2026-06-03"}}, After: Period{"2026-06-02", "2026-06-02"}, Keys: []string{"device"}})
	if r.Scale != 0.5 || r.Before != 100 || r.Change != -30 {
		t.Errorf("scaled: scale %v before %v change %v", r.Scale, r.Before, r.Change)
	}
}

// Mix and rate by hand. A: 100 entrants, 50 converted → 200, 100 (rate
// .5 both times); B: 100, 10 → 100, 10. R0 = .3, R1 = 110/300.
// rate effects are 0; mix A = (2/3 − 1/2)·(.5 − (R0+R1)/2) = 1/36,
// mix B = (1/3 − 1/2)·(.1 − (R0+R1)/2) = 7/180; they add to R1 − R0 = 1/15.
func TestMixRateByHand(t *testing.T) {
	t0 := Cell{Num: 60, Den: 200}
	t1 := Cell{Num: 110, Den: 300}
	a := contribute(Rate, Cell{Num: 50, Den: 100}, Cell{Num: 100, Den: 200}, t0, t1, 1)
	b := contribute(Rate, Cell{Num: 10, Den: 100}, Cell{Num: 10, Den: 100}, t0, t1, 1)
	near(t, "rate A", a.Rate, 0, 1e-15)
	near(t, "rate B", b.Rate, 0, 1e-15)
	near(t, "mix A", a.Mix, 1.0/36, 1e-15)
	near(t, "mix B", b.Mix, 7.0/180, 1e-15)
	near(t, "sum", a.Contribution+b.Contribution, 110.0/300-0.3, 1e-15)
	// A group that appears only after is all mix.
	c := contribute(Rate, Cell{}, Cell{Num: 5, Den: 10}, t0, t1, 1)
	if c.Rate != 0 || c.Mix == 0 {
		t.Errorf("new group: %+v", c)
	}
}

// randomData is users with a device, a version and a plan, doing a, b
// and c events over six days, with some events lacking a property.
func randomData(r *rand.Rand) []query.RawEvent {
	var ev []query.RawEvent
	for u := 0; u < 60+r.Intn(200); u++ {
		props := map[string]string{"device": []string{"ios", "android", "web"}[r.Intn(3)], "ver": fmt.Sprint(r.Intn(8))}
		if r.Intn(4) > 0 {
			props["plan"] = fmt.Sprint("p", r.Intn(30))
		}
		for k := 0; k < r.Intn(30); k++ {
			ev = append(ev, query.RawEvent{User: fmt.Sprint("u", u), Event: []string{"a", "b", "c"}[r.Intn(3)],
				Time: day(1+r.Intn(6)) + int64(r.Intn(3600000)), Props: props})
		}
	}
	return ev
}

// A randomized cross-check against a slow recount: each property's
// contributions (folded rows included) add up to the change exactly, each
// row's before and after are the recount of its events, and for the
// funnel every row's mix + rate is its contribution and they add up to
// the change in conversion.
func TestRandomAgainstRecount(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for trial := 0; trial < 30; trial++ {
		ev := randomData(r)
		d := query.NewDataset(ev, time.UTC)
		q := Query{Events: []string{"a", "b"}, Before: []Period{{"2026-06-01", "2026-06-02"}}, After: Period{"2026-06-04", "2026-06-06"}, Keys: []string{"device", "ver", "plan"}}
		if trial%3 == 1 {
			q.Measure = "users"
		}
		if trial%3 == 2 {
			q.Steps = []query.FunnelStep{{Event: "a"}, {Event: "b"}}
			q.Events = nil
		}
		res, err := Analyze(ctx, d, q)
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]float64{}
		for _, c := range res.Contributors {
			if c.Property == "device" || c.Property == "ver" || c.Property == "plan" {
				sums[c.Property] += c.Contribution
			}
			if c.Mix != nil {
				near(t, "mix+rate", *c.Mix+*c.Rate, c.Contribution, 1e-12)
			}
			if q.Steps != nil || c.Folded > 0 || len(c.values) != 1 {
				continue
			}
			// Recount the value's events (or users) per period.
			var n [2]float64
			seen := map[string]bool{}
			for _, e := range ev {
				per := -1
				switch dd := time.UnixMilli(e.Time).UTC().Day(); {
				case dd <= 2:
					per = 0
				case dd >= 4:
					per = 1
				}
				v, ok := e.Props[c.Property]
				if !ok {
					v = query.NoneValue
				}
				if per < 0 || e.Event == "c" || v != c.Value {
					continue
				}
				if q.Measure == "users" {
					// A user is counted under their first matching event.
					key := fmt.Sprint(e.User, per)
					if seen[key] {
						continue
					}
					seen[key] = true
				}
				n[per]++
			}
			if q.Measure == "users" {
				continue // first-event attribution needs time order; sums are checked below
			}
			near(t, c.Property+"="+c.Value+" before", c.Before, n[0]*1.5, 1e-9)
			near(t, c.Property+"="+c.Value+" after", c.After, n[1], 1e-9)
		}
		for p, s := range sums {
			near(t, fmt.Sprintf("trial %d: Σ %s", trial, p), s, res.Change, 1e-9)
		}
	}
}

// TestFoldedSumIsStable: the small values' sum is added in one order, so
// the output does not change with the order an engine lists the values in
// (floats are not associative: 1e16 + 1 - 1e16 depends on the order).
func TestFoldedSumIsStable(t *testing.T) {
	var gs []Group
	for c, v := range []float64{1e16, 1, -1e16, 1, 3, -1e16, 1e16, 0.5} {
		gs = append(gs, Group{Values: []Value{{Text: fmt.Sprint(c)}}, Cells: [2]Cell{{Num: v, N: 1}, {Num: v, N: 1}}})
	}
	first := groups(Sum, []string{"k"}, []int{0}, gs, [2]Cell{}, 1)
	r := rand.New(rand.NewSource(1))
	for range 50 {
		r.Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
		got := groups(Sum, []string{"k"}, []int{0}, gs, [2]Cell{}, 1)
		if got[0].Before != first[0].Before || got[0].Folded != 8 {
			t.Fatalf("folded before %v (%d values), then %v", first[0].Before, first[0].Folded, got[0].Before)
		}
	}
}
