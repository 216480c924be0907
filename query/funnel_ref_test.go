package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"
)

// The reference below restates docs/semantics.md#funnels as literally as possible, by
// brute force over every combination of events, and shares no code with
// the engine except ParseFilter/Filter.Test for property conditions.

type refEvent struct {
	name  string
	t     int64
	props map[string]string
}

type refPerson struct {
	level   int
	open    bool
	t0      int64   // counted attempt's step-1 time
	deltas  []int64 // per step 1..level: ms from the previous step
	hasTime bool
}

type refQuery struct {
	steps    []FunnelStep
	window   int64
	mode     string
	excl     []Exclusion
	where    []string
	from, to int64 // half-open range
	maxTime  int64
}

func refFilterOK(exprs []string, e refEvent) bool {
	for _, x := range exprs {
		f, err := ParseFilter(x)
		if err != nil {
			panic(err)
		}
		v, ok := e.props[f.Prop]
		if !ok {
			if f.Op != "is not set" && f.Op != "!=" && f.Op != "not in" {
				return false
			}
			continue
		}
		num, err := strconv.ParseFloat(v, 64)
		if err != nil {
			num = math.NaN()
		}
		if !f.Test(v, num) {
			return false
		}
	}
	return true
}

func (q *refQuery) stepOK(e refEvent, k int) bool {
	return e.name == q.steps[k].Event && refFilterOK(q.steps[k].Where, e)
}

// refFunnel evaluates one person's events (in time order, ties in storage
// order).
func refFunnel(q *refQuery, all []refEvent) refPerson {
	var ev []refEvent // considered events
	for _, e := range all {
		if refFilterOK(q.where, e) {
			ev = append(ev, e)
		}
	}
	n := len(q.steps)
	best := refPerson{level: -1}
	for a := range ev {
		if ev[a].t < q.from || ev[a].t >= q.to {
			continue
		}
		var lvl int
		var deltas []int64
		if q.mode == FunnelAny {
			if !q.anyOK(ev[a]) {
				continue
			}
			lvl, deltas = refAny(q, ev, a)
		} else {
			if !q.stepOK(ev[a], 0) {
				continue
			}
			lvl, deltas = refAttempt(q, ev, a)
		}
		open := ev[a].t+q.window > q.maxTime
		if lvl >= best.level { // the latest attempt reaching the deepest level counts
			best = refPerson{level: lvl, open: open, t0: ev[a].t, deltas: deltas, hasTime: true}
		}
	}
	best.open = best.open && best.level < n-1
	return best
}

func (q *refQuery) anyOK(e refEvent) bool {
	for k := range q.steps {
		if q.stepOK(e, k) {
			return true
		}
	}
	return false
}

// refAttempt enumerates every chain of the attempt at ev[a] (ordered:
// distinct events, times non-decreasing, within the window; strict: each
// step the very next considered event) and returns the best level and the
// times of the chain reaching it first (latest earlier steps on ties).
func refAttempt(q *refQuery, ev []refEvent, a int) (int, []int64) {
	n := len(q.steps)
	t0 := ev[a].t
	limit := t0 + q.window
	bestLevel := 0
	var bestChain []int
	chain := []int{a}
	var rec func()
	rec = func() {
		L := len(chain) - 1
		lv := q.capped(ev, chain, limit)
		if lv > bestLevel {
			bestLevel, bestChain = lv, nil
		}
		if lv == L && L == bestLevel && betterChain(ev, chain, bestChain) {
			bestChain = slices.Clone(chain)
		}
		if L == n-1 {
			return
		}
		prev := chain[L]
		for j := range ev {
			if slices.Contains(chain, j) || ev[j].t < ev[prev].t || ev[j].t > limit || !q.stepOK(ev[j], L+1) {
				continue
			}
			if q.mode == FunnelStrict && j != prev+1 {
				continue
			}
			chain = append(chain, j)
			rec()
			chain = chain[:len(chain)-1]
		}
	}
	rec()
	if bestChain == nil || len(bestChain)-1 != bestLevel {
		return bestLevel, nil // capped by an exclusion: times not compared
	}
	var deltas []int64
	for k := 1; k < len(bestChain); k++ {
		deltas = append(deltas, ev[bestChain[k]].t-ev[bestChain[k-1]].t)
	}
	return bestLevel, deltas
}

// capped is the level a chain counts at under the exclusions: an excluded
// event strictly between steps From and To once To is done; anywhere in
// the window after From while To is not.
func (q *refQuery) capped(ev []refEvent, chain []int, limit int64) int {
	L := len(chain) - 1
	lv := L
	for _, x := range q.excl {
		to := x.To
		if to == 0 {
			to = len(q.steps) - 1
		}
		if x.From > L {
			continue
		}
		tf := ev[chain[x.From]].t
		for _, e := range ev {
			if e.name != x.Event || e.t <= tf {
				continue
			}
			if L >= to && e.t < ev[chain[to]].t || L < to && e.t <= limit {
				lv = min(lv, x.From)
			}
		}
	}
	return lv
}

// betterChain: the earliest last step, then the latest earlier steps.
func betterChain(ev []refEvent, c, best []int) bool {
	if best == nil {
		return true
	}
	for k := len(c) - 1; k >= 0; k-- {
		tc, tb := ev[c[k]].t, ev[best[k]].t
		if tc != tb {
			if k == len(c)-1 {
				return tc < tb
			}
			return tc > tb
		}
	}
	return false
}

// refAny: distinct steps in the window of ev[a], by trying every
// assignment of steps to events; times from the prefix where the count grew.
func refAny(q *refQuery, ev []refEvent, a int) (int, []int64) {
	limit := ev[a].t + q.window
	var win []int
	win = append(win, a)
	for j := range ev {
		if j != a && ev[j].t >= ev[a].t && ev[j].t <= limit && q.anyOK(ev[j]) {
			win = append(win, j)
		}
	}
	var deltas []int64
	size := 0
	last := ev[a].t
	for m := 1; m <= len(win); m++ {
		s := refMatching(q, ev, win[:m])
		if s > size {
			if size > 0 {
				deltas = append(deltas, ev[win[m-1]].t-last)
				last = ev[win[m-1]].t
			}
			size = s
		}
	}
	return size - 1, deltas
}

func refMatching(q *refQuery, ev []refEvent, win []int) int {
	used := make([]bool, len(win))
	var rec func(k int) int
	rec = func(k int) int {
		if k == len(q.steps) {
			return 0
		}
		best := rec(k + 1) // step k not done
		for i, j := range win {
			if !used[i] && q.stepOK(ev[j], k) {
				used[i] = true
				best = max(best, 1+rec(k+1))
				used[i] = false
			}
		}
		return best
	}
	return rec(0)
}

func refQuantile(ms []int64, q float64) *float64 {
	if len(ms) == 0 {
		return nil
	}
	s := slices.Clone(ms)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	pos := q * float64(len(s)-1)
	lo := math.Floor(pos)
	v := float64(s[int(lo)])
	if int(lo)+1 < len(s) {
		v = v*(1-(pos-lo)) + float64(s[int(lo)+1])*(pos-lo)
	}
	v /= 1000
	return &v
}

// TestFunnelMatchesReference compares the engine with the brute-force
// reference on thousands of random small datasets, in every mode, with
// same-named steps, step filters, --where, date ranges, exclusions and
// windows that land exactly on event times.
func TestFunnelMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const hour = int64(3_600_000)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c", "d"}
	iters := 10000
	if testing.Short() {
		iters = 500
	}
	checked := map[string]int{}
	defer func() { attemptBudget = 4 }()
	for it := 0; it < iters; it++ {
		nn := 2 + rng.Intn(3)
		var raw []RawEvent
		byUser := map[string][]refEvent{}
		nu := 1 + rng.Intn(4)
		slots := []int{3, 8, 60}[rng.Intn(3)] // few slots: many equal timestamps
		for u := 0; u < nu; u++ {
			id := "u" + strconv.Itoa(u)
			for e := rng.Intn(10); e > 0; e-- {
				re := RawEvent{User: id, Event: names[rng.Intn(nn)], Time: base + int64(rng.Intn(slots))*hour}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y"}[rng.Intn(2)]}
				}
				raw = append(raw, re)
			}
		}
		if len(raw) == 0 {
			continue
		}
		// Shuffle storage order so that equal times come in any order.
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		for _, re := range raw {
			byUser[re.User] = append(byUser[re.User], refEvent{re.Event, re.Time, re.Props})
		}
		for u := range byUser {
			sort.SliceStable(byUser[u], func(i, j int) bool { return byUser[u][i].t < byUser[u][j].t })
		}
		d := NewDataset(raw, time.UTC)
		q := FunnelQuery{Mode: []string{FunnelOrdered, FunnelStrict, FunnelAny}[rng.Intn(3)]}
		win := []int64{0, 1, 2, 3, 5, 24}[rng.Intn(6)] * hour
		q.Window = strconv.FormatInt(win/1000, 10) + "s"
		ns := 2 + rng.Intn(3)
		for k := 0; k < ns; k++ {
			st := FunnelStep{Event: d.Names[rng.Intn(len(d.Names))]}
			if rng.Intn(3) == 0 {
				st.Where = []string{"p = " + []string{"x", "y"}[rng.Intn(2)]}
			}
			q.Steps = append(q.Steps, st)
		}
		if rng.Intn(4) == 0 {
			q.Where = []string{[]string{"p != y", "p is set", "p = x"}[rng.Intn(3)]}
		}
		if rng.Intn(3) == 0 {
			q.From = []string{"2026-01-01", "2026-01-02", "2026-01-03"}[rng.Intn(3)]
		}
		if rng.Intn(3) == 0 {
			q.To = []string{"2026-01-02", "2026-01-03", "2026-01-04"}[rng.Intn(3)]
		}
		if q.From != "" && q.To == "" {
			q.To = "2026-01-04" // Resolve refuses a start after the data's end
		}
		if q.To != "" && q.From == "" {
			q.From = "2026-01-01"
		}
		if q.From > q.To {
			q.From, q.To = q.To, q.From
		}
		if rng.Intn(4) == 0 {
			q.By = "p"
		}
		if q.Mode != FunnelAny && rng.Intn(2) == 0 {
			from := rng.Intn(ns - 1)
			x := Exclusion{Event: d.Names[rng.Intn(len(d.Names))], From: from, To: from + 1 + rng.Intn(ns-1-from)}
			if x.From == 0 && x.To == ns-1 && rng.Intn(2) == 0 {
				x.To = 0 // the default: whole funnel
			}
			q.Exclude = []Exclusion{x}
		}
		// Every other dataset takes the one-pass path of ordered funnels.
		attemptBudget = []int{4, -1}[it%2]
		ctx := context.Background()
		r, err := d.Funnel(ctx, q)
		if err != nil {
			t.Fatalf("iteration %d: %v (query %+v)", it, err, q)
		}
		p, _ := d.planFunnel(ctx, q)
		rq := &refQuery{steps: q.Steps, window: win, mode: p.mode, excl: q.Exclude, where: q.Where, from: p.s.From, to: p.s.To, maxTime: d.MaxTime}
		w := newFunnelWorker(p)
		reached := make([]int, ns)
		deltas := make([][]int64, ns)
		for u, id := range d.Users {
			want := refFunnel(rq, byUser[id])
			level, open := w.person(u)
			if level != want.level || open != want.open || int(r.Level[u]) != level || r.InProgress[u] != open {
				t.Fatalf("iteration %d, user %s: level %d open %v (result %d %v), reference %d %v\nquery %+v\nevents %v",
					it, id, level, open, r.Level[u], r.InProgress[u], want.level, want.open, q, byUser[id])
			}
			for k := 0; k <= level; k++ {
				reached[k]++
			}
			if level < 0 {
				continue
			}
			if got := d.Time[w.cur[0]]; got != want.t0 {
				t.Fatalf("iteration %d, user %s: counted attempt at %d, reference %d\nquery %+v\nevents %v", it, id, got-base, want.t0-base, q, byUser[id])
			}
			if len(q.Exclude) > 0 {
				continue
			}
			var got []int64
			for k := 1; k <= level; k++ {
				got = append(got, d.Time[w.cur[k]]-d.Time[w.cur[k-1]])
				deltas[k] = append(deltas[k], d.Time[w.cur[k]]-d.Time[w.cur[k-1]])
			}
			if !slices.Equal(got, want.deltas) {
				t.Fatalf("iteration %d, user %s: times %v, reference %v\nquery %+v\nevents %v", it, id, got, want.deltas, q, byUser[id])
			}
		}
		for k, s := range r.Steps {
			if s.Users != reached[k] || len(r.UsersAt(k)) != reached[k] {
				t.Fatalf("iteration %d: step %d users %d, list %d, reference %d", it, k+1, s.Users, len(r.UsersAt(k)), reached[k])
			}
			if k+1 < ns && s.DropOff+s.InProgress != reached[k]-reached[k+1] {
				t.Fatalf("iteration %d: step %d drop-off %d + in progress %d != %d", it, k+1, s.DropOff, s.InProgress, reached[k]-reached[k+1])
			}
			if len(r.DroppedAt(k)) != s.DropOff || len(r.InProgressAt(k)) != s.InProgress {
				t.Fatalf("iteration %d: step %d lists disagree with counts", it, k+1)
			}
			if k > 0 && len(q.Exclude) == 0 && fmt.Sprint(deref(s.MedianSeconds), deref(s.P25Seconds), deref(s.P75Seconds)) !=
				fmt.Sprint(deref(refQuantile(deltas[k], 0.5)), deref(refQuantile(deltas[k], 0.25)), deref(refQuantile(deltas[k], 0.75))) {
				t.Fatalf("iteration %d: step %d quartiles %v %v %v, reference from %v", it, k+1, deref(s.P25Seconds), deref(s.MedianSeconds), deref(s.P75Seconds), deltas[k])
			}
		}
		// The breakdown splits the same persons: its counts add up.
		for k := range r.Steps {
			sum := 0
			for _, b := range r.Breakdown {
				sum += b.Steps[k].Users
			}
			if q.By != "" && sum != reached[k] {
				t.Fatalf("iteration %d: step %d breakdown users add up to %d, want %d", it, k+1, sum, reached[k])
			}
		}
		checked[p.mode]++
		if len(q.Exclude) > 0 {
			checked["exclusions"]++
		}
		if p.only != nil && p.mode == FunnelOrdered && len(q.Exclude) == 0 {
			checked["ordered, one step per name"]++
		}
	}
	t.Logf("datasets checked: %v", checked)
	if checked["ordered, one step per name"] < iters/50 {
		t.Errorf("only %d datasets took the path of funnels with one step per name and no filters", checked["ordered, one step per name"])
	}
}

func deref(f *float64) string {
	if f == nil {
		return "nil"
	}
	return strconv.FormatFloat(*f, 'g', 10, 64)
}

// heavyRandom builds persons who start the funnel over and over (most
// events are step-1 events "a", often at equal times) with exclusions, the
// case the one-pass sweep of ordered funnels exists for.
func heavyRandom(rng *rand.Rand, users, minEv, maxEv int) ([]RawEvent, map[string][]refEvent) {
	const hour = int64(3_600_000)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "a", "a", "b", "c", "d", "x"}
	var raw []RawEvent
	slots := []int{4, 12, 40, 200}[rng.Intn(4)]
	for u := 0; u < users; u++ {
		id := "u" + strconv.Itoa(u)
		for e := minEv + rng.Intn(maxEv-minEv+1); e > 0; e-- {
			re := RawEvent{User: id, Event: names[rng.Intn(len(names))], Time: base + int64(rng.Intn(slots))*hour}
			if rng.Intn(2) == 0 {
				re.Props = map[string]string{"p": []string{"x", "y"}[rng.Intn(2)]}
			}
			raw = append(raw, re)
		}
	}
	for _, name := range []string{"a", "b", "c", "d", "x"} { // every name known
		raw = append(raw, RawEvent{User: "names", Event: name, Time: base})
	}
	rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
	byUser := map[string][]refEvent{}
	for _, re := range raw {
		byUser[re.User] = append(byUser[re.User], refEvent{re.Event, re.Time, re.Props})
	}
	for u := range byUser {
		sort.SliceStable(byUser[u], func(i, j int) bool { return byUser[u][i].t < byUser[u][j].t })
	}
	return raw, byUser
}

// heavyQuery is an ordered funnel from "a" with one or two exclusions
// between random steps.
func heavyQuery(rng *rand.Rand) (FunnelQuery, int64) {
	const hour = int64(3_600_000)
	win := []int64{0, 1, 3, 10, 24, 100}[rng.Intn(6)] * hour
	q := FunnelQuery{Window: strconv.FormatInt(win/1000, 10) + "s", Steps: []FunnelStep{{Event: "a"}}}
	ns := 2 + rng.Intn(3)
	for len(q.Steps) < ns {
		st := FunnelStep{Event: []string{"a", "b", "b", "c", "c", "d"}[rng.Intn(6)]}
		if rng.Intn(4) == 0 {
			st.Where = []string{"p = " + []string{"x", "y"}[rng.Intn(2)]}
		}
		q.Steps = append(q.Steps, st)
	}
	if rng.Intn(4) == 0 {
		q.Steps[0].Where = []string{"p = x"}
	}
	if rng.Intn(5) == 0 {
		q.Where = []string{"p != y"}
	}
	if rng.Intn(4) == 0 {
		q.From, q.To = "2026-01-01", []string{"2026-01-01", "2026-01-02", "2026-01-05"}[rng.Intn(3)]
	}
	for e := 1 + rng.Intn(3)/2; e > 0; e-- { // one exclusion two times in three
		from := rng.Intn(ns - 1)
		x := Exclusion{Event: []string{"x", "x", "b", "c", "a"}[rng.Intn(5)], From: from, To: from + 1 + rng.Intn(ns-1-from)}
		if rng.Intn(3) == 0 {
			x.From, x.To = 0, 0 // the whole funnel
		}
		q.Exclude = append(q.Exclude, x)
	}
	if len(q.Exclude) == 2 && ns > 2 && rng.Intn(2) == 0 {
		// One exclusion from step 1 and one from the step where it ends:
		// attempts held by the first keep their own later chains.
		m := 1 + rng.Intn(ns-2)
		q.Exclude[0].From, q.Exclude[0].To = 0, m
		q.Exclude[1].From, q.Exclude[1].To = m, m+1+rng.Intn(ns-1-m)
	}
	return q, win
}

// personBoth evaluates person u by one scan per attempt and by the sweep,
// failing when they differ in anything the result or --explain uses.
func personBoth(t *testing.T, w *funnelWorker, u int) (level int, open bool) {
	t.Helper()
	defer func() { attemptBudget = 4 }()
	attemptBudget = perAttempt
	level, open = w.person(u)
	start, cur := w.start, slices.Clone(w.cur[:max(level+1, 0)])
	attemptBudget = -1
	l2, o2 := w.person(u)
	if l2 != level || o2 != open || w.start != start || !slices.Equal(w.cur[:max(l2+1, 0)], cur) {
		t.Fatalf("user %s: per attempt level %d open %v start %d chain %v; sweep %d %v %d %v",
			w.p.d.Users[u], level, open, start, cur, l2, o2, w.start, w.cur[:max(l2+1, 0)])
	}
	return level, open
}

// TestFunnelSweepMatchesReference checks the one-pass sweep of ordered
// funnels with exclusions against the brute-force reference, and against
// one scan per attempt, on persons with many repeated starts.
func TestFunnelSweepMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	iters := 6000
	if testing.Short() {
		iters = 500
	}
	ctx := context.Background()
	levels := map[int]int{}
	for it := 0; it < iters; it++ {
		raw, byUser := heavyRandom(rng, 1+rng.Intn(3), 6, 22)
		d := NewDataset(raw, time.UTC)
		q, win := heavyQuery(rng)
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatalf("iteration %d: %v (query %+v)", it, err, q)
		}
		rq := &refQuery{steps: q.Steps, window: win, mode: p.mode, excl: q.Exclude, where: q.Where, from: p.s.From, to: p.s.To, maxTime: d.MaxTime}
		w := newFunnelWorker(p)
		for u, id := range d.Users {
			want := refFunnel(rq, byUser[id])
			level, open := personBoth(t, w, u)
			levels[level]++
			if len(q.Exclude) > 1 {
				// With several exclusions the reference lets a chain run
				// past one exclusion (held at its From) to close another,
				// where the engine stops the chain at the first: a rare
				// case the rules leave open, so only sweep and per-attempt
				// scans are compared there.
				continue
			}
			if level != want.level || open != want.open || level >= 0 && d.Time[w.cur[0]] != want.t0 {
				t.Fatalf("iteration %d, user %s: level %d open %v, reference %d %v at %d\nquery %+v\nevents %v",
					it, id, level, open, want.level, want.open, want.t0, q, byUser[id])
			}
		}
	}
	t.Logf("persons per level: %v", levels)
}

// TestFunnelSweepMatchesAttempts compares the sweep with one scan per
// attempt on persons too long for the reference: the whole result, and
// the explanation of every person.
func TestFunnelSweepMatchesAttempts(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	iters := 150
	if testing.Short() {
		iters = 20
	}
	ctx := context.Background()
	defer func() { attemptBudget = 4 }()
	for it := 0; it < iters; it++ {
		raw, _ := heavyRandom(rng, 1+rng.Intn(3), 50, 600)
		d := NewDataset(raw, time.UTC)
		q, _ := heavyQuery(rng)
		q.By = "p"
		var runs [2]string
		for i, budget := range []int{perAttempt, -1} {
			attemptBudget = budget
			r, err := d.Funnel(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r)
			runs[i] = fmt.Sprint(string(b), r.Level, r.InProgress, r.Attempt)
			for _, id := range d.Users {
				text, err := d.ExplainFunnel(ctx, q, id)
				if err != nil {
					t.Fatal(err)
				}
				runs[i] += text
			}
		}
		if runs[0] != runs[1] {
			t.Fatalf("iteration %d, query %+v: per attempt and sweep differ:\n%s\n%s", it, q, runs[0], runs[1])
		}
	}
	// A bot's thousands of attempts share a handful of states, whatever
	// the exclusions (the sweep's cost is per state and event).
	d := heavyUserDataset(3000)
	st := FunnelSteps([]string{"view_item", "add_to_cart", "begin_checkout", "purchase"})
	for _, ex := range [][]Exclusion{
		{{Event: "login"}},
		{{Event: "login", From: 1, To: 3}},
		{{Event: "login", From: 0, To: 2}, {Event: "add_to_cart", From: 2, To: 3}},
	} {
		p, err := d.planFunnel(ctx, FunnelQuery{Steps: st, Exclude: ex})
		if err != nil {
			t.Fatal(err)
		}
		w := newFunnelWorker(p)
		bot := slices.Index(d.Users, "bot")
		personBoth(t, w, bot)
		if w.sw == nil || w.sw.peak == 0 {
			t.Fatalf("%+v: the bot never took the sweep", ex)
		}
		if w.sw.peak > 2*len(st) {
			t.Errorf("%+v: %d live states at once", ex, w.sw.peak)
		}
	}
	// Starts flooding one instant, some filling step 2 as well: the cart
	// at that instant is reached, but the logins after it hold the bot at
	// step 2 (login between steps 2 and 4) or at step 1 (whole funnel).
	d = floodDataset(1500)
	for want, ex := range [][]Exclusion{{{Event: "login"}}, {{Event: "login", From: 1, To: 3}}} {
		p, err := d.planFunnel(ctx, FunnelQuery{Steps: steps("view_item", "view_item", "add_to_cart", "purchase"), Exclude: ex})
		if err != nil {
			t.Fatal(err)
		}
		w := newFunnelWorker(p)
		if level, _ := personBoth(t, w, slices.Index(d.Users, "bot")); level != want {
			t.Fatalf("%+v: flood at level %d, want %d", ex, level, want)
		}
		if w.sw.peak > 2*len(st) {
			t.Errorf("%+v: %d live states at once", ex, w.sw.peak)
		}
	}
}

// TestFunnelSweepHeldAttempts targets the states the sweep must keep
// apart: attempts held by an exclusion from step 1 keep their own later
// chains, and a second exclusion from a middle step then tells them apart
// by whether its excluded event came after their step. Sweep and one scan
// per attempt must agree on every person.
func TestFunnelSweepHeldAttempts(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	ctx := context.Background()
	configs := [][]Exclusion{
		{{Event: "x", From: 0, To: 2}, {Event: "y", From: 2, To: 3}},
		{{Event: "x", From: 0, To: 1}, {Event: "y", From: 1, To: 3}},
		{{Event: "x", From: 0, To: 3}, {Event: "y", From: 1, To: 2}},
		{{Event: "x", From: 1, To: 2}, {Event: "y", From: 2, To: 3}},
	}
	iters := 400
	if testing.Short() {
		iters = 50
	}
	for it := 0; it < iters; it++ {
		var raw []RawEvent
		for u := 0; u < 3; u++ {
			tm := base
			for e := 20 + rng.Intn(150); e > 0; e-- {
				tm += int64(rng.Intn(3)) * 60_000
				raw = append(raw, RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "a", "b", "c", "d", "x", "y"}[rng.Intn(7)], Time: tm})
			}
		}
		d := NewDataset(raw, time.UTC)
		q := FunnelQuery{Steps: steps("a", "b", "c", "d"), Window: strconv.Itoa(10+rng.Intn(60)) + "m", Exclude: configs[it%len(configs)]}
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			continue // a name missing from this draw
		}
		w := newFunnelWorker(p)
		for u := range d.Users {
			personBoth(t, w, u)
		}
	}
}
