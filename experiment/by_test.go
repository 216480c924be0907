package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// usersIn resolves every --segment name to the users keep accepts.
type usersIn func(user string) bool

func (keep usersIn) Members(_ context.Context, d *query.Dataset, _ string) ([]bool, error) {
	m := make([]bool, len(d.Users))
	for p, u := range d.Users {
		m[p] = keep(u)
	}
	return m, nil
}

func (usersIn) Breakdown(context.Context, *query.Dataset, string) (*query.Prop, error) {
	return nil, errors.New("not in these tests")
}

// Issue 14.21: experiment --by compares the variants within each group, a
// user's group being the property on their exposure event.
func TestByHandChecked(t *testing.T) {
	evs := []query.RawEvent{
		ev("c1", "view", t0, "exp", "control", "dev", "ios"),
		ev("c1", "buy", t0+hour),
		ev("c2", "view", t0, "exp", "control", "dev", "web"),
		ev("t1", "view", t0, "exp", "test", "dev", "ios"),
		ev("t1", "buy", t0+hour),
		ev("t2", "view", t0, "exp", "test", "dev", "ios"),
		ev("t2", "buy", t0+hour, "dev", "web"), // a later device does not move t2
		ev("t3", "view", t0, "exp", "test"),
	}
	r := run(t, evs, Query{Variant: "exp", Goal: "buy", Common: query.Common{By: "dev"}})
	type cell struct {
		users, conv int
	}
	got := map[string]map[string]cell{}
	var order, notes []string
	for _, g := range r.Breakdown {
		order = append(order, g.Value)
		if g.Result == nil {
			notes = append(notes, g.Value+": "+g.Note)
			continue
		}
		got[g.Value] = map[string]cell{}
		for _, v := range g.Variants {
			got[g.Value][v.Name] = cell{v.Users, v.Conversions}
		}
	}
	// ios: control c1 (converted), test t1, t2 (both converted); web: c2;
	// (none): t3 only, so no control to compare with.
	if want := []string{"ios", "web", "(none)"}; !reflect.DeepEqual(order, want) {
		t.Errorf("groups %v, want %v (most exposed users first)", order, want)
	}
	want := map[string]map[string]cell{
		"ios": {"control": {1, 1}, "test": {2, 2}},
		"web": {"control": {1, 0}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(notes) != 1 || notes[0] != `(none): control variant "control" has no exposed users; variants seen: test` {
		t.Errorf("notes %q", notes)
	}
	if r.By != "dev" || len(r.Variants) != 2 || r.Variants[1].Users != 3 {
		t.Errorf("overall: by %q, variants %+v", r.By, r.Variants)
	}
}

// Each group's result equals the experiment over that group's users alone
// (through --segment, with the overall control), the group found by a slow
// reference: the property on the user's earliest event carrying a variant.
func TestByMatchesGroupsAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 21))
	checked := 0
	for iter := 0; iter < 80; iter++ {
		var evs []query.RawEvent
		for u := 0; u < 5+rng.IntN(60); u++ {
			user := fmt.Sprintf("u%d", u)
			used := map[int64]bool{}
			for k := 0; k < 1+rng.IntN(6); k++ {
				at := t0 + int64(rng.IntN(20*24))*hour
				if used[at] {
					continue
				}
				used[at] = true
				e := ev(user, []string{"view", "buy", "pay"}[rng.IntN(3)], at)
				if rng.IntN(3) == 0 {
					e.Props["exp"] = []string{"A", "B", "C"}[rng.IntN(3)]
				}
				if v := rng.IntN(3); v < 2 {
					e.Props["dev"] = []string{"ios", "web"}[v]
				}
				e.Props["price"] = fmt.Sprint(rng.IntN(50))
				evs = append(evs, e)
			}
		}
		q := Query{Variant: "exp", Control: "A", Common: query.Common{By: "dev"}, Revenue: "price"}
		if rng.IntN(2) == 0 {
			q.Goal = "buy"
		} else {
			q.Steps = query.FunnelSteps([]string{"buy", "pay"})
		}
		if rng.IntN(2) == 0 {
			q.Where = []string{"price < 40"}
		}
		if rng.IntN(2) == 0 {
			q.Common.From = "2024-01-05"
		}
		sorted := append([]query.RawEvent(nil), evs...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Time < sorted[j].Time })
		group := map[string]string{}
		for _, e := range sorted {
			if _, ok := group[e.User]; !ok && e.Props["exp"] != "" {
				group[e.User] = query.NoneValue
				if v, ok := e.Props["dev"]; ok {
					group[e.User] = v
				}
			}
		}
		d := query.NewDataset(evs, time.UTC)
		r, err := Run(context.Background(), d, q)
		if err != nil {
			continue // no control exposed at all: nothing to break down
		}
		for _, g := range r.Breakdown {
			d.Segments = usersIn(func(u string) bool { return group[u] == g.Value })
			alone := q
			alone.By, alone.Segment = "", "group"
			want, err := Run(context.Background(), d, alone)
			if err != nil {
				if g.Result != nil || g.Note != err.Error() {
					t.Fatalf("iter %d group %q: alone it fails (%v); got %+v, note %q", iter, g.Value, err, g.Result, g.Note)
				}
				continue
			}
			checked++
			// As JSON: undefined statistics are NaN, which DeepEqual never equates.
			got, _ := json.Marshal(g.Result)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Fatalf("iter %d %+v group %q:\n got %s\nwant %s", iter, q, g.Value, got, exp)
			}
		}
	}
	if checked < 80 {
		t.Errorf("only %d groups compared", checked)
	}
}
