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
// Steps are classes (a name with its filters); a class that k steps share
// fills at most k of them, so a window's steps are the sum over classes of
// min(events of the class, k).
//
// The count per class in every start's window is a difference of running
// counts, read at markers merged into the person's sorted keys: one just
// before the start's time and one just after its window's end (codes 0
// and 255 sort around the events of one instant). One sort and a few
// passes per class, linear in the person's events up to the sort.
//
// The counted attempt's chain is, per class, its first k events in the
// window, in time order: where the number of distinct steps grew.
func (e *Engine) anySQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	t := e.t
	window, err := query.ParseDuration(windowOf(q))
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	cls, classWhere, classNames, err := stepClasses(q.Steps)
	if err != nil {
		return nil, err
	}
	need := make([]int, len(classNames)+1)
	for _, c := range cls {
		need[c]++
	}
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	var codes []string
	for c := 1; c <= len(classNames); c++ {
		cond, err := e.conditions(ctx, classWhere[c-1])
		if err != nil {
			return nil, i18n.Errorf("step filter: %w", err)
		}
		codes = append(codes, "("+t.Event+" = "+clickhouse.String(classNames[c-1])+" AND "+cond+"), "+strconv.Itoa(c))
	}
	base := f.min
	// The counted attempt's --by value is that of its start: the last
	// stored step event at its time.
	inner := e.personKeys(q, span, f, window, where, codes, classNames, "1")
	shift := strconv.Itoa(codeBits)
	unit := int64(1) << codeBits
	var st stages
	// Markers: before each event's instant (code 0), after its window's
	// end (code 255), merged with the events.
	st.let("M", fmt.Sprintf("arraySort(arrayConcat(K, arrayMap(k -> bitAnd(k, %d), K), arrayMap(k -> bitOr(bitAnd(k, %d) + %s, %d), K)))",
		-unit, -unit, lit(window<<codeBits), unit-1))
	st.let("MC", fmt.Sprintf("arrayMap(m -> bitAnd(m, %d), M)", unit-1))
	var sizes []string
	for c := 1; c <= len(classNames); c++ {
		st.let(fmt.Sprintf("R%d", c), fmt.Sprintf("arrayCumSum(arrayMap(m -> toInt64(m = %d), MC))", c))
		st.let(fmt.Sprintf("B%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = 0, R%d, MC)", c))
		st.let(fmt.Sprintf("E%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = %d, R%d, MC)", unit-1, c))
		sizes = append(sizes, fmt.Sprintf("least(e%d - b%d, %d)", c, c, need[c]))
	}
	var params, args []string
	for c := 1; c <= len(classNames); c++ {
		params = append(params, fmt.Sprintf("e%d", c), fmt.Sprintf("b%d", c))
		args = append(args, fmt.Sprintf("E%d", c), fmt.Sprintf("B%d", c))
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
	var firsts []string
	for c := 1; c <= len(classNames); c++ {
		// lo and hi are named outside the lambda as well (see count).
		firsts = append(firsts, fmt.Sprintf("arraySlice(arrayFilter(k -> bitAnd(k, %d) = %d AND k >= lo AND k <= hi, K), 1, %d + 0 * (lo + hi))", unit-1, c, need[c]))
	}
	st.let("chain", "arraySort(arrayConcat("+strings.Join(firsts, ", ")+"))")
	deltas := "arrayPopFront(arrayDifference(arrayMap(k -> bitShiftRight(k, " + shift + "), chain)))"
	cols := []string{"person", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+", byEv), -1)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return "SELECT " + strings.Join(cols, ", ") + " FROM (" + st.wrap(inner(from, part)) + ") WHERE level >= 0"
	}, nil
}
