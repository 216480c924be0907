package chquery

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Retention compiles cohort retention (docs/semantics.md#retention): per
// person, on each shard, the periods of their start events in the cohort
// range (the first, or with --recurring each), the --by value on each such
// period's first start event, and the periods they returned in; from
// those, per membership, the periods it counts as returned in. What comes
// back is the memberships counted per cohort, --by value and period, and
// query.RetentionFromCells builds the table, average and breakdown from
// them as the local engine does. A cell's user list is the same per-person
// query kept to one cohort's persons.
func (e *Engine) Retention(ctx context.Context, q query.RetentionQuery) (*query.RetentionResult, error) {
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	empty, err := query.RetentionFromPersons(q, span, f.min, f.max, true, nil)
	if err != nil {
		return nil, err // the period and periods
	}
	for _, name := range []string{q.Start, q.Return} {
		if name != "" {
			if err := f.checkEvent(name); err != nil {
				return nil, err
			}
		}
	}
	from, to := max(span.From, f.min), min(span.To, f.max+1)
	if f.count == 0 || from >= to {
		return query.RetentionFromCells(q, span, f.min, f.max, f.count == 0, nil, nil)
	}
	iv := query.Interval(strings.ToLower(empty.Period))
	cal := query.NewCalendar(iv, span.Loc, from, f.max+1)
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	rp := &retentionPersons{e: e, q: q, iv: iv, span: span, cohortEnd: cal.Starts[cal.Bucket(to-1)+1], from: cal.Starts[0], where: where}
	ord, at := e.ordinal(iv, span.Loc)
	rp.at = at
	periods := strconv.Itoa(empty.Periods)
	// Per membership, the periods k it counts as returned in: 0, and each
	// later period it returned in, or with --unbounded each up to the
	// last one.
	ks := "arrayFilter(x -> x > 0 AND x < " + periods + ", arrayMap(r -> toInt32(r - c), pr))"
	if q.Unbounded {
		ks = "arrayMap(x -> toInt32(x + 1), range(toUInt32(greatest(0, least(arrayReduce('max', arrayPushBack(pr, c)) - c, " + periods + " - 1)))))"
	}
	// Each membership's periods as numbers cohort × 1024 + period (at most
	// 1000 periods), and no --by columns without --by: one Int64 per
	// period costs the expansion and the count less than a tuple beside
	// constants (as for lifecycle). Period 0 is 0 * c: c is named
	// outside the lambdas too (see count).
	by := "'', toUInt8(0)"
	if q.By != "" {
		by = "v, h"
	}
	var cells []query.RetentionCell
	run := func(key string) error {
		cells = cells[:0]
		sql := func(from, part string) string {
			return "SELECT " + by + ", x, count() FROM (" + rp.members(from, part, key, ord, false) + ") ARRAY JOIN arrayMap(k -> c * 1024 + k, arrayPushFront(" + ks + ", toInt32(0 * c))) AS x GROUP BY " + by + ", x"
		}
		// One query on each server's threads rather than one per part:
		// what follows the per-person GROUP BY is small, and parts each
		// read every event (10M events, load 31: 1.72-2.14 s of server
		// CPU against 2.10-2.57 s in two parts).
		return e.eachPerson(ctx, func(from string) string { return sql(from, "1") }, func(row []string) error {
			x, err1 := strconv.ParseInt(row[2], 10, 64)
			n, err2 := strconv.Atoi(row[3])
			if err := firstErr(err1, err2); err != nil {
				return i18n.Errorf("retention: reading ClickHouse's counts: %w", err)
			}
			cells = append(cells, query.RetentionCell{Cohort: at(x >> 10), Value: row[0], HasValue: row[1] == "1", Period: int(x & 1023), Members: n})
			return nil
		})
	}
	if err := rp.ordered(ctx, f, run); err != nil {
		return nil, err
	}
	return query.RetentionFromCells(q, span, f.min, f.max, false, cells, rp.of)
}

// retentionPersons is the per-person query of a retention query.
type retentionPersons struct {
	e     *Engine
	q     query.RetentionQuery
	iv    query.Interval
	span  query.Span
	where string
	// from is the calendar's first instant, cohortEnd the end of the last
	// cohort period.
	from, cohortEnd int64
	at              func(int64) int64 // an ordinal back to an instant
}

// ordered runs run with the order of a person's events that the first
// start event of a period needs: none without --by or --recurring.
func (rp *retentionPersons) ordered(ctx context.Context, f *facts, run func(key string) error) error {
	if rp.q.By == "" && !rp.q.Recurring {
		return run("") // no first start's value is asked for
	}
	return rp.e.withOrder(ctx, f.min, run)
}

// members is SQL of one row per cohort membership: person, the ordinal
// (ord) of its cohort period (c), the --by value on its first start event
// and whether it is set (v, h), the ordinals of the periods the person
// returned in (pr, in any order) and the person's place in the local
// engine's lists (po, personCols). key orders a person's events
// (Engine.withOrder's). Unless named, person is personGroup's number
// where the table has one and po is 0: the counts need neither the
// person's text nor place.
func (rp *retentionPersons) members(from, part, key, ord string, named bool) string {
	e, q, t := rp.e, rp.q, rp.e.t
	// The key is not aliased person, which t.Where (a --segment's
	// person IN ...) may name.
	pcols, pkey := e.personCols(), "person"
	if !named {
		pcols, pkey = personGroup(t)+" AS sp_pk, toUInt64(0) AS po", "sp_pk"
	}
	isStart, isReturn := "1", "1"
	if q.Start != "" {
		isStart = "(" + t.Event + " = " + clickhouse.String(q.Start) + ")"
	}
	if q.Return != "" {
		isReturn = "(" + t.Event + " = " + clickhouse.String(q.Return) + ")"
	}
	inStart := isStart + " AND " + t.Time + " >= " + lit(rp.span.From) + " AND " + t.Time + " < " + lit(min(rp.span.To, rp.cohortEnd))
	v, has := "''", "0"
	if q.By != "" {
		v, has = t.Prop(q.By)
	}
	// The first start event (of each period, with --recurring) is the
	// least (time, storage order) among them: an argMin, so no person's
	// events are collected or sorted.
	first := func(what string) string {
		return "argMinIf((" + what + "), " + key + ", " + inStart + ")"
	}
	rows := " FROM " + from + " WHERE " + t.Where + " AND " + part + " AND " + rp.where + " AND " + t.Time + " >= " + lit(rp.from) + " AND (" + isStart + " OR " + isReturn + ")"
	if !q.Recurring {
		// The first start's period is the period of the least start
		// time, taken once per person; only its --by value needs the
		// storage order (an argMin over (time, order) costs about as
		// much as the rest of the query).
		f := "('', toUInt8(0))"
		if q.By != "" {
			f = first(v + ", toUInt8(" + has + ")")
		}
		firstOrd, _ := e.ordinalOf(rp.iv, rp.span.Loc, "ft")
		return "SELECT " + pkey + " AS person, toInt32(" + firstOrd + ") AS c, tupleElement(f, 1) AS v, tupleElement(f, 2) AS h, pr, po FROM (SELECT " + pcols + ", " +
			"minIf(" + t.Time + ", " + inStart + ") AS ft, " + f + " AS f," +
			" groupUniqArrayIf(toInt32(" + ord + "), " + isReturn + ") AS pr" + rows +
			" GROUP BY " + pkey + " HAVING countIf(" + inStart + ") > 0)"
	}
	// Per person and period, then per person, then per membership.
	periods := "SELECT " + pcols + ", toInt32(" + ord + ") AS o, countIf(" + inStart + ") > 0 AS started, " + first(v+", toUInt8("+has+")") + " AS f," +
		" countIf(" + isReturn + ") > 0 AS returned" + rows + " GROUP BY " + pkey + ", o"
	return "SELECT person, s.1 AS c, s.2 AS v, s.3 AS h, pr, po FROM (SELECT " + pkey + " AS person, any(po) AS po," +
		" groupArrayIf((o, tupleElement(f, 1), tupleElement(f, 2)), started) AS S, groupArrayIf(o, returned) AS pr" +
		" FROM (" + periods + ") GROUP BY person) ARRAY JOIN S AS s"
}

// of is the persons with a membership in the cohort period holding instant
// cohort, in the local engine's order (query.RetentionPersonsIn), each
// with that membership only: its counts depend on no other.
func (rp *retentionPersons) of(ctx context.Context, cohort int64) ([]query.RetentionPerson, error) {
	e := rp.e
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	ord, _ := e.ordinal(rp.iv, rp.span.Loc)
	c, _ := e.ordinalOf(rp.iv, rp.span.Loc, lit(cohort))
	var persons chunked[query.RetentionPerson]
	run := func(key string) error {
		persons.reset()
		sql := func(from, part string) string {
			return "SELECT person, c, v, h, pr, po FROM (" + rp.members(from, part, key, ord, true) + ") WHERE c = toInt32(" + c + ")"
		}
		return e.eachPart(ctx, sql, func(row []string) error {
			start, err1 := strconv.ParseInt(row[1], 10, 64)
			returns, err2 := intArray(row[4])
			order, err3 := parseOrder(row[5])
			if err := firstErr(err1, err2, err3); err != nil {
				return i18n.Errorf("retention: reading ClickHouse's row for %q: %w", row[0], err)
			}
			ps := query.RetentionPerson{User: row[0], Order: order, Starts: []int64{rp.at(start)}}
			if rp.q.By != "" {
				ps.By, ps.HasBy = []string{row[2]}, []bool{row[3] == "1"}
			}
			slices.Sort(returns)
			for _, r := range returns {
				ps.Returns = append(ps.Returns, rp.at(r))
			}
			persons.add(ps)
			return nil
		})
	}
	if err := rp.ordered(ctx, f, run); err != nil {
		return nil, err
	}
	// User lists are in the local engine's order.
	return persons.sorted(func(p *query.RetentionPerson) (uint64, string) { return p.Order, p.User }), nil
}
