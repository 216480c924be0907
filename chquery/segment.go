package chquery

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// Segments (package segment's expressions, saved segments, audience rules
// and lifecycle stages) compile to a person set: SQL selecting the column
// sp_person of the persons an expression holds for, grouped by person on
// the server. Terms that count, or look at the first, last or latest
// event, are aggregates of that group; a sequence or a streak is a
// subquery of its own over the same table, linear in each person's events
// (sorted arrays, running maxima by arrayCumSumNonNegative, no lambda
// capturing an array). Windows and dates are resolved by segment.Clock, as
// the local evaluator resolves them, against the data's last event.
//
// An analysis's --segment NAME keeps the events of the set's persons, and
// --by segment:NAME labels each event NAME or "not NAME" by it (scope). On
// a table sharded by person, the set is made on each shard from its own
// table, next to its persons' events; on any other Distributed table it is
// made once and sent to the shards (GLOBAL IN).

// personCol is the person column of a person set.
const personCol = "sp_person"

// scope resolves the range of c, and returns the engine whose table keeps
// only the persons of c.Segment and has the property c.By when it is
// segment:NAME; e itself when c names no segment.
func (e *Engine) scope(ctx context.Context, c query.Common) (*Engine, *facts, query.Span, error) {
	name, by := strings.CutPrefix(c.By, "segment:")
	if c.Segment == "" && !by {
		f, span, err := e.span(ctx, c)
		return e, f, span, err
	}
	s := *e
	s.scoped = true
	t := *e.base
	s.t = &t
	f, span, err := s.span(ctx, c)
	if err != nil {
		return nil, nil, span, err
	}
	if c.Segment != "" {
		in, err := e.inSegment(ctx, c.Segment, span.Loc, f)
		if err != nil {
			return nil, nil, span, err
		}
		t.Where = "(" + t.Where + ") AND " + in
	}
	if by {
		in, err := e.inSegment(ctx, name, span.Loc, f)
		if err != nil {
			return nil, nil, span, err
		}
		// The label is a column the table brings: 18.16 fails on a GROUP BY
		// key that holds an IN subquery, which the label would otherwise be.
		label := " ARRAY JOIN [if(" + in + ", " + clickhouse.String(name) + ", " + clickhouse.String("not "+name) + ")] AS sp_by"
		t.From += label
		if t.Local != "" {
			t.Local += label
		}
		t.Virtual = map[string][2]string{c.By: {"sp_by", "1"}}
	}
	return &s, f, span, nil
}

// inSegment is SQL true on the events of the persons of a --segment name.
func (e *Engine) inSegment(ctx context.Context, name string, loc *time.Location, f *facts) (string, error) {
	b := e.segmentBuilder(loc, f)
	var set func(string) string
	if stage, ok := strings.CutPrefix(name, "stage:"); ok {
		k, err := segment.StageIndex(stage)
		if err != nil {
			return "", err
		}
		set = b.stage(k, segment.DefaultStageWindow)
	} else {
		if e.rules == nil {
			return "", i18n.Errorf("no saved segment %q: no saved segments are known for this ClickHouse table", name)
		}
		expr, err := e.rules(ctx, name)
		if err != nil {
			return "", err
		}
		n, err := segment.Parse(expr)
		if err != nil {
			return "", err
		}
		if set, err = b.set(ctx, n); err != nil {
			return "", err
		}
	}
	return b.in(e.base.Person, set), nil
}

// SegmentSize is the size of an expression on the table, and with members
// asked for, its members sorted by user id.
type SegmentSize struct {
	Users, Total int
	Members      []string
	// Unknown are the event names the expression uses that the table
	// lacks (they match nothing), in the order they appear.
	Unknown []string
	// Unset are the properties it reads that no event carries, in the
	// order they appear (segment.Evaluator's Unset).
	Unset []string
}

// Segment evaluates an expression (package segment's language) on the
// table, in the calendar days of loc (nil: the display zone), as
// segment.Evaluate does on a local dataset.
func (e *Engine) Segment(ctx context.Context, expr string, loc *time.Location, members bool) (*SegmentSize, error) {
	n, err := segment.Parse(expr)
	if err != nil {
		return nil, err
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = e.loc
	}
	b := e.segmentBuilder(loc, f)
	set, err := b.set(ctx, n)
	if err != nil {
		return nil, err
	}
	out := &SegmentSize{Unknown: b.unknown}
	if out.Unset, err = e.unset(ctx, b.props); err != nil {
		return nil, err
	}
	if out.Total, err = e.persons(ctx); err != nil {
		return nil, err
	}
	sql := func(from string) string { return "SELECT count() FROM (" + set(from) + ")" }
	var list []placed[string]
	if members {
		// Each member with its place in the local engine's lists.
		t := e.base
		sql = func(from string) string {
			return "SELECT " + t.Person + " AS sp_m, " + orderOf(t) + " FROM " + from + " WHERE " + t.Where + " AND sp_m IN (" + set(from) + ") GROUP BY sp_m"
		}
	}
	err = e.eachPerson(ctx, sql, func(row []string) error {
		if members {
			order, err := parseOrder(row[1])
			if err != nil {
				return i18n.Errorf("segment: ClickHouse sent the row %q", strings.Join(row, " "))
			}
			list = append(list, placed[string]{row[0], order})
			return nil
		}
		n, err := strconv.Atoi(row[0])
		out.Users += n
		if err != nil {
			return i18n.Errorf("segment: ClickHouse sent the count %q", row[0])
		}
		return nil
	})
	if members {
		out.Members = inListOrder(list, func(u string) string { return u })
		out.Users = len(out.Members)
	}
	return out, err
}

// segBuilder compiles expressions over the base table.
type segBuilder struct {
	e       *Engine
	f       *facts
	clk     segment.Clock
	loc     *time.Location
	unknown []string
	props   []string // the properties the expression reads, once each
	aggs    []string // the per-person aggregates the condition reads, "expr AS name"
	// until, when not 0, hides the events at or after it: the set is the
	// one as of that instant (with clk anchored just before it).
	until int64
	// aggUntil, when not 0, hides those events from the aggregates only,
	// as until does: several sets as of different instants then share one
	// grouping of every event (SegmentTrend). prefix names the aggregates
	// (sp_a when empty), apart from other builders' in that grouping.
	aggUntil int64
	prefix   string
	// subqueries is set once a sequence or a streak is compiled: a
	// subquery of its own, which sees b.where(), not aggUntil.
	subqueries bool
}

// where is SQL true on the events the set sees.
func (b *segBuilder) where() string {
	if b.until == 0 {
		return b.e.base.Where
	}
	return "(" + b.e.base.Where + ") AND " + b.e.base.Time + " < " + lit(b.until)
}

// prop notes a property the expression reads, once.
func (b *segBuilder) prop(key string) {
	if !slices.Contains(b.props, key) {
		b.props = append(b.props, key)
	}
}

// agg names a per-person aggregate for the condition: fn of args over the
// events where cond holds ("": all; fn takes the -If combinator). (Aggregates
// stay in the grouping SELECT and the condition goes outside it: in a
// HAVING, 18.16 takes the aggregates of a sequence's subquery for its own.)
func (b *segBuilder) agg(fn, cond string, args ...string) string {
	if b.aggUntil != 0 {
		if cond != "" {
			cond += " AND "
		}
		cond += b.e.base.Time + " < " + lit(b.aggUntil)
	}
	expr := fn + "(" + strings.Join(args, ", ") + ")"
	if cond != "" {
		expr = fn + "If(" + strings.Join(append(args, cond), ", ") + ")"
	}
	prefix := b.prefix
	if prefix == "" {
		prefix = "sp_a"
	}
	name := prefix + strconv.Itoa(len(b.aggs))
	b.aggs = append(b.aggs, expr+" AS "+name)
	return name
}

// persons is the person set of the condition cond over the aggregates.
func (b *segBuilder) persons(from, cond string) string {
	return b.perPerson(from, personCol) + " WHERE " + cond
}

// perPerson selects cols (SQL over sp_person and the aggregates) for
// every person of the table from.
func (b *segBuilder) perPerson(from string, cols string) string {
	t := b.e.base
	return "SELECT " + cols + " FROM (SELECT " + t.Person + " AS " + personCol + ", " + strings.Join(append(slices.Clone(b.aggs), "count() AS sp_n"), ", ") +
		" FROM " + from + " WHERE " + b.where() + " GROUP BY " + personCol + ")"
}

func (e *Engine) segmentBuilder(loc *time.Location, f *facts) *segBuilder {
	return &segBuilder{e: e, f: f, clk: segment.NewClock(f.max, loc), loc: loc}
}

// in is SQL true where person (SQL of a row's person) is in the set. The
// set is made from the shard's own table when the table is sharded by
// person (each shard holds all of its persons' events), else once, over
// the whole table.
func (b *segBuilder) in(person string, set func(from string) string) string {
	t := b.e.base
	switch {
	case t.ShardedByPerson:
		return person + " IN (" + set(t.Local) + ")"
	case t.Distributed:
		return person + " GLOBAL IN (" + set(t.From) + ")"
	}
	return person + " IN (" + set(t.From) + ")"
}

// set compiles n to a person set over a table (the table, or a shard's).
func (b *segBuilder) set(ctx context.Context, n segment.Node) (func(from string) string, error) {
	cond, err := b.node(ctx, n)
	if err != nil {
		return nil, err
	}
	return func(from string) string { return b.persons(from, cond(from)) }, nil
}

// stage is the person set of lifecycle stage k (an index of
// segment.StageNames) with a window of days, as segment.StagesIn decides.
func (b *segBuilder) stage(k, window int) func(from string) string {
	cond := b.stageIndex(window) + " = " + strconv.Itoa(k)
	return func(from string) string { return b.persons(from, cond) }
}

// stageIndex is a person's lifecycle stage (an index of
// segment.StageNames) over the aggregates, tested in segment.StagesIn's
// order.
func (b *segBuilder) stageIndex(window int) string {
	t := b.e.base
	recent, before := b.clk.Stages(window)
	first, last := b.agg("min", "", t.Time), b.agg("max", "", t.Time)
	mid := "(" + b.agg("count", t.Time+" >= "+lit(before)+" AND "+t.Time+" < "+lit(recent)) + " > 0)"
	return "multiIf(" + last + " < " + lit(before) + ", 4, " + last + " < " + lit(recent) + ", 3, " +
		first + " >= " + lit(recent) + ", 0, " + mid + ", 1, 2)"
}

// node compiles n to a condition on a person's group of events (its
// aggregates); the table is given last, for the subqueries of sequences
// and streaks.
func (b *segBuilder) node(ctx context.Context, n segment.Node) (func(from string) string, error) {
	fixed := func(s string) func(string) string { return func(string) string { return s } }
	t := b.e.base
	switch n := n.(type) {
	case segment.And, segment.Or:
		terms, op := []segment.Node(nil), " AND "
		if a, ok := n.(segment.And); ok {
			terms = a.Terms
		} else {
			terms, op = n.(segment.Or).Terms, " OR "
		}
		var kids []func(string) string
		for _, k := range terms {
			c, err := b.node(ctx, k)
			if err != nil {
				return nil, err
			}
			kids = append(kids, c)
		}
		return func(from string) string {
			parts := make([]string, len(kids))
			for i, k := range kids {
				parts[i] = "(" + k(from) + ")"
			}
			return strings.Join(parts, op)
		}, nil
	case segment.Not:
		x, err := b.node(ctx, n.X)
		if err != nil {
			return nil, err
		}
		return func(from string) string { return "NOT (" + x(from) + ")" }, nil
	case segment.Did:
		m, err := b.matcher(ctx, n.Event)
		if err != nil {
			return nil, err
		}
		from, to, err := b.clk.Window(n.Win)
		if err != nil {
			return nil, err
		}
		return fixed(b.agg("count", m+b.between(from, to)) + " " + n.Cmp + " " + strconv.Itoa(n.N)), nil
	case segment.Seen:
		from, to, err := b.clk.Seen(n)
		if err != nil {
			return nil, err
		}
		at := "min"
		if n.Last {
			at = "max"
		}
		return fixed(b.range_(b.agg(at, "", t.Time), from, to)), nil
	case segment.UserProp:
		b.prop(n.Filter.Prop)
		value, has := t.Prop(n.Filter.Prop)
		c, err := b.e.test(ctx, n.Filter, b.agg("argMax", has, value, "("+t.Time+", "+b.tiebreak()+")"), "("+b.agg("count", has)+" > 0)")
		return fixed(c), err
	case segment.Active:
		from, _ := b.clk.Rel(n.Rel)
		op := " >= "
		if n.Silent {
			op = " < "
		}
		return fixed(b.agg("max", "", t.Time) + op + lit(from)), nil
	case segment.Seq:
		b.subqueries = true
		set, err := b.seq(ctx, n)
		if err != nil {
			return nil, err
		}
		return func(from string) string { return personCol + " IN (" + set(from) + ")" }, nil
	case segment.Streak:
		b.subqueries = true
		set, err := b.streak(ctx, n)
		if err != nil {
			return nil, err
		}
		return func(from string) string { return personCol + " IN (" + set(from) + ")" }, nil
	}
	return nil, i18n.Errorf("segment: cannot compile %T for ClickHouse", n)
}

// between is " AND time in [from, to)", nothing for all time.
func (b *segBuilder) between(from, to int64) string {
	if c := b.range_(b.e.base.Time, from, to); c != "1" {
		return " AND " + c
	}
	return ""
}

// range_ is SQL true where at lies in [from, to); either end may be open
// (math.MinInt64, math.MaxInt64).
func (b *segBuilder) range_(at string, from, to int64) string {
	var parts []string
	if from != math.MinInt64 {
		parts = append(parts, at+" >= "+lit(from))
	}
	if to != math.MaxInt64 {
		parts = append(parts, at+" < "+lit(to))
	}
	if len(parts) == 0 {
		return "1"
	}
	return strings.Join(parts, " AND ")
}

func (b *segBuilder) tiebreak() string {
	if b.e.base.Tiebreak == "" {
		return "0"
	}
	return b.e.base.Tiebreak
}

// matcher is SQL true on the events of m: its name and where conditions;
// "0" for a name the table does not hold.
func (b *segBuilder) matcher(ctx context.Context, m segment.EventMatch) (string, error) {
	t := b.e.base
	for _, f := range m.Where { // noted as the local evaluator does, named event or not
		b.prop(f.Prop)
	}
	if !b.f.known[m.Name] {
		if !slices.Contains(b.unknown, m.Name) {
			b.unknown = append(b.unknown, m.Name)
		}
		return "0", nil
	}
	parts := []string{t.Event + " = " + clickhouse.String(m.Name)}
	for _, f := range m.Where {
		c, err := b.e.condition(ctx, f)
		if err != nil {
			return "", err
		}
		parts = append(parts, c)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// seq is the person set of "did A then [not] B [within W] [window]"
// (segment's seqNode): for "then B", some B follows, in time and storage
// order, the latest A before it within W; for "then not B", no B follows
// the most recent A in the window within W.
func (b *segBuilder) seq(ctx context.Context, n segment.Seq) (func(from string) string, error) {
	t := b.e.base
	a, err := b.matcher(ctx, n.A)
	if err != nil {
		return nil, err
	}
	bm, err := b.matcher(ctx, n.B)
	if err != nil {
		return nil, err
	}
	from, to, err := b.clk.Window(n.Win)
	if err != nil {
		return nil, err
	}
	isA := "(" + a + b.between(from, to) + ")"
	key := "(toInt64(" + t.Time + "), " + b.tiebreak() + ")"
	within := func(gap string) string {
		if n.Within == 0 {
			return "1"
		}
		return gap + " <= " + lit(n.Within)
	}
	inner := func(from, cols string) string {
		return "SELECT " + t.Person + " AS " + personCol + ", " + cols + " FROM " + from + " WHERE " + b.where() +
			" AND (" + isA + " OR " + bm + ") GROUP BY " + personCol
	}
	if n.Absent {
		// (A lambda capturing a column fails on 18.16 here: the last A
		// goes in as an array beside the Bs.)
		cols := "maxIf(" + key + ", " + isA + ") AS sa, countIf(" + isA + ") AS na, groupArrayIf(" + key + ", " + bm + ") AS bs"
		return func(from string) string {
			return "SELECT " + personCol + " FROM (" + inner(from, cols) + ") WHERE na > 0 AND NOT arrayExists((x, a) -> x > a AND " + within("x.1 - a.1") +
				", bs, arrayResize([sa], length(bs), sa))"
		}, nil
	}
	cols := "arraySort(groupArray((toInt64(" + t.Time + "), " + b.tiebreak() + ", toUInt8(" + isA + "), toUInt8(" + bm + ")))) AS ev"
	var st stages
	st.let("sT", "arrayMap(x -> x.1, ev)")
	st.let("sA", "arrayMap(x -> x.3, ev)")
	st.let("sB", "arrayMap(x -> x.4, ev)")
	st.next()
	st.let("sV", "arrayMap((a, t) -> if(a = 1, t, "+neg+"), sA, sT)")
	st.next()
	// The latest A at or before each event (a running maximum), then
	// strictly before it: an event is never its own follower.
	st.let("sR", "arrayMap((v, d) -> v + d, sV, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(sV))))")
	st.next()
	st.let("sP", "arrayPushFront(arrayPopBack(sR), "+neg+")")
	return func(from string) string {
		return "SELECT " + personCol + " FROM (" + st.wrap(inner(from, cols)) + ") WHERE arrayExists((x, t, p) -> x = 1 AND p > " + neg + " AND " + within("t - p") + ", sB, sT, sP)"
	}, nil
}

// streak is the person set of "streak EVENT [by PROP] >= N days [without
// E]" (segment's streakNode): per person and value, the runs of
// consecutive calendar days with the event; the latest first day of a run
// of N days or more must come after the last day of every E event with
// the same value or none.
func (b *segBuilder) streak(ctx context.Context, n segment.Streak) (func(from string) string, error) {
	t := b.e.base
	m, err := b.matcher(ctx, n.Event)
	if err != nil {
		return nil, err
	}
	w := "0"
	if n.Without != "" {
		if b.f.known[n.Without] {
			w = "(" + t.Event + " = " + clickhouse.String(n.Without) + ")"
		} else if !slices.Contains(b.unknown, n.Without) {
			b.unknown = append(b.unknown, n.Without)
		}
	}
	value, has := "''", "1"
	if n.By != "" {
		b.prop(n.By)
		v, h := t.Prop(n.By)
		value, has = "if("+h+", "+v+", '')", h
		m = "(" + m + " AND " + h + ")"
	}
	day, ok := b.e.dayNumber(b.loc)
	if !ok {
		day = "toInt64(toUInt16(toDate(toDateTime(intDiv(" + t.Time + ", 1000)), " + clickhouse.String(b.loc.String()) + ")))"
	}
	cols := "arraySort(groupUniqArrayIf(" + day + ", " + m + ")) AS ds, if(countIf(" + w + ") > 0, maxIf(" + day + ", " + w + "), toInt64(-1)) AS wv"
	var st stages
	// Days of a run less their index are one number: the run's key.
	st.let("sK", "arrayMap((d, i) -> d - i, ds, arrayEnumerate(ds))")
	st.next()
	st.let("sS", "arrayMap((k, p, i) -> toInt64(if(k != p, i, 0)), sK, arrayResize(arrayPushFront(sK, toInt64(-1)), length(sK)), arrayEnumerate(sK))")
	st.next()
	st.let("sR", "arrayMap((v, d) -> v + d, sS, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(sS))))")
	st.next()
	st.let("sC", "arrayMap((i, r) -> i - r + 1, arrayEnumerate(ds), sR)")
	st.next()
	st.let("sF", "arrayReduce('max', arrayPushBack(arrayFilter((f, c) -> c >= "+strconv.Itoa(n.Days)+", arrayMap((d, c) -> d - c + 1, ds, sC), sC), toInt64(-1)))")
	group := personCol // (18.16 drops constant keys, the sv and shv of no by)
	if n.By != "" {
		group += ", sv, shv"
	}
	return func(from string) string {
		groups := "SELECT " + t.Person + " AS " + personCol + ", " + value + " AS sv, toUInt8(" + has + ") AS shv, " + cols +
			" FROM " + from + " WHERE " + b.where() + " AND (" + m + " OR " + w + ") GROUP BY " + group
		if n.By == "" { // one group per person; (18.16 drops a constant w0 column)
			return "SELECT " + personCol + " FROM (" + st.wrap(groups) + ") WHERE sF >= 0 AND sF > wv"
		}
		persons := "SELECT " + personCol + ", max(if(shv = 0, wv, toInt64(-1))) AS w0, groupArrayIf((sF, wv), shv = 1) AS runs FROM (" + st.wrap(groups) + ") GROUP BY " + personCol
		return "SELECT " + personCol + " FROM (" + persons + ") WHERE arrayExists((x, w) -> x.1 >= 0 AND x.1 > greatest(x.2, w), runs, arrayResize([w0], length(runs), w0))"
	}, nil
}
