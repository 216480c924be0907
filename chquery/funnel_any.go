package chquery

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// anySQL is the any-order funnel (docs/semantics.md#funnels): a start is
// a step event in range, its window the events at its time or up to the
// window after, and its level the number of distinct steps the window's
// events fill, less one; the latest start of the highest level counts.
//
// Steps sharing a name may have different filters, so "distinct steps" is
// a maximum matching of events to the steps they meet. An event's type is
// its name with the set of that name's classes (filters) it meets, coded
// per name; only a name's types compete for its steps, and by Hall's
// theorem the steps of one name its window fills are the least, over the
// sets X of its classes, of its steps outside X plus the window's events
// meeting a class of X (X empty: all its steps). A name of one class
// fills min(its events, its steps).
//
// The count per type in every start's window is a difference of running
// counts, read at markers merged into the person's sorted keys: one just
// before the start's time and one just after its window's end (codes 0
// and 255 sort around the events of one instant). One sort and a few
// passes per type, linear in the person's events up to the sort.
//
// The counted attempt's chain is where the number of distinct steps grew
// over its window's events in time order.
func (e *Engine) anySQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	window, err := query.ParseDuration(windowOf(q))
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	names, err := e.anyTypes(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	var cases, eventNames []string
	for _, nm := range names {
		cases = append(cases, nm.codeCase())
		eventNames = append(eventNames, nm.event)
	}
	base := f.min
	// The counted attempt's --by value is that of its start: the last
	// stored step event at its time.
	inner := e.personKeys(q, span, f, window, where, cases, eventNames, "1")
	shift := strconv.Itoa(codeBits)
	unit := int64(1) << codeBits
	var st stages
	// Markers: before each event's instant (code 0), after its window's
	// end (code 255), merged with the events.
	st.let("M", fmt.Sprintf("arraySort(arrayConcat(K, arrayMap(k -> bitAnd(k, %d), K), arrayMap(k -> bitOr(bitAnd(k, %d) + %s, %d), K)))",
		-unit, -unit, lit(window<<codeBits), unit-1))
	st.let("MC", fmt.Sprintf("arrayMap(m -> bitAnd(m, %d), M)", unit-1))
	var params, args, sizes []string
	for _, nm := range names {
		for _, c := range nm.codes() {
			st.let(fmt.Sprintf("R%d", c), fmt.Sprintf("arrayCumSum(arrayMap(m -> toInt64(m = %d), MC))", c))
			st.let(fmt.Sprintf("B%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = 0, R%d, MC)", c))
			st.let(fmt.Sprintf("E%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = %d, R%d, MC)", unit-1, c))
			params = append(params, fmt.Sprintf("e%d", c), fmt.Sprintf("b%d", c))
			args = append(args, fmt.Sprintf("E%d", c), fmt.Sprintf("B%d", c))
		}
		sizes = append(sizes, nm.filled(func(c int) string { return fmt.Sprintf("(e%d - b%d)", c, c) }))
	}
	// SZ: per event (in K's order), its window's steps, 0 when it
	// starts nothing (after the range).
	st.let("SZ", fmt.Sprintf("arrayMap((k, %s) -> if(k < %s, %s, 0), K, %s)", strings.Join(params, ", "), lit((span.To-base)<<codeBits), strings.Join(sizes, " + "), strings.Join(args, ", ")))
	st.let("top", "arrayReduce('max', SZ)")
	st.let("level", "toInt64(top) - 1")
	st.let("idx", "toInt64(length(SZ)) - toInt64(indexOf(arrayReverse(SZ), top)) + 1")
	st.let("t0", "bitShiftRight(arrayElement(K, idx), "+shift+")")
	st.next()
	st.let("lo", "t0 * "+strconv.FormatInt(unit, 10))
	st.let("hi", "(t0 + "+lit(window)+") * "+strconv.FormatInt(unit, 10)+" + "+strconv.FormatInt(unit-1, 10))
	st.next()
	// W: the counted window's events; lo and hi are named outside the
	// lambda as well (see count).
	st.let("W", "arraySlice(arrayFilter(k -> k >= lo AND k <= hi, K), 1 + 0 * (lo + hi))")
	st.next()
	st.let("WC", fmt.Sprintf("arrayMap(k -> bitAnd(k, %d), W)", unit-1))
	st.next()
	params, args, sizes = nil, nil, nil
	for _, nm := range names {
		for _, c := range nm.codes() {
			st.let(fmt.Sprintf("CW%d", c), fmt.Sprintf("arrayCumSum(arrayMap(m -> toInt64(m = %d), WC))", c))
			params = append(params, fmt.Sprintf("c%d", c))
			args = append(args, fmt.Sprintf("CW%d", c))
		}
		sizes = append(sizes, nm.filled(func(c int) string { return fmt.Sprintf("c%d", c) }))
	}
	st.next()
	// GW: the steps filled by the window's events up to each; the chain
	// is where it grew (by one at a time).
	st.let("GW", fmt.Sprintf("arrayMap((%s) -> %s, %s)", strings.Join(params, ", "), strings.Join(sizes, " + "), strings.Join(args, ", ")))
	st.next()
	st.let("chain", "arrayFilter((k, g, p) -> g > p, W, GW, arrayPushFront(arrayPopBack(GW), 0))")
	deltas := "arrayPopFront(arrayDifference(arrayMap(k -> bitShiftRight(k, " + shift + "), chain)))"
	cols := []string{"person", "po", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+", byEv), -1)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// anyName is the steps of an any-order funnel sharing one event name: its
// classes (distinct filters, each with how many steps it is), the SQL
// condition of each, and the first of its type codes. A type is the set
// of classes an event meets, as a bit mask: code offset + mask - 1.
type anyName struct {
	event  string
	is     string // SQL: the event has the name
	conds  []string
	mult   []int
	offset int
}

// maxAnyClasses bounds the classes of one name: the matching takes the
// least over 2^classes sets.
const maxAnyClasses = 4

// anyTypes groups the steps by name and, within a name, by filters
// (stepTypes), within what the matching takes.
func (e *Engine) anyTypes(ctx context.Context, steps []query.FunnelStep) ([]anyName, error) {
	names, _, err := e.stepTypes(ctx, steps)
	if err != nil {
		return nil, err
	}
	for _, nm := range names {
		if len(nm.conds) > maxAnyClasses {
			return nil, errNotYet(i18n.M("an any-order funnel with more than %d different filters on steps of one event (%s) that one event can meet several of", maxAnyClasses, nm.event))
		}
	}
	if nextCode(names) > 255 {
		return nil, errNotYet(i18n.M("an any-order funnel whose steps' filters make more than 254 kinds of event"))
	}
	return names, nil
}

// stepTypes groups the steps by name (a name's filters split into groups
// no event meets two of count as names of their own: typeKeys) and,
// within a name, by filters, and says per step its name (an index of
// names) and its class within it.
// Codes start at 1 (0 and 255 are anySQL's markers).
func (e *Engine) stepTypes(ctx context.Context, steps []query.FunnelStep) (names []anyName, of [][2]int, err error) {
	keys := typeKeys(steps) // filters no event meets two of: names of their own
	byName := map[string]int{}
	byClass := map[string]int{}
	for k, st := range steps {
		g, ok := byName[keys[k]]
		if !ok {
			g = len(names)
			byName[keys[k]] = g
			names = append(names, anyName{event: st.Event, is: e.t.Event + " = " + clickhouse.String(st.Event)})
		}
		key := st.Event + "\x00" + strings.Join(st.Where, "\x00")
		if c, ok := byClass[key]; ok {
			names[g].mult[c]++
			of = append(of, [2]int{g, c})
			continue
		}
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return nil, nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
		}
		byClass[key] = len(names[g].conds)
		of = append(of, [2]int{g, len(names[g].conds)})
		names[g].conds = append(names[g].conds, cond)
		names[g].mult = append(names[g].mult, 1)
	}
	code := 1
	for g := range names {
		names[g].offset = code
		code += 1<<min(len(names[g].conds), codeBits) - 1
	}
	return names, of, nil
}

// nextCode is the code after the names' last type's.
func nextCode(names []anyName) int {
	nm := names[len(names)-1]
	return nm.offset + 1<<min(len(nm.conds), codeBits) - 1
}

// codeCase is the name's multiIf case: its event meeting one of its
// classes, and the code of the classes it meets.
func (nm anyName) codeCase() string {
	if len(nm.conds) == 1 {
		return "(" + nm.is + " AND " + nm.conds[0] + "), " + strconv.Itoa(nm.offset)
	}
	var bits []string
	for c, cond := range nm.conds {
		bits = append(bits, fmt.Sprintf("%d * toInt64(%s)", 1<<c, cond))
	}
	return "(" + nm.is + " AND (" + strings.Join(nm.conds, " OR ") + ")), " + strconv.Itoa(nm.offset-1) + " + " + strings.Join(bits, " + ")
}

// codes lists the name's type codes.
func (nm anyName) codes() []int {
	var cs []int
	for m := 1; m < 1<<len(nm.conds); m++ {
		cs = append(cs, nm.offset+m-1)
	}
	return cs
}

// filled is SQL for how many of the name's steps events fill, count(c)
// being the number of events of type code c.
func (nm anyName) filled(count func(c int) string) string {
	steps := 0
	for _, m := range nm.mult {
		steps += m
	}
	if len(nm.conds) == 1 {
		return fmt.Sprintf("least(%s, %d)", count(nm.offset), steps) // least takes two arguments on 18.16
	}
	terms := []string{strconv.Itoa(steps)}
	for x := 1; x < 1<<len(nm.conds); x++ { // the classes in X
		outside := steps
		for c := range nm.conds {
			if x&(1<<c) != 0 {
				outside -= nm.mult[c]
			}
		}
		sum := []string{strconv.Itoa(outside)}
		for m := 1; m < 1<<len(nm.conds); m++ {
			if m&x != 0 {
				sum = append(sum, count(nm.offset+m-1))
			}
		}
		terms = append(terms, strings.Join(sum, " + "))
	}
	least := terms[0]
	for _, x := range terms[1:] {
		least = "least(" + least + ", " + x + ")"
	}
	return least
}
