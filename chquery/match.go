package chquery

import (
	"context"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sequence"
)

var _ sequence.Backend = (*Engine)(nil)

// Match is spoor match on the table. ClickHouse's own sequenceMatch is
// not used: on 18.16 it orders a person's events by whole seconds, so
// events a millisecond apart (or stored one after the other at one
// instant) could match in another order than the local engine's. Instead
// each person with an event in scope sends one row: their events that
// meet a condition, in stored order, as times and condition bits, and
// package sequence's own matcher answers it, so every count and event
// list is the local engine's. Persons come in the order of their ids.
func (e *Engine) Match(ctx context.Context, q sequence.Query) (*sequence.Result, error) {
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	c, err := sequence.NewCollector(q, span.Loc)
	if err != nil {
		return nil, err
	}
	t := e.t
	var bits []string
	for k, st := range c.Steps() {
		if !f.known[st.Event] {
			c.Never(k)
			continue
		}
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return nil, i18n.Errorf("condition %d (%s): %w", k+1, q.Conditions[k], err)
		}
		bits = append(bits, "toUInt32("+t.Event+" = "+clickhouse.String(st.Event)+" AND "+cond+") * "+strconv.FormatUint(1<<uint(k), 10))
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	code := "toUInt32(0)"
	if len(bits) > 0 {
		code = "toUInt32(" + strings.Join(bits, " + ") + ")"
	}
	sql := func(from, part string) string {
		persons := "SELECT " + e.personCols() + ", arraySort(groupArrayIf((toInt64(" + t.Time + "), " + tiebreakOf(t) + ", " + code + "), " + code + " != 0)) AS ev" +
			" FROM " + from + " WHERE " + t.Where + " AND " + part + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To) + " AND " + where +
			" GROUP BY person"
		return "SELECT person, arrayMap(x -> x.1, ev), arrayMap(x -> x.3, ev), po FROM (" + persons + ")"
	}
	type person struct {
		user string
		ev   []sequence.Event
	}
	var persons []placed[person]
	err = e.eachPart(ctx, sql, func(row []string) error {
		times, err1 := intArray(row[1])
		codes, err2 := intArray(row[2])
		order, err3 := parseOrder(row[3])
		if err := firstErr(err1, err2, err3); err != nil || len(codes) != len(times) {
			return i18n.Errorf("match: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		ev := make([]sequence.Event, len(times))
		for i := range times {
			ev[i] = sequence.Event{T: times[i], Conds: uint32(codes[i])}
		}
		persons = append(persons, placed[person]{person{row[0], ev}, order})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range inListOrder(persons, func(p person) string { return p.user }) {
		if _, _, err := c.Add(ctx, p.user, p.ev); err != nil {
			return nil, err
		}
	}
	return c.Result(), nil
}
