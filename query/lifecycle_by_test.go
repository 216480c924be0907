package query

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"
)

// Each group's lifecycle equals the lifecycle of that group's users alone
// (run through --segment), the group being found by a slow reference: the
// property on the user's first active event.
func TestLifecycleByMatchesGroupsAlone(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	checked := 0
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for iter := 0; iter < 60; iter++ {
		var evs []RawEvent
		for u := 0; u < 2+rng.Intn(25); u++ {
			used := map[int64]bool{}
			for k := 0; k < 1+rng.Intn(12); k++ {
				at := start.Add(time.Duration(rng.Intn(40*24*60)) * time.Minute).UnixMilli()
				if used[at] {
					continue // equal times would leave "first" to the sort
				}
				used[at] = true
				e := RawEvent{User: fmt.Sprintf("u%d", u), Event: []string{"open", "buy"}[rng.Intn(2)], Time: at, Props: map[string]string{}}
				if v := rng.Intn(4); v < 3 {
					e.Props["plan"] = []string{"a", "b", "c"}[v]
				}
				if rng.Intn(2) == 0 {
					e.Props["kind"] = "x"
				}
				evs = append(evs, e)
			}
		}
		d := NewDataset(evs, time.UTC)
		q := LifecycleQuery{Interval: []string{"day", "week", "month"}[rng.Intn(3)], Common: Common{By: "plan"}}
		if rng.Intn(2) == 0 {
			q.Event = "open"
		}
		if rng.Intn(2) == 0 {
			q.Where = []string{"kind = x"}
		}
		if rng.Intn(2) == 0 {
			q.From, q.To = "2026-03-10", "2026-03-30"
		}
		active := func(e RawEvent) bool {
			return (q.Event == "" || e.Event == q.Event) && (q.Where == nil || e.Props["kind"] == "x")
		}
		group := firstGroups(evs, "plan", active)
		r, err := d.Lifecycle(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		sum := make([]LifecyclePoint, len(r.Points))
		for _, g := range r.Breakdown {
			d.Segments = segmentWhere(func(u string) bool { return group[u] == g.Value })
			alone := q
			alone.By, alone.Segment = "", "group"
			want, err := d.Lifecycle(context.Background(), alone)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if !reflect.DeepEqual(g.Points, want.Points) {
				t.Fatalf("iter %d %+v group %q:\n got %+v\nwant %+v", iter, q, g.Value, g.Points, want.Points)
			}
			for k, p := range g.Points {
				sum[k].New += p.New
				sum[k].Returning += p.Returning
				sum[k].Resurrecting += p.Resurrecting
				sum[k].Dormant += p.Dormant
			}
		}
		for k, p := range r.Points {
			if got := [4]int{sum[k].New, sum[k].Returning, sum[k].Resurrecting, sum[k].Dormant}; got != [4]int{p.New, p.Returning, p.Resurrecting, p.Dormant} {
				t.Fatalf("iter %d %+v: groups add up to %v at %s, overall %+v", iter, q, got, p.T, p)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d groups compared", checked)
	}
}

// firstGroups is the slow reference for --by on lifecycle and paths: a
// user's group is prop on the earliest of their events that counts
// (NoneValue when that event lacks it); a user with no such event has none.
func firstGroups(evs []RawEvent, prop string, counts func(RawEvent) bool) map[string]string {
	sorted := append([]RawEvent(nil), evs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time < sorted[j].Time })
	group := map[string]string{}
	for _, e := range sorted {
		if _, ok := group[e.User]; !ok && counts(e) {
			group[e.User] = NoneValue
			if v, ok := e.Props[prop]; ok {
				group[e.User] = v
			}
		}
	}
	return group
}
