package chquery

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

// RFM is spoor segment rfm on the table, in the calendar days of loc (nil:
// the display zone). Per customer, on each shard: the events that may be
// purchases (of opt.Event, else those with the revenue property), in
// timeline order, with their times and revenue texts; here, as
// segment.RFM reads them, the purchases among them are counted, the last
// one's day taken and the revenues summed in that order
// (segment.RFMCounter), so the monetary values agree to the last bit. Only those events are grouped by person.
// segment.ScoreRFM then scores them. The users come back sorted by id.
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
	candidate := has
	if opt.Event != "" {
		candidate = "(" + t.Event + " = " + clickhouse.String(opt.Event) + ")"
	}
	// Few events per person are grouped: their tuples are sorted as they
	// are (a packed order would cost a scan of the ids, Engine.withOrder).
	// An event without the property sends no text: no number either way.
	text := value
	if has != "1" {
		text = "if(" + has + ", " + value + ", '')"
	}
	sql := func(from string) string {
		return "SELECT person, arrayMap(x -> x.1, s), arrayMap(x -> x.3, s), po FROM (SELECT " + e.personCols() + "," +
			" arraySort(x -> (x.1, x.2), groupArray((" + t.Time + ", " + tiebreakOf(t) + ", " + text + "))) AS s" +
			" FROM " + from + " WHERE " + t.Where + " AND " + candidate + " GROUP BY person)"
	}
	c := segment.NewRFMCounter(opt, f.max, loc)
	var users []placed[segment.RFMUser]
	err = e.unscoped().eachPerson(ctx, sql, func(row []string) error {
		if len(row) != 4 {
			return i18n.Errorf("rfm: ClickHouse sent %d columns, expected %d", len(row), 4)
		}
		times, err1 := intArray(row[1])
		revs, err2 := clickhouse.ParseArray(row[2])
		order, err3 := parseOrder(row[3])
		if err := firstErr(err1, err2, err3); err != nil || len(revs) != len(times) {
			return i18n.Errorf("rfm: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		c.Start(row[0])
		for i, text := range revs {
			v := math.NaN()
			if x, err := strconv.ParseFloat(text, 64); err == nil {
				v = x
			}
			c.Add(times[i], v)
		}
		if u, ok := c.User(); ok {
			users = append(users, placed[segment.RFMUser]{u, order})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	persons, err := e.persons(ctx)
	if err != nil {
		return nil, nil, err
	}
	return segment.ScoreRFM(opt, inListOrder(users, func(u segment.RFMUser) string { return u.User }), persons)
}

// persons counts the persons of the table: on a table sharded by person,
// each shard counts its own and the counts add up. The count is kept with
// the facts, in the cache too.
func (e *Engine) persons(ctx context.Context) (int, error) {
	f, err := e.data(ctx)
	if err != nil {
		return 0, err
	}
	e.cache.mu.Lock()
	n := f.persons
	e.cache.mu.Unlock()
	if n >= 0 {
		return int(n), nil
	}
	t := e.base
	n = 0
	err = e.unscoped().eachPerson(ctx, func(from string) string {
		return "SELECT uniqExact(" + personGroup(t) + ") FROM " + from + " WHERE " + t.Where
	}, func(row []string) error {
		k, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil {
			return i18n.Errorf("segment: ClickHouse sent the count %q", row[0])
		}
		n += k
		return nil
	})
	if err != nil {
		return 0, err
	}
	e.cache.mu.Lock()
	defer e.cache.mu.Unlock()
	f.persons = n
	e.keep(ctx, f)
	return int(n), nil
}

// Summary is what spoor info shows of the table: its events, persons and
// event names, and its first and last instants (0 when it has no event),
// from the facts (cached across processes).
func (e *Engine) Summary(ctx context.Context) (events, persons, names int, first, last int64, err error) {
	f, err := e.data(ctx)
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	n, err := e.persons(ctx)
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	return int(f.count), n, len(f.names), f.min, f.max, nil
}

// unscoped is the engine on the table as opened, without a --segment's or
// a --by segment:NAME's scope.
func (e *Engine) unscoped() *Engine {
	c := *e
	c.t, c.scoped = c.base, false
	return &c
}
