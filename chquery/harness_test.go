package chquery

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/query"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// backends holds one dataset three ways: in memory, on one server and on
// the two-shard cluster (a Distributed table sharded by person).
type backends struct {
	local           *query.Dataset
	single, sharded *Engine
	name            string           // the tables' name
	raw             []query.RawEvent // the events, in storage order
	loc             *time.Location   // the display zone
	// cols are the property keys of the sharded tables' property columns,
	// in their INSERT order (push's layout: each key its own column);
	// the single server's table keeps every property in the arrays (the
	// layout of tables pushed by an older spoor).
	cols []string
}

var tableSeq atomic.Int64

const tableDDL = `(person String, distinct_id String, time Int64, event String,
	prop_keys Array(String), prop_values Array(String), id UInt64, person_order UInt64)
	ENGINE = MergeTree ORDER BY (person, time, id)`

// columnsDDL is tableDDL with properties as columns (clickhouse.PropColumn):
// columns are added as keys arrive.
var columnsDDL = strings.Replace(tableDDL, "prop_keys Array(String)", "prop_keys Array(String) COMMENT "+clickhouse.String(clickhouse.PropKeysComment), 1)

// fixture is what each test opens first: the two servers and a database
// of its own for the tables it loads.
type fixture struct {
	t  testing.TB
	c  *chtest.Cluster
	db string
}

// newFixture starts the servers on first use (skipping the test when none
// can be started) and makes the test's database.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	c := chtest.Get(t)
	return &fixture{t: t, c: c, db: c.NewDatabase(t)}
}

// runs is how many random datasets a cross-check tries: n, or short
// under -short.
func runs(n, short int) int {
	if testing.Short() {
		return short
	}
	return n
}

// load writes raw events (their order is the storage order) into new
// tables of the test's database and opens engines on them; loc is the
// display zone.
func (f *fixture) load(raw []query.RawEvent, loc *time.Location) *backends {
	t, c, db := f.t, f.c, f.db
	t.Helper()
	name := fmt.Sprintf("ev%d", tableSeq.Add(1))
	f.exec(0, "CREATE TABLE "+db+"."+name+"_one "+tableDDL)
	for i := range c.Servers {
		f.exec(i, "CREATE TABLE "+db+"."+name+"_local "+columnsDDL)
	}
	f.exec(0, "CREATE TABLE "+db+"."+name+" AS "+db+"."+name+"_local ENGINE = Distributed("+chtest.ClusterName+", "+db+", "+name+"_local, cityHash64(person))")
	b := &backends{name: name, loc: loc}
	f.add(b, raw)
	open := func(query string) *Engine {
		src, err := clickhouse.ParseURL(c.URL(0, db, query), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cl := clickhouse.NewClient(src)
		tab, err := clickhouse.Describe(context.Background(), cl)
		if err != nil {
			t.Fatal(err)
		}
		return New(cl, tab, loc)
	}
	b.single, b.sharded = open("table="+name+"_one"), open("table="+name+"&cluster="+chtest.ClusterName)
	if !b.sharded.t.ShardedByPerson {
		t.Fatal("the Distributed table is not read as sharded by person")
	}
	return b
}

// add stores more events after b's (as a later push does) and makes
// b.local the dataset of all of them. The engines keep what they cached.
func (f *fixture) add(b *backends, raw []query.RawEvent) {
	f.t.Helper()
	// Each person's events go to one shard, as push sends them; a
	// person's place is the order of first appearance, the Dataset's.
	place := map[string]int{}
	for _, evs := range [][]query.RawEvent{b.raw, raw} {
		for _, e := range evs {
			if _, ok := place[e.User]; !ok {
				place[e.User] = len(place)
			}
		}
	}
	// New keys get columns on both shards, then on the Distributed table,
	// as push adds them.
	have := map[string]bool{}
	for _, k := range b.cols {
		have[k] = true
	}
	var add []string
	for _, e := range raw {
		for k := range e.Props {
			if !have[k] {
				have[k] = true
				add = append(add, k)
			}
		}
	}
	if len(add) > 0 {
		if b.sharded != nil {
			f.t.Fatalf("events add property keys %q after the engines read the table's columns", add)
		}
		sort.Strings(add)
		var alter []string
		for _, k := range add {
			alter = append(alter, clickhouse.AddPropColumn(k))
		}
		for i := range f.c.Servers {
			f.exec(i, "ALTER TABLE "+f.db+"."+b.name+"_local "+strings.Join(alter, ", "))
		}
		f.exec(0, "ALTER TABLE "+f.db+"."+b.name+" "+strings.Join(alter, ", "))
		b.cols = append(b.cols, add...)
	}
	var rows strings.Builder
	var shard [2]strings.Builder
	for i, e := range raw {
		var keys, vals []string
		for k := range e.Props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals = append(vals, e.Props[k])
		}
		r := clickhouse.AppendTSV(nil, e.User)
		r = append(r, '\t')
		r = clickhouse.AppendTSV(r, e.User)
		r = fmt.Appendf(r, "\t%d\t", e.Time)
		r = clickhouse.AppendTSV(r, e.Event)
		r = append(r, '\t')
		head := len(r)
		r = clickhouse.AppendTSVArray(r, keys)
		r = append(r, '\t')
		r = clickhouse.AppendTSVArray(r, vals)
		tail := fmt.Appendf(nil, "\t%d\t%d", len(b.raw)+i+1, place[e.User])
		rows.Write(r)
		rows.Write(tail)
		rows.WriteByte('\n')
		// The sharded row: empty arrays, a column per key.
		r = append(append(r[:head], "[]\t[]"...), tail...)
		for _, k := range b.cols {
			r = append(r, '\t')
			if v, ok := e.Props[k]; ok {
				r = clickhouse.AppendTSV(r, v)
			} else {
				r = append(r, `\N`...)
			}
		}
		shard[crc32.ChecksumIEEE([]byte(e.User))%2].Write(append(r, '\n'))
	}
	if len(raw) > 0 {
		f.exec(0, "INSERT INTO "+f.db+"."+b.name+"_one FORMAT TabSeparated\n"+rows.String())
		cols := "person, distinct_id, time, event, prop_keys, prop_values, id, person_order"
		for _, k := range b.cols {
			cols += ", " + clickhouse.Ident(clickhouse.PropColumn(k))
		}
		for i := range f.c.Servers {
			if shard[i].Len() > 0 {
				f.exec(i, "INSERT INTO "+f.db+"."+b.name+"_local ("+cols+") FORMAT TabSeparated\n"+shard[i].String())
			}
		}
	}
	b.raw = append(b.raw, raw...)
	b.local = query.NewDataset(b.raw, b.loc)
}

// exec runs a statement on server i, failing the test on an error.
func (f *fixture) exec(i int, q string) {
	f.t.Helper()
	if out, err := f.c.Exec(i, q); err != nil {
		f.t.Fatalf("%v: %s", err, out)
	}
}

// same runs one analysis on the local engine and on both ClickHouse
// backends and fails unless each errs when the local one does and
// otherwise gives the same JSON; check, when set, then compares what the
// JSON leaves out (the user lists behind the counts).
func same[R any](t *testing.T, b *backends, q any, run func(query.Engine) (R, error), check func(name string, got, want R)) R {
	t.Helper()
	want, werr := run(b.local)
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		got, err := run(e)
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
		if check != nil {
			check(name, got, want)
		}
	}
	return want
}

// randomZoned is a random timeline of up to 25 users in a random zone of
// zones, over days from the first of a random month: events a and b, half
// of them with a property p of x, y or empty, shuffled out of time order.
func randomZoned(rng *rand.Rand, zones []string, days int64) (raw []query.RawEvent, loc *time.Location, base int64) {
	loc, _ = time.LoadLocation(zones[rng.Intn(len(zones))])
	base = time.Date(2026, time.Month(1+rng.Intn(11)), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	when := func() int64 { return base + rng.Int63n(days*86_400_000) }
	return randomEvents(rng, 25, 15, []string{"a", "b"}, when, withP(rng, 2, "x", "y", "")), loc, base
}

// dressing appends a drawn event to raw: as it is, with a property, under
// another name, or with a copy at its instant.
type dressing func(raw []query.RawEvent, re query.RawEvent) []query.RawEvent

// randomEvents draws a random loop's timeline: persons u0, u1, ... (1 to
// users of them), each with up to perUser-1 events of names, at times
// when draws, each passed to dress; all shuffled out of time order (the
// storage order, which the engines must not depend on). The draws come in
// the order the loops drew them inline, so their datasets are the same.
func randomEvents(rng *rand.Rand, users, perUser int, names []string, when func() int64, dress dressing) []query.RawEvent {
	var raw []query.RawEvent
	for u := 0; u < 1+rng.Intn(users); u++ {
		for e := rng.Intn(perUser); e > 0; e-- {
			re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))]}
			re.Time = when()
			raw = dress(raw, re)
		}
	}
	rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
	return raw
}

// slotted draws times at t0 plus a whole number below slots of unit,
// plus 0 or 1 ms: many equal times, and windows in milliseconds that land
// on event times.
func slotted(rng *rand.Rand, t0 int64, slots int, unit int64) func() int64 {
	return func() int64 { return t0 + int64(rng.Intn(slots))*unit + int64(rng.Intn(2)) }
}

// withP gives one time in odds the event a property p of one of vals.
func withP(rng *rand.Rand, odds int, vals ...string) dressing {
	return func(raw []query.RawEvent, re query.RawEvent) []query.RawEvent {
		if rng.Intn(odds) == 0 {
			re.Props = map[string]string{"p": vals[rng.Intn(len(vals))]}
		}
		return append(raw, re)
	}
}

// orZ renames one event in six z, an event of no step, then dresses it
// with next.
func orZ(rng *rand.Rand, next dressing) dressing {
	return func(raw []query.RawEvent, re query.RawEvent) []query.RawEvent {
		if rng.Intn(6) == 0 {
			re.Event = "z"
		}
		return next(raw, re)
	}
}

// randomWindow draws a loop's window: one of units (of unit ms) plus 0 or
// 1 ms, in seconds as a query reads it.
func randomWindow(rng *rand.Rand, unit int64, units ...int64) string {
	win := units[rng.Intn(len(units))]*unit + int64(rng.Intn(2))
	return strconv.FormatFloat(float64(win)/1000, 'f', -1, 64) + "s"
}

// oneFilterPerName makes the steps of a loop whose steps share names with
// one filter a name: a name's first step draws it (one time in odds a
// random filter, else none), its later steps take it.
func oneFilterPerName(rng *rand.Rand, odds int) func(name string) query.FunnelStep {
	filterOf := map[string][]string{}
	return func(name string) query.FunnelStep {
		w, ok := filterOf[name]
		if !ok && rng.Intn(odds) == 0 {
			w = randomFilter(rng)
		}
		filterOf[name] = w
		return query.FunnelStep{Event: name, Where: w}
	}
}

// partsEvery returns a function making dataset i of a loop read in parts,
// as a large table is (eachPart), when i is even (grouped in two levels
// when i is a multiple of 4, as a large part is), and in one query when
// odd; the test's end restores the thresholds.
func partsEvery(t testing.TB) func(i int) {
	n, m := partEvents, twoLevelEvents
	t.Cleanup(func() { partEvents, twoLevelEvents = n, m })
	return func(i int) { partEvents, twoLevelEvents = int64(i%2)<<40, int64(i%4)<<40 }
}
