package chquery

import (
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
)

// sameExperiment runs q locally and on both ClickHouse backends and fails
// unless each errs when the local one does and otherwise gives the same JSON.
func sameExperiment(t *testing.T, b *backends, q experiment.Query) *experiment.Result {
	t.Helper()
	ctx := context.Background()
	want, werr := experiment.Run(ctx, b.local, q)
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		got, err := e.Experiment(ctx, q)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%s: %+v: error %v, local error %v", name, q, err, werr)
		}
		if err != nil {
			continue
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("%s: %+v:\n got %s\nwant %s", name, q, gj, wj)
		}
	}
	return want
}

// sameMembers compares the users of each variant of q (the workbench's
// drill-down) with experiment.Members on both ClickHouse backends, and
// that a variant the test has not is an error.
func sameMembers(t *testing.T, b *backends, q experiment.Query) {
	t.Helper()
	ctx := context.Background()
	want, err := experiment.Run(ctx, b.local, q)
	if err != nil {
		return
	}
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		for _, v := range want.Variants {
			wm, err := experiment.Members(ctx, b.local, q, v.Name)
			if err != nil {
				t.Fatal(err)
			}
			gm, err := e.ExperimentMembers(ctx, q, v.Name)
			if err != nil {
				t.Fatalf("%s: members of %s: %v", name, v.Name, err)
			}
			sameJSON(t, name+" members of "+v.Name, gm, wm)
		}
		if _, err := e.ExperimentMembers(ctx, q, "no such variant"); err == nil {
			t.Fatalf("%s: the members of a variant the test has not: no error", name)
		}
	}
}

func TestExperimentHandChecked(t *testing.T) {
	f := newFixture(t)
	at := func(m int) int64 { return day0 + int64(m)*60_000 }
	v := func(x string) map[string]string { return map[string]string{"v": x} }
	raw := []query.RawEvent{
		// a1: exposed to A, buys 10 and 5 within the window; a2: exposed to
		// A, no buy; a3: a buy at the exposure's instant, stored before it.
		{User: "a1", Event: "open", Time: at(0), Props: v("A")}, {User: "a1", Event: "buy", Time: at(5), Props: map[string]string{"rev": "10"}},
		{User: "a1", Event: "buy", Time: at(6), Props: map[string]string{"rev": "5"}},
		{User: "a2", Event: "open", Time: at(0), Props: v("A")},
		{User: "a3", Event: "buy", Time: at(1), Props: map[string]string{"rev": "2.5"}}, {User: "a3", Event: "open", Time: at(1), Props: v("A")},
		// b1: B, buys after the window; b2: B then A, excluded; b3: an
		// empty value is no assignment, then B with a buy.
		{User: "b1", Event: "open", Time: at(0), Props: v("B")}, {User: "b1", Event: "buy", Time: at(2*60 + 1)},
		{User: "b2", Event: "open", Time: at(0), Props: v("B")}, {User: "b2", Event: "open", Time: at(3), Props: v("A")},
		{User: "b3", Event: "open", Time: at(0), Props: v("")}, {User: "b3", Event: "open", Time: at(1), Props: v("B")}, {User: "b3", Event: "buy", Time: at(2)},
		{User: "zz", Event: "buy", Time: at(600)},
	}
	b := f.load(raw, time.UTC)
	r := sameExperiment(t, b, experiment.Query{Variant: "v", Goal: "buy", Window: "2h", Revenue: "rev"})
	got := map[string][2]int{}
	for _, x := range r.Variants {
		got[x.Name] = [2]int{x.Users, x.Conversions}
	}
	if got["A"] != [2]int{3, 2} || got["B"] != [2]int{2, 1} || r.Excluded != 1 {
		t.Fatalf("users, conversions %v, excluded %d; want A 3 2, B 2 1, 1 excluded", got, r.Excluded)
	}
	if tot := r.Variants[0].Rev.Total; r.Variants[0].Name != "A" || tot != 17.5 {
		t.Fatalf("A's revenue %v, want 17.5", tot)
	}
	sameMembers(t, b, experiment.Query{Variant: "v", Goal: "buy", Window: "2h", Revenue: "rev"})
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		m, err := e.ExperimentMembers(context.Background(), experiment.Query{Variant: "v", Goal: "buy", Window: "2h", Revenue: "rev"}, "A")
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, name+" members of A", m, []experiment.Member{
			{User: "a1", Exposed: at(0), Converted: true, At: at(5)}, {User: "a2", Exposed: at(0)}, {User: "a3", Exposed: at(1), Converted: true, At: at(1)}})
	}
}

// TestExperimentMatchesLocal compares experiments with the local engine on
// random data: ms and equal times in shuffled storage order, variants
// mixed, empty and null, goals and funnels with step filters, --where,
// --by, ranges in DST zones, revenue that is not always a number.
func TestExperimentMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(9))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Europe/London"}
	datasets, queries := runs(8, 3), 8
	inParts := partsEvery(t)
	for it := 0; it < datasets; it++ {
		inParts(it)
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := time.Date(2026, []time.Month{3, 10, 11}[rng.Intn(3)], 1+rng.Intn(28), 0, 0, 0, 0, loc).UnixMilli()
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(40); u++ {
			tm := base + rng.Int63n(5*86_400_000)
			for e := rng.Intn(12); e > 0; e-- {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"open", "view", "buy", "buy"}[rng.Intn(4)], Time: tm, Props: map[string]string{}}
				if rng.Intn(3) == 0 {
					re.Props["v"] = []string{"A", "A", "B", "B", "C", "", "null"}[rng.Intn(7)]
				}
				if rng.Intn(2) == 0 {
					re.Props["p"] = []string{"x", "y", "10"}[rng.Intn(3)]
				}
				if rng.Intn(2) == 0 {
					re.Props["rev"] = []string{"1", "2.5", "0.1", "1e2", "x", "-3", "0.2"}[rng.Intn(7)]
				}
				raw = append(raw, re)
				tm += []int64{0, 0, 1, 60_000, 3_600_000, 86_400_000}[rng.Intn(6)]
			}
		}
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := f.load(raw, loc)
		for qi := 0; qi < queries; qi++ {
			q := experiment.Query{Variant: "v", Window: []string{"", "1ms", "1h", "1d", "3d"}[rng.Intn(5)]}
			if rng.Intn(2) == 0 {
				q.Goal = []string{"buy", "buy where p = x", "view"}[rng.Intn(3)]
			} else {
				q.Steps = query.FunnelSteps([]string{"view", "buy"})
				if rng.Intn(2) == 0 {
					q.Steps = query.FunnelSteps([]string{"open", "buy where p != y", "buy"})
				}
			}
			if rng.Intn(2) == 0 {
				q.Revenue = "rev"
			}
			if rng.Intn(3) == 0 {
				q.By = "p"
			}
			if rng.Intn(4) == 0 {
				q.Where = []string{[]string{"p != y", "p is set", "p in (x, 10)"}[rng.Intn(3)]}
			}
			if rng.Intn(3) == 0 {
				from := time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(3))
				q.From = from.Format("2006-01-02")
				q.To = from.AddDate(0, 0, rng.Intn(3)).Format("2006-01-02")
			}
			if rng.Intn(5) == 0 {
				q.Control = "B"
			}
			sameExperiment(t, b, q)
			if qi%4 == 0 {
				sameMembers(t, b, q)
			}
		}
	}
}

// TestExperimentVariantMask checks the query that keys persons by a number
// and variants by a mask (expPlan.inner with values) and each way back to
// the one by text: a person's text too long for the number, more variants
// than the mask holds, a variant stored after the cached values were read.
func TestExperimentVariantMask(t *testing.T) {
	f := newFixture(t)
	cacheIn(t, t.TempDir())
	ctx := context.Background()
	q := experiment.Query{Variant: "v", Goal: "buy", Window: "1d", Revenue: "rev"}
	at := func(m int) int64 { return day0 + int64(m)*60_000 }
	event := func(user, name string, m int, v string) query.RawEvent {
		props := map[string]string{"rev": strconv.Itoa(m)}
		if v != "-" {
			props["v"] = v
		}
		return query.RawEvent{User: user, Event: name, Time: at(m), Props: props}
	}
	// masked runs q's counting query with the values read (nil: none).
	masked := func(e *Engine) ([]string, error) {
		p, err := e.experimentPlan(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := e.variantValues(ctx, p, false)
		if err != nil || vals == nil {
			return vals, err
		}
		return vals, p.run(ctx, e, func(ctx context.Context) error {
			_, err := e.c.Query(ctx, p.inner(e.t.From, "1", vals))
			return err
		})
	}
	raw := []query.RawEvent{
		event("a", "open", 0, "A"), event("a", "buy", 5, "-"), event("b", "open", 1, "B"), event("b", "buy", 2, "-"),
		event("c", "open", 0, "A"), event("c", "open", 3, "B"), event("d", "buy", 0, "-"), event("d", "open", 1, "null"),
		event("1234567", "open", 2, "B"), event("1234567", "buy", 2, "A"),
	}
	b := f.load(raw, time.UTC)
	sameExperiment(t, b, q)
	if vals, err := masked(b.single); err != nil || len(vals) != 2 {
		t.Fatalf("masked query on persons of up to 7 bytes: values %q, error %v", vals, err)
	}
	// A variant stored since: the cached values lack it.
	f.add(b, []query.RawEvent{event("e", "open", 4, "C"), event("e", "buy", 6, "-")})
	b.single, b.sharded = fresh(b.single), fresh(b.sharded)
	sameExperiment(t, b, q)
	if vals, err := masked(fresh(b.single)); err != nil || len(vals) != 3 {
		t.Fatalf("after a new variant: values %q, error %v; want A, B, C", vals, err)
	}
	// A person of 8 bytes: the number cannot hold them.
	f.add(b, []query.RawEvent{event("12345678", "open", 7, "A"), event("12345678", "buy", 8, "-")})
	b.single, b.sharded = fresh(b.single), fresh(b.sharded)
	if _, err := masked(b.single); !clickhouse.IsCode(err, codeThrowIf) {
		t.Fatalf("masked query on a person of 8 bytes: error %v, want throwIf's", err)
	}
	sameExperiment(t, b, q)
	// More variants than the mask holds.
	var many []query.RawEvent
	for i := range maxVariantBits + 1 {
		many = append(many, event("u"+strconv.Itoa(i%9), "open", i, "v"+strconv.Itoa(i)), event("u"+strconv.Itoa(i), "buy", i+1, "-"))
	}
	b = f.load(many, time.UTC)
	if vals, err := masked(b.single); err != nil || vals != nil {
		t.Fatalf("%d variants: values %q, error %v; want none", maxVariantBits+1, vals, err)
	}
	sameExperiment(t, b, q)
}

// TestExperimentCarriedCached: whether any event carries the variant and
// the revenue is kept with the facts, so a new process asks neither; a
// doctored entry under the table's key is what it reads.
func TestExperimentCarriedCached(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	cacheIn(t, dir)
	raw := []query.RawEvent{
		{User: "a1", Event: "open", Time: day0, Props: map[string]string{"v": "A"}},
		{User: "a1", Event: "buy", Time: day0 + 60_000, Props: map[string]string{"rev": "4"}},
		{User: "b1", Event: "open", Time: day0, Props: map[string]string{"v": "B"}},
	}
	b := f.load(raw, time.UTC)
	q := experiment.Query{Variant: "v", Goal: "buy", Window: "1h", Revenue: "rev"}
	r := sameExperiment(t, b, q)
	if len(r.Variants) != 2 || r.Variants[0].Name != "A" || r.Variants[0].Conversions != 1 || r.Variants[0].Rev.Total != 4 {
		t.Fatalf("variants %+v, want A with 1 conversion and revenue 4, then B", r.Variants)
	}
	for _, file := range cacheFiles(t, dir) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c cachedFacts
		if json.Unmarshal(data, &c) != nil || c.Names == nil {
			continue // not a facts file
		}
		if len(c.Some) != 2 {
			t.Fatalf("%s: kept %v, want the variant's and the revenue's answers", file, c.Some)
		}
		for k := range c.Some {
			c.Some[k] = false
		}
		data, _ = json.Marshal(c)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		if _, err := fresh(e).Experiment(context.Background(), q); err == nil {
			t.Fatalf("%s: the doctored entry (no event carries the variant) was not read", name)
		}
	}
}
