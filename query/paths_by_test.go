package query

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// Each group's paths equal the paths of that group's users alone (through
// --segment), the group found by a slow reference: the property on the
// user's first anchor event in range that passes --where.
func TestPathsByMatchesGroupsAlone(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	checked := 0
	for iter := 0; iter < 60; iter++ {
		var evs []RawEvent
		for u := 0; u < 2+rng.Intn(20); u++ {
			used := map[int64]bool{}
			for k := 0; k < 1+rng.Intn(15); k++ {
				at := start.Add(time.Duration(rng.Intn(3*24*60)) * time.Minute).UnixMilli()
				if used[at] {
					continue
				}
				used[at] = true
				e := RawEvent{User: fmt.Sprintf("u%d", u), Event: []string{"a", "b", "c"}[rng.Intn(3)], Time: at, Props: map[string]string{}}
				if v := rng.Intn(3); v < 2 {
					e.Props["src"] = []string{"x", "y"}[v]
				}
				if rng.Intn(3) > 0 {
					e.Props["ok"] = "1"
				}
				evs = append(evs, e)
			}
		}
		d := NewDataset(evs, time.UTC)
		q := PathsQuery{Depth: 1 + rng.Intn(4), Top: 50, SessionGap: []string{"0", "2h"}[rng.Intn(2)], NoCollapse: rng.Intn(2) == 0,
			Common: Common{By: "src"}}
		if rng.Intn(2) == 0 {
			q.From = "a"
		} else {
			q.To = "a"
		}
		if rng.Intn(2) == 0 {
			q.Where = []string{"ok = 1"}
		}
		if rng.Intn(2) == 0 {
			q.Common.From = "2026-03-02"
		}
		lo := int64(0)
		if q.Common.From != "" {
			lo = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
		}
		group := firstGroups(evs, "src", func(e RawEvent) bool {
			return e.Event == "a" && e.Time >= lo && (q.Where == nil || e.Props["ok"] == "1")
		})
		r, err := d.Paths(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var users int64
		for _, g := range r.Breakdown {
			d.Segments = segmentWhere(func(u string) bool { return group[u] == g.Value })
			alone := q
			alone.By, alone.Segment = "", "group"
			w := pathsRun(t, d, alone)
			want := PathsGroup{Value: g.Value, Users: w.Users, DistinctPaths: w.DistinctPaths, Paths: w.Paths, Tree: w.Tree, Transitions: w.Transitions}
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("iter %d %+v group %q:\n got %+v\nwant %+v", iter, q, g.Value, g, want)
			}
			users += g.Users
			checked++
		}
		if users != r.Users {
			t.Fatalf("iter %d: groups hold %d users, overall %d", iter, users, r.Users)
		}
	}
	if checked < 60 {
		t.Errorf("only %d groups compared", checked)
	}
}
