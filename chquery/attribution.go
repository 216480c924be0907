package chquery

import (
	"context"
	"strings"

	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

var _ attribution.Backend = (*Engine)(nil)

// Attribution is spoor attribution on the table. Per person with a
// conversion in range, on each shard (in parts by a hash of the person on
// a large table): their conversions that the range and --where keep, and
// of their touches only those with such a conversion at or after them
// within the lookback (the next conversion's time carried back by a
// running maximum over the reversed timeline), in timeline order with
// each touch's value and each conversion's revenue text. That row is
// credited here by package attribution's own code, so every share, its
// rounding to billionths and the revenue split are the local engine's.
func (e *Engine) Attribution(ctx context.Context, q attribution.Query) (*attribution.Result, error) {
	p, err := attribution.Check(q)
	if err != nil {
		return nil, err
	}
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	if err := f.checkEvent(q.Conversion); err != nil {
		return nil, i18n.Errorf("--conversion: %w", err)
	}
	t := e.t
	for _, k := range []string{q.Touch, q.Revenue} {
		if k == "" || f.count == 0 {
			continue
		}
		if err := e.checkProp(ctx, k); err != nil {
			return nil, err
		}
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	isConv := "(" + t.Event + " = " + clickhouse.String(q.Conversion) + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To) + " AND " + where + ")"
	value, has := t.Prop(q.Touch)
	isTouch := "(" + t.Event + " != " + clickhouse.String(q.Conversion) + " AND " + has + " AND " + t.Time + " >= " + lit(span.From-p.Window()) + " AND " + t.Time + " < " + lit(span.To) + ")"
	revenue := "''"
	if q.Revenue != "" {
		v, h := t.Prop(q.Revenue)
		revenue = "if(" + h + ", " + v + ", '')"
	}
	var st stages
	// At one instant touches sort before conversions, so a touch's next
	// conversion is the first conversion after it in the array.
	st.let("aV", "arrayReverse(arrayMap(x -> if(x.2 = 1, -x.1, "+neg+"), ev))")
	st.next()
	st.let("aR", "arrayMap((v, d) -> v + d, aV, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(aV))))")
	st.next()
	st.let("aK", "arrayFilter((x, r) -> x.2 = 1 OR -r - x.1 <= "+lit(p.Window())+", ev, arrayReverse(aR))")
	sql := func(from, part string) string {
		persons := "SELECT " + t.Person + " AS person, arraySort(groupArray((toInt64(" + t.Time + "), toUInt8(" + isConv + "), " + tiebreakOf(t) + ", if(" + isConv + ", " + revenue + ", " + value + ")))) AS ev" +
			" FROM " + from + " WHERE " + t.Where + " AND " + part + " AND (" + isConv + " OR " + isTouch + ") GROUP BY person HAVING countIf(" + isConv + ") > 0"
		return "SELECT person, arrayMap(x -> x.1, aK), arrayMap(x -> x.2, aK), arrayMap(x -> x.4, aK) FROM (" + st.wrap(persons) + ")"
	}
	r := p.Remote()
	var conv []bool
	err = e.eachPart(ctx, sql, func(row []string) error {
		times, err1 := intArray(row[1])
		kinds, err2 := intArray(row[2])
		texts, err3 := clickhouse.ParseArray(row[3])
		if err := firstErr(err1, err2, err3); err != nil || len(kinds) != len(times) || len(texts) != len(times) {
			return i18n.Errorf("attribution: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		conv = conv[:0]
		for _, k := range kinds {
			conv = append(conv, k == 1)
		}
		return r.Person(ctx, times, conv, texts)
	})
	if err != nil {
		return nil, err
	}
	return r.Result(span.From, span.To, span.Loc)
}

// checkProp says, as the local engine does, that no event has a property,
// with the closest keys the table holds.
func (e *Engine) checkProp(ctx context.Context, key string) error {
	t := e.base
	_, has := t.Prop(key)
	r, err := e.c.Query(ctx, "SELECT count() FROM (SELECT 1 FROM "+t.From+" WHERE "+t.Where+" AND "+has+" LIMIT 1)")
	if err != nil || len(r.Rows) == 1 && r.Rows[0][0] == "1" {
		return err
	}
	keys, _, err := e.PropKeys(ctx)
	if err != nil {
		return err
	}
	near := query.Closest(key, keys, 3)
	if len(near) == 0 {
		return i18n.Errorf("no event has the property %q; run spoor props to list the %d known keys", key, len(keys))
	}
	return i18n.Errorf("no event has the property %q; closest known: %s", key, strings.Join(near, i18n.T(", ")))
}
