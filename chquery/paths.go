package chquery

import (
	"context"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Paths compiles a paths analysis (docs/semantics.md#paths). Events
// outside the range or failing --where are in no path and keep no session
// alive, so the server reads only the others; per person, on each shard,
// it walks from the first anchor event (forwards for --from, backwards for
// --to, in time and storage order): the session ends at the first gap
// longer than --session-gap, immediate repeats collapse, and the path is
// its first --depth steps, marked early when fewer were left. Each shard
// answers the count of each distinct path (with --by, per value of the
// anchor event): cells, not persons. query.PathsFromCounts builds the tree,
// ranking and transitions from them as the local engine does.
func (e *Engine) Paths(ctx context.Context, q query.PathsQuery) (*query.PathsResult, error) {
	p, err := query.PlanPaths(q)
	if err != nil {
		return nil, err
	}
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	if err := f.checkEvent(p.Anchor); err != nil {
		return nil, err
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	t := e.t
	tiebreak := t.Tiebreak
	if tiebreak == "" {
		tiebreak = "0"
	}
	// Each event's tuple carries the --by value only when there is one:
	// groupArray's cost grows with the tuple.
	by, byCols := "", "'' AS byv, toUInt8(0) AS byh"
	if q.By != "" {
		byValue, byHas := t.Prop(q.By)
		by, byCols = ", "+byValue+", toUInt8("+byHas+")", "tupleElement(anchorBy, 4) AS byv, tupleElement(anchorBy, 5) AS byh"
	}
	// Events are walked as numbers (1 + their index in f.names): sorting
	// and comparing them is cheaper than names.
	codes := make([]string, len(f.names))
	anchorCode := ""
	for i, name := range f.names {
		codes[i] = strconv.Itoa(i + 1)
		if name == p.Anchor {
			anchorCode = codes[i]
		}
	}
	code := "transform(" + t.Event + ", [" + clickhouse.Strings(f.names) + "], CAST([" + strings.Join(codes, ", ") + "] AS Array(UInt32)), toUInt32(0))"
	anchor := clickhouse.String(p.Anchor)
	inner := func(from, part string) string {
		return "SELECT " + t.Person + " AS person, arraySort(x -> (x.1, x.2), groupArray((" + t.Time + ", " + tiebreak + ", " + code +
			by + "))) AS ev" +
			" FROM " + from +
			" WHERE " + t.Where + " AND " + part + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To) + " AND " + where +
			" GROUP BY person HAVING countIf(" + t.Event + " = " + anchor + ") > 0"
	}
	var st stages
	st.let("E", "arrayMap(x -> x.3, ev)")
	st.let("T", "arrayMap(x -> x.1, ev)")
	st.next()
	st.let("at", "indexOf(E, toUInt32("+anchorCode+"))")
	st.next()
	// The walk, anchor first: SE its events, ST their times.
	if p.Backward {
		st.let("SE", "arrayReverse(arraySlice(E, 1, at))")
		st.let("ST", "arrayReverse(arraySlice(T, 1, at))")
	} else {
		st.let("SE", "arraySlice(E, at)")
		st.let("ST", "arraySlice(T, at)")
	}
	st.let("anchorBy", "arrayElement(ev, at)")
	st.next()
	// cut: the first event past the session's end (0: none). The first
	// difference is 0, so a cut is never the anchor.
	cut := "toUInt32(0)"
	if p.GapMs > 0 {
		cut = "arrayFirstIndex(x -> x > " + lit(p.GapMs) + ", arrayMap(x -> abs(x), arrayDifference(ST)))"
	}
	st.let("cut", cut)
	st.next()
	st.let("S", "if(cut > 0, arraySlice(SE, 1, cut - 1), SE)")
	st.next()
	walked := "S"
	if p.Collapse {
		// An event the same as the one before it is a repeat; the anchor
		// counts, so "view view cart" from view is view, cart.
		st.let("K", "arrayFilter((x, y, i) -> i = 1 OR x != y, S, arrayPushFront(arrayPopBack(S), toUInt32(0)), arrayEnumerate(S))")
		st.next()
		walked = "K"
	}
	depth := strconv.Itoa(p.Depth)
	st.let("steps", "arraySlice("+walked+", 2, "+depth+")")
	st.next()
	st.let("early", "toUInt8(length(steps) < "+depth+")")
	sql := func(from, part string) string {
		return "SELECT steps, early, " + byCols + ", count()" +
			" FROM (" + st.wrap(inner(from, part)) + ") GROUP BY steps, early, byv, byh"
	}
	var counts []query.PathCount
	err = e.eachPart(ctx, sql, func(row []string) error {
		if len(row) != 5 {
			return i18n.Errorf("paths: ClickHouse sent %d columns, expected %d", len(row), 5)
		}
		walked, err1 := intArray(row[0])
		n, err2 := strconv.ParseInt(row[4], 10, 64)
		if err := firstErr(err1, err2); err != nil {
			return i18n.Errorf("paths: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
		}
		steps := make([]string, len(walked))
		for i, c := range walked {
			if c < 1 || int(c) > len(f.names) {
				// An event name stored after the names were read.
				return i18n.Errorf("paths: reading ClickHouse's row %q: %w", strings.Join(row, " "), i18n.Errorf("unknown event code"))
			}
			steps[i] = f.names[c-1]
		}
		counts = append(counts, query.PathCount{Steps: steps, Early: row[1] == "1", By: row[2], HasBy: row[3] == "1", Users: n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return query.PathsFromCounts(q, counts)
}
