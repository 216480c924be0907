package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

const (
	hour = int64(3_600_000)
	day  = 24 * hour
)

func ev(user, name string, at int64, props ...string) query.RawEvent {
	e := query.RawEvent{User: user, Event: name, Time: at, Props: map[string]string{}}
	for i := 0; i+1 < len(props); i += 2 {
		e.Props[props[i]] = props[i+1]
	}
	return e
}

func run(t *testing.T, evs []query.RawEvent, q Query) *Result {
	t.Helper()
	r, err := Run(context.Background(), query.NewDataset(evs, time.UTC), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func variant(t *testing.T, r *Result, name string) Variant {
	t.Helper()
	for _, v := range r.Variants {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no variant %q in %+v", name, r.Variants)
	return Variant{}
}

func TestEdgeCases(t *testing.T) {
	many := func(name string, n, conv int) []query.RawEvent {
		var evs []query.RawEvent
		for i := range n {
			u := fmt.Sprintf("%s%d", name, i)
			evs = append(evs, ev(u, "see", t0, "exp", name))
			if i < conv {
				evs = append(evs, ev(u, "goal", t0+hour))
			}
		}
		return evs
	}
	t.Run("zero conversions", func(t *testing.T) {
		evs := append(many("A", 50, 0), many("B", 50, 0)...)
		evs = append(evs, ev("x", "goal", t0)) // the goal exists, before any exposure
		r := run(t, evs, Query{Variant: "exp", Goal: "goal"})
		b := variant(t, r, "B")
		if b.Rate != 0 || b.Low != 0 || b.Test != "fisher" || b.P != 1 || b.Lift.Valid() || b.LiftLow.Valid() {
			t.Errorf("B %+v; want rate 0, CI from 0, Fisher p 1, null lift", b)
		}
		near(t, "upper bound", float64(b.High), 0.0713, 5e-5) // Wilson 0/50
		if r.Verdict != VerdictTooFew || !strings.Contains(r.Text, "no conversions") {
			t.Errorf("verdict %q", r.Text)
		}
	})
	t.Run("100% conversions", func(t *testing.T) {
		r := run(t, append(many("A", 40, 40), many("B", 40, 40)...), Query{Variant: "exp", Goal: "goal"})
		b := variant(t, r, "B")
		if b.Rate != 1 || b.High != 1 || b.Diff != 0 || b.Lift != 0 || b.P != 1 {
			t.Errorf("B %+v; want rate 1, upper 1, no difference, p 1", b)
		}
	})
	t.Run("one variant only", func(t *testing.T) {
		r := run(t, many("A", 30, 10), Query{Variant: "exp", Goal: "goal"})
		if r.Verdict != VerdictOneVariant || r.SRMP.Valid() || len(r.Variants) != 1 {
			t.Errorf("verdict %q srm %v; want one variant, null SRM", r.Verdict, r.SRMP)
		}
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), `"srm_p_value":null`) || !strings.Contains(string(b), `"p_value":null`) {
			t.Errorf("JSON %s", b)
		}
	})
	t.Run("unequal weights", func(t *testing.T) {
		evs := append(many("A", 900, 90), many("B", 100, 10)...)
		r := run(t, evs, Query{Variant: "exp", Goal: "goal", Weights: []Weight{{Share: 90}, {Share: 10}}})
		if r.SRMMismatch || float64(r.SRMChi2) > 1e-9 {
			t.Errorf("90/10 split against 90/10 weights: chi2 %v mismatch %v", r.SRMChi2, r.SRMMismatch)
		}
		r = run(t, evs, Query{Variant: "exp", Goal: "goal"})
		if !r.SRMMismatch || !strings.Contains(r.Text, "sample ratio mismatch") {
			t.Errorf("90/10 split against an even split: srm p %v, text %q", r.SRMP, r.Text)
		}
		// By name, in any order.
		r = run(t, evs, Query{Variant: "exp", Goal: "goal", Weights: []Weight{{Name: "B", Share: 1}, {Name: "A", Share: 9}}})
		if r.SRMMismatch {
			t.Errorf("named weights: srm p %v", r.SRMP)
		}
		// A named variant nobody saw is an arm with no users: a mismatch.
		r = run(t, evs, Query{Variant: "exp", Goal: "goal", Weights: []Weight{{Name: "A", Share: 45}, {Name: "B", Share: 5}, {Name: "C", Share: 50}}})
		if c := variant(t, r, "C"); c.Users != 0 || c.Rate.Valid() || !r.SRMMismatch {
			t.Errorf("missing C: %+v srm %v", c, r.SRMP)
		}
		_, err := Run(context.Background(), query.NewDataset(evs, nil), Query{Variant: "exp", Goal: "goal", Weights: []Weight{{Share: 1}, {Share: 1}, {Share: 1}}})
		if err == nil || !strings.Contains(err.Error(), "3 weights for 2 variants") {
			t.Errorf("wrong weight count: %v", err)
		}
	})
	t.Run("users in two variants", func(t *testing.T) {
		evs := append(many("A", 10, 5), many("B", 10, 5)...)
		evs = append(evs, ev("A0", "see", t0+day, "exp", "B"), ev("B0", "see", t0+day, "exp", "C"))
		r := run(t, evs, Query{Variant: "exp", Goal: "goal"})
		if r.Excluded != 2 || r.Conflicts["A + B"] != 1 || r.Conflicts["B + C"] != 1 {
			t.Errorf("excluded %d %v", r.Excluded, r.Conflicts)
		}
		if variant(t, r, "A").Users != 9 || len(r.Variants) != 2 {
			t.Errorf("A users %d, %d variants", variant(t, r, "A").Users, len(r.Variants))
		}
		var sb strings.Builder
		if err := output.Write(&sb, "table", r); err != nil || !strings.Contains(sb.String(), "2 users seen with more than one variant, excluded") {
			t.Errorf("table output says nothing about exclusions: %v\n%s", err, sb.String())
		}
	})
	t.Run("no exposure", func(t *testing.T) {
		evs := []query.RawEvent{ev("u", "see", t0, "exp", "A"), ev("u", "goal", t0+day)}
		r := run(t, evs, Query{Variant: "exp", Goal: "goal", Common: query.Common{From: "2024-02-01", To: "2024-02-29"}})
		if r.Verdict != VerdictNoExposure || len(r.Variants) != 0 {
			t.Errorf("verdict %q, %d variants", r.Verdict, len(r.Variants))
		}
		if _, err := json.Marshal(r); err != nil {
			t.Error(err)
		}
		_, err := Run(context.Background(), query.NewDataset(evs, nil), Query{Variant: "nope", Goal: "goal"})
		if err == nil || !strings.Contains(err.Error(), "no event carries the property") {
			t.Errorf("unknown property: %v", err)
		}
		_, err = Run(context.Background(), query.NewDataset(evs, nil), Query{Variant: "exp", Goal: "gaol"})
		if err == nil || !strings.Contains(err.Error(), "goal") {
			t.Errorf("unknown goal: %v", err)
		}
	})
	t.Run("several variants: Bonferroni", func(t *testing.T) {
		// B against A: z = 2.158, p = 0.031 — significant alone, not at
		// 0.05/2 once a third variant makes two comparisons.
		two := append(many("A", 1000, 200), many("B", 1000, 240)...)
		r := run(t, two, Query{Variant: "exp", Goal: "goal"})
		near(t, "p", float64(variant(t, r, "B").P), 0.0309, 5e-4)
		if r.Verdict != VerdictWinner || r.Winner != "B" {
			t.Errorf("two variants: %s", r.Text)
		}
		r = run(t, append(two, many("C", 1000, 200)...), Query{Variant: "exp", Goal: "goal"})
		if b := variant(t, r, "B"); b.Significant || r.Verdict == VerdictWinner || !strings.Contains(r.Methods.Multiple, "Bonferroni over 2") {
			t.Errorf("three variants: B significant %v, %q, %q", b.Significant, r.Text, r.Methods.Multiple)
		}
		// Two significant improvements: the larger wins, the other is named.
		r = run(t, append(append(many("A", 1000, 100), many("B", 1000, 200)...), many("C", 1000, 300)...), Query{Variant: "exp", Goal: "goal"})
		if r.Winner != "C" || !strings.Contains(r.Text, "B is also better") {
			t.Errorf("two winners: %q", r.Text)
		}
	})
	t.Run("winner and no difference", func(t *testing.T) {
		r := run(t, append(many("A", 2000, 200), many("B", 2000, 300)...), Query{Variant: "exp", Goal: "goal"})
		b := variant(t, r, "B")
		if r.Verdict != VerdictWinner || r.Winner != "B" || b.Test != "z" || !b.Significant {
			t.Errorf("verdict %q winner %q: %s", r.Verdict, r.Winner, r.Text)
		}
		z, p := ZTest(300, 2000, 200, 2000)
		near(t, "p", float64(b.P), p, 1e-15)
		if z < 0 {
			t.Error("z sign")
		}
		r = run(t, append(many("A", 2000, 300), many("B", 2000, 200)...), Query{Variant: "exp", Goal: "goal"})
		if r.Verdict != VerdictWinner || r.Winner != "A" {
			t.Errorf("control should win: %s", r.Text)
		}
		// 20,000 per arm at 50% can detect a 10% relative lift (needs ~1,570).
		r = run(t, append(many("A", 20000, 10000), many("B", 20000, 10010)...), Query{Variant: "exp", Goal: "goal"})
		if r.Verdict != VerdictNoDifference {
			t.Errorf("verdict %q: %s", r.Verdict, r.Text)
		}
		// The same rates on 100 users per arm: too few.
		r = run(t, append(many("A", 100, 50), many("B", 100, 55)...), Query{Variant: "exp", Goal: "goal"})
		if r.Verdict != VerdictTooFew || !strings.Contains(r.Text, "needs about") {
			t.Errorf("verdict %q: %s", r.Verdict, r.Text)
		}
		if v := variant(t, r, "B"); float64(v.Needed) != math.Ceil(SampleSize(0.55, 0.5, 0.05, 0.8)) {
			t.Errorf("needed %v", v.Needed)
		}
	})
}

// naiveOutcome is the reference result for one user.
type naiveOutcome struct {
	variant string
	level   int
	revenue float64
}

// naive evaluates the experiment straight from the event list: sort each
// user's events, take the first variant value, and search every choice of
// step events for the deepest funnel level.
func naive(evs []query.RawEvent, prop string, steps []string, stepOK func(k int, e query.RawEvent) bool, window, from, to int64, where func(query.RawEvent) bool, revenue string) (map[string]*naiveOutcome, int) {
	byUser := map[string][]query.RawEvent{}
	var order []string
	for _, e := range evs {
		if _, ok := byUser[e.User]; !ok {
			order = append(order, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	out := map[string]*naiveOutcome{}
	excluded := 0
	for _, u := range order {
		es := byUser[u]
		sort.SliceStable(es, func(i, j int) bool { return es[i].Time < es[j].Time })
		values := map[string]bool{}
		first := -1
		for i, e := range es {
			if v, ok := e.Props[prop]; ok {
				values[v] = true
				if first < 0 {
					first = i
				}
			}
		}
		if first < 0 || es[first].Time < from || es[first].Time >= to || !where(es[first]) {
			continue
		}
		if len(values) > 1 {
			excluded++
			continue
		}
		exp := es[first].Time
		var cand []int // events usable for the goal
		for i, e := range es {
			if e.Time >= exp && e.Time <= exp+window && where(e) {
				cand = append(cand, i)
			}
		}
		var deepest func(k, after int) int
		deepest = func(k, after int) int {
			if k == len(steps) {
				return k
			}
			best := k
			for _, i := range cand {
				if i > after && es[i].Event == steps[k] && stepOK(k, es[i]) {
					best = max(best, deepest(k+1, i))
				}
			}
			return best
		}
		o := &naiveOutcome{variant: es[first].Props[prop], level: deepest(0, -1)}
		if o.level == len(steps) && revenue != "" {
			// Sum over goal events from the earliest possible completion on.
			var minDone func(k, after int) int
			minDone = func(k, after int) int {
				if k == len(steps) {
					return after
				}
				best := math.MaxInt
				for _, i := range cand {
					if i > after && es[i].Event == steps[k] && stepOK(k, es[i]) {
						best = min(best, minDone(k+1, i))
					}
				}
				return best
			}
			done := minDone(0, -1)
			for _, i := range cand {
				if i >= done && es[i].Event == steps[len(steps)-1] && stepOK(len(steps)-1, es[i]) {
					var f float64
					if _, err := fmt.Sscan(es[i].Props[revenue], &f); err == nil {
						o.revenue += f
					}
				}
			}
		}
		out[u] = o
	}
	return out, excluded
}

func TestAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c", "d"}
	checked, users := 0, 0
	for iter := range 300 {
		var evs []query.RawEvent
		for u := range 1 + rng.IntN(40) {
			user := fmt.Sprintf("u%d", u)
			for range rng.IntN(12) {
				e := ev(user, names[rng.IntN(len(names))], t0+int64(rng.IntN(20))*day/2)
				if rng.IntN(4) == 0 {
					e.Props["exp"] = []string{"A", "B", "C"}[rng.IntN(2+rng.IntN(2))]
				}
				if rng.IntN(2) == 0 {
					e.Props["country"] = []string{"CN", "US"}[rng.IntN(2)]
				}
				e.Props["amount"] = fmt.Sprint(rng.IntN(100))
				evs = append(evs, e)
			}
		}
		steps := []string{names[rng.IntN(4)]}
		if iter%2 == 1 {
			for range 1 + rng.IntN(3) {
				steps = append(steps, names[rng.IntN(4)])
			}
		}
		window := int64(1+rng.IntN(6)) * day
		q := Query{Variant: "exp", Window: fmt.Sprintf("%dd", window/day), Revenue: "amount"}
		specs := append([]string(nil), steps...)
		stepOK := func(int, query.RawEvent) bool { return true }
		if iter%7 < 3 {
			// The last step carries its own filter.
			specs[len(specs)-1] += " where amount >= 50"
			stepOK = func(k int, e query.RawEvent) bool {
				var f float64
				fmt.Sscan(e.Props["amount"], &f)
				return k < len(steps)-1 || f >= 50
			}
		}
		if len(steps) == 1 {
			q.Goal = specs[0]
		} else {
			q.Steps = query.FunnelSteps(specs)
		}
		from, to := int64(math.MinInt64), int64(math.MaxInt64)
		where := func(query.RawEvent) bool { return true }
		if iter%3 == 0 {
			q.From, q.To = "2024-01-03", "2024-01-07"
			from, to = t0+2*day, t0+7*day
		}
		if iter%5 == 0 {
			q.Where = []string{"country = CN"}
			where = func(e query.RawEvent) bool { return e.Props["country"] == "CN" }
		}
		d := query.NewDataset(evs, time.UTC)
		r, err := Run(context.Background(), d, q)
		if err != nil {
			if strings.Contains(err.Error(), "no event carries") || strings.Contains(err.Error(), "unknown event") {
				continue
			}
			t.Fatal(err)
		}
		want, excluded := naive(evs, "exp", steps, stepOK, window, from, to, where, "amount")
		if r.Excluded != excluded {
			t.Fatalf("iter %d: excluded %d, naive %d", iter, r.Excluded, excluded)
		}
		type agg struct {
			users, conv int
			levels      []int
			revenue     float64
		}
		ref := map[string]*agg{}
		for _, o := range want {
			a := ref[o.variant]
			if a == nil {
				a = &agg{levels: make([]int, len(steps))}
				ref[o.variant] = a
			}
			a.users++
			a.revenue += o.revenue
			if o.level == len(steps) {
				a.conv++
			}
			for k := 0; k < o.level; k++ {
				a.levels[k]++
			}
		}
		checked++
		users += len(want)
		if len(ref) != len(r.Variants) {
			t.Fatalf("iter %d: %d variants, naive %d", iter, len(r.Variants), len(ref))
		}
		for _, v := range r.Variants {
			a := ref[v.Name]
			if a == nil || a.users != v.Users || a.conv != v.Conversions {
				t.Fatalf("iter %d variant %s: %d/%d, naive %+v", iter, v.Name, v.Conversions, v.Users, a)
			}
			if math.Abs(float64(v.Rev.Total)-a.revenue) > 1e-9 {
				t.Fatalf("iter %d variant %s: revenue %v, naive %v", iter, v.Name, v.Rev.Total, a.revenue)
			}
			for k, s := range v.Steps {
				if s.Users != a.levels[k] {
					t.Fatalf("iter %d variant %s step %d: %d, naive %d", iter, v.Name, k, s.Users, a.levels[k])
				}
			}
		}
	}
	// The random timelines must exercise the comparison, not skip it.
	if checked < 250 || users < 1000 {
		t.Fatalf("only %d datasets and %d assigned users compared", checked, users)
	}
	t.Logf("%d datasets, %d assigned users compared", checked, users)
}

// Bad queries are refused with a message naming what to fix; a cancelled
// one stops.
func TestQueryErrors(t *testing.T) {
	at := t0 + day + 23*hour + 30*60_000
	evs := []query.RawEvent{
		ev("u", "see", at, "exp", "A"), ev("u", "goal", at+hour),
		ev("v", "see", at+2*day, "exp", "B"),
	}
	d := query.NewDataset(evs, time.UTC)
	for q, want := range map[*Query]string{
		{Variant: "exp", Goal: "goal", Window: "soon"}:                             "--window",
		{Variant: "exp", Goal: "goal", Window: "0"}:                                "must be positive",
		{Variant: "exp", Goal: "goal", Alpha: 1.5}:                                 "alpha",
		{Variant: "exp", Goal: "goal", Revenue: "price"}:                           "revenue property",
		{Variant: "exp", Goal: "goal", Weights: []Weight{{Share: -1}, {Share: 1}}}: "positive",
		{Variant: "exp", Goal: "goal where price >"}:                               "goal",
	} {
		if _, err := Run(context.Background(), d, *q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error naming %q", *q, err, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, d, Query{Variant: "exp", Goal: "goal"}); err == nil {
		t.Error("a cancelled query must stop")
	}
}
