package chquery

import (
	"context"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
)

// What the workbench's Explore tab lists of a table: its event names with
// their counts and span, and the persons who did one; each a GROUP BY on
// the server.

// EventStat is one event name: its events, the persons who did it, and
// its first and last instants (ms).
type EventStat struct {
	Name          string
	Events, Users int
	First, Last   int64
}

// EventStats lists every event name of the table, in name order.
func (e *Engine) EventStats(ctx context.Context) ([]EventStat, error) {
	t := e.base
	var out []EventStat
	_, _, err := e.c.Each(ctx, "SELECT "+t.Event+" AS ev, count(), uniqExact("+t.Person+"), min("+t.Time+"), max("+t.Time+") FROM "+t.From+" WHERE "+t.Where+" GROUP BY ev ORDER BY ev", func(row []string) error {
		n, err1 := strconv.Atoi(row[1])
		u, err2 := strconv.Atoi(row[2])
		lo, err3 := strconv.ParseInt(row[3], 10, 64)
		hi, err4 := strconv.ParseInt(row[4], 10, 64)
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return i18n.Errorf("ClickHouse answered %q for the events named %q", strings.Join(row[1:], " "), row[0])
		}
		out = append(out, EventStat{Name: row[0], Events: n, Users: u, First: lo, Last: hi})
		return nil
	})
	return out, err
}

// UsersWhoDid lists, in the local engine's order, the persons with an
// event of that name.
func (e *Engine) UsersWhoDid(ctx context.Context, name string) ([]string, error) {
	t := e.base
	var list []placed[string]
	sql := func(from string) string {
		return "SELECT " + t.Person + " AS person, " + orderOf(t) + " FROM " + from + " WHERE " + t.Where + " AND " + t.Event + " = " + clickhouse.String(name) + " GROUP BY person"
	}
	err := e.eachPerson(ctx, sql, func(row []string) error {
		order, err := parseOrder(row[1])
		list = append(list, placed[string]{row[0], order})
		return err
	})
	return inListOrder(list, func(u string) string { return u }), err
}
