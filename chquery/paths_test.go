package chquery

import (
	"context"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
)

func samePaths(t *testing.T, b *backends, q query.PathsQuery) *query.PathsResult {
	t.Helper()
	return same(t, b, q, func(e query.Engine) (*query.PathsResult, error) { return e.Paths(context.Background(), q) }, nil)
}

// TestPathsHandChecked: sessions, collapse, equal times in storage order,
// --where leaving events out of the walk, and both directions.
func TestPathsHandChecked(t *testing.T) {
	f := newFixture(t)
	at := func(m int) int64 { return day0 + int64(m)*60_000 }
	raw := []query.RawEvent{
		// u1: view view cart [40 min gap] buy
		{User: "u1", Event: "view", Time: at(0)}, {User: "u1", Event: "view", Time: at(1)}, {User: "u1", Event: "cart", Time: at(2)}, {User: "u1", Event: "buy", Time: at(42)},
		// u2: two events at the anchor's time, stored after it: view, then cart and buy at once
		{User: "u2", Event: "view", Time: at(0)}, {User: "u2", Event: "cart", Time: at(5)}, {User: "u2", Event: "buy", Time: at(5)},
		// u3: a filtered-out event does not keep the session alive
		{User: "u3", Event: "view", Time: at(0), Props: map[string]string{"ok": "1"}}, {User: "u3", Event: "noise", Time: at(20), Props: map[string]string{"ok": "0"}},
		{User: "u3", Event: "cart", Time: at(40), Props: map[string]string{"ok": "1"}},
		// u4: cart before view, stored in the other order
		{User: "u4", Event: "view", Time: at(3)}, {User: "u4", Event: "cart", Time: at(1)},
	}
	b := f.load(raw, time.UTC)
	steps := func(r *query.PathsResult) []string {
		var out []string
		for _, p := range r.Paths {
			out = append(out, strings.Join(p.Steps, ">")+"="+strconv.FormatInt(p.Users, 10))
		}
		return out
	}
	check := func(q query.PathsQuery, want ...string) {
		t.Helper()
		got := steps(samePaths(t, b, q))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%+v: got %v, want %v", q, got, want)
		}
	}
	// u1's buy is past the session, u3's noise keeps it alive.
	check(query.PathsQuery{From: "view", Depth: 2},
		"view>(end)=1", "view>cart>(end)=1", "view>cart>buy=1", "view>noise>cart=1")
	check(query.PathsQuery{From: "view", Depth: 2, NoCollapse: true},
		"view>(end)=1", "view>cart>buy=1", "view>noise>cart=1", "view>view>cart=1")
	check(query.PathsQuery{From: "view", Depth: 3, SessionGap: "0"},
		"view>cart>buy>(end)=2", "view>(end)=1", "view>noise>cart>(end)=1")
	// Without noise, u3's cart is 40 minutes after the view.
	check(query.PathsQuery{From: "view", Depth: 2, Common: query.Common{Where: []string{"ok != 0"}}},
		"view>(end)=2", "view>cart>(end)=1", "view>cart>buy=1")
	check(query.PathsQuery{To: "buy", Depth: 3},
		"(start)>buy=1", "(start)>view>cart>buy=1")
	check(query.PathsQuery{To: "view", Depth: 1},
		"(start)>view=3", "cart>view=1")
}

// TestPathsMatchesLocal compares paths with the local engine on random
// timelines in bursts (so sessions continue and break), at millisecond
// times with many equal ones in shuffled storage order, in DST zones:
// both directions, depths, sessions, collapse, top, --where, --by and
// date ranges.
func TestPathsMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(7))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/London"}
	datasets, queries := runs(10, 3), 10
	inParts := partsEvery(t)
	for it := 0; it < datasets; it++ {
		inParts(it)
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		// Around a DST change in March or November.
		base := time.Date(2026, []time.Month{3, 10, 11}[rng.Intn(3)], 1+rng.Intn(28), 0, 0, 0, 0, loc).UnixMilli()
		names := []string{"a", "b", "c", "d", "e"}[:2+rng.Intn(4)]
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(30); u++ {
			tm := base + rng.Int63n(3*86_400_000)
			for e := rng.Intn(20); e > 0; e-- {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: tm}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y", "", "10"}[rng.Intn(4)]}
				}
				raw = append(raw, re)
				// Equal times, a millisecond, minutes, or past a session.
				tm += []int64{0, 0, 1, 60_000, 29 * 60_000, 30 * 60_000, 30*60_000 + 1, 5 * 3_600_000}[rng.Intn(8)]
			}
		}
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := f.load(raw, loc)
		for qi := 0; qi < queries; qi++ {
			q := query.PathsQuery{Depth: 1 + rng.Intn(6), Top: []int{0, 1, 3, 100}[rng.Intn(4)], NoCollapse: rng.Intn(2) == 0,
				SessionGap: []string{"", "0", "30m", "1ms", "1h"}[rng.Intn(5)]}
			if rng.Intn(2) == 0 {
				q.From = names[rng.Intn(len(names))]
			} else {
				q.To = names[rng.Intn(len(names))]
			}
			if rng.Intn(4) == 0 {
				q.Where = []string{[]string{"p != y", "p is set", "p = x", "p in (x, 10)", "p <= 10"}[rng.Intn(5)]}
			}
			if rng.Intn(3) == 0 {
				q.By = "p"
			}
			if rng.Intn(3) == 0 {
				from := time.UnixMilli(base).In(loc).AddDate(0, 0, rng.Intn(3))
				q.Common.From = from.Format("2006-01-02")
				q.Common.To = from.AddDate(0, 0, rng.Intn(2)).Format("2006-01-02")
			}
			samePaths(t, b, q)
		}
	}
}

// TestPathsHeavyPerson: one person with 200,000 events runs in time linear
// in their events.
func TestPathsHeavyPerson(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 events")
	}
	f := newFixture(t)
	rng := rand.New(rand.NewSource(5))
	var raw []query.RawEvent
	for i := 0; i < 200_000; i++ {
		raw = append(raw, query.RawEvent{User: "heavy", Event: []string{"view", "view", "cart", "buy"}[rng.Intn(4)], Time: day0 + int64(i/3)*1000})
	}
	raw = append(raw, query.RawEvent{User: "light", Event: "view", Time: day0})
	b := f.load(raw, time.UTC)
	for _, q := range []query.PathsQuery{{From: "buy", Depth: 15, SessionGap: "0"}, {To: "cart", Depth: 15, NoCollapse: true}} {
		start := time.Now()
		samePaths(t, b, q)
		t.Logf("200,000 events of one person, %+v on the three engines: %v (a shared machine)", q, time.Since(start))
	}
}

// TestPathsPackedFallback: events stored after an engine read the data's
// bounds may not fit the packed sort key (here, earlier than the first
// event then stored, with ids past the bits of the largest id then
// stored); the packed query then fails by throwIf and paths walks the
// tuples instead, with the new events counted.
func TestPathsPackedFallback(t *testing.T) {
	f := newFixture(t)
	at := func(m int) int64 { return day0 + int64(m)*60_000 }
	b := f.load([]query.RawEvent{
		{User: "u1", Event: "view", Time: at(60)}, {User: "u1", Event: "cart", Time: at(61)},
		{User: "u2", Event: "view", Time: at(62)},
	}, time.UTC)
	q := query.PathsQuery{From: "view", Depth: 1, Common: query.Common{From: "2026-01-01", To: "2026-01-01"}}
	samePaths(t, b, q) // the engines read and keep the data's first instant
	f.add(b, []query.RawEvent{{User: "u3", Event: "view", Time: at(10)}, {User: "u3", Event: "cart", Time: at(11)}})
	ctx := context.Background()
	for _, e := range []*Engine{b.single, b.sharded} {
		fa, err := e.data(ctx)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := e.packedOrder(ctx, fa.min, "toUInt32(1)", len(fa.names))
		if !ok {
			t.Fatal("the table's events are not packed")
		}
		_, err = e.c.Query(ctx, "SELECT sum("+k.key+") FROM "+e.t.From)
		if !clickhouse.IsCode(err, codeThrowIf) {
			t.Fatalf("the packed key on an event before the first one read: %v, want a throwIf error", err)
		}
	}
	var got []string
	for _, p := range samePaths(t, b, q).Paths {
		got = append(got, strings.Join(p.Steps, ">")+"="+strconv.FormatInt(p.Users, 10))
	}
	if want := "view>cart=2 view>(end)=1"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	// A person of 8 bytes, which personNumber cannot hold: the query by
	// person_order (personKey), events still packed.
	f.add(b, []query.RawEvent{{User: "12345678", Event: "view", Time: at(63)}, {User: "12345678", Event: "buy", Time: at(64)}})
	b.single, b.sharded = fresh(b.single), fresh(b.sharded)
	if _, err := b.single.c.Query(ctx, "SELECT sum("+personNumber(b.single.t)+") FROM "+b.single.t.From); !clickhouse.IsCode(err, codeThrowIf) {
		t.Fatalf("personNumber of a person of 8 bytes: %v, want a throwIf error", err)
	}
	got = got[:0]
	for _, p := range samePaths(t, b, q).Paths {
		got = append(got, strings.Join(p.Steps, ">")+"="+strconv.FormatInt(p.Users, 10))
	}
	if want := "view>cart=2 view>(end)=1 view>buy=1"; strings.Join(got, " ") != want {
		t.Fatalf("with a person of 8 bytes: got %v, want %s", got, want)
	}
	// A table without person_order (pushed by an older spoor): the query
	// by personNumber fails by throwIf, then the one by the persons' text.
	for _, e := range []*Engine{b.single, b.sharded} {
		tbl := *e.t
		tbl.Order = ""
		e.t = &tbl
	}
	if k := personKey(b.single.t); k != personNumber(b.single.t) {
		t.Fatalf("personKey without person_order: %s", k)
	}
	samePaths(t, b, q)
}

// TestPathsPackedSpan: paths packs its events from the start of its range
// (packedIn), not from the data's first instant, so events stored later
// before that instant, within the range and with ids that fit, are
// walked packed and in order, where packedOrder's key fails.
func TestPathsPackedSpan(t *testing.T) {
	f := newFixture(t)
	at := func(m int) int64 { return day0 + int64(m)*60_000 }
	// 8 events: ids 1..8, so the ids take 4 bits and 9..15 fit.
	b := f.load([]query.RawEvent{
		{User: "u1", Event: "view", Time: at(60)}, {User: "u1", Event: "cart", Time: at(61)},
		{User: "u2", Event: "view", Time: at(62)},
		{User: "u4", Event: "view", Time: at(70)}, {User: "u4", Event: "buy", Time: at(71)},
		{User: "u5", Event: "cart", Time: at(75)}, {User: "u5", Event: "view", Time: at(76)}, {User: "u5", Event: "buy", Time: at(77)},
	}, time.UTC)
	q := query.PathsQuery{From: "view", Depth: 1, Common: query.Common{From: "2026-01-01", To: "2026-01-01"}}
	paths := func() string {
		var got []string
		for _, p := range samePaths(t, b, q).Paths {
			got = append(got, strings.Join(p.Steps, ">")+"="+strconv.FormatInt(p.Users, 10))
		}
		sort.Strings(got)
		return strings.Join(got, " ")
	}
	if got, want := paths(), "view>(end)=1 view>buy=2 view>cart=1"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// Ids 9..12, all before the first instant the engines read: u3's two
	// at one time in storage order (view, cart), u6's cart before view.
	f.add(b, []query.RawEvent{
		{User: "u3", Event: "view", Time: at(10)}, {User: "u3", Event: "cart", Time: at(10)},
		{User: "u6", Event: "cart", Time: at(20)}, {User: "u6", Event: "view", Time: at(21)},
	})
	ctx := context.Background()
	for _, e := range []*Engine{b.single, b.sharded} {
		fa, span, err := e.span(ctx, q.Common)
		if err != nil {
			t.Fatal(err)
		}
		if fa.min != at(60) || span.From != day0 {
			t.Fatalf("facts from %d, span from %d: want %d and %d", fa.min, span.From, at(60), day0)
		}
		if k, ok := e.packedOrder(ctx, fa.min, "toUInt32(1)", len(fa.names)); !ok {
			t.Fatal("the table's events are not packed")
		} else if _, err := e.c.Query(ctx, "SELECT sum("+k.key+") FROM "+e.t.From); !clickhouse.IsCode(err, codeThrowIf) {
			t.Fatalf("packedOrder's key on an event before the first one read: %v, want a throwIf error", err)
		}
		k, ok := e.packedIn(ctx, span, "toUInt32(1)", len(fa.names))
		if !ok {
			t.Fatal("the range's events are not packed")
		}
		// Every event of the range packs, and its time comes back out.
		r, err := e.c.Query(ctx, "SELECT count(), countIf("+k.time+" = "+e.t.Time+") FROM (SELECT "+k.key+" AS x, "+e.t.Time+" FROM "+e.t.From+
			" WHERE "+e.t.Time+" >= "+lit(span.From)+" AND "+e.t.Time+" < "+lit(span.To)+")")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(r.Rows[0], " "); got != "12 12" {
			t.Fatalf("events packed, times read back: %s, want 12 12", got)
		}
	}
	if got, want := paths(), "view>(end)=2 view>buy=2 view>cart=2"; got != want {
		t.Fatalf("with events before the first instant read: got %s, want %s", got, want)
	}
}
