package chquery

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Trends compiles a trends query to grouped counts made on the server and
// assembles them with query.TrendsFromCells (docs/semantics.md#trends).
// Interval cells group by the bucket ClickHouse computes in the display
// zone (toDate, toMonday, toStartOfMonth, toStartOfHour with the zone),
// each mapped back to the local engine's calendar. Rolling measures send,
// per person and series, the runs of days their window covers, made on
// each shard; what comes back is counted cells, never events.
func (e *Engine) Trends(ctx context.Context, q query.TrendsQuery) (*query.TrendsResult, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	for _, ev := range q.Events {
		if err := f.checkEvent(ev); err != nil {
			return nil, err
		}
	}
	scanFrom, err := query.TrendsScanFrom(q, span)
	if err != nil {
		return nil, err
	}
	t := e.t
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	cond := t.Where + " AND " + where + " AND " + t.Time + " < " + lit(span.To)
	evKey := "''"
	if len(q.Events) > 0 {
		evKey = t.Event
		cond += " AND " + t.Event + " IN (" + clickhouse.Strings(q.Events) + ")"
	}
	// k1, k2, k3: the series' event, --by value and whether it is set.
	key := evKey + " AS k1, '' AS k2, toUInt8(0) AS k3"
	if q.By != "" {
		v, has := t.Prop(q.By)
		key = evKey + " AS k1, " + v + " AS k2, toUInt8(" + has + ") AS k3"
	}
	zone := clickhouse.String(span.Loc.String())
	sec := "toDateTime(intDiv(" + t.Time + ", 1000))"
	iv, _ := query.ParseInterval(q.Interval)
	var bucket string
	switch iv {
	case query.Hour:
		// 18.16 places instants in the wrong local hour around a change
		// of a half-hour offset (Lord Howe), so the hours are the local
		// engine's own calendar, looked up by quarter hour (every zone's
		// offset is whole quarter hours).
		var err error
		if bucket, err = hourBuckets(t.Time, query.NewCalendar(query.Hour, span.Loc, span.From, span.To)); err != nil {
			return nil, err
		}
	case query.Week:
		bucket = "toUInt16(toMonday(toDate(" + sec + ", " + zone + ")))"
		if day, ok := e.dayNumber(span.Loc); ok { // Mondays are days 4, 11, ...
			bucket = "(4 + 7 * intDiv(" + day + " - 4, 7))"
		}
	case query.Month:
		bucket = "toUInt16(toStartOfMonth(toDate(" + sec + ", " + zone + ")))"
	default:
		bucket = "toUInt16(toDate(" + sec + ", " + zone + "))"
		if day, ok := e.dayNumber(span.Loc); ok {
			bucket = day
		}
	}
	at := func(n int64) (int64, error) { // a bucket key to an instant inside it
		if iv == query.Hour {
			cal := query.NewCalendar(query.Hour, span.Loc, span.From, span.To)
			if n < 0 || n >= int64(cal.Len()) {
				return 0, i18n.Errorf("trends: ClickHouse sent the hour %d of %d", n, cal.Len())
			}
			return cal.Starts[n], nil
		}
		return dayNoon(n, span.Loc), nil
	}
	var cells query.TrendsCells
	seen := map[query.TrendSeriesKey]bool{}
	series := func(row []string) query.TrendSeriesKey {
		k := query.TrendSeriesKey{Event: row[0], Value: row[1], HasValue: row[2] == "1"}
		if !seen[k] {
			seen[k] = true
			cells.Series = append(cells.Series, k)
		}
		return k
	}
	// One scan: each bucket's count and set of persons (uniqExactState),
	// the range's persons merged from those sets. A table sharded by
	// person is counted on each shard alone: its persons are on no other,
	// so the shards' counts add up and no set crosses the network.
	inRange := cond + " AND " + t.Time + " >= " + lit(span.From)
	sql := func(from string) string {
		return "SELECT k1, k2, k3, groupArray(b), groupArray(n), groupArray(finalizeAggregation(u)), uniqExactMerge(u) FROM (" +
			"SELECT " + key + ", toUInt32(" + bucket + ") AS b, count() AS n, uniqExactState(" + personGroup(t) + ") AS u FROM " + from + " WHERE " + inRange +
			" GROUP BY k1, k2, k3, b) GROUP BY k1, k2, k3"
	}
	err = e.eachPerson(ctx, sql, func(row []string) error {
		k := series(row)
		buckets, err1 := intArray(row[3])
		totals, err2 := intArray(row[4])
		users, err3 := intArray(row[5])
		all, err4 := strconv.ParseInt(row[6], 10, 64)
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return i18n.Errorf("trends: reading ClickHouse's counts: %w", err)
		}
		if len(totals) != len(buckets) || len(users) != len(buckets) {
			return i18n.Errorf("trends: ClickHouse sent the bucket %q", strings.Join(row[3:6], " "))
		}
		for i, b := range buckets {
			at, err := at(b)
			if err != nil {
				return err
			}
			cells.Cells = append(cells.Cells, query.TrendCell{Series: k, At: at, Total: totals[i], Users: users[i]})
		}
		cells.Cells = append(cells.Cells, query.TrendCell{Series: k, Range: true, Users: all})
		return nil
	})
	if err != nil {
		return nil, err
	}
	measure, _ := query.ParseMeasure(q.Measure)
	if windows := rollingWindows(measure); windows != nil {
		if err := e.rolling(ctx, q, span, scanFrom, windows, key, cond, zone, sec, series, &cells); err != nil {
			return nil, err
		}
	}
	return query.TrendsFromCells(q, span, f.count == 0, cells)
}

// rollingWindows are the trailing windows (days) of a rolling measure.
func rollingWindows(measure string) []int {
	switch measure {
	case query.MeasureDAU:
		return []int{1}
	case query.MeasureWAU:
		return []int{7}
	case query.MeasureMAU:
		return []int{30}
	case query.MeasureStickiness:
		return []int{1, 30}
	}
	return nil
}

// rolling adds the covers of rolling measures: per person and series the
// sorted days they were active, and for each day d the run of days d ..
// d+W-1 not already covered by their previous active day; and for
// stickiness, persons by their number of active days in the range.
func (e *Engine) rolling(ctx context.Context, q query.TrendsQuery, span query.Span, scanFrom int64, windows []int, key, cond, zone, sec string,
	series func([]string) query.TrendSeriesKey, cells *query.TrendsCells) error {
	t := e.t
	day, ok := e.dayNumber(span.Loc)
	if !ok {
		day = "toInt64(toUInt16(toDate(" + sec + ", " + zone + ")))"
	}
	first := time.UnixMilli(span.From).In(span.Loc)
	firstDay := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
	var ws []string
	for _, w := range windows {
		ws = append(ws, strconv.Itoa(w))
	}
	perPerson := func(from string) string {
		return "SELECT " + key + ", arraySort(groupUniqArray(" + day + ")) AS days FROM " + from + " WHERE " + cond + " AND " + t.Time + " >= " + lit(scanFrom) +
			" GROUP BY " + personGroup(t) + ", k1, k2, k3"
	}
	sql := func(from string) string {
		return "SELECT k1, k2, k3, w, r.1 AS lo, r.2 AS hi, count() FROM (" +
			"SELECT k1, k2, k3, w, arrayJoin(arrayMap((d, p) -> (greatest(d, p + w), d + w - 1), days, arrayPushFront(arrayPopBack(days), -100000))) AS r" +
			" FROM (" + perPerson(from) + ") ARRAY JOIN [" + strings.Join(ws, ", ") + "] AS w) GROUP BY k1, k2, k3, w, lo, hi"
	}
	err := e.eachPerson(ctx, sql, func(row []string) error {
		k := series(row)
		w, err1 := strconv.Atoi(row[3])
		lo, err2 := strconv.ParseInt(row[4], 10, 64)
		hi, err3 := strconv.ParseInt(row[5], 10, 64)
		n, err4 := strconv.ParseInt(row[6], 10, 64)
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return i18n.Errorf("trends: reading ClickHouse's covers: %w", err)
		}
		cells.Covers = append(cells.Covers, query.TrendCover{Series: k, Days: w, From: dayNoon(lo, span.Loc), To: dayNoon(hi, span.Loc), Users: n})
		return nil
	})
	if err != nil || q.Measure != query.MeasureStickiness {
		return err
	}
	active := func(from string) string {
		return "SELECT k1, k2, k3, n, count() FROM (SELECT k1, k2, k3, arrayCount(d -> d >= " + strconv.FormatInt(firstDay, 10) + ", days) AS n FROM (" + perPerson(from) + ")) WHERE n > 0 GROUP BY k1, k2, k3, n"
	}
	return e.eachPerson(ctx, active, func(row []string) error {
		k := series(row)
		d, err1 := strconv.Atoi(row[3])
		n, err2 := strconv.ParseInt(row[4], 10, 64)
		if err := firstErr(err1, err2); err != nil {
			return i18n.Errorf("trends: reading ClickHouse's active days: %w", err)
		}
		cells.Active = append(cells.Active, query.TrendActive{Series: k, Days: d, Users: n})
		return nil
	})
}

// personGroup is SQL telling a table's persons apart in a query that
// sends none of them back (counts, sets, groups): the table's
// person_order where it has one, a stored number that push writes one to
// one with the person (personKey), else the person's text. Sets and
// groups of a number cost ClickHouse far less than of a string, and the
// person's column is not read at all: at 10M events on one server the
// users-per-day trend costs 1.97 -> 1.15 s of server CPU, lifecycle by
// day 1.60 -> 1.09 s and retention 1.83 -> 1.14 s (query_log, the
// queries alone, alternated, load ~25).
func personGroup(t *clickhouse.Table) string {
	if t.Order != "" {
		return t.Order
	}
	return t.Person
}

// dayNoon is noon of a day (days since 1970-01-01) in loc: an instant
// inside that calendar day whatever daylight saving does.
func dayNoon(days int64, loc *time.Location) int64 {
	d := time.Unix(days*86400, 0).UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc).UnixMilli()
}

// quarter is the width of the slots hours are looked up by.
const quarter = 15 * 60 * 1000

// maxHourSlots bounds the lookup array (a year of quarter hours is 35,040).
const maxHourSlots = 400_000

// hourBuckets is SQL for the index of the hour of cal holding the instant
// time (ms, at or after the calendar's start).
func hourBuckets(timeExpr string, cal *query.Calendar) (string, error) {
	first, last := cal.Starts[0], cal.Starts[len(cal.Starts)-1]
	if (last-first)/quarter > maxHourSlots {
		return "", i18n.Errorf("hourly buckets over more than %d days are not compiled for ClickHouse; use --interval day or a shorter range", maxHourSlots/96)
	}
	var b strings.Builder
	for i := 0; i < cal.Len(); i++ {
		if cal.Starts[i]%quarter != 0 {
			return "", i18n.Errorf("the hours of %s do not start on a quarter hour, which ClickHouse hourly buckets need; use --interval day", cal.Loc)
		}
		for s := cal.Starts[i]; s < cal.Starts[i+1]; s += quarter {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i))
		}
	}
	return "arrayElement([" + b.String() + "], toUInt64(intDiv(" + timeExpr + " - " + strconv.FormatInt(first, 10) + ", " + strconv.Itoa(quarter) + ") + 1))", nil
}
