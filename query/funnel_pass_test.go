package query

import (
	"context"
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestLaneChainMatchesOrdered compares, person by person, the counted
// attempt of lane funnels (one step per name, no step filters) found by
// lanePerson, laneChain and laneBack, and by them without the code table
// (laneRun's pass), with the one ordered walks: level, in progress,
// start and every step's event; and the scan's result (by ranges of
// persons) with one person's. Times are in ms over days, so most persons have no two
// events at one instant (laneChain's case) and some do (ordered's).
func TestLaneChainMatchesOrdered(t *testing.T) {
	rng := rand.New(rand.NewSource(19))
	ctx := context.Background()
	defer func() { laneChains = true }()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c", "d", "e"}
	iters := 400
	if testing.Short() {
		iters = 80
	}
	quick, back := 0, 0
	for it := 0; it < iters; it++ {
		var raw []RawEvent
		spread := []int64{1000, 60_000, 3_600_000, 86_400_000}[rng.Intn(4)]
		for u := 0; u < 1+rng.Intn(30); u++ {
			for e := rng.Intn(40); e > 0; e-- {
				re := RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: base + rng.Int63n(10*spread)}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y"}[rng.Intn(2)]}
				}
				raw = append(raw, re)
			}
		}
		if len(raw) == 0 {
			continue
		}
		d := NewDataset(raw, time.UTC)
		perm := rng.Perm(len(d.Names))
		q := FunnelQuery{Window: strconv.FormatInt(spread*int64(1+rng.Intn(5))/1000, 10) + "s"}
		for k := 0; k < 2+rng.Intn(max(len(d.Names)-1, 1)); k++ {
			q.Steps = append(q.Steps, FunnelStep{Event: d.Names[perm[k%len(perm)]]})
		}
		if len(q.Steps) > 2 && rng.Intn(3) == 0 {
			q.Steps[len(q.Steps)-1] = q.Steps[0] // step 1's name again, as a later step
		}
		if rng.Intn(3) == 0 {
			q.Where = []string{[]string{"p = x", "p != y", "p is set"}[rng.Intn(3)]}
		}
		if rng.Intn(4) == 0 {
			q.From, q.To = "2026-01-01", "2026-01-01"
		}
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatalf("iteration %d: %v (query %+v)", it, err, q)
		}
		if p.only == nil {
			continue
		}
		r, err := d.Funnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		w := newFunnelWorker(p)
		// Without the code table, as over more event names than it
		// holds: laneRun's pass for every person.
		wide := newFunnelWorker(p)
		wide.table, wide.lateTable = nil, nil
		for u := range d.Users {
			laneChains = false
			level, open := w.person(u)
			start, cur := w.start, slices.Clone(w.cur[:max(level+1, 0)])
			laneChains = true
			l2, o2 := w.person(u)
			if l2 != level || o2 != open || w.start != start || !slices.Equal(w.cur[:max(l2+1, 0)], cur) {
				t.Fatalf("iteration %d, user %s: ordered level %d open %v start %d chain %v; laneChain %d %v %d %v\nquery %+v",
					it, d.Users[u], level, open, start, cur, l2, o2, w.start, w.cur[:max(l2+1, 0)], q)
			}
			if l3, o3 := wide.person(u); l3 != level || o3 != open || wide.start != start || !slices.Equal(wide.cur[:max(l3+1, 0)], cur) {
				t.Fatalf("iteration %d, user %s: ordered level %d open %v start %d chain %v; without the table %d %v %d %v\nquery %+v",
					it, d.Users[u], level, open, start, cur, l3, o3, wide.start, wide.cur[:max(l3+1, 0)], q)
			}
			if int(r.Level[u]) != level || r.InProgress[u] != open || int(r.Attempt[u]) != start {
				t.Fatalf("iteration %d, user %s: scan level %d open %v start %d, one person %d %v %d\nquery %+v",
					it, d.Users[u], r.Level[u], r.InProgress[u], r.Attempt[u], level, open, start, q)
			}
			if level > 0 && w.bestAt >= 0 {
				if i, ok := w.laneBack(int(d.Start[u]), int(d.Start[u+1]), w.bestAt, w.bestFrom, level, d.Time[start], w.passed); ok {
					if i != start || !slices.Equal(w.cur[:level+1], cur) {
						t.Fatalf("iteration %d, user %s: laneBack start %d chain %v, want %d %v", it, d.Users[u], i, w.cur[:level+1], start, cur)
					}
					back++
				}
			}
			if level > 0 && w.laneChain(int(d.Start[u]), int(d.Start[u+1]), start, level, w.passed) {
				quick++
			}
		}
	}
	if quick < iters || back < iters {
		t.Errorf("laneChain answered only %d persons, laneBack %d", quick, back)
	}
	t.Logf("persons answered by laneChain: %d, by laneBack: %d", quick, back)
}
