package chquery

import (
	"context"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Lifecycle compiles new, returning, resurrecting and dormant persons
// (docs/semantics.md#lifecycle): per person, on each shard, the sorted
// intervals they were active in (numbered so that consecutive intervals
// differ by one: days, weeks from a Monday, months) and the --by value of
// their first active event; each active interval is new, returning or
// resurrecting by the one before it, and the interval after an active one
// that the next does not follow is dormant. The counts per group, interval
// and kind come back and query.LifecycleFromCells reports the range.
func (e *Engine) Lifecycle(ctx context.Context, q query.LifecycleQuery) (*query.LifecycleResult, error) {
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	if _, err := query.LifecycleFromCells(q, span, f.min, f.max, true, nil); err != nil {
		return nil, err // the interval
	}
	if q.Event != "" {
		if err := f.checkEvent(q.Event); err != nil {
			return nil, err
		}
	}
	t := e.t
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	// Activity counts up to the end of the interval holding the range's
	// last instant, as the local engine's intervals do.
	end := min(span.To, f.max+1)
	if iv, _ := query.ParseInterval(q.Interval); f.count > 0 && max(span.From, f.min) < end {
		cal := query.NewCalendar(iv, span.Loc, f.min, end)
		end = cal.Starts[cal.Bucket(end-1)+1]
	}
	cond := t.Where + " AND " + where + " AND " + t.Time + " < " + lit(end)
	if q.Event != "" {
		cond += " AND " + t.Event + " = " + clickhouse.String(q.Event)
	}
	iv, _ := query.ParseInterval(q.Interval)
	ord, at := e.ordinal(iv, span.Loc)
	group := "('', toUInt8(0))"
	if q.By != "" {
		v, has := t.Prop(q.By)
		tiebreak := t.Tiebreak
		if tiebreak == "" {
			tiebreak = "0"
		}
		group = "argMin((" + v + ", toUInt8(" + has + ")), (" + t.Time + ", " + tiebreak + "))"
	}
	sql := func(from string) string {
		persons := "SELECT " + group + " AS g, arraySort(groupUniqArray(" + ord + ")) AS A FROM " + from + " WHERE " + cond + " GROUP BY " + t.Person
		kinds := "arrayConcat([(toInt64(0), 'users')]," +
			" arrayMap((a, p) -> (a, multiIf(p < 0, 'new', p = a - 1, 'returning', 'resurrecting')), A, arrayPushFront(arrayPopBack(A), toInt64(-1)))," +
			" arrayMap(a -> (a + 1, 'dormant'), arrayFilter((a, nx) -> nx > a + 1, A, arrayPushBack(arrayPopFront(A), toInt64(9223372036854775807)))))"
		return "SELECT g.1, g.2, x.1 AS o, x.2 AS k, count() FROM (" + persons + ") ARRAY JOIN " + kinds + " AS x GROUP BY g.1, g.2, o, k"
	}
	var cells []query.LifecycleCell
	err = e.eachPerson(ctx, sql, func(row []string) error {
		o, err1 := strconv.ParseInt(row[2], 10, 64)
		n, err2 := strconv.Atoi(row[4])
		if err := firstErr(err1, err2); err != nil {
			return i18n.Errorf("lifecycle: reading ClickHouse's counts: %w", err)
		}
		c := query.LifecycleCell{Value: row[0], HasValue: row[1] == "1", Kind: row[3], Users: n}
		if c.Kind != query.LifecycleUsers {
			c.At = at(o)
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.LifecycleFromCells(q, span, f.min, f.max, f.count == 0, cells)
}

// ordinal is SQL numbering the day, week or month in loc that holds an
// event so that consecutive periods differ by one, and the way back from
// a number to an instant inside its period.
func (e *Engine) ordinal(iv query.Interval, loc *time.Location) (string, func(int64) int64) {
	date := "toDate(toDateTime(intDiv(" + e.t.Time + ", 1000)), " + clickhouse.String(loc.String()) + ")"
	switch iv {
	case query.Week:
		// Mondays are days 4, 11, ... since 1970-01-01 (a Thursday).
		return "intDiv(toInt64(toUInt16(toMonday(" + date + "))) - 4, 7)", func(n int64) int64 { return dayNoon(n*7+4, loc) }
	case query.Month:
		return "toInt64(intDiv(toYYYYMM(" + date + "), 100) * 12 + toYYYYMM(" + date + ") % 100 - 1)", func(n int64) int64 {
			return time.Date(int(n/12), time.Month(n%12+1), 1, 12, 0, 0, 0, loc).UnixMilli()
		}
	}
	return "toInt64(toUInt16(" + date + "))", func(n int64) int64 { return dayNoon(n, loc) }
}
