package chquery

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// posthogAnySQL is PostHog's any-order funnel (query/funnel_semantics.go,
// posthogAny): each event of the range that passes --where joins the queue
// of the first step it meets, every queue drops the events more than the
// window before the newest event, and the level is the most queues ever
// held at once, less one. A queue is held after an event exactly when
// one of its events lies in [t-W, t] of the event's time t, so the level
// is the most steps with an event in the window ending at some event's
// time: per step a difference of running counts read at markers merged
// into the sorted keys (as anySQL's, the window reaching back), linear in
// the person's events.
//
// The counted chain is taken when the most was first held, the first time
// t* reaching it: each held queue's oldest event (the first of its step at
// or after t*-W), in time order, ties by step. --by reads the first of
// those, the first stored of its step at its time.
func (e *Engine) posthogAnySQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	n := len(q.Steps)
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	// The code of an event is the first step it meets (multiIf's first
	// true case).
	cases, names, err := e.stepCodes(ctx, q)
	if err != nil {
		return nil, err
	}
	base := f.min
	// Only the events in the range count: window 0 ends the keys there.
	inner := e.personKeys(q, span, f, 0, where, cases, names, "1")
	shift := strconv.Itoa(codeBits)
	unit := int64(1) << codeBits
	var st stages
	// Markers: at each event's time less the window, before the events of
	// that instant (code 0), and after the events of its own instant
	// (code unit-1).
	st.let("M", fmt.Sprintf("arraySort(arrayConcat(K, arrayMap(k -> bitAnd(k - %s, %d), K), arrayMap(k -> bitOr(k, %d), K)))",
		lit(window<<codeBits), -unit, unit-1))
	st.let("MC", fmt.Sprintf("arrayMap(m -> bitAnd(m, %d), M)", unit-1))
	var held, params, args []string
	for c := 1; c <= n; c++ {
		st.let(fmt.Sprintf("R%d", c), fmt.Sprintf("arrayCumSum(arrayMap(m -> toInt64(m = %d), MC))", c))
		st.let(fmt.Sprintf("B%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = 0, R%d, MC)", c))
		st.let(fmt.Sprintf("E%d", c), fmt.Sprintf("arrayFilter((r, m) -> m = %d, R%d, MC)", unit-1, c))
		held = append(held, fmt.Sprintf("(e%d > b%d)", c, c))
		params = append(params, fmt.Sprintf("e%d", c), fmt.Sprintf("b%d", c))
		args = append(args, fmt.Sprintf("E%d", c), fmt.Sprintf("B%d", c))
	}
	// HQ: per event (in K's order), the queues held once it is in.
	st.let("HQ", fmt.Sprintf("arrayMap((%s) -> %s, %s)", strings.Join(params, ", "), strings.Join(held, " + "), strings.Join(args, ", ")))
	st.let("top", "arrayReduce('max', HQ)")
	st.let("level", "toInt64(top) - 1")
	st.let("idx", "toInt64(indexOf(HQ, top))")
	st.next()
	st.let("tq", "bitShiftRight(arrayElement(K, idx), "+shift+")")
	st.next()
	st.let("lo", "(tq - "+lit(window)+") * "+strconv.FormatInt(unit, 10))
	st.let("hi", "tq * "+strconv.FormatInt(unit, 10)+" + "+strconv.FormatInt(unit-1, 10))
	st.next()
	var heads []string
	for c := 1; c <= n; c++ {
		// lo and hi are named outside the lambda as well (see count).
		heads = append(heads, fmt.Sprintf("arraySlice(arrayFilter(k -> bitAnd(k, %d) = %d AND k >= lo AND k <= hi, K), 1, 1 + 0 * (lo + hi))", unit-1, c))
	}
	st.let("chain", "arraySort(arrayConcat("+strings.Join(heads, ", ")+"))")
	st.next()
	st.let("t0", "bitShiftRight(chain[1], "+shift+")")
	st.let("c0", fmt.Sprintf("bitAnd(chain[1], %d)", unit-1))
	deltas := "arrayPopFront(arrayDifference(arrayMap(k -> bitShiftRight(k, " + shift + "), chain)))"
	cols := []string{"person", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.next()
		// c0 is named outside the lambda as well (see count).
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+" AND x.5 = c0, byEv), 1 + 0 * c0)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return "SELECT " + strings.Join(cols, ", ") + " FROM (" + st.wrap(inner(from, part)) + ") WHERE level >= 0"
	}, nil
}
