package chquery

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/why"
)

// WhyCounter counts spoor why's units on the server (why.Backend): package
// why ranks, tests and folds them as it does a local database's.
//
// A unit is a matching event, a user's first matching event in a period
// (by time, then storage order), or a funnel entrant's counted step-1
// event (the funnel's own per-person SQL, its --by value being every
// key's value at once). Each query makes the units of every period on each
// shard (a user's, an entrant's events are all on one shard), attaches to
// each the array of the values of the keys asked for (one String each),
// and groups them: by key and value, by the places of listed values, or by
// person for the drill. What comes back is a row per value (the small ones
// folded into one row per key on a table the server holds whole), per pair
// cell or the drill's 20 users and their count, never an event.
func (e *Engine) WhyCounter(ctx context.Context, q why.Query) (why.Counter, error) {
	c := query.Common{From: q.After.From, To: q.After.To, Where: q.Where, Segment: q.Segment, TZ: q.TZ}
	s, f, _, err := e.scope(ctx, c)
	if err != nil {
		return nil, err
	}
	w := &whyCounter{e: s, base: e, q: q, f: f, kind: q.Kind()}
	for k, p := range q.Periods() {
		c.From, c.To = p.From, p.To
		span, err := c.Span(e.loc, f.min, f.max)
		if err != nil {
			return nil, err
		}
		w.spans = append(w.spans, span)
		w.days[period(k+1)] += query.NewCalendar(query.Day, span.Loc, span.From, span.To).Len()
	}
	if w.kind == why.Rate {
		fq := query.FunnelQuery{Common: c, Steps: q.Steps, Window: q.Window}
		if _, err := query.NewFunnelPersons(fq, w.spans[0]); err != nil {
			return nil, err
		}
		for _, st := range q.Steps {
			if err := f.checkEvent(st.Event); err != nil {
				return nil, err
			}
		}
		return w, nil
	}
	for _, ev := range q.Events {
		if err := f.checkEvent(ev); err != nil {
			return nil, err
		}
	}
	if w.where, err = s.conditions(ctx, q.Where); err != nil {
		return nil, err
	}
	if w.kind == why.Sum {
		if err := e.checkProp(ctx, q.Sum); err != nil {
			return nil, err
		}
		if w.num, w.numeric, err = s.numbers(ctx, q.Sum); err != nil {
			return nil, err
		}
	}
	return w, nil
}

type whyCounter struct {
	e, base *Engine // e reads the table kept to --segment's persons
	q       why.Query
	f       *facts
	kind    why.Kind
	spans   []query.Span // the after period's, then each before period's
	days    [2]int
	where   string // --where's condition (not for funnels, which apply it themselves)
	// num is SQL for a --sum's number on an event, numeric SQL true where
	// it has one.
	num, numeric string
	vals         []string // SQL value of each of Count's keys (keyValues), made once
	// combos are the units' combinations of Count's values (a total's
	// empty value, then each key's), with their cells, when the server
	// sent them all (at most maxCombos): Pairs sums them instead of
	// reading the columns again.
	combos []combo
}

type combo struct {
	values []string // as keyValues writes them
	cells  [2]why.Cell
}

// maxCombos bounds the combinations of values Count takes (an id among
// the keys makes about one per unit; Pairs then asks the server).
var maxCombos = 1 << 15

// numbers is SQL for property key's number on an event (as the local
// engine reads it: Go's ParseFloat of the text) and SQL true on the
// events that have one: the table's distinct texts are read and parsed
// here.
func (e *Engine) numbers(ctx context.Context, key string) (num, numeric string, err error) {
	t := e.t
	v, has := t.Prop(key)
	var texts, nums []string
	_, _, err = e.client(ctx).Each(ctx, "SELECT "+v+" AS v FROM "+t.From+" WHERE "+t.Where+" AND "+has+" GROUP BY v", func(row []string) error {
		if x, err := strconv.ParseFloat(row[0], 64); err == nil && !math.IsNaN(x) {
			texts, nums = append(texts, row[0]), append(nums, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return nil
	})
	if err != nil || len(texts) == 0 {
		return "toFloat64(0)", "0", err
	}
	list := clickhouse.Strings(texts)
	return "transform(" + v + ", [" + list + "], [toFloat64(" + strings.Join(nums, "), toFloat64(") + ")], toFloat64(0))",
		"(" + has + " AND " + v + " IN (" + list + "))", nil
}

// keyValues is SQL for each key's value on an event as one String (see
// valueText): a saved segment's label is in or out of it, per person.
// Grouping by one String is the server's cheapest key.
func (w *whyCounter) keyValues(ctx context.Context, keys []string) ([]string, error) {
	absent, err := w.absent(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, key := range keys {
		if name, ok := strings.CutPrefix(key, "segment:"); ok {
			in, err := w.base.inSegment(ctx, name, w.spans[0].Loc, w.f)
			if err != nil {
				return nil, err
			}
			out = append(out, "if("+in+", "+clickhouse.String(valueText(why.Value{Text: name}))+", "+clickhouse.String(valueText(why.Value{Text: "not " + name}))+")")
			continue
		}
		if absent(key) {
			// No unit has it: its column is not read.
			out = append(out, "''")
			continue
		}
		v, has := w.e.t.Prop(key)
		out = append(out, "if("+has+", concat('=', "+v+"), '')")
	}
	return out, nil
}

// absent reports whether no event of the units' names carries a key, as
// far as the table's keys per event name are at hand (Engine.eventKeys,
// which spoor why's listing of every key has read): reading a property
// column is most of Count's cost, and most keys belong to a few of the
// event names.
func (w *whyCounter) absent(ctx context.Context) (func(key string) bool, error) {
	never := func(string) bool { return false }
	names := w.q.Events
	if w.kind == why.Rate {
		names = []string{w.q.Steps[0].Event} // an entrant's unit is its step-1 event
	}
	// Only push's tables name keys as the listing counts them.
	if len(names) == 0 || w.base.base.Source.Schema != "spoor" {
		return never, nil
	}
	by, err := w.base.eventKeys(ctx, false)
	if err != nil || by == nil {
		return never, err
	}
	return func(key string) bool {
		for _, n := range names {
			if by[n][key] > 0 {
				return false
			}
		}
		return true
	}, nil
}

// valueText is a value as keyValues writes it: empty where the event lacks
// the key, else = and the value. A row of Count whose value is
// foldedText stands for the small values it folded.
func valueText(v why.Value) string {
	if v.None {
		return ""
	}
	return "=" + v.Text
}

const foldedText = "!"

// units is SQL for the units of every period on a table (the table, or a
// shard's local table): w_p (1 the after period, 2... the before ones),
// w_person, w_num, w_den and w_v, the array of vals on the unit's event.
func (w *whyCounter) units(ctx context.Context, vals []string) (func(from string) string, error) {
	t := w.e.t
	kv := "[" + strings.Join(vals, ", ") + "]"
	if w.kind == why.Rate {
		return w.entrants(ctx, kv)
	}
	var in, per []string
	for k, s := range w.spans {
		r := t.Time + " >= " + lit(s.From) + " AND " + t.Time + " < " + lit(s.To)
		in = append(in, "("+r+")")
		per = append(per, "if("+r+", "+strconv.Itoa(k+1)+", 0)")
	}
	cond := t.Where + " AND " + w.where + " AND (" + strings.Join(in, " OR ") + ")"
	if len(w.q.Events) > 0 {
		cond += " AND " + t.Event + " IN (" + clickhouse.Strings(w.q.Events) + ")"
	}
	num := "toFloat64(1)"
	if w.kind == why.Sum {
		cond += " AND " + w.numeric
		num = w.num
	}
	// An event in overlapping periods is a unit of each.
	events := func(from string) string {
		return "SELECT arrayJoin(arrayFilter(x -> x > 0, [" + strings.Join(per, ", ") + "])) AS w_p, " + t.Person + " AS w_person, " +
			num + " AS w_num, toFloat64(0) AS w_den, " + kv + " AS w_v, " + t.Time + " AS w_t, " + tiebreakOf(t) + " AS w_tb FROM " + from + " WHERE " + cond
	}
	if w.q.Measure != query.MeasureUsers {
		return events, nil
	}
	// A user once per period, with the keys (and with --sum the number)
	// of their first event there.
	return func(from string) string {
		return "SELECT w_p, w_person, argMin(w_num, (w_t, w_tb)) AS w_num, toFloat64(0) AS w_den, argMin(w_v, (w_t, w_tb)) AS w_v FROM (" + events(from) + ") GROUP BY w_p, w_person"
	}, nil
}

// entrants is units for a funnel's conversion: per period, the funnel's
// per-person rows (persons who entered it) with the keys of the counted
// attempt's step-1 event, which the funnel reports as its --by value.
func (w *whyCounter) entrants(ctx context.Context, kv string) (func(from string) string, error) {
	const byKey = "\x00why"
	e := *w.e
	t := *e.t
	t.Virtual = map[string][2]string{byKey: {kv, "1"}}
	e.t = &t
	last := strconv.Itoa(len(w.q.Steps) - 1)
	var parts []func(from string) string
	for k, span := range w.spans {
		p := w.q.Periods()[k]
		fq := query.FunnelQuery{Common: query.Common{From: p.From, To: p.To, Where: w.q.Where, Segment: w.q.Segment, TZ: w.q.TZ, By: byKey},
			Steps: w.q.Steps, Window: w.q.Window}
		var sql partSQL
		var err error
		if distinctNames(fq.Steps) {
			sql, err = e.distinctSQL(ctx, fq, span, w.f, latestAttempt)
		} else {
			sql, err = e.funnelSQL(ctx, fq, span, w.f, latestAttempt)
		}
		if err != nil {
			return nil, err
		}
		// The funnel's columns are named by their expressions, as the
		// server names them: asked for, once. Every one is read: 18.16
		// drops a column a query does not read from its subquery, and
		// with it one that only a lambda there reads (the step-1 time
		// the --by row is found by), failing on an unknown identifier.
		names, _, err := e.c.Each(ctx, "SELECT * FROM ("+sql(w.e.t.From, "1")+") LIMIT 0", func([]string) error { return nil })
		if err != nil {
			return nil, err
		}
		if len(names) != 7 {
			return nil, i18n.Errorf("funnel: ClickHouse sent %d columns, expected %d", len(names), 7)
		}
		cols := make([]string, len(names))
		for i, n := range names {
			cols[i] = clickhouse.Ident(n)
		}
		parts = append(parts, func(from string) string {
			return "SELECT toUInt8(" + strconv.Itoa(k+1) + ") AS w_p, " + cols[0] + " AS w_person, toFloat64(" + cols[2] + " = " + last + ") AS w_num, toFloat64(1) AS w_den, " +
				cols[5] + " AS w_v FROM (" + sql(from, "1") + ") WHERE NOT ignore(" + strings.Join(cols, ", ") + ")"
		})
	}
	return func(from string) string {
		var sel []string
		for _, sql := range parts {
			sel = append(sel, sql(from))
		}
		return strings.Join(sel, " UNION ALL ")
	}, nil
}

// each runs sql, given the units' SQL on a table, on every shard and
// calls fn with each row.
func (w *whyCounter) each(ctx context.Context, vals []string, sql func(units string) string, fn func(row []string) error) error {
	units, err := w.units(ctx, vals)
	if err != nil {
		return err
	}
	return w.e.eachPerson(ctx, func(from string) string { return sql(units(from)) }, fn)
}

// cell adds a row's sum of num, of den and count to c.
func cell(c *why.Cell, row []string) error {
	num, err1 := strconv.ParseFloat(row[0], 64)
	den, err2 := strconv.ParseFloat(row[1], 64)
	n, err3 := strconv.ParseFloat(row[2], 64)
	if err := firstErr(err1, err2, err3); err != nil {
		return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row, " "))
	}
	c.Num += num
	c.Den += den
	c.N += n
	return nil
}

// period is the Cell of a w_p: 1 the after period, 0 the before ones.
func period(p int) int {
	if p == 1 {
		return 1
	}
	return 0
}

// cells adds a row's three sums of num, den and units in the before
// periods, then in the after period, to c.
func cells(c *[2]why.Cell, row []string) error {
	if err := cell(&c[0], row[0:3]); err != nil {
		return err
	}
	return cell(&c[1], row[3:6])
}

// periodSums is SQL for the sums cells reads, of units grouped together.
const periodSums = "sumIf(w_num, w_p != 1) AS x0, sumIf(w_den, w_p != 1) AS d0, countIf(w_p != 1) AS n0, " +
	"sumIf(w_num, w_p = 1) AS x1, sumIf(w_den, w_p = 1) AS d1, countIf(w_p = 1) AS n1"

func (w *whyCounter) Count(ctx context.Context, keys []string) (*why.Counts, error) {
	vals, err := w.keyValues(ctx, keys)
	if err != nil {
		return nil, err
	}
	w.vals = vals
	out := &why.Counts{Days: w.days, Values: make([][]why.Group, len(keys))}
	// Key 1 is the total.
	all := append([]string{"''"}, vals...)
	// A value with fewer than why.MinUnits units in both periods together
	// is folded where it is counted, into one row per key, so an id's
	// thousands of values never leave the server. A shard holds only its
	// persons' units of a value: there every value comes back, and why
	// folds the sums of the shards.
	fold := strconv.Itoa(why.MinUnits)
	if w.e.t.ShardedByPerson {
		fold = "0"
	}
	// The units are grouped by their combination of values first: the
	// keys' values are counted from those groups, and while there are
	// few of them they come back too (key len(all)+1, each combination
	// written as an array), at most maxCombos+1 of them from a server.
	last := strconv.Itoa(len(all) + 1)
	sql := func(units string) string {
		return "SELECT k, if(k > 1 AND k < " + last + " AND n0 + n1 < " + fold + ", " + clickhouse.String(foldedText) + ", v) AS g, count(), " +
			"sum(x0), sum(d0), sum(n0), sum(x1), sum(d1), sum(n1) FROM (" +
			"SELECT k, v, sum(x0) AS x0, sum(d0) AS d0, sum(n0) AS n0, sum(x1) AS x1, sum(d1) AS d1, sum(n1) AS n1 FROM (" +
			"SELECT w_v, " + periodSums + " FROM (" + units + ") GROUP BY w_v" +
			") ARRAY JOIN arrayConcat(w_v, [toString(w_v)]) AS v, arrayEnumerate(arrayConcat(w_v, [''])) AS k GROUP BY k, v" +
			") GROUP BY k, g LIMIT " + strconv.Itoa(maxCombos+1) + " BY k, if(k = " + last + ", '', g)"
	}
	at := map[[2]string]int{}
	w.combos = nil
	combos := 0
	err = w.each(ctx, all, sql, func(row []string) error {
		if len(row) != 9 {
			return i18n.Errorf("why: ClickHouse sent %d columns, expected %d", len(row), 9)
		}
		k, err1 := strconv.Atoi(row[0])
		m, err2 := strconv.Atoi(row[2])
		if firstErr(err1, err2) != nil || k < 1 || k > len(all)+1 || m < 1 {
			return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row[:3], " "))
		}
		switch k {
		case 1:
			return cells(&out.Total, row[3:])
		case len(all) + 1:
			combos++
			if combos > maxCombos {
				return nil
			}
			vs, err := clickhouse.ParseArray(row[1])
			if err != nil || len(vs) != len(all) {
				return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row[:3], " "))
			}
			w.combos = append(w.combos, combo{values: vs})
			return cells(&w.combos[len(w.combos)-1].cells, row[3:])
		}
		v, folded := why.Value{None: row[1] == ""}, 0
		switch {
		case row[1] == foldedText:
			folded = m
		case !v.None:
			var ok bool
			if v.Text, ok = strings.CutPrefix(row[1], "="); !ok {
				return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row[:3], " "))
			}
		}
		vs := out.Values[k-2]
		i, ok := at[[2]string{row[0], row[1]}]
		if !ok {
			i = len(vs)
			at[[2]string{row[0], row[1]}] = i
			g := why.Group{Folded: folded}
			if folded == 0 {
				g.Values = []why.Value{v}
			}
			out.Values[k-2] = append(vs, g)
		}
		return cells(&out.Values[k-2][i].Cells, row[3:])
	})
	if err != nil {
		return nil, err
	}
	if combos > maxCombos {
		w.combos = nil
	}
	return out, nil
}

// pairsOf counts pairs from the combinations Count took.
func (w *whyCounter) pairsOf(pairs []why.Pair) [][]why.Group {
	out := make([][]why.Group, len(pairs))
	places := func(vs []why.Value) map[string]int {
		m := map[string]int{}
		for i, v := range vs {
			m[valueText(v)] = i + 1
		}
		return m
	}
	for n, pr := range pairs {
		ia, ib := places(pr.VA), places(pr.VB)
		at := map[[2]int]int{}
		for _, c := range w.combos {
			// A combination's values start with the total's.
			a, b := ia[c.values[pr.A+1]], ib[c.values[pr.B+1]]
			if a == 0 || b == 0 {
				continue
			}
			i, ok := at[[2]int{a, b}]
			if !ok {
				i = len(out[n])
				at[[2]int{a, b}] = i
				out[n] = append(out[n], why.Group{Values: []why.Value{pr.VA[a-1], pr.VB[b-1]}})
			}
			g := &out[n][i]
			for p := range g.Cells {
				g.Cells[p].Num += c.cells[p].Num
				g.Cells[p].Den += c.cells[p].Den
				g.Cells[p].N += c.cells[p].N
			}
		}
	}
	return out
}

// Pairs sums the combinations Count took, or when there were too many
// asks the server: it groups the units by the place of each listed value
// of every key in play (0: none listed), a small int per key, and then the
// groups into each pair's cells: a unit is grouped once, not once per pair.
func (w *whyCounter) Pairs(ctx context.Context, pairs []why.Pair) ([][]why.Group, error) {
	if w.combos != nil {
		return w.pairsOf(pairs), nil
	}
	pos := map[int]int{}       // a key's place in the units' array
	col := map[string]string{} // a place's SQL: its column
	var vals, places, names []string
	place := func(k int, vs []why.Value) string {
		if _, ok := pos[k]; !ok {
			vals = append(vals, w.vals[k])
			pos[k] = len(vals)
		}
		texts := make([]string, len(vs))
		for i, v := range vs {
			texts[i] = valueText(v)
		}
		sql := "indexOf([" + clickhouse.Strings(texts) + "], w_v[" + strconv.Itoa(pos[k]) + "])"
		if c, ok := col[sql]; ok {
			return c
		}
		c := "w_i" + strconv.Itoa(len(names))
		col[sql] = c
		names = append(names, c)
		places = append(places, sql+" AS "+c)
		return c
	}
	var cellsOf []string
	for n, pr := range pairs {
		cellsOf = append(cellsOf, "(toUInt64("+strconv.Itoa(n)+"), "+place(pr.A, pr.VA)+", "+place(pr.B, pr.VB)+")")
	}
	sql := func(units string) string {
		return "SELECT tupleElement(c, 1) AS n, tupleElement(c, 2) AS a, tupleElement(c, 3) AS b, sum(x0), sum(d0), sum(n0), sum(x1), sum(d1), sum(n1) FROM (" +
			"SELECT " + strings.Join(places, ", ") + ", " + periodSums + " FROM (" + units + ") GROUP BY " + strings.Join(names, ", ") +
			") ARRAY JOIN arrayFilter(x -> tupleElement(x, 2) > 0 AND tupleElement(x, 3) > 0, [" + strings.Join(cellsOf, ", ") + "]) AS c GROUP BY n, a, b"
	}
	out := make([][]why.Group, len(pairs))
	at := map[[3]int]int{}
	err := w.each(ctx, vals, sql, func(row []string) error {
		if len(row) != 9 {
			return i18n.Errorf("why: ClickHouse sent %d columns, expected %d", len(row), 9)
		}
		var k [3]int
		for i := range k {
			var err error
			if k[i], err = strconv.Atoi(row[i]); err != nil {
				return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row[:3], " "))
			}
		}
		if k[0] < 0 || k[0] >= len(pairs) || k[1] < 1 || k[1] > len(pairs[k[0]].VA) || k[2] < 1 || k[2] > len(pairs[k[0]].VB) {
			return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row[:3], " "))
		}
		i, ok := at[k]
		if !ok {
			i = len(out[k[0]])
			at[k] = i
			pr := pairs[k[0]]
			out[k[0]] = append(out[k[0]], why.Group{Values: []why.Value{pr.VA[k[1]-1], pr.VB[k[2]-1]}})
		}
		return cells(&out[k[0]][i].Cells, row[3:])
	})
	return out, err
}

func (w *whyCounter) Users(ctx context.Context, keys []int, values []why.Value) (int, []why.DrillUser, error) {
	var vals, conds []string
	for j, k := range keys {
		vals = append(vals, w.vals[k])
		conds = append(conds, "w_v["+strconv.Itoa(j+1)+"] = "+clickhouse.String(valueText(values[j])))
	}
	top := strconv.Itoa(why.DrillTop)
	sql := func(units string) string {
		return "SELECT n, arrayMap(x -> tupleElement(x, 1), s), arrayMap(x -> tupleElement(x, 2), s), arrayMap(x -> tupleElement(x, 3), s) FROM (" +
			"SELECT count() AS n, arraySlice(arraySort(x -> (-abs(tupleElement(x, 3) - tupleElement(x, 2)), tupleElement(x, 1)), groupArray((w_person, b, a))), 1, " + top + ") AS s FROM (" +
			"SELECT w_person, sumIf(w_num, w_p != 1) AS b, sumIf(w_num, w_p = 1) AS a FROM (" + units + ") WHERE " + strings.Join(conds, " AND ") + " GROUP BY w_person))"
	}
	n := 0
	var users []why.DrillUser
	err := w.each(ctx, vals, sql, func(row []string) error {
		if len(row) != 4 {
			return i18n.Errorf("why: ClickHouse sent %d columns, expected %d", len(row), 4)
		}
		m, err1 := strconv.Atoi(row[0])
		ids, err2 := clickhouse.ParseArray(row[1])
		before, err3 := clickhouse.ParseArray(row[2])
		after, err4 := clickhouse.ParseArray(row[3])
		if err := firstErr(err1, err2, err3, err4); err != nil || len(before) != len(ids) || len(after) != len(ids) {
			return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		n += m
		for i, id := range ids {
			b, err1 := strconv.ParseFloat(before[i], 64)
			a, err2 := strconv.ParseFloat(after[i], 64)
			if err := firstErr(err1, err2); err != nil {
				return i18n.Errorf("why: ClickHouse sent the row %q", strings.Join(row, " "))
			}
			users = append(users, why.DrillUser{User: id, Before: b, After: a})
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return n, why.TopUsers(users), nil
}

// CheckProp says, as the local engine does, that no event has a property.
func (e *Engine) CheckProp(ctx context.Context, key string) error { return e.checkProp(ctx, key) }
