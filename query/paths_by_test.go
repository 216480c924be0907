package query

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// Issue 14.21: paths --by gives the paths of each group, a user's group
// being the property on their anchor event; worked out by hand.
func TestPathsByHandChecked(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-02 10:00 src=ad
u1 cart 2026-03-02 10:05
u1 buy  2026-03-02 10:06
u2 home 2026-03-02 11:00 src=mail
u2 view 2026-03-02 11:01 src=ad
u2 view 2026-03-02 11:02 src=mail
u2 exit 2026-03-02 11:03
u3 view 2026-03-02 12:00
u3 cart 2026-03-02 12:01
`)
	r := pathsRun(t, d, PathsQuery{From: "view", Depth: 2, Common: Common{By: "src"}})
	got := map[string]string{}
	var order []string
	for _, g := range r.Breakdown {
		order = append(order, fmt.Sprintf("%s:%d", g.Value, g.Users))
		got[g.Value] = pathsLines(&PathsResult{Paths: g.Paths})
	}
	// u2's anchor is their first view (src=ad), whatever the second says.
	if want := []string{"ad:2", "(none):1"}; !reflect.DeepEqual(order, want) {
		t.Errorf("groups %v, want %v", order, want)
	}
	want := map[string]string{
		"ad":     "1: view > cart > buy\n1: view > exit > (end)\n",
		"(none)": "1: view > cart > (end)\n",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if g := r.Breakdown[0]; g.Tree.Users != 2 || g.Paths[0].Share != 0.5 || g.Transitions[0].Share != 0.5 {
		t.Errorf("group ad: tree %d users, shares %v %v; want 2 users and halves", g.Tree.Users, g.Paths[0].Share, g.Transitions[0].Share)
	}
	if r.Users != 3 || len(r.Tables()) != 4 {
		t.Errorf("overall %d users, %d tables; want 3 and a by-group table", r.Users, len(r.Tables()))
	}
}

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
