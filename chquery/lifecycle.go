package chquery

import (
	"context"
	"errors"
	"strconv"
	"strings"
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
	// Without --by there is no group: a constant tuple carried through the
	// expansion below costs as much as a column.
	group, key := "", "'', toUInt8(0)"
	if q.By != "" {
		v, has := t.Prop(q.By)
		tiebreak := t.Tiebreak
		if tiebreak == "" {
			tiebreak = "0"
		}
		group, key = "argMin(("+v+", toUInt8("+has+")), ("+t.Time+", "+tiebreak+")) AS g, ", "g.1, g.2"
	}
	// Each person's transitions as numbers ordinal × 8 + kind (kinds
	// below; 0 is the person, counted once): one Int64 per transition
	// costs the expansion and the count about half of an (ordinal, name)
	// tuple (10M events: 2.4 -> 1.9 s of server CPU, 1.0 of it the
	// per-person scan).
	kinds := []string{query.LifecycleUsers, query.LifecycleNew, query.LifecycleReturning, query.LifecycleResurrecting, query.LifecycleDormant}
	sql := func(from string) string {
		persons := "SELECT " + group + "arraySort(groupUniqArray(toInt32(" + ord + "))) AS A FROM " + from + " WHERE " + cond + " GROUP BY " + personGroup(t)
		codes := "arrayConcat([toInt64(0)]," +
			" arrayMap((a, p) -> a * 8 + multiIf(p < 0, 1, p = a - 1, 2, 3), A, arrayPushFront(arrayPopBack(A), toInt32(-1)))," +
			" arrayMap(a -> (a + 1) * 8 + 4, arrayFilter((a, nx) -> nx > a + 1, A, arrayPushBack(arrayPopFront(A), toInt32(2147483647)))))"
		return "SELECT " + key + ", x, count() FROM (" + persons + ") ARRAY JOIN " + codes + " AS x GROUP BY " + key + ", x"
	}
	var cells []query.LifecycleCell
	err = e.eachPerson(ctx, sql, func(row []string) error {
		x, err1 := strconv.ParseInt(row[2], 10, 64)
		n, err2 := strconv.Atoi(row[3])
		if x&7 >= int64(len(kinds)) {
			err1 = errors.New("no kind " + row[2])
		}
		if err := firstErr(err1, err2); err != nil {
			return i18n.Errorf("lifecycle: reading ClickHouse's counts: %w", err)
		}
		c := query.LifecycleCell{Value: row[0], HasValue: row[1] == "1", Kind: kinds[x&7], Users: n}
		if c.Kind != query.LifecycleUsers {
			c.At = at(x >> 3)
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
	return e.ordinalOf(iv, loc, e.t.Time)
}

// ordinalOf is ordinal of the instant at (SQL of epoch milliseconds).
func (e *Engine) ordinalOf(iv query.Interval, loc *time.Location, at string) (string, func(int64) int64) {
	date := "toDate(toDateTime(intDiv(" + at + ", 1000)), " + clickhouse.String(loc.String()) + ")"
	day, fast := e.dayNumberOf(loc, at)
	switch {
	case fast && iv == query.Week:
		return "intDiv(" + day + " - 4, 7)", func(n int64) int64 { return dayNoon(n*7+4, loc) }
	case fast && iv == query.Day:
		return day, func(n int64) int64 { return dayNoon(n, loc) }
	}
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

// dayNumber is SQL numbering the calendar day in loc of an event (days
// since 1970-01-01, as toDate counts them) by integer arithmetic: the
// time plus loc's offset, which is one constant, or one per stretch
// between the zone's transitions inside the data's span (a few a year).
// It is what toDate(toDateTime(...), zone) gives at a fraction of its
// cost; ok is false where that shortcut is not taken: facts not read
// yet, times before 1970-01-08 or past 2105 (where toDate's UInt16 and
// toDateTime's UInt32 wrap), or more than maxTransitions transitions.
func (e *Engine) dayNumber(loc *time.Location) (sql string, ok bool) {
	return e.dayNumberOf(loc, e.t.Time)
}

// dayNumberOf is dayNumber of the instant at.
func (e *Engine) dayNumberOf(loc *time.Location, at string) (sql string, ok bool) {
	e.cache.mu.Lock()
	f := e.cache.facts
	e.cache.mu.Unlock()
	const maxTransitions = 64
	if f == nil || f.count == 0 || f.min < 7*86_400_000+14*3_600_000 || f.max >= time.Date(2105, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
		return "", false
	}
	t := time.UnixMilli(f.min).In(loc)
	_, off := t.Zone()
	offset := lit(int64(off) * 1000)
	var branches []string
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.UnixMilli() > f.max {
			break
		}
		if len(branches) == 2*maxTransitions {
			return "", false
		}
		branches = append(branches, at+" < "+lit(end.UnixMilli()), offset)
		t = end
		_, off = t.Zone()
		offset = lit(int64(off) * 1000)
	}
	if len(branches) > 0 {
		offset = "multiIf(" + strings.Join(append(branches, offset), ", ") + ")"
	}
	return "intDiv(" + at + " + " + offset + ", 86400000)", true
}
