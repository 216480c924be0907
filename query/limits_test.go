package query

import (
	"context"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Limits from issue 8, on the engine: 10,000 distinct event names and a
// million distinct property values work, with answers checked against
// direct counts, in bounded time and memory.

var limitsDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()

func TestTenThousandEventNames(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(3))
	const names, users, n = 10000, 3000, 60000
	evs := make([]RawEvent, n)
	perName := map[string]int{}
	for i := range evs {
		name := fmt.Sprintf("event %05d", rng.Intn(names))
		evs[i] = RawEvent{User: fmt.Sprintf("u%d", rng.Intn(users)), Event: name, Time: limitsDay + rng.Int63n(14*86400_000)}
		perName[name]++
	}
	// Every user does "a" then "b" an hour later, so a funnel has a known answer.
	for u := 0; u < 100; u++ {
		at := limitsDay + int64(u)*60_000
		evs = append(evs, RawEvent{User: fmt.Sprintf("u%d", u), Event: "a", Time: at},
			RawEvent{User: fmt.Sprintf("u%d", u), Event: "b", Time: at + 3600_000})
	}
	d := NewDataset(evs, time.UTC)
	if len(d.Names) != len(perName)+2 {
		t.Fatalf("%d names, want %d", len(d.Names), len(perName)+2)
	}

	tr, err := d.Trends(ctx, TrendsQuery{Measure: "total"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Series[0].Total != Num(len(evs)) {
		t.Fatalf("total %v, want %d", tr.Series[0].Total, len(evs))
	}
	// Ten thousand series, one per named event, each its own count.
	var all []string
	for name := range perName {
		all = append(all, name)
	}
	start := time.Now()
	tr, err = d.Trends(ctx, TrendsQuery{Events: all, Measure: "total"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Series) != len(all) {
		t.Fatalf("%d series, want %d", len(tr.Series), len(all))
	}
	for _, s := range tr.Series {
		if s.Total != Num(perName[s.Event]) {
			t.Fatalf("%s: %v, want %d", s.Event, s.Total, perName[s.Event])
		}
	}
	t.Logf("trends of %d events: %v", len(all), time.Since(start))

	f, err := d.Funnel(ctx, FunnelQuery{Steps: []FunnelStep{{Event: "a"}, {Event: "b"}}, Window: "2h"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Steps[0].Users != 100 || f.Steps[1].Users != 100 {
		t.Fatalf("funnel %+v", f.Steps)
	}
	if _, err := d.Paths(ctx, PathsQuery{From: "a", Depth: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Retention(ctx, RetentionQuery{}); err != nil {
		t.Fatal(err)
	}
	err = d.CheckEvent("event 0001")
	if err == nil || !strings.Contains(err.Error(), "event 000") {
		t.Fatalf("misspelt name among 10,000: %v", err)
	}
}

// A million events, each with its own value of "oid": filtering on one
// value finds that event, and a breakdown by it keeps every value (no
// silent caps: docs/semantics.md#common-options) without a blow-up in memory.
func TestMillionPropertyValues(t *testing.T) {
	if testing.Short() {
		t.Skip("a million events; skipped with -short")
	}
	ctx := context.Background()
	const n, users = 1000000, 50000
	evs := make([]RawEvent, n)
	for i := range evs {
		evs[i] = RawEvent{User: fmt.Sprintf("u%d", i%users), Event: "view", Time: limitsDay + int64(i)*60,
			Props: map[string]string{"oid": fmt.Sprintf("o%07d", i)}}
	}
	d := NewDataset(evs, time.UTC)
	evs = nil
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()

	tr, err := d.Trends(ctx, TrendsQuery{Common: Common{Where: []string{"oid = o0765432"}}, Measure: "total"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Series[0].Total != 1 {
		t.Fatalf("where oid = one value: %v events, want 1", tr.Series[0].Total)
	}
	tr, err = d.Trends(ctx, TrendsQuery{Common: Common{By: "oid"}, Measure: "total"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Series) != n {
		t.Fatalf("%d series by oid, want %d", len(tr.Series), n)
	}
	for _, s := range tr.Series[:10] {
		if s.Total != 1 {
			t.Fatalf("series %s: %v", s.Value, s.Total)
		}
	}
	f, err := d.Funnel(ctx, FunnelQuery{Common: Common{By: "oid"}, Steps: []FunnelStep{{Event: "view"}, {Event: "view"}}, Window: "1d"})
	if err != nil {
		t.Fatal(err)
	}
	// Each person's counted attempt starts at one event: one value each.
	if len(f.Breakdown) != users || f.Steps[0].Users != users {
		t.Fatalf("funnel by oid: %d values, %d users; want %d", len(f.Breakdown), f.Steps[0].Users, users)
	}
	runtime.ReadMemStats(&m1)
	t.Logf("where + 1M-series trends + funnel by oid: %v, %d MB allocated, heap now %d MB",
		time.Since(start), (m1.TotalAlloc-m0.TotalAlloc)>>20, m1.HeapInuse>>20)
	if grew := (m1.TotalAlloc - m0.TotalAlloc) >> 20; grew > 4096 {
		t.Fatalf("%d MB allocated for a million values", grew)
	}
}

// A TOML spec of a million nested arrays once overflowed the stack (a
// fatal error, not a panic); deep nesting is refused with the line, and
// brackets inside strings and comments do not count. (A spec that large is
// now refused for its size first: this one is 60 KB.)
func TestSpecNestingLimit(t *testing.T) {
	deep := "analysis = \"funnel\"\nsteps = " + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + "\n"
	if _, err := Builtin().ParseSpec([]byte(deep)); err == nil || !strings.Contains(err.Error(), "line 2: nested deeper than 64") {
		t.Fatalf("deep TOML: %v", err)
	}
	inStrings := "analysis = \"trends\" # [[[[[[\nevents = [\"" + strings.Repeat("[", 100) + "\\\"\", '" + strings.Repeat("{", 100) + "', \"\"\"\n" +
		strings.Repeat("[", 100) + "\"\"\", '''" + strings.Repeat("[", 100) + "''']\n"
	s, err := Builtin().ParseSpec([]byte(inStrings))
	if err != nil {
		t.Fatalf("brackets in strings and comments: %v", err)
	}
	if ev := s.Query.(*TrendsQuery).Events; len(ev) != 4 || ev[0] != strings.Repeat("[", 100)+`"` || ev[2] != strings.Repeat("[", 100) {
		t.Fatalf("events %q", ev)
	}
	for _, depth := range []int{64, 65} {
		doc := "analysis = \"funnel\"\nx = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
		_, err := Builtin().ParseSpec([]byte(doc))
		if refused := err != nil && strings.Contains(err.Error(), "nested deeper"); refused != (depth > 64) {
			t.Fatalf("depth %d: %v", depth, err)
		}
	}
}

// The attack of issue 20.5: a 16 KB TOML spec of one dotted key
// a.a.a….b = 1 took 26 s and 919 MB to decode. Dotted keys are bounded like
// nesting, before decoding; dots in quoted parts, strings and numbers do
// not count; and a spec over MaxSpecSize is refused before anything else.
func TestSpecDottedKeyLimit(t *testing.T) {
	attack := "analysis = \"trends\"\n" + strings.Repeat("a.", 8000) + "b = 1\n"
	if _, err := Builtin().ParseSpec([]byte(attack)); err == nil || !strings.Contains(err.Error(), "line 2: a dotted key nested deeper than 64 levels") {
		t.Fatalf("dotted attack: %v", err)
	}
	for _, parts := range []int{65, 66} { // 64 and 65 dots
		doc := "analysis = \"trends\"\n" + strings.TrimSuffix(strings.Repeat("a . ", parts), ". ") + "= 1\n"
		_, err := Builtin().ParseSpec([]byte(doc))
		if refused := err != nil && strings.Contains(err.Error(), "dotted key"); refused != (parts > 65) {
			t.Fatalf("%d parts: %v", parts, err)
		}
	}
	dots := strings.Repeat(".", 100)
	ok := "analysis = \"trends\"\nevents = [\"" + dots + "\", '" + dots + "']\n\"" + dots + "\".x = 1.5\n"
	if _, err := Builtin().ParseSpec([]byte(ok)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("dots in strings: %v", err) // decoded, then refused for its unknown key
	}
	big := "analysis = \"trends\"\n#" + strings.Repeat("x", MaxSpecSize) + "\n"
	if _, err := Builtin().ParseSpec([]byte(big)); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("large spec: %v", err)
	}
}

// A spec whose "analysis" is not a string says it wants one (issue 20.10).
func TestSpecAnalysisMustBeText(t *testing.T) {
	for in, got := range map[string]string{
		`{"analysis": 5, "events": ["a"]}`: "got 5, a number",
		"analysis = 5\n":                   "got 5, a number",
		`{"analysis": ["trends"]}`:         "got a list",
		`{"analysis": null}`:               "got null",
		"analysis = true\n":                "got true, a boolean",
	} {
		_, err := Builtin().ParseSpec([]byte(in))
		if err == nil || !strings.Contains(err.Error(), `spec "analysis" must be a string naming the analysis, one of funnel, lifecycle, paths, retention, trends (`+got+")") {
			t.Errorf("%s: %v", in, err)
		}
	}
}
