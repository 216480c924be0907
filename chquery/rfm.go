package chquery

import (
	"cmp"
	"context"
	"math"
	"slices"
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
// (segment.RFMCounter), so the monetary values agree to the last bit.
// Only those events are grouped by person. segment.ScoreRFM then scores
// them. The users come back in the local engine's list order.
func (e *Engine) RFM(ctx context.Context, opt segment.RFMOptions, loc *time.Location) (*segment.RFMReport, []segment.RFMUser, error) {
	return e.rfm(ctx, opt, loc, true)
}

// RFMTiers is RFM's report without its users (spoor segment rfm without
// --users or --tier): the scores need no customer's id, so none is read,
// and a customer's events come in any order, each with its time only,
// ordered here (rfmCustomer); the few customers whose order only the
// tiebreak settles are asked for again in storage order. At 10M events
// on one server the query costs 0.93 s of server CPU with the ids, the
// persons' text and the order, 0.50 s without (query_log, alternated,
// load ~40).
func (e *Engine) RFMTiers(ctx context.Context, opt segment.RFMOptions, loc *time.Location) (*segment.RFMReport, error) {
	rep, _, err := e.rfm(ctx, opt, loc, false)
	return rep, err
}

func (e *Engine) rfm(ctx context.Context, opt segment.RFMOptions, loc *time.Location, named bool) (*segment.RFMReport, []segment.RFMUser, error) {
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
	// Grouped by personGroup, the person's text taken once per group.
	group := personGroup(t)
	who := "any(" + t.Person + ")"
	if group == t.Person {
		who = t.Person
	}
	// sorted: per customer the id (or ''), the times and texts in
	// timeline order, and the place in the local engine's lists.
	sorted := func(who, also string) func(from string) string {
		return func(from string) string {
			return "SELECT sp_u, arrayMap(x -> x.1, s), arrayMap(x -> x.3, s), po FROM (SELECT " + who + " AS sp_u, " + orderOf(t) + " AS po," +
				" arraySort(x -> (x.1, x.2), groupArray((" + t.Time + ", " + tiebreakOf(t) + ", " + text + "))) AS s" +
				" FROM " + from + " WHERE " + t.Where + " AND " + candidate + also + " GROUP BY " + group + ")"
		}
	}
	c := segment.NewRFMCounter(opt, f.max, loc)
	var users chunked[placed[segment.RFMUser]]
	var cu rfmCustomer
	count := func(row []string, ordered bool) error {
		if len(row) != 4 {
			return i18n.Errorf("rfm: ClickHouse sent %d columns, expected %d", len(row), 4)
		}
		order, err := cu.read(row, ordered)
		if err != nil {
			return err
		}
		if !ordered && cu.tied {
			return nil
		}
		c.Start(row[0])
		for _, ev := range cu.events {
			v := math.NaN()
			if x, err := strconv.ParseFloat(ev.text, 64); err == nil {
				v = x
			}
			c.Add(ev.at, v)
		}
		if u, ok := c.User(); ok {
			users.add(placed[segment.RFMUser]{u, order})
		}
		return nil
	}
	each := e.unscoped().eachPerson
	if named {
		err = each(ctx, sorted(who, ""), func(row []string) error { return count(row, true) })
	} else {
		// Per customer the group's key, then the times and texts in the
		// same order (two groupArrays of one GROUP BY keep their rows
		// in step; neither value is ever NULL, which groupArray skips).
		var tied []string
		err = each(ctx, func(from string) string {
			return "SELECT " + group + ", groupArray(" + t.Time + "), groupArray(" + text + "), 0 FROM " + from +
				" WHERE " + t.Where + " AND " + candidate + " GROUP BY " + group
		}, func(row []string) error {
			if err := count(row, false); err != nil || !cu.tied {
				return err
			}
			tied = append(tied, row[0])
			return nil
		})
		if err == nil && len(tied) > 0 {
			keys := clickhouse.Strings(tied)
			if group != t.Person {
				keys = strings.Join(tied, ", ") // person_order's numbers
			}
			err = each(ctx, sorted("''", " AND "+group+" IN ("+keys+")"), func(row []string) error { return count(row, true) })
		}
	}
	if err != nil {
		return nil, nil, err
	}
	persons, err := e.persons(ctx)
	if err != nil {
		return nil, nil, err
	}
	var list []segment.RFMUser
	if named {
		for _, u := range users.sorted(func(u *placed[segment.RFMUser]) (uint64, string) { return u.order, u.v.User }) {
			list = append(list, u.v)
		}
	} else {
		// Quintiles do not depend on the customers' order.
		list = make([]segment.RFMUser, 0, users.n)
		for _, ch := range users.chunks {
			for _, u := range ch {
				list = append(list, u.v)
			}
		}
	}
	return segment.ScoreRFM(opt, list, persons)
}

// rfmCustomer is one customer's candidate events as RFM reads them from a
// row (id or group key, times, texts, place), its buffers reused row
// after row.
type rfmCustomer struct {
	times  []int64
	events []rfmEvent
	// tied: the events came in any order and three or more of them
	// share times with others, so only the tiebreak orders them, which a
	// sum of three or more revenues may depend on (two add up the same
	// either way).
	tied bool
}

type rfmEvent struct {
	at   int64
	text string
}

// read parses row into c.events, in timeline order: as they come when
// ordered, else sorted by time (c.tied says whether that order is
// certain), and returns the row's place.
func (c *rfmCustomer) read(row []string, ordered bool) (uint64, error) {
	var err1 error
	c.times, err1 = appendIntArray(c.times[:0], row[1])
	texts, err2 := clickhouse.ParseArray(row[2])
	order, err3 := parseOrder(row[3])
	if err := firstErr(err1, err2, err3); err != nil || len(texts) != len(c.times) {
		return 0, i18n.Errorf("rfm: ClickHouse sent the row %q", strings.Join(row, " "))
	}
	c.events = c.events[:0]
	for i, at := range c.times {
		c.events = append(c.events, rfmEvent{at, texts[i]})
	}
	c.tied = false
	if !ordered && len(c.events) > 1 {
		slices.SortFunc(c.events, func(a, b rfmEvent) int { return cmp.Compare(a.at, b.at) })
		for i := 1; i < len(c.events) && len(c.events) > 2; i++ {
			if c.events[i].at == c.events[i-1].at {
				c.tied = true
			}
		}
	}
	return order, nil
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
