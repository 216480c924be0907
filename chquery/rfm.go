package chquery

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

// RFM is spoor segment rfm on the table, in the calendar days of loc (nil:
// the display zone). Per customer, on each shard: their purchases, the
// time of the last one and the revenue texts of the purchases in timeline
// order, which are summed here in that order, as segment.RFM sums them, so
// the monetary values agree to the last bit. segment.ScoreRFM then scores
// them. The users come back sorted by id.
func (e *Engine) RFM(ctx context.Context, opt segment.RFMOptions, loc *time.Location) (*segment.RFMReport, []segment.RFMUser, error) {
	if loc == nil {
		loc = e.loc
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, nil, err
	}
	if opt.Event != "" {
		if err := f.checkEvent(opt.Event); err != nil {
			return nil, nil, err
		}
	}
	t := e.base
	value, has := t.Prop(opt.Revenue)
	nums, err := e.numbers(ctx, opt.Revenue)
	if err != nil {
		return nil, nil, err
	}
	numeric := "0"
	if len(nums) > 0 {
		numeric = "(" + has + " AND " + value + " IN (" + clickhouse.Strings(nums) + "))"
	}
	// A purchase: every event of opt.Event (revenue 0 when it has no
	// number), else every event with a numeric revenue.
	purchase := numeric
	if opt.Event != "" {
		purchase = "(" + t.Event + " = " + clickhouse.String(opt.Event) + ")"
	}
	sql := func(from string) string {
		return "SELECT " + t.Person + " AS person, countIf(" + purchase + ") AS n, maxIf(" + t.Time + ", " + purchase + ")," +
			" arrayMap(x -> x.3, arraySort(x -> (x.1, x.2), groupArrayIf((" + t.Time + ", " + tiebreakOf(t) + ", " + value + "), " + purchase + " AND " + numeric + ")))" +
			" FROM " + from + " WHERE " + t.Where + " GROUP BY person HAVING n > 0"
	}
	lastDay := segment.LastDay(f.max, loc)
	var users []segment.RFMUser
	err = e.eachPerson(ctx, sql, func(row []string) error {
		if len(row) != 4 {
			return i18n.Errorf("rfm: ClickHouse sent %d columns, expected %d", len(row), 4)
		}
		n, err1 := strconv.Atoi(row[1])
		last, err2 := strconv.ParseInt(row[2], 10, 64)
		revs, err3 := clickhouse.ParseArray(row[3])
		if err := firstErr(err1, err2, err3); err != nil {
			return i18n.Errorf("rfm: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		u := segment.RFMUser{User: row[0], Frequency: n, RecencyDays: segment.RecencyDays(lastDay, last, loc)}
		for _, v := range revs {
			x, _ := strconv.ParseFloat(v, 64) // one of nums
			u.Monetary += x
		}
		u.Monetary = segment.RoundMonetary(u.Monetary)
		users = append(users, u)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].User < users[j].User })
	persons, err := e.persons(ctx)
	if err != nil {
		return nil, nil, err
	}
	return segment.ScoreRFM(opt, users, persons)
}

// numbers are the values of a property that the local engine reads as a
// number (strconv.ParseFloat, not NaN), read from its distinct values.
func (e *Engine) numbers(ctx context.Context, prop string) ([]string, error) {
	value, has := e.base.Prop(prop)
	r, err := e.c.Query(ctx, "SELECT DISTINCT "+value+" FROM "+e.base.From+" WHERE "+e.base.Where+" AND "+has+" LIMIT "+strconv.Itoa(maxValues+1))
	if err != nil {
		return nil, err
	}
	if len(r.Rows) > maxValues {
		return nil, i18n.Errorf("the property %q has more than %d distinct values, more than spoor reads to tell its numbers", prop, maxValues)
	}
	var out []string
	for _, row := range r.Rows {
		if x, err := strconv.ParseFloat(row[0], 64); err == nil && !math.IsNaN(x) {
			out = append(out, row[0])
		}
	}
	return out, nil
}

// persons counts the persons of the table.
func (e *Engine) persons(ctx context.Context) (int, error) {
	t := e.base
	r, err := e.c.Query(ctx, "SELECT uniqExact("+t.Person+") FROM "+t.From+" WHERE "+t.Where)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(r.Rows[0][0])
	if err != nil {
		return 0, i18n.Errorf("segment: ClickHouse sent the count %q", r.Rows[0][0])
	}
	return n, nil
}
