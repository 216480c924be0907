package chquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
)

// Experiment evaluates an A/B test (docs/semantics.md#experiments) where
// the events are. Per person, on each shard: the variants they carried
// and their exposure (the earliest event carrying one, over all their
// data, an argMin) with whether it is in the test (in range, passing
// --where); then, over their step events only, the steps done in order
// from the exposure's instant through the window (each step the first
// matching event after the previous one: a linear pass per step), and
// with --revenue the revenue texts of the goal events counted. Users with
// the same outcome come back as one counted row, so without --revenue
// what crosses the network is a few cells. experiment.FromExposures makes
// the statistics as the local engine does.
func (e *Engine) Experiment(ctx context.Context, q experiment.Query) (*experiment.Result, error) {
	p, err := e.experimentPlan(ctx, q)
	if err != nil {
		return nil, err
	}
	// vals are the variants coded in a mask (variantValues), nil when the
	// table is not of push's layout or has too many.
	var vals []string
	if hasID(e.t) {
		if vals, err = e.variantValues(ctx, p, false); err != nil {
			return nil, err
		}
	}
	// The rows as they come, in chunks that are never copied to grow
	// (tens of thousands of rows at 10M events).
	var exposures [][]experiment.Exposure
	count := func(vals []string) error {
		// A column that is the same on every row (the variant, read from
		// the mask with vals; the --by value without --by) is selected as
		// a constant, not grouped: as a key it was a string hashed per
		// person (10M events, a part's server CPU 1.14 -> 1.09 s).
		variant, by, keys := "tupleElement(x0, 2)", "tupleElement(x0, 4) AS byv, tupleElement(x0, 5) AS byh", "seen, inTest, level, open, rv"
		if vals != nil {
			variant = "''"
		} else {
			keys += ", variant"
		}
		if q.By == "" {
			by = "'' AS byv, toUInt8(0) AS byh"
		} else {
			keys += ", byv, byh"
		}
		sql := func(from, part string) string {
			return "SELECT seen, " + variant + " AS variant, inTest, level, open, rv, " + by + ", count()" +
				" FROM (" + p.inner(from, part, vals) + ") GROUP BY " + keys
		}
		return p.run(ctx, e, func(ctx context.Context) error {
			exposures = nil
			return p.each(ctx, e, sql, func(row []string) error {
				if len(row) != 9 {
					return i18n.Errorf("experiment: ClickHouse sent %d columns, expected %d", len(row), 9)
				}
				seen, err1 := variantsOf(row[0], vals)
				if errors.Is(err1, errUnknownVariant) {
					return err1
				}
				lvl, err2 := strconv.Atoi(row[3])
				rv, err3 := clickhouse.ParseArray(row[5])
				users, err4 := strconv.Atoi(row[8])
				if err := firstErr(err1, err2, err3, err4); err != nil {
					return i18n.Errorf("experiment: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
				}
				x := experiment.Exposure{Users: users, Variants: seen, Variant: row[1], InTest: row[2] == "1",
					Level: lvl, InProgress: row[4] == "1", Revenue: rv, By: row[6], HasBy: row[7] == "1"}
				if vals != nil && len(seen) == 1 {
					x.Variant = seen[0]
				}
				if len(exposures) == 0 || len(exposures[len(exposures)-1]) == exposureChunk {
					exposures = append(exposures, make([]experiment.Exposure, 0, exposureChunk))
				}
				exposures[len(exposures)-1] = append(exposures[len(exposures)-1], x)
				return nil
			})
		})
	}
	switch err = count(vals); {
	case vals == nil:
	case errors.Is(err, errUnknownVariant):
		// A variant stored since the values were read: read them again.
		if vals, err = e.variantValues(ctx, p, true); err == nil {
			err = count(vals)
		}
	}
	if vals != nil && (errors.Is(err, errUnknownVariant) || clickhouse.IsCode(err, codeThrowIf)) {
		// A person's text too long for their number (or still a variant
		// unknown): the query that groups persons by their text.
		err = count(nil)
	}
	if err != nil {
		return nil, err
	}
	return experiment.FromExposures(q, p.a, func(yield func(experiment.Exposure) bool) {
		for _, chunk := range exposures {
			for _, x := range chunk {
				if !yield(x) {
					return
				}
			}
		}
	})
}

// exposureChunk is how many rows of Experiment's answer a chunk holds.
const exposureChunk = 1024

// expPlan is an experiment compiled to one row per person: the columns
// person, seen (the variants carried), x0 (the exposure: time, variant,
// --where passed, --by value and whether set), inTest, level (the steps
// done), open (short of the goal, the window runs past the data), rv (the
// revenue texts counted) and reached (the instant the goal was reached, 0
// short of it).
type expPlan struct {
	a     experiment.Assignment
	steps int // a goal is one
	// inner is the query of one row per person over a table and a part
	// of its persons (eachPart). With vals (variantValues) a person is
	// keyed by a number (personNumber) and seen is a mask of vals'
	// indexes (bit 63: another value): at 10M events the server's CPU
	// for the whole query is about half of grouping by the person's text
	// with the set of variants' texts.
	inner func(from, part string, vals []string) string
	// variant is SQL for the variant on an event, assigned whether the
	// event assigns one.
	variant, assigned string
	// order is SQL ordering a person's events (Engine.withOrder) that
	// person reads, set by run; lo is the data's first instant.
	order string
	lo    int64
	// stepEvents is how many events have a step's name, of events.
	stepEvents, events int64
}

// each runs a query of p.inner as eachPart does when the step events are
// a large share of the table (the arrays after the grouping are then
// much work, which parts spread over threads) or its parts are ranges of
// persons on one server; else as one query a server (eachPerson on all
// its threads). Parts split by a hash would each read and hash all the
// table's events again (at 10M events, a fifth of them steps, two parts
// cost the server half again). At 10M events on one server two range
// parts cost what one query does (0.99 + 0.97 s against 1.8-2.0 s of
// server CPU) and run what follows the grouping on every thread; on the
// 2-shard cluster a shard's two parts cost 1.5 s against 0.9 s for one
// query (a part's fixed cost, about 0.1 s, and smaller groupings).
//
// With the step events a small share, a query on one thread (a part, or
// a shard's on a host it shares) groups in one level, not the two that
// eachPart and hostShards ask of a large one: its arrays are of few
// events, so the one block they make is small, and the 256 blocks cost
// more (10M events: a part's server CPU on one server 0.94 -> 0.87 s;
// the 2-shard cluster's, end to end, 2.30 -> 1.96 s).
func (p *expPlan) each(ctx context.Context, e *Engine, sql partSQL, fn func(row []string) error) error {
	if p.stepEvents*4 > p.events {
		return e.eachPart(ctx, sql, fn)
	}
	if !e.t.ShardedByPerson && hasID(e.base) {
		return e.eachPart(ctx, func(from, part string) string { return sql(from, part) + oneLevel }, fn)
	}
	level := ""
	if e.t.ShardedByPerson {
		if shards, err := e.shards(ctx); err == nil && !slices.ContainsFunc(e.shardThreads(ctx, shards), func(n int) bool { return n > 1 }) {
			level = oneLevel
		}
	}
	return e.eachPerson(ctx, func(from string) string { return sql(from, "1") + level }, fn)
}

// oneLevel is the SETTINGS clause of expPlan.each's grouping in one level.
const oneLevel = " SETTINGS group_by_two_level_threshold = 0, group_by_two_level_threshold_bytes = 0"

// run runs queries of p.inner (a failed attempt must leave nothing
// behind), with the packed order first (Engine.withOrder).
func (p *expPlan) run(ctx context.Context, e *Engine, queries func(context.Context) error) error {
	return e.withOrder(ctx, p.lo, func(order string) error {
		p.order = order
		return queries(ctx)
	})
}

// experimentPlan checks q as experiment.Run does and compiles it.
func (e *Engine) experimentPlan(ctx context.Context, q experiment.Query) (*expPlan, error) {
	f, span, err := e.span(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	t := e.t
	variant, hasVariant := rowProp(t, q.Variant)
	revenue, hasRevenue := rowProp(t, q.Revenue)
	var a experiment.Assignment
	if a.VariantCarried, err = e.any(ctx, hasVariant); err != nil {
		return nil, err
	}
	if q.Revenue != "" {
		if a.RevenueCarried, err = e.any(ctx, hasRevenue); err != nil {
			return nil, err
		}
	}
	steps, window, err := experiment.Check(q, a)
	if err != nil {
		return nil, err
	}
	n := len(steps)
	if n > 63 {
		return nil, i18n.Errorf("an experiment funnel of more than 63 steps is not compiled for ClickHouse yet; copy the events to a local database to run it")
	}
	for _, st := range steps {
		if err := f.checkEvent(st.Event); err != nil {
			return nil, err
		}
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	var bits, names []string
	for k, st := range steps {
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
		}
		// Every event is tested: no AND with a constant 1 and no shift by
		// 0, each a pass over the rows.
		bit := "toUInt64(" + t.Event + " = " + clickhouse.String(st.Event)
		for _, c := range []string{cond, where} {
			if c != "1" {
				bit += " AND " + c
			}
		}
		bit += ")"
		if k > 0 {
			bit = fmt.Sprintf("bitShiftLeft(%s, %d)", bit, k)
		}
		bits = append(bits, bit)
		names = append(names, st.Event)
	}
	p := &expPlan{a: a, steps: n, lo: f.min, events: f.count}
	for i, name := range f.names {
		if slices.Contains(names, name) {
			p.stepEvents += int64(f.counts[i])
		}
	}
	byValue, byHas := "''", "0"
	if q.By != "" {
		byValue, byHas = t.Prop(q.By)
	}
	if q.Revenue == "" {
		revenue, hasRevenue = "''", "0"
	}
	// A value that assigns nothing (empty, null) is no assignment. Two
	// comparisons cost a tenth of NOT IN's set lookup on every event.
	assigned := "(" + hasVariant + " AND " + variant + " != '' AND " + variant + " != 'null')"
	mask := "(" + strings.Join(bits, " + ") + ")"
	// A mask other than 0 is an event of a step's name: no IN besides.
	isStep := "(" + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To+window) + " AND " + mask + " != 0)"
	if len(bits) == 1 {
		isStep = "(" + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To+window) + " AND " + strings.TrimPrefix(bits[0], "toUInt64") + ")"
	}
	// seen: the variants carried; x0: the exposure (time, variant,
	// --where passed, --by value and whether set); ev: the step events
	// that may count (time, storage order, the steps each may fill,
	// revenue text and whether set), in order: columns as they are read,
	// as groupArrayIf's arguments are made for every event.
	//
	// The exposure is the earliest event carrying a variant, so its time
	// is their least time; its variant matters only to a user with one
	// (several exclude them), who carries no other. Only --where and --by
	// need the exposure event itself: an argMin each, paid only when
	// given (one argMin of the whole tuple, copying the variant's text on
	// every event, was two thirds of the query at 10M events).
	//
	// Every event is grouped: a WHERE keeping the events assigned or of a
	// step cost more than the grouping of the rest that it saves (10M
	// events, each assigned: a part's grouping 0.93 -> 0.82 s of server
	// CPU; a variant on 1.5% of them: 0.62 -> 0.57 s), and the
	// aggregates test the same conditions.
	p.variant, p.assigned = variant, assigned
	inner := func(from, part string, vals []string, tail string) string {
		key, group, seen, one, some := e.personCols()+",", "person", "arraySort(groupUniqArrayIf("+variant+", "+assigned+"))", "if(length(seen) = 1, seen[1], '')", "length(seen) > 0"
		assigned := assigned
		if vals != nil {
			// An event's bit in the mask: 0 for a value that assigns
			// nothing, which the mask's lookup tells apart, so that no
			// event pays the two comparisons of a text (at 10M events
			// they were a fifth of the grouping's CPU). A property
			// value is '' where the event lacks it, except perhaps a
			// virtual one's: hasVariant stays in the test.
			bits := []string{"0", "0"}
			for i := range vals {
				bits = append(bits, strconv.FormatUint(1<<i, 10))
			}
			code := "transform(" + variant + ", ['', 'null', " + clickhouse.Strings(vals) + "], CAST([" + strings.Join(bits, ", ") + "] AS Array(UInt64)), toUInt64(" + strconv.FormatUint(1<<maxVariantBits, 10) + "))"
			assigned = code + " != 0"
			if _, virtual := t.Virtual[q.Variant]; virtual {
				assigned = "(" + hasVariant + " AND " + assigned + ")"
			}
			key = personNumber(t) + " AS sp_person,"
			group, seen, one, some = "sp_person", "groupBitOrIf("+code+", "+assigned+")", "''", "seen != 0"
		}
		passed := "toUInt8(1)"
		if where != "1" {
			passed = "argMinIf(toUInt8(" + where + "), " + p.order + ", " + assigned + ")"
		}
		by, byCols := "'', toUInt8(0)", ""
		if q.By != "" {
			by = "tupleElement(sp_by, 1), tupleElement(sp_by, 2)"
			byCols = " argMinIf((" + byValue + ", toUInt8(" + byHas + ")), " + p.order + ", " + assigned + ") AS sp_by,"
		}
		return "SELECT " + key + " " + seen + " AS seen," +
			" minIf(" + t.Time + ", " + assigned + ") AS sp_exposed, " + passed + " AS sp_passed," + byCols +
			" (sp_exposed, " + one + ", sp_passed, " + by + ") AS x0," +
			" arraySort(x -> (x.1, x.2), groupArrayIf((" + t.Time + ", " + tiebreakOf(t) + ", " + mask + ", " + revenue + ", toUInt8(" + hasRevenue + ")), " + isStep + ")) AS ev" + tail +
			" FROM " + from + " WHERE " + t.Where + " AND " + part +
			" GROUP BY " + group + " HAVING " + some
	}
	// Each nested SELECT costs ClickHouse 18.16 its analysis again (with
	// the one below: at 10M events 70 of a part's ms were analysis with
	// six stages, 24 with one) and a pass over the persons, so the
	// arrays are taken apart in the grouping's own SELECT (inner's tail)
	// and a step's first event and its bound share a stage: a stage
	// holds what may not be a lambda's alias of the same stage.
	var st stages
	st.let("inTest", "toUInt8(e0 >= "+lit(span.From)+" AND e0 < "+lit(span.To)+" AND tupleElement(x0, 3) = 1)")
	// ei: the last event in the window (inclusive).
	st.let("ei", count("T", "<=", "e0 + "+lit(window)))
	past := "(toInt64(length(T)) + 1)"
	for k := 1; k <= n; k++ {
		// The first event of step 1 is the first at or after the
		// exposure's instant (T is sorted); of a later step, the first
		// after the previous step's, by index (equal times).
		found := "(toInt64(arrayFirstIndex((m, t) -> bitTest(m, 0) AND t >= e0, M, T)) + 0 * (e0))"
		if k > 1 {
			st.next()
			prev := fmt.Sprintf("p%d", k-1)
			found = fmt.Sprintf("(toInt64(arrayFirstIndex((m, i) -> bitTest(m, %d) AND i > %s, M, I)) + 0 * (%s))", k-1, prev, prev)
		}
		st.let(fmt.Sprintf("q%d", k), found)
		st.let(fmt.Sprintf("p%d", k), fmt.Sprintf("if(q%d > 0 AND q%d <= ei, q%d, %s)", k, k, k, past))
	}
	level := "0"
	for k := 1; k <= n; k++ {
		level += fmt.Sprintf(" + toInt64(p%d <= ei)", k)
	}
	st.let("level", level)
	st.let("open", "toUInt8(level < "+strconv.Itoa(n)+" AND e0 + "+lit(window)+" > "+lit(f.max)+")")
	rev := "emptyArrayString()"
	if q.Revenue != "" {
		// The goal's events from the last step's through the window's
		// end (none short of the goal: the last step is past them all);
		// a slice, not a filter by index, so that no alias of this stage
		// is in a lambda.
		last := fmt.Sprintf("p%d", n)
		rev = fmt.Sprintf("arrayMap(x -> x.4, arrayFilter(x -> x.5 = 1 AND bitTest(x.3, %d), arraySlice(ev, %s, greatest(ei - %s + 1, 0))))", n-1, last, last)
	}
	st.let("rv", rev)
	// The goal's instant, for the members of a variant.
	st.let("reached", fmt.Sprintf("if(level = %d, T[p%d], toInt64(0))", n, n))
	// T (times), M (masks), I (indexes) and e0 (the exposure's instant)
	// in the grouping's SELECT: their lambdas use no alias.
	arrays := ", arrayMap(x -> x.1, ev) AS T, arrayMap(x -> x.3, ev) AS M, sp_exposed AS e0"
	if n > 1 {
		arrays += ", arrayEnumerate(ev) AS I"
	}
	p.inner = func(from, part string, vals []string) string { return st.wrap(inner(from, part, vals, arrays)) }
	return p, nil
}

// any reports whether some event has cond. The answer is kept with the
// facts (in the cache too, under their key, which any new row changes):
// a fresh process at 10M events otherwise paid a round trip and a
// granule's read for each of the variant and the revenue.
func (e *Engine) any(ctx context.Context, cond string) (bool, error) {
	sql := "SELECT count() FROM (SELECT 1 FROM " + e.t.From + " WHERE " + e.t.Where + " AND " + cond + " LIMIT 1)"
	f, err := e.data(ctx)
	if err != nil {
		return false, err
	}
	e.cache.mu.Lock()
	some, known := f.some[sql]
	e.cache.mu.Unlock()
	if known {
		return some, nil
	}
	r, err := e.c.Query(ctx, sql)
	if err != nil {
		return false, err
	}
	some = len(r.Rows) == 1 && r.Rows[0][0] == "1"
	e.cache.mu.Lock()
	defer e.cache.mu.Unlock()
	if f.some == nil {
		f.some = map[string]bool{}
	}
	f.some[sql] = some
	e.keep(ctx, f)
	return some, nil
}

// rowProp is t.Prop for a property a query reads only where it is set: a
// Nullable(String) column's text as it is stored, without the copy of
// every event's text that ifNull makes.
func rowProp(t *clickhouse.Table, key string) (value, has string) {
	value, has = t.Prop(key)
	if _, virtual := t.Virtual[key]; !virtual {
		if c, ok := t.PropColumn(key); ok && c.Type == "Nullable(String)" {
			value = "assumeNotNull(" + clickhouse.Ident(c.Name) + ")"
		}
	}
	return value, has
}

// maxVariantBits is how many variants the mask of expPlan.inner codes:
// bit 63 is any other value.
const maxVariantBits = 63

// errUnknownVariant is a mask with bit 63: a variant not among the values
// read.
var errUnknownVariant = errors.New("experiment: a variant not among those read")

// variantsOf reads a row's variants: a mask of vals' indexes, or with
// vals nil an array of the variants, sorted.
func variantsOf(cell string, vals []string) ([]string, error) {
	if vals == nil {
		seen, err := clickhouse.ParseArray(cell)
		slices.Sort(seen)
		return seen, err
	}
	m, err := strconv.ParseUint(cell, 10, 64)
	if err != nil {
		return nil, err
	}
	if m>>maxVariantBits != 0 {
		return nil, errUnknownVariant
	}
	var seen []string
	for i, v := range vals {
		if m>>i&1 != 0 {
			seen = append(seen, v)
		}
	}
	slices.Sort(seen)
	return seen, nil
}

// variantValues are the variants the table's events assign (at most
// maxVariantBits; nil when it has more), for expPlan.inner's mask. They
// are kept in a cache file across processes: values that are gone cost
// nothing, and one stored since they were read shows in the mask, when
// the caller reads them again (refresh).
func (e *Engine) variantValues(ctx context.Context, p *expPlan, refresh bool) ([]string, error) {
	t := e.base
	file, id, cached := e.factsFile(strings.Join([]string{"experiment variants 1", t.From, t.Where, p.variant, p.assigned}, "\x00"))
	if cached && !refresh {
		if b, err := os.ReadFile(file); err == nil {
			var c cachedVariants
			if json.Unmarshal(b, &c) == nil && c.ID == id && len(c.Values) > 0 && len(c.Values) <= maxVariantBits {
				return c.Values, nil
			}
		}
	}
	r, err := e.client(ctx).Query(ctx, "SELECT DISTINCT "+p.variant+" FROM "+t.From+" WHERE "+t.Where+" AND "+p.assigned+" LIMIT "+strconv.Itoa(maxVariantBits+1))
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 || len(r.Rows) > maxVariantBits {
		return nil, nil
	}
	vals := make([]string, 0, len(r.Rows))
	for _, row := range r.Rows {
		vals = append(vals, row[0])
	}
	if cached {
		storeJSON(file, cachedVariants{ID: id, Values: vals})
	}
	return vals, nil
}

// cachedVariants is a cache file of variantValues.
type cachedVariants struct {
	ID     string   `json:"id"`
	Values []string `json:"values"`
}
