package query

import (
	"context"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"
)

// naivePaths is a deliberately plain reference for paths: it groups the
// raw events by user, sorts each timeline with a stable sort, and builds
// each user's path with slices. It returns the count of each full path (in
// time order, joined by ">"), of each prefix-tree node (steps from the
// anchor outwards, joined by ">") and of each transition "step from>to".
func naivePaths(evs []RawEvent, loc *time.Location, q PathsQuery) (paths, nodes, moves map[string]int64) {
	paths, nodes, moves = map[string]int64{}, map[string]int64{}, map[string]int64{}
	var from, to int64
	for i, e := range evs {
		if i == 0 || e.Time < from {
			from = e.Time
		}
		if i == 0 || e.Time+1 > to {
			to = e.Time + 1
		}
	}
	if q.Common.From != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.Common.From, loc)
		from = t.UnixMilli()
	}
	if q.Common.To != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.Common.To, loc)
		to = t.AddDate(0, 0, 1).UnixMilli()
	}
	gap, _ := ParseDuration(q.SessionGap)
	if q.SessionGap == "" {
		gap = 30 * 60_000
	}
	depth := q.Depth
	if depth == 0 {
		depth = 4
	}
	byUser := map[string][]RawEvent{}
	var users []string
	for _, e := range evs {
		if e.Time < from || e.Time >= to || len(q.Where) > 0 && e.Props["k"] != "x" {
			continue
		}
		if _, ok := byUser[e.User]; !ok {
			users = append(users, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	for _, u := range users {
		tl := byUser[u]
		sort.SliceStable(tl, func(i, j int) bool { return tl[i].Time < tl[j].Time })
		if q.To != "" { // walk backwards by reversing the timeline
			for i, j := 0, len(tl)-1; i < j; i, j = i+1, j-1 {
				tl[i], tl[j] = tl[j], tl[i]
			}
		}
		anchor := q.From + q.To
		at := -1
		for i, e := range tl {
			if e.Event == anchor {
				at = i
				if q.To == "" {
					break
				}
			}
		}
		if at < 0 {
			continue
		}
		steps := []string{anchor}
		last := tl[at].Time
		for _, e := range tl[at+1:] {
			if len(steps)-1 == depth {
				break
			}
			d := e.Time - last
			if d < 0 {
				d = -d
			}
			if gap > 0 && d > gap {
				break
			}
			last = e.Time
			if !q.NoCollapse && e.Event == steps[len(steps)-1] {
				continue
			}
			steps = append(steps, e.Event)
		}
		if len(steps)-1 < depth {
			if q.To != "" {
				steps = append(steps, PathStart)
			} else {
				steps = append(steps, PathEnd)
			}
		}
		for i := range steps {
			nodes[strings.Join(steps[:i+1], ">")]++
			if i > 0 {
				a, b := steps[i-1], steps[i]
				if q.To != "" {
					a, b = b, a
				}
				moves[string(rune('0'+i))+" "+a+">"+b]++
			}
		}
		if q.To != "" {
			for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
				steps[i], steps[j] = steps[j], steps[i]
			}
		}
		paths[strings.Join(steps, ">")]++
	}
	return paths, nodes, moves
}

func TestPathsMatchesNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	names := []string{"a", "b", "c"}
	gaps := []string{"", "0", "10m", "1h", "20m"}
	for iter := 0; iter < 4000; iter++ {
		loc := tpLoc(t, tpZones[rng.Intn(len(tpZones))])
		evs := tpRandomEvents(rng, names)
		if len(evs) == 0 {
			continue
		}
		d := NewDataset(evs, loc)
		anchor := evs[rng.Intn(len(evs))].Event
		q := PathsQuery{Depth: rng.Intn(6), Top: 1 << 20, SessionGap: gaps[rng.Intn(len(gaps))], NoCollapse: rng.Intn(2) == 0}
		if rng.Intn(2) == 0 {
			q.From = anchor
		} else {
			q.To = anchor
		}
		if rng.Intn(20) == 0 {
			q.Depth = MaxPathDepth
		}
		if rng.Intn(4) == 0 {
			q.Where = []string{"k = x"}
		}
		if rng.Intn(3) == 0 {
			day := time.Date(2026, 2, 15+rng.Intn(70), 0, 0, 0, 0, loc)
			q.Common.From = day.Format("2006-01-02")
			q.Common.To = day.AddDate(0, 0, rng.Intn(40)).Format("2006-01-02")
		}
		r, err := d.Paths(context.Background(), q)
		if err != nil {
			t.Fatalf("iter %d %+v: %v", iter, q, err)
		}
		wantPaths, wantNodes, wantMoves := naivePaths(evs, loc, q)
		gotPaths := map[string]int64{}
		for _, p := range r.Paths {
			gotPaths[strings.Join(p.Steps, ">")] = p.Users
		}
		gotNodes := map[string]int64{}
		var walk func(n *PathNode, prefix string)
		walk = func(n *PathNode, prefix string) {
			if prefix != "" {
				prefix += ">"
			}
			prefix += n.Event
			gotNodes[prefix] = n.Users
			for _, c := range n.Children {
				walk(c, prefix)
			}
		}
		if r.Users > 0 {
			walk(r.Tree, "")
		}
		gotMoves := map[string]int64{}
		for _, m := range r.Transitions {
			gotMoves[string(rune('0'+m.Step))+" "+m.From+">"+m.To] = m.Users
		}
		for _, c := range []struct {
			what      string
			got, want map[string]int64
		}{{"paths", gotPaths, wantPaths}, {"tree", gotNodes, wantNodes}, {"transitions", gotMoves, wantMoves}} {
			if !sameCounts(c.got, c.want) {
				t.Fatalf("iter %d %s %+v: %s\n got  %v\n want %v\nevents %+v", iter, loc, q, c.what, c.got, c.want, evs)
			}
		}
	}
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
