package chquery

import (
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFunnelStrictOnceHandChecked: windowFunnel's strict_once where it
// parts from the default. u1 does a, b at 10:00 and a, b, c at 10:05; u3
// a 10:00, b 10:01, a 10:04, b 10:05, c 10:05. The default extends the
// latest chain (u1 a b c at 10:05; u3 a 10:04, b 10:05, c); strict_once
// ends at c from the first chain allowing it, the one from an earlier
// instant (u1 a b at 10:00; u3 a 10:00, b 10:01). With strict_increase
// as well, u1's b at 10:00 cannot follow its a of the same instant, and
// its chain from 10:05 has no step 2 before that instant; u3's does.
func TestFunnelStrictOnceHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	b := f.load([]query.RawEvent{
		ev("u1", "a", 10, 0), ev("u1", "b", 10, 0), ev("u1", "a", 10, 5), ev("u1", "b", 10, 5), ev("u1", "c", 10, 5),
		ev("u3", "a", 10, 0), ev("u3", "b", 10, 1), ev("u3", "a", 10, 4), ev("u3", "b", 10, 5), ev("u3", "c", 10, 5),
		ev("zz", "other", 24*30, 0),
	}, time.UTC)
	for _, tc := range []struct {
		options []string
		users   []int
		medians []float64 // seconds, to steps 2 and 3
	}{
		{nil, []int{2, 2, 2}, []float64{30, 0}},
		{[]string{query.CHStrictOnce}, []int{2, 2, 2}, []float64{30, 270}},
		{[]string{query.CHStrictOnce, query.CHStrictIncrease}, []int{2, 2, 1}, []float64{180, 240}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps([]string{"a", "b", "c"}), Window: "1h", Semantics: query.SemClickHouse, Options: tc.options}
		r := sameFunnel(t, b, q)
		var users []int
		var medians []float64
		for k, s := range r.Steps {
			users = append(users, s.Users)
			if k > 0 && s.MedianSeconds != nil {
				medians = append(medians, *s.MedianSeconds)
			}
		}
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("%v: users per step %v, medians %v; want %v, %v", tc.options, users, medians, tc.users, tc.medians)
		}
	}
}

// TestFunnelStrictOnceMatchesLocal compares windowFunnel's strict_once,
// alone and with every other option, over steps of different names with
// the local engine on random timelines crowded at few instants (several
// rows of a step at one instant, stored out of order), windows in
// milliseconds, --where, --by, ranges, zones with a clock change, and
// every other dataset read in parts (partsEvery).
func TestFunnelStrictOnceMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(57))
	const hour = int64(3_600_000)
	parts := partsEvery(t)
	for it := 0; it < runs(4, 2); it++ {
		loc, t0, day, _ := zoneOf(t, it)
		parts(it)
		names := []string{"a", "b", "c", "d", "z"}
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(30); u++ {
			for e := rng.Intn(14); e > 0; e-- {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: t0 + int64(rng.Intn(6))*hour + int64(rng.Intn(2))}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y", "10"}[rng.Intn(3)]}
				}
				raw = append(raw, re)
			}
		}
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := f.load(raw, loc)
		for qi := 0; qi < 10; qi++ {
			q := query.FunnelQuery{Semantics: query.SemClickHouse, Options: []string{query.CHStrictOnce}}
			for _, o := range []string{query.CHStrictIncrease, query.CHStrictDedup, query.CHStrictOrder} {
				if rng.Intn(2) == 0 {
					q.Options = append(q.Options, o)
				}
			}
			if slices.Contains(q.Options, query.CHStrictOrder) && rng.Intn(2) == 0 {
				q.Options = append(q.Options, query.CHAllowReentry)
			}
			win := []int64{0, 1, 2, 5}[rng.Intn(4)]*hour + int64(rng.Intn(2))
			q.Window = strconv.FormatFloat(float64(win)/1000, 'f', -1, 64) + "s"
			order := rng.Perm(4)
			for k := 0; k < 1+rng.Intn(4); k++ {
				st := query.FunnelStep{Event: names[order[k]]}
				if rng.Intn(3) == 0 {
					st.Where = randomFilter(rng)
				}
				q.Steps = append(q.Steps, st)
			}
			randomScope(rng, &q, day)
			sameFunnel(t, b, q)
		}
	}
}
