package chquery

import (
	"context"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Retention compiles cohort retention (docs/semantics.md#retention): per
// person, on each shard, the periods of their start events in the cohort
// range (the first, or with --recurring each), the --by value on each such
// period's first start event, and the periods they returned in. One row
// per person with a cohort comes back; query.RetentionFromPersons builds
// the memberships, table, average and user lists from them as the local
// engine does.
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
		return query.RetentionFromPersons(q, span, f.min, f.max, f.count == 0, nil)
	}
	iv := query.Interval(strings.ToLower(empty.Period))
	cal := query.NewCalendar(iv, span.Loc, from, f.max+1)
	cohortEnd := cal.Starts[cal.Bucket(to-1)+1]
	t := e.t
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	isStart, isReturn := "1", "1"
	if q.Start != "" {
		isStart = "(" + t.Event + " = " + clickhouse.String(q.Start) + ")"
	}
	if q.Return != "" {
		isReturn = "(" + t.Event + " = " + clickhouse.String(q.Return) + ")"
	}
	inStart := isStart + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(min(span.To, cohortEnd))
	ord, at := e.ordinal(iv, span.Loc)
	v, has := "''", "0"
	if q.By != "" {
		v, has = t.Prop(q.By)
	}
	// The first start event (of each period, with --recurring) is the
	// least (time, storage order) among them: an argMin, so no person's
	// events are collected or sorted.
	var order string // Engine.withOrder's
	first := func(what string) string {
		return "argMinIf((" + what + "), " + order + ", " + inStart + ")"
	}
	sql := func(from, part string) string {
		rows := " FROM " + from + " WHERE " + t.Where + " AND " + part + " AND " + where + " AND " + t.Time + " >= " + lit(cal.Starts[0]) + " AND (" + isStart + " OR " + isReturn + ")"
		if !q.Recurring {
			// The first start's period is the period of the least start
			// time, taken once per person; only its --by value needs the
			// storage order (an argMin over (time, order) costs about as
			// much as the rest of the query).
			f := "('', toUInt8(0))"
			if q.By != "" {
				f = first(v + ", toUInt8(" + has + ")")
			}
			firstOrd, _ := e.ordinalOf(iv, span.Loc, "ft")
			return "SELECT person, [" + firstOrd + "], [tupleElement(f, 1)], [tupleElement(f, 2)], R FROM (SELECT " + t.Person + " AS person, " +
				"minIf(" + t.Time + ", " + inStart + ") AS ft, " + f + " AS f," +
				" arraySort(groupUniqArrayIf(toInt32(" + ord + "), " + isReturn + ")) AS R" + rows +
				" GROUP BY person HAVING countIf(" + inStart + ") > 0)"
		}
		// Per person and period, then per person.
		periods := "SELECT " + t.Person + " AS person, " + ord + " AS o, countIf(" + inStart + ") > 0 AS started, " + first(v+", toUInt8("+has+")") + " AS f," +
			" countIf(" + isReturn + ") > 0 AS returned" + rows + " GROUP BY person, o"
		return "SELECT person, arrayMap(x -> x.1, S), arrayMap(x -> x.2, S), arrayMap(x -> x.3, S), R FROM (SELECT person," +
			" arraySort(groupArrayIf((o, tupleElement(f, 1), tupleElement(f, 2)), started)) AS S, arraySort(groupArrayIf(o, returned)) AS R" +
			" FROM (" + periods + ") GROUP BY person HAVING length(S) > 0)"
	}
	var persons chunked[query.RetentionPerson]
	run := func(key string) error {
		order = key
		persons.reset()
		return e.eachPart(ctx, sql, func(row []string) error {
			starts, err1 := intArray(row[1])
			by, err2 := clickhouse.ParseArray(row[2])
			has, err3 := intArray(row[3])
			returns, err4 := intArray(row[4])
			if err := firstErr(err1, err2, err3, err4); err != nil {
				return i18n.Errorf("retention: reading ClickHouse's row for %q: %w", row[0], err)
			}
			ps := query.RetentionPerson{User: row[0]}
			for i, s := range starts {
				ps.Starts = append(ps.Starts, at(s))
				if q.By != "" {
					ps.By = append(ps.By, by[i])
					ps.HasBy = append(ps.HasBy, has[i] == 1)
				}
			}
			for _, r := range returns {
				ps.Returns = append(ps.Returns, at(r))
			}
			persons.add(ps)
			return nil
		})
	}
	if q.By == "" && !q.Recurring {
		err = run("") // no first start's value is asked for
	} else {
		err = e.withOrder(ctx, f.min, run)
	}
	if err != nil {
		return nil, err
	}
	// User lists are by id.
	return query.RetentionFromPersons(q, span, f.min, f.max, false, persons.sorted(func(p *query.RetentionPerson) string { return p.User }))
}
