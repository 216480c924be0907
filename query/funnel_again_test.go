package query

import (
	"context"
	"encoding/json"
	"math/rand"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestFunnelAgainMatchesFunnel changes the trend interval, the --by
// property and the --where filters of random funnels (every mode and
// rules, exclusions, ranges, a DST zone), twice in a row: the result
// FunnelAgain derives from the earlier one (itself derived, the second
// time, and the earlier one released or not) must be the one Funnel
// computes, to the byte of its JSON and the per-person result.
func TestFunnelAgainMatchesFunnel(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	ctx := context.Background()
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c"}
	intervals := []string{"", "day", "week", "month", "hour"}
	wheres := [][]string{nil, {"p != z"}, {"r = 1"}, {"p != z", "r = 1"}, {"r = 1", "p = x"}, {"q = 1"}}
	iters := 300
	if testing.Short() {
		iters = 60
	}
	derived, byDerived, whereDerived := 0, 0, 0
	for it := 0; it < iters; it++ {
		var raw []RawEvent
		for u := 0; u < 1+rng.Intn(20); u++ {
			// q is the person's own (as a device is), p and r the event's.
			q := []string{"1", "2"}[rng.Intn(2)]
			for e := rng.Intn(12); e > 0; e-- {
				raw = append(raw, RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(3)],
					Time:  base + rng.Int63n(40*86_400_000),
					Props: map[string]string{"p": []string{"x", "y", "z"}[rng.Intn(3)], "r": []string{"1", "2"}[rng.Intn(2)], "q": q}})
			}
		}
		if len(raw) == 0 {
			continue
		}
		loc := time.UTC
		if rng.Intn(2) == 0 {
			loc, _ = time.LoadLocation("Europe/Berlin")
		}
		d := NewDataset(raw, loc)
		q := FunnelQuery{Window: []string{"1h", "2d", "7d"}[rng.Intn(3)],
			Mode:      []string{FunnelOrdered, FunnelOrdered, FunnelStrict, FunnelAny}[rng.Intn(4)],
			Semantics: []string{SemSpoor, SemSpoor, SemSpoor, "posthog", "amplitude"}[rng.Intn(5)]}
		if q.Semantics != SemSpoor {
			q.Mode = FunnelOrdered
		}
		for k := 0; k < 2+rng.Intn(2); k++ {
			q.Steps = append(q.Steps, FunnelStep{Event: names[rng.Intn(3)]})
		}
		if rng.Intn(3) == 0 {
			q.By = "p"
		}
		q.Where = wheres[rng.Intn(len(wheres))]
		if rng.Intn(3) == 0 {
			q.From, q.To = "2026-03-25", "2026-04-10"
		}
		if q.Mode != FunnelAny && rng.Intn(4) == 0 {
			q.Exclude = []Exclusion{{Event: names[rng.Intn(3)]}}
		}
		q.Interval = intervals[rng.Intn(len(intervals))]
		prev, err := d.Funnel(ctx, q)
		if err != nil {
			continue // a query the engine refuses: nothing to derive from
		}
		for range 2 {
			q2 := q
			q2.Interval = intervals[rng.Intn(len(intervals))]
			if rng.Intn(3) > 0 {
				q2.By = []string{"", "p", "r", "q"}[rng.Intn(4)]
			}
			if rng.Intn(2) == 0 {
				q2.Where = wheres[rng.Intn(len(wheres))]
			}
			want, err := d.Funnel(ctx, q2)
			if err != nil {
				t.Fatal(err)
			}
			// want's times go to the free list, for the blocks of got
			// or of the next funnel: were any of them still held by
			// prev, or by a result derived from it, they would be
			// written over and the next answer from them would differ.
			want.Release()
			got, ok, err := d.FunnelAgain(ctx, prev, q2)
			if err != nil || !ok {
				t.Fatalf("iteration %d: FunnelAgain ok %v, err %v for %+v after %+v", it, ok, err, q2, q)
			}
			if rng.Intn(2) == 0 {
				prev.Release() // as the workbench once got is shown
			}
			derived++
			if q2.By != q.By {
				byDerived++
			}
			if !slices.Equal(q2.Where, q.Where) {
				whereDerived++
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Fatalf("iteration %d: %+v after %+v\nderived %s\nfunnel  %s", it, q2, q, gj, wj)
			}
			if !slices.Equal(got.Level, want.Level) || !slices.Equal(got.InProgress, want.InProgress) || !slices.Equal(got.Attempt, want.Attempt) {
				t.Fatalf("iteration %d: per-person results differ", it)
			}
			gt, _ := json.Marshal(got.TopBreakdown(1))
			wt, _ := json.Marshal(want.TopBreakdown(1))
			if string(gt) != string(wt) {
				t.Fatalf("iteration %d: top breakdown %s, want %s", it, gt, wt)
			}
			for n := range 3 {
				checkTopOther(t, want, n)
			}
			prev, q = got, q2
		}
	}
	t.Logf("%d funnels derived, %d with another --by, %d with other --where", derived, byDerived, whereDerived)
	if derived < iters || byDerived < iters/4 || whereDerived < iters/4 {
		t.Fatalf("only %d funnels derived, %d with another --by, %d with other --where", derived, byDerived, whereDerived)
	}
}

// TestFunnelAgainRefuses leaves every other change to a new run.
func TestFunnelAgainRefuses(t *testing.T) {
	ctx := context.Background()
	raw := []RawEvent{{User: "u", Event: "a", Time: 1_000}, {User: "u", Event: "b", Time: 2_000}}
	d, other := NewDataset(raw, time.UTC), NewDataset(raw, time.UTC)
	q := FunnelQuery{Steps: FunnelSteps([]string{"a", "b"})}
	prev, err := d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	week := q
	week.Interval = "week"
	if _, ok, _ := d.FunnelAgain(ctx, prev, week); !ok {
		t.Fatal("an interval change was not derived")
	}
	for name, c := range map[string]struct {
		d *Dataset
		q FunnelQuery
	}{
		"other data":   {other, week},
		"other window": {d, FunnelQuery{Steps: q.Steps, Window: "1d", Interval: "week"}},
		"other steps":  {d, FunnelQuery{Steps: FunnelSteps([]string{"b", "a"}), Interval: "week"}},
		"a segment":    {d, FunnelQuery{Steps: q.Steps, Common: Common{Segment: "s"}}},
	} {
		if r, ok, err := c.d.FunnelAgain(ctx, prev, c.q); ok || r != nil || err != nil {
			t.Errorf("%s: derived (ok %v, err %v)", name, ok, err)
		}
	}
	if _, ok, _ := d.FunnelAgain(ctx, nil, week); ok {
		t.Error("derived from no result")
	}
}

// checkTopOther checks TopBreakdown(n)'s "other" funnel, which sums the
// other values' rows of the breakdown, against the persons themselves:
// those whose counted attempt's value is not among the top n, per step
// reached and in progress.
func checkTopOther(t *testing.T, r *FunnelResult, n int) {
	t.Helper()
	rows := r.TopBreakdown(n)
	if r.byProp == nil || len(r.Breakdown) <= n+1 {
		if len(rows) != len(r.Breakdown) {
			t.Fatalf("top %d of %d values: %d rows", n, len(r.Breakdown), len(rows))
		}
		return
	}
	other := rows[len(rows)-1]
	if len(rows) != n+1 || other.Value != OtherValue {
		t.Fatalf("top %d: %d rows, the last %q", n, len(rows), other.Value)
	}
	top := map[string]bool{}
	for _, b := range r.Breakdown[:n] {
		top[b.Value] = true
	}
	reached, prog := make([]int, len(r.Steps)), make([]int, len(r.Steps))
	for u, l := range r.Level {
		if l < 0 || top[codeLabel(r.byProp, int(r.byProp.Codes[r.Attempt[u]]))] {
			continue
		}
		for k := 0; k <= int(l); k++ {
			reached[k]++
		}
		if r.InProgress[u] {
			prog[l]++
		}
	}
	for k, s := range other.Steps {
		if s.Users != reached[k] || s.InProgress != prog[k] {
			t.Fatalf("top %d, other's step %d: %d users, %d in progress; the persons say %d, %d", n, k+1, s.Users, s.InProgress, reached[k], prog[k])
		}
	}
}

// TestFunnelAgainRanges derives from a result scanned in several ranges
// of persons (as large data is), whose times FunnelAgain reads range by
// range: other --by and --where, twice in a row, match Funnel's.
func TestFunnelAgainRanges(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var evs []RawEvent
	for i := 0; i < 20000; i++ {
		u := rng.Intn(700)
		evs = append(evs, RawEvent{
			User:  "u" + strconv.Itoa(u),
			Event: []string{"view", "cart", "buy", "search"}[rng.Intn(4)],
			Time:  base + rng.Int63n(40*86_400_000),
			Props: map[string]string{"src": []string{"ads", "seo", "mail"}[rng.Intn(3)], "dev": []string{"ios", "web"}[u%2]},
		})
	}
	d := NewDataset(evs, time.UTC)
	ctx := context.Background()
	for _, q := range []FunnelQuery{
		{Steps: FunnelSteps([]string{"view", "cart", "buy"}), Interval: "week", Common: Common{By: "src"}},
		{Steps: FunnelSteps([]string{"view", "cart", "buy"}), Mode: "any", Window: "2d"},
		{Steps: FunnelSteps([]string{"view", "buy"}), Mode: "strict", Exclude: []Exclusion{{Event: "search"}}},
	} {
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		np := len(d.Users)
		prev, err := p.runRanges(ctx, [][2]int{{0, np / 3}, {np / 3, np / 3}, {np / 3, np - 5}, {np - 5, np}})
		if err != nil {
			t.Fatal(err)
		}
		for _, edit := range []struct {
			by    string
			where []string
		}{{"dev", nil}, {"dev", []string{"dev = ios"}}, {"src", []string{"dev = ios", "src != seo"}}, {"", []string{"src != seo"}}, {"src", nil}} {
			q.By, q.Where = edit.by, edit.where
			want, err := d.Funnel(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := d.FunnelAgain(ctx, prev, q)
			if !ok || err != nil {
				t.Fatalf("%+v: ok %v, err %v", q, ok, err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) || !slices.Equal(got.Level, want.Level) || !slices.Equal(got.Attempt, want.Attempt) {
				t.Fatalf("%+v:\nderived %s\nfunnel  %s", q, gj, wj)
			}
			prev = got
		}
	}
}

// holds is how many results (and FunnelAgain calls) hold k's times, and
// whether its blocks were handed back. Other tests' results, collected
// meanwhile, hand theirs to the free list too: its bytes are not this
// test's to count.
func holds(k *keptTimes) (int, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.holds, k.parts == nil
}

// TestFunnelAgainReleased hands kept times back: a scan's times go back
// to the free list when the last result holding them (the scan's, those
// derived with the same persons' times) is released or collected, never
// before; a released result answers no edit once nothing holds them.
func TestFunnelAgainReleased(t *testing.T) {
	// 300 persons each do a, b, c a minute apart; even persons' events
	// carry p = x, odd persons' p = y.
	var raw []RawEvent
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).UnixMilli()
	for u := range 300 {
		for k, ev := range []string{"a", "b", "c"} {
			raw = append(raw, RawEvent{User: "u" + strconv.Itoa(u), Event: ev, Time: base + int64(u*1000+k*60_000),
				Props: map[string]string{"p": []string{"x", "y"}[u%2]}})
		}
	}
	d := NewDataset(raw, time.UTC)
	ctx := context.Background()
	q := FunnelQuery{Steps: FunnelSteps([]string{"a", "b", "c"})}
	again := func(prev *FunnelResult, q FunnelQuery) (*FunnelResult, bool) {
		r, ok, err := d.FunnelAgain(ctx, prev, q)
		if err != nil {
			t.Fatal(err)
		}
		return r, ok
	}
	check := func(what string, k *keptTimes, wantHolds int) {
		t.Helper()
		n, back := holds(k)
		if n != wantHolds || back != (n == 0) {
			t.Fatalf("%s: %d holds (want %d), blocks handed back %v", what, n, wantHolds, back)
		}
	}
	by, week, where := q, q, q
	by.By, week.Interval, where.Where = "p", "week", []string{"p = x"}

	r1, err := d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	k := r1.times.k
	check("a scan", k, 1)
	r2, ok2 := again(r1, by)
	r3, ok3 := again(r1, week)
	if !ok2 || !ok3 {
		t.Fatal("a --by or interval edit was not derived")
	}
	if r2.times.k != k || r3.times.k != k {
		t.Fatal("a --by or interval edit keeps times of its own")
	}
	check("two results derived", k, 3)
	r1.Release()
	r1.Release()
	check("r1 released twice", k, 2)
	r4, ok := again(r1, by)
	if !ok {
		t.Fatal("a released result's times, still held by others, answered no edit")
	}
	check("r4 derived from r1", k, 3)
	r4.Release()
	r2.Release()
	check("r4 and r2 released", k, 1)
	r3.Release()
	check("r3 released", k, 0)
	for _, r := range []*FunnelResult{r1, r2, r3} {
		if _, ok := again(r, by); ok {
			t.Fatal("an edit was answered from times handed back")
		}
	}

	// A --where edit keeps times of its own (the 150 even persons'),
	// which stay its own once its source is released and its blocks
	// reused.
	r5, err := d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	r6, ok := again(r5, where)
	if !ok {
		t.Fatal("a --where edit was not derived")
	}
	if r6.times.k == r5.times.k {
		t.Fatal("a --where edit shares its source's times")
	}
	r5.Release()
	check("r5 released", r5.times.k, 0)
	check("r6, r5 released", r6.times.k, 1)
	for range 3 {
		r, err := d.Funnel(ctx, week) // over r5's blocks
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	w := where
	w.By = "p"
	want, err := d.Funnel(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := again(r6, w)
	if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
		t.Fatalf("derived after its source was released:\n%s\nwant\n%s", gj, wj)
	}
	r6.Release()
	check("r6 released", r6.times.k, 1) // got holds them
	got.Release()
	check("got released", r6.times.k, 0)

	// A result nobody releases hands its times back once collected.
	k = func() *keptTimes {
		r, err := d.Funnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return r.times.k
	}()
	for i := 0; ; i++ {
		if n, _ := holds(k); n == 0 {
			break
		}
		if i == 1000 {
			t.Fatal("a result collected 1000 times over still holds its times")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	check("a result collected", k, 0)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}
