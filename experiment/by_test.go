package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
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
