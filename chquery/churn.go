package chquery

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// Churn ranks users at risk of churning (docs/segments.md) from their
// activity summed up where the events are: per person with an event in
// the baseline, on each shard, their events in the recent window and in
// the baseline, their active days in loc (nil: the table's display zone)
// and their last key event. segment.ChurnFromPersons scores them as the
// local engine does.
func (e *Engine) Churn(ctx context.Context, opt segment.ChurnOptions, loc *time.Location) (*segment.ChurnReport, error) {
	if loc == nil {
		loc = e.loc
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	if opt.KeyEvent != "" {
		if err := f.checkEvent(opt.KeyEvent); err != nil {
			return nil, err
		}
	}
	if f.count == 0 {
		return segment.ChurnFromPersons(opt, loc, f.min, f.max, nil), nil
	}
	t := e.t
	recentFrom, baseFrom := segment.ChurnWindows(opt, loc, f.min, f.max)
	day, at := e.ordinal(query.Day, loc)
	key := "1"
	if opt.KeyEvent != "" {
		key = t.Event + " = " + clickhouse.String(opt.KeyEvent)
	}
	var persons chunked[segment.ChurnPerson]
	err = e.withOrder(ctx, f.min, func(order string) error {
		persons.reset()
		return e.eachPerson(ctx, func(from string) string {
			return "SELECT " + t.Person + " AS person, countIf(" + t.Time + " >= " + lit(recentFrom) + ")," +
				" countIf(" + t.Time + " >= " + lit(baseFrom) + " AND " + t.Time + " < " + lit(recentFrom) + ") AS base," +
				" arraySort(groupUniqArray(toInt32(" + day + "))), countIf(" + key + ")," +
				// The latest key event's time, and its name by (time, storage
				// order): an argMax carrying only the name costs a third less.
				" maxIf(" + t.Time + ", " + key + "), argMaxIf(" + t.Event + ", " + order + ", " + key + ")" +
				" FROM " + from + " WHERE " + t.Where + " GROUP BY person HAVING base > 0"
		}, func(row []string) error {
			if len(row) != 7 {
				return i18n.Errorf("churn: ClickHouse sent %d columns, expected %d", len(row), 7)
			}
			recent, err1 := strconv.Atoi(row[1])
			base, err2 := strconv.Atoi(row[2])
			days, err3 := intArray(row[3])
			keys, err4 := strconv.Atoi(row[4])
			keyAt, err5 := strconv.ParseInt(row[5], 10, 64)
			if err := firstErr(err1, err2, err3, err4, err5); err != nil {
				return i18n.Errorf("churn: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
			}
			p := segment.ChurnPerson{User: row[0], Recent: recent, Baseline: base, KeyAt: -1}
			for _, d := range days {
				p.Days = append(p.Days, at(d))
			}
			if keys > 0 {
				p.KeyAt, p.KeyEvent = keyAt, row[6]
			}
			persons.add(p)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return segment.ChurnFromPersons(opt, loc, f.min, f.max, persons.slice()), nil
}
