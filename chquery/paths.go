package chquery

import (
	"context"
	"math/bits"
	"slices"
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
	// The forms tried in turn, each when the one before fails by throwIf:
	// the events as packed numbers (packedOrder; without --by) and the
	// persons as numbers (personNumber), then each given up. E and T are
	// an event's code and time as lambda bodies over x, one element of ev.
	type form struct{ events, E, T, person string }
	tuples := form{"arraySort(x -> (x.1, x.2), groupArray((" + t.Time + ", " + tiebreak + ", " + code + by + ")))", "x.3", "x.1", t.Person}
	var forms []form
	if k, ok := e.packedIn(ctx, span, code, len(f.names)); ok && q.By == "" {
		forms = append(forms, form{"arraySort(groupArray(" + k.key + "))", k.code, k.time, t.Person})
	}
	forms = append(forms, tuples)
	if hasID(t) {
		// Each form with the persons as numbers first.
		for i := len(forms) - 1; i >= 0; i-- {
			n := forms[i]
			n.person = personKey(t)
			forms = slices.Insert(forms, i, n)
		}
	}
	depth := strconv.Itoa(p.Depth)
	// at is the first anchor's place in ev, the person's events in order;
	// a person without one (at = 0) is left out after the grouping, where
	// a HAVING countIf on the event's text cost every event a string
	// comparison.
	walk := func(fm form, from, part string) string {
		inner := "SELECT " + fm.person + " AS sp_person, " + fm.events + " AS ev" +
			" FROM " + from +
			" WHERE " + t.Where + " AND " + part + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To) + " AND " + where +
			" GROUP BY sp_person"
		return "SELECT *, arrayFirstIndex(x -> " + fm.E + " = toUInt32(" + anchorCode + "), ev) AS at FROM (" + inner + ") WHERE at > 0"
	}
	// Only the walked events are mapped to codes and times: W, the anchor
	// first. Without sessions or collapse the walk is at most depth steps
	// past the anchor, so only those are taken.
	var st stages
	st.next()
	bounded := p.GapMs == 0 && !p.Collapse
	switch {
	case p.Backward && bounded:
		st.let("W", "arrayReverse(arraySlice(ev, greatest(toInt64(at) - "+depth+", 1), toInt64(at) - greatest(toInt64(at) - "+depth+", 1) + 1))")
	case p.Backward:
		st.let("W", "arrayReverse(arraySlice(ev, 1, at))")
	case bounded:
		st.let("W", "arraySlice(ev, at, "+depth+" + 1)")
	default:
		st.let("W", "arraySlice(ev, at)")
	}
	if q.By != "" {
		st.let("anchorBy", "arrayElement(ev, at)")
	}
	st.next()
	// The walk, anchor first: SE its events, ST their times (set per form
	// below, as the first stage).
	seStage := len(st.list) - 1
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
	st.let("steps", "arraySlice("+walked+", 2, "+depth+")")
	st.next()
	st.let("early", "toUInt8(length(steps) < "+depth+")")
	var fm form
	sql := func(from, part string) string {
		// Called for each part at once (eachPart's goroutines): the
		// form's stage goes into a copy of the list, never into st, where
		// one part's query could be read while another's was half set.
		se := []string{"arrayMap(x -> " + fm.E + ", W) AS SE"}
		if p.GapMs > 0 {
			se = append(se, "arrayMap(x -> "+fm.T+", W) AS ST")
		}
		own := stages{list: slices.Clone(st.list)}
		own.list[seStage] = se
		return "SELECT steps, early, " + byCols + ", count()" +
			" FROM (" + own.wrap(walk(fm, from, part)) + ") GROUP BY steps, early, byv, byh"
	}
	var counts []query.PathCount
	collect := func(row []string) error {
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
	}
	each := func(sql partSQL) error {
		counts = counts[:0]
		if e.t.ShardedByPerson {
			// One query a shard on all its threads: its parts cost more
			// (10M events on the 2-shard cluster: a shard's two parts
			// 1.1-1.27 s of server CPU, one query 1.0-1.06 s), and what
			// follows the grouping is little work.
			return e.eachPerson(ctx, func(from string) string { return sql(from, "1") }, collect)
		}
		return e.eachPart(ctx, sql, collect)
	}
	for _, fm = range forms {
		if err = each(sql); !clickhouse.IsCode(err, codeThrowIf) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return query.PathsFromCounts(q, counts)
}

// personNumber is SQL for a number that stands for a person of push's
// layout whose text is at most 7 bytes: its bytes, with its length above
// them. Grouping by it costs a quarter less than by the text (10M events:
// a paths part 1.3 -> 1.0 s of server CPU), for analyses that need no
// person's text back. A longer person fails the query with throwIf
// (codeThrowIf).
func personNumber(t *clickhouse.Table) string {
	p := t.Person
	return "bitOr(reinterpretAsUInt64(" + p + "), bitShiftLeft(toUInt64(length(" + p + ")), 56)) + throwIf(length(" + p + ") > 7)"
}

// personKey is SQL for a number that stands for a person in paths: the
// table's person_order (clickhouse.Table.Order) where it has one, else
// personNumber. Push writes person_order beside the person from the
// local database's users table, the stitched user's id, so persons and
// those numbers match one to one (a restitched person's events are sent
// again with both; a table pushed from another database is refused). It
// is a stored number for a person of any length (a UUID too), read
// instead of the person's text: at 10M events on one server a paths part
// costs 1.32-1.55 s of server CPU against 1.49-1.66 by personNumber
// (query_log, alternated, load ~35). The experiment's parts gained
// nothing from it (1.14-1.41 against 1.14-1.16 s): they keep
// personNumber.
func personKey(t *clickhouse.Table) string {
	if t.Order != "" {
		return t.Order
	}
	return personNumber(t)
}

// codeThrowIf is the error of throwIf (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO).
const codeThrowIf = 395

// packedKey is one UInt64 per event ordering a person's events by (time,
// storage order) and carrying the event's code, with SQL taking the time
// (Int64) and the code (UInt32) back out of one of them (x, in a lambda):
// one number per event costs groupArray and arraySort far less than a
// tuple.
type packedKey struct{ key, time, code string }

// packedOrder packs (time − lo, id, code) into one UInt64 for a table of
// push's layout (a numeric id), when the bits of the data's time span
// from lo (to its last instant, of the engine's facts), of the largest id
// and of the codes (1..names) fit in 64. An event outside those bounds
// (pushed after they were read) makes the query fail with throwIf
// (codeThrowIf), never order wrongly.
func (e *Engine) packedOrder(ctx context.Context, lo int64, code string, names int) (packedKey, bool) {
	t := e.t
	if !hasID(t) {
		return packedKey{}, false
	}
	f, err := e.data(ctx)
	if err != nil || f.max < lo {
		return packedKey{}, false
	}
	cb, ib, tb := bits.Len(uint(names)), bits.Len64(f.maxID), bits.Len64(uint64(f.max-lo))
	if cb+ib+tb > 64 {
		return packedKey{}, false
	}
	rel := "(" + t.Time + " - " + lit(lo) + ")"
	return pack(t, lo, cb, ib, code, "id < "+strconv.FormatUint(1<<ib, 10)+" AND "+rel+" >= 0 AND "+rel+" < "+strconv.FormatUint(1<<tb, 10)), true
}

// packedIn is packedOrder for a query whose WHERE keeps only the events
// of span s (s.From <= time < s.To): packed from s.From, with time bits
// enough for all of s, every event the query reads fits them, so only
// its id is checked (an event's time checks cost a paths query at 10M
// events about a tenth of its server CPU). When s's bits do not fit
// beside the id's and the codes', it is packedOrder from the data's
// first instant in s.
func (e *Engine) packedIn(ctx context.Context, s query.Span, code string, names int) (packedKey, bool) {
	t := e.t
	if !hasID(t) {
		return packedKey{}, false
	}
	f, err := e.data(ctx)
	if err != nil {
		return packedKey{}, false
	}
	if s.To > s.From {
		cb, ib, tb := bits.Len(uint(names)), bits.Len64(f.maxID), bits.Len64(uint64(s.To-1-s.From))
		if cb+ib+tb <= 64 {
			return pack(t, s.From, cb, ib, code, "id < "+strconv.FormatUint(1<<ib, 10)), true
		}
	}
	return e.packedOrder(ctx, max(s.From, f.min), code, names)
}

// pack is the packed key of (time − lo, id, code) with cb bits for the
// code and ib for the id above it, the time above both; the query fails
// by throwIf where fits, SQL saying an event's fields fit, is false.
func pack(t *clickhouse.Table, lo int64, cb, ib int, code, fits string) packedKey {
	shift := func(x string, n int) string { return "bitShiftLeft(toUInt64(" + x + "), " + strconv.Itoa(n) + ")" }
	rel := "(" + t.Time + " - " + lit(lo) + ")"
	return packedKey{
		key:  "bitOr(bitOr(" + shift(rel, ib+cb) + ", " + shift("id", cb) + "), toUInt64(" + code + ")) + throwIf(NOT (" + fits + "))",
		time: "toInt64(bitShiftRight(x, " + strconv.Itoa(ib+cb) + ")) + " + lit(lo),
		code: "toUInt32(bitAnd(x, " + strconv.FormatUint(1<<cb-1, 10) + "))",
	}
}

// hasID reports whether t is of push's layout, whose numeric id orders a
// person's events at one time.
func hasID(t *clickhouse.Table) bool { return t.Source.Schema == "spoor" && t.Tiebreak == "id" }

// withOrder runs a query built around key, SQL ordering a person's events
// by (time, storage order) from lo on (for argMin, argMax and arraySort):
// first the packed number of packedOrder, whose comparisons cost far less
// than a tuple's, then, when there is none or it fails by throwIf (events
// stored since its bounds were read), the tuple (time, storage order).
// run must keep nothing of a failed attempt.
func (e *Engine) withOrder(ctx context.Context, lo int64, run func(key string) error) error {
	if k, ok := e.packedOrder(ctx, lo, "toUInt32(0)", 0); ok {
		if err := run(k.key); !clickhouse.IsCode(err, codeThrowIf) {
			return err
		}
	}
	return run("(" + e.t.Time + ", " + tiebreakOf(e.t) + ")")
}
