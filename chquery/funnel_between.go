package chquery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
)

// betweenExclusions reports whether q is an ordered funnel of steps with
// different names whose exclusions from a step after the first all run
// between the same two steps (--exclude x:2-3), with any from step 1
// (--exclude y, --exclude y:1-2, --exclude y:1-3 ending between them):
// betweenSQL's form. It returns those two steps, 0-based, To resolved.
func betweenExclusions(q query.FunnelQuery) (from, to int, ok bool) {
	if len(q.Exclude) == 0 || !distinctNames(q.Steps) || anyOrder(q.Mode) || strings.EqualFold(q.Mode, query.FunnelStrict) {
		return 0, 0, false
	}
	exs := exclusionSteps(q)
	from, to = -1, -1
	for _, x := range exs {
		if x[0] == 0 {
			continue
		}
		if from >= 0 && x != [2]int{from, to} {
			return 0, 0, false
		}
		from, to = x[0], x[1]
	}
	if from < 0 {
		return 0, 0, false
	}
	// Codes up to n+3 go in the low bits of a packed key (below).
	return from, to, len(q.Steps)+4 < 1<<codeBits
}

// betweenSQL is the ordered funnel, steps of different names, whose
// exclusions all run from step F > 1 to step T (1-based here; the code
// is 0-based). An attempt's chain may reach T only when no excluded event
// comes strictly between its step-F and step-T events; one that stops
// short of the last step, at a level in [F, T), is held at F when an
// excluded event comes after its step-F event within its window (query's
// funnelWorker.ordered, capped).
//
// Per attempt (start s, window end s+W), from backward passes over the
// person's sorted keys — each a running minimum, linear:
//
//   - r: the earliest time steps 2..F-1 are done after s (greedy), s
//     itself when F = 2. Below F every level is the greedy earliest
//     completion, as without exclusions.
//   - The levels in [F, T): the greedy completion from the first step-F
//     event at or after r.
//   - From T on: the chain runs through the first "good" step-F event g at
//     or after r, one whose greedy completion of steps F+1..T comes no
//     later than the next excluded event after it. Any chain reaching T
//     passes a good step-F event no earlier than g, so none completes
//     sooner.
//   - Held at F: the latest chain at a level k in [F, T) has no excluded
//     event after its step-F event within the window exactly when the
//     first step-F event at or after max(r, the last excluded event up to
//     s+W) completes steps F+1..k within the window.
//
// Each "first step-F event at or after a time" is read for all attempts at
// once: the times, which grow with s, are merged into the keys as markers
// sorting before the steps of their instant, and the backward passes carry
// the completion of the next step-F event to them.
//
// Exclusions from step 1 bound, per start, when their step To may be
// done: no later than their next event after the start (NO<j>, a reversed
// running minimum over their keys merged with the starts). Whatever the
// level, the chain above passes step To at its earliest (To < F: the
// greedy prefix; To >= T: through the first good step-F event, greedy
// after it; F <= To < T: the greedy completion from r for the levels
// below T, through the first good step-F event, Y<To>, for those from T),
// so a start reaches level k >= To when that completion is no later than
// the bound. The chain held at F's check above, from the first step-F
// event at or after max(r, LX), must pass such a To by the bound too.
//
// A start's level is the highest over the levels k it reaches of k capped:
// at F when k is in [F, T) and not held; at step 1 when k is below the To
// of an exclusion from step 1 whose event comes in its window (M1: the
// highest such To). So a start reaching a level u below M1 counts at step
// 1, one reaching u in [F, T) at the highest level h it holds when h >=
// M1, else at F (the levels in [M1, u] are capped at F, those below M1 at
// step 1); from T on, at u.
//
// The latest attempt of the deepest level counts. Its chain is the one the
// local engine reports: the first event of the level's step at the
// completion above, and back from it, the latest event of each earlier
// step before the next step's — for step T, the latest whose own latest
// step-F event has no excluded event after it before T's — and no later
// than the next event after the start of an exclusion from step 1 ending
// at that step.
func (e *Engine) betweenSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts, from, to int) (partSQL, error) {
	t := e.t
	n := len(q.Steps)
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	base := f.min
	codes, names, err := e.stepCodes(ctx, q)
	if err != nil {
		return nil, err
	}
	// xs: the events excluded between F and T; ones: those excluded from
	// step 1 (names numbered from 1), with per exclusion its name and To.
	var xs, ones []string
	var oneName, oneTo []int
	for i, ex := range exclusionSteps(q) {
		name := q.Exclude[i].Event
		if ex[0] > 0 {
			xs = append(xs, name)
			continue
		}
		j := slices.Index(ones, name)
		if j < 0 {
			ones = append(ones, name)
			j = len(ones) - 1
		}
		oneName, oneTo = append(oneName, j+1), append(oneTo, ex[1])
	}
	// inside: the To of exclusions from step 1 that end in [F, T).
	var inside []int
	for _, to1 := range oneTo {
		if to1 >= from && to1 < to && !slices.Contains(inside, to1) {
			inside = append(inside, to1)
		}
	}
	excluded := t.Event + " IN (" + clickhouse.Strings(xs) + ")"
	codes = append(codes, "("+t.Event+" IN ("+clickhouse.Strings(append(slices.Clone(xs), ones...))+")), 0")
	names = append(names, xs...)
	names = append(names, ones...)
	// K: the step events' keys (step k+1's code is k+1); XK0: the excluded
	// events' keys, code 0; XK<j>: those of ones[j-1].
	times := []string{excluded}
	for _, name := range ones {
		times = append(times, t.Event+" = "+clickhouse.String(name))
	}
	inner := e.personKeysWith(q, span, f, window, where, codes, names, "code = 1", keyOptions{stepsOnly: true, times: times})

	const big = "toInt64(4611686018427387904)" // -neg: "never"
	shift := strconv.Itoa(codeBits)
	mask := 1<<codeBits - 1
	unit := strconv.Itoa(1 << codeBits)
	span54 := lit(maxPackedSpan)
	W := lit(window)
	toKey := lit((span.To - base) << codeBits)
	var st stages
	st.let("C", fmt.Sprintf("arrayMap(k -> bitAnd(k, %d), K)", mask))
	st.let("T", "arrayMap(k -> bitShiftRight(k, "+shift+"), K)")
	st.let("isS", fmt.Sprintf("arrayMap(k -> bitAnd(k, %d) = 1 AND k < %s, K)", mask, toKey))
	st.next()
	st.let("RC", "arrayReverse(C)")
	st.let("RT", "arrayReverse(T)")
	st.let("RS", "arrayReverse(isS)")
	st.let("ST", "arrayFilter((t, s) -> s, T, isS)")
	// perStart: a reversed per-position array read at the starts, in
	// their order.
	perStart := func(arr string) string { return "arrayReverse(arrayFilter((m, s) -> s, " + arr + ", RS))" }
	// The chains of stages up to L, side by side (sideBySide).
	var chains [][]lets
	// X_k, 1 <= k < F: per start, the greedy completion of steps 1..k.
	for k := 1; k < from; k++ {
		ch := backwardChain(fmt.Sprintf("FA%d_", k), "RC", "RT", 2, k+1)
		chains = append(chains, append(ch, lets{{fmt.Sprintf("X%d", k), perStart(fmt.Sprintf("FA%d_2", k))}}))
	}
	r := "ST"
	if from > 1 {
		r = fmt.Sprintf("X%d", from-1)
	}
	// LX: per start, the last excluded time up to s+W: window ends (code
	// mask, after the excluded events of their instant) merged into the
	// excluded keys, a running maximum.
	chains = append(chains, []lets{
		{{"XW", fmt.Sprintf("arraySort(arrayConcat(XK0, arrayMap(s -> least(s + %s, %s) * %s + %d, ST)))", W, span54, unit, mask)}},
		{{"XV", fmt.Sprintf("arrayMap(k -> if(bitAnd(k, %d) = 0, bitShiftRight(k, %s), %s), XW)", mask, shift, neg)}},
		{{"XS", runningMax("XV")}},
		{{"LX", fmt.Sprintf("arrayFilter((v, k) -> bitAnd(k, %d) = %d, XS, XW)", mask, mask)}},
	})
	// NO<j>: per start, the next event of ones[j-1] after its instant
	// (starts sort after the excluded events of their instant).
	for j := 1; j <= len(ones); j++ {
		chains = append(chains, []lets{
			{{fmt.Sprintf("OW%d", j), fmt.Sprintf("arraySort(arrayConcat(XK%d, arrayMap(s -> s * %s + %d, ST)))", j, unit, mask)}},
			{{fmt.Sprintf("OV%d", j), fmt.Sprintf("arrayReverse(arrayMap(k -> if(bitAnd(k, %d) = 0, bitShiftRight(k, %s), %s), OW%d))", mask, shift, big, j)}},
			{{fmt.Sprintf("OS%d", j), runningMin(fmt.Sprintf("OV%d", j))}},
			{{fmt.Sprintf("NO%d", j), fmt.Sprintf("arrayReverse(arrayFilter((v, k) -> bitAnd(k, %d) = %d, OS%d, arrayReverse(OW%d)))", mask, mask, j, j)}},
		})
	}
	sideBySide(&st, chains...)
	// L: the keys of steps F.. (code +2), the excluded events' (code 2),
	// and per start markers at r (code 0) and at max(r, LX) (code 1).
	st.next()
	st.let("L", fmt.Sprintf("arraySort(arrayConcat(arrayMap(k -> k + 2, arrayFilter(k -> bitAnd(k, %d) > %d, K)), arrayMap(k -> k + 2, XK0), "+
		"arrayMap(v -> least(v, %s) * %s, %s), arrayMap((v, x) -> least(greatest(v, x), %s) * %s + 1, %s, LX)))",
		mask, from, span54, unit, r, span54, unit, r))
	st.next()
	st.let("LRC", fmt.Sprintf("arrayReverse(arrayMap(k -> bitAnd(k, %d), L))", mask))
	st.let("LRT", "arrayReverse(arrayMap(k -> bitShiftRight(k, "+shift+"), L))")
	cF := from + 3 // step F's code in L
	// CF<k>_<cF>: the completion of steps F..k from the first step-F event
	// at or after each position; CG<k>_<cF+1>: of steps F+1..k after it.
	// Beside them, NX: the first excluded time after each position (those
	// of a step-F event's instant sort before it).
	chains = [][]lets{{
		{{"NXV", fmt.Sprintf("arrayMap((c, t) -> if(c = 2, t, %s), LRC, LRT)", big)}},
		{{"NX", runningMin("NXV")}},
	}}
	for k := from; k < to; k++ {
		chains = append(chains, backwardChain(fmt.Sprintf("CF%d_", k), "LRC", "LRT", cF, k+3))
	}
	for k := to; k < n; k++ {
		chains = append(chains, backwardChain(fmt.Sprintf("CG%d_", k), "LRC", "LRT", cF+1, k+3))
	}
	sideBySide(&st, chains...)
	// GV<k>: the completion of steps F..k through the first good step-F
	// event at or after each position; GM<m>, m in inside, of steps F..m
	// (a running minimum: the completion grows with the step-F event).
	chains = nil
	for k := to; k < n; k++ {
		chains = append(chains, []lets{
			{{fmt.Sprintf("GR%d", k), fmt.Sprintf("arrayMap((c, x, g, m) -> if(c = %d AND x >= g, m, %s), LRC, NX, CG%d_%d, CG%d_%d)", cF, big, to, cF+1, k, cF+1)}},
			{{fmt.Sprintf("GV%d", k), runningMin(fmt.Sprintf("GR%d", k))}},
		})
	}
	for _, m := range inside {
		chains = append(chains, []lets{
			{{fmt.Sprintf("GMR%d", m), fmt.Sprintf("arrayMap((c, x, g, v) -> if(c = %d AND x >= g, v, %s), LRC, NX, CG%d_%d, CF%d_%d)", cF, big, to, cF+1, m, cF)}},
			{{fmt.Sprintf("GM%d", m), runningMin(fmt.Sprintf("GMR%d", m))}},
		})
	}
	sideBySide(&st, chains...)
	// Per start, read at its markers: the completions from r (X<k>, every
	// level from F) and from max(r, LX) (Q<k>, levels F..T-1), and through
	// the first good step-F event (Y<m>, m in inside).
	marker := func(arr string, code int) string {
		return fmt.Sprintf("arrayReverse(arrayFilter((m, c) -> c = %d, %s, LRC))", code, arr)
	}
	st.next()
	for k := from; k < n; k++ {
		if k < to {
			st.let(fmt.Sprintf("X%d", k), marker(fmt.Sprintf("CF%d_%d", k, cF), 0))
			st.let(fmt.Sprintf("Q%d", k), marker(fmt.Sprintf("CF%d_%d", k, cF), 1))
		} else {
			st.let(fmt.Sprintf("X%d", k), marker(fmt.Sprintf("GV%d", k), 0))
		}
	}
	for _, m := range inside {
		st.let(fmt.Sprintf("Y%d", m), marker(fmt.Sprintf("GM%d", m), 0))
	}
	// FL: per start its level plus one. The levels reached are a prefix
	// (each completion is no earlier than the one before, and a level
	// past an exclusion's To needs what that To needs).
	params, args := []string{"s"}, []string{"ST"}
	var reach, held []string
	for k := 1; k < n; k++ {
		params = append(params, fmt.Sprintf("x%d", k))
		args = append(args, fmt.Sprintf("X%d", k))
		cond := fmt.Sprintf("x%d - s <= %s", k, W)
		for i, to1 := range oneTo {
			if to1 > k {
				continue
			}
			done := "x"
			if k >= to && slices.Contains(inside, to1) {
				done = "y"
			}
			cond += fmt.Sprintf(" AND %s%d <= no%d", done, to1, oneName[i])
		}
		reach = append(reach, "toInt64("+cond+")")
	}
	for _, m := range inside {
		params = append(params, fmt.Sprintf("y%d", m))
		args = append(args, fmt.Sprintf("Y%d", m))
	}
	// m1: the highest To of an exclusion from step 1 whose event comes in
	// the start's window (0: none).
	m1 := "toInt64(0)"
	for j := 1; j <= len(ones); j++ {
		params = append(params, fmt.Sprintf("no%d", j))
		args = append(args, fmt.Sprintf("NO%d", j))
	}
	for i, to1 := range oneTo {
		m1 = fmt.Sprintf("greatest(%s, if(no%d - s <= %s, toInt64(%d), toInt64(0)))", m1, oneName[i], W, to1)
	}
	for k := from; k < to; k++ {
		params = append(params, fmt.Sprintf("q%d", k))
		args = append(args, fmt.Sprintf("Q%d", k))
		cond := fmt.Sprintf("q%d - s <= %s", k, W)
		for i, to1 := range oneTo {
			if to1 >= from && to1 <= k {
				cond += fmt.Sprintf(" AND q%d <= no%d", to1, oneName[i])
			}
		}
		held = append(held, "toInt64("+cond+")")
	}
	st.next()
	st.let("U", fmt.Sprintf("arrayMap((%s) -> %s, %s)", strings.Join(params, ", "), strings.Join(reach, " + "), strings.Join(args, ", ")))
	st.let("H", fmt.Sprintf("arrayMap((%s) -> %d + %s, %s)", strings.Join(params, ", "), from-1, strings.Join(held, " + "), strings.Join(args, ", ")))
	st.let("M1", fmt.Sprintf("arrayMap((%s) -> %s, %s)", strings.Join(params, ", "), m1, strings.Join(args, ", ")))
	st.next()
	st.let("FL", fmt.Sprintf("arrayMap((u, h, m) -> if(u < m, 0, if(u >= %d AND u < %d, greatest(if(h >= m, h, 0), %d), u)) + 1, U, H, M1)", from, to, from))
	lastDeepest(&st, "FL")
	st.let("t0", "arrayElement(ST, idx)")
	var done []string // the completion of each level
	for k := 1; k < n; k++ {
		done = append(done, fmt.Sprintf("level = %d, arrayElement(X%d, idx)", k, k))
	}
	deltas := "emptyArrayInt64()"
	if n > 1 {
		st.let("fin", "multiIf("+strings.Join(done, ", ")+", t0)")
		// noAt<m>: the counted start's bound on step m in inside, a column
		// of its own so validT's lambdas capture a number, not NO.
		caps := map[int]string{}
		for _, m := range inside {
			bound := big
			for i, to1 := range oneTo {
				if to1 == m {
					bound = fmt.Sprintf("least(%s, arrayElement(NO%d, idx))", bound, oneName[i])
				}
			}
			caps[m] = fmt.Sprintf("noAt%d", m)
			st.let(caps[m], bound)
		}
		st.next()
		// Per step, where its events are (IX) and how many came up to each
		// event (CNT): the latest before an index j is IX[CNT[j]].
		for k := 1; k < n-1; k++ {
			if k == to {
				validT(&st, from, to, caps)
				continue
			}
			st.let(fmt.Sprintf("CNT%d", k), fmt.Sprintf("arrayCumSum(arrayMap(c -> toUInt32(c = %d), C))", k+1))
			st.let(fmt.Sprintf("IX%d", k), fmt.Sprintf("arrayFilter((i, c) -> c = %d, arrayEnumerate(C), C)", k+1))
		}
		// PO<j>: how many keys come up to the counted start's next event
		// of ones[j-1] (CNT there bounds the steps it ends at).
		for j := 1; j <= len(ones); j++ {
			st.let(fmt.Sprintf("PO%d", j), count("K", "<", fmt.Sprintf("(least(arrayElement(NO%d, idx), %s) + 1) * %s", j, span54, unit)))
		}
		st.next()
		for k := n - 1; k >= 1; k-- {
			first := fmt.Sprintf("toInt64(indexOf(K, fin * %s + %d))", unit, k+1)
			j := fmt.Sprintf("if(level = %d, %s, 0)", k, first)
			if k < n-1 {
				at := fmt.Sprintf("arrayElement(CNT%d, J%d)", k, k+1)
				for i, to1 := range oneTo {
					if to1 == k {
						at = fmt.Sprintf("least(%s, arrayElement(CNT%d, PO%d))", at, k, oneName[i])
					}
				}
				j = fmt.Sprintf("multiIf(level = %d, %s, level > %d, toInt64(arrayElement(IX%d, %s)), 0)", k, first, k, k, at)
			}
			st.let(fmt.Sprintf("J%d", k), j)
		}
		var ds []string
		prev := "t0"
		for k := 1; k < n; k++ {
			cur := fmt.Sprintf("arrayElement(T, J%d)", k)
			ds = append(ds, cur+" - "+prev)
			prev = cur
		}
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	}
	cols := []string{"person", "po", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+", byEv), -1)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// validT redefines IX<to> and CNT<to> over the step-T events (0-based
// to) a chain may reach: those whose latest step-F event (from) before
// them, through steps F+1..T-1, has no excluded event after it before
// their instant. Forward running maxima over the keys merged with the
// excluded ones (code mask: after the steps of their instant). caps
// names, per step in [F, T) that an exclusion from step 1 ends at, the
// column holding the latest time its event may have (the latest chain
// passes it no later).
func validT(st *stages, from, to int, caps map[int]string) {
	mask := 1<<codeBits - 1
	shift := strconv.Itoa(codeBits)
	st.next()
	st.let("KX", fmt.Sprintf("arraySort(arrayConcat(K, arrayMap(x -> x + %d, XK0)))", mask))
	st.next()
	st.let("KC", fmt.Sprintf("arrayMap(k -> bitAnd(k, %d), KX)", mask))
	st.let("KT", "arrayMap(k -> bitShiftRight(k, "+shift+"), KX)")
	st.next()
	st.let("LBV", fmt.Sprintf("arrayMap((c, t) -> if(c = %d, t, %s), KC, KT)", mask, neg))
	// bounded takes the keys of step k, at times within its cap if any.
	// 18.16 drops a column of an inner SELECT that only a lambda reads:
	// arraySlice from 1 reads the cap outside it.
	bounded := func(k int, expr string) string {
		c, ok := caps[k]
		if !ok {
			return fmt.Sprintf(expr, "")
		}
		return "arraySlice(" + fmt.Sprintf(expr, " AND t <= "+c) + ", 1 + 0 * (" + c + "))"
	}
	st.let("AB"+strconv.Itoa(from), bounded(from, fmt.Sprintf("arrayMap((c, t) -> if(c = %d%%s, t, %s), KC, KT)", from+1, neg)))
	st.next()
	st.let("LB", runningMax("LBV"))
	for k := from; k < to; k++ {
		st.next()
		st.let(fmt.Sprintf("A%d", k), runningMax(fmt.Sprintf("AB%d", k)))
		st.next()
		st.let(fmt.Sprintf("AB%d", k+1), bounded(k+1, fmt.Sprintf("arrayMap((c, t, a) -> if(c = %d%%s, a, %s), KC, KT, A%d)", k+2, neg, k)))
	}
	st.next()
	st.let("VX", fmt.Sprintf("arrayMap((b, x) -> b > %s AND b >= x, AB%d, LB)", neg, to))
	st.next()
	st.let("VT", fmt.Sprintf("arrayFilter((v, c) -> c != %d, VX, KC)", mask))
	st.next()
	st.let(fmt.Sprintf("CNT%d", to), "arrayCumSum(arrayMap(v -> toUInt32(v), VT))")
	st.let(fmt.Sprintf("IX%d", to), "arrayFilter((i, v) -> v, arrayEnumerate(VT), VT)")
}

// backwardChain is the stages defining, over reversed codes rc and times
// rt, <name><c> for c from to down to from: per position, the least time
// the steps of codes c..to can be done by events at or after it, one after
// another (an instant's codes sort in step order), big for never: a
// running minimum per code, linear.
func backwardChain(name, rc, rt string, from, to int) []lets {
	const big = "toInt64(4611686018427387904)"
	var out []lets
	prev := ""
	for c := to; c >= from; c-- {
		r := fmt.Sprintf("arrayMap((c, t) -> if(c = %d, t, %s), %s, %s)", c, big, rc, rt)
		if prev != "" {
			r = fmt.Sprintf("arrayMap((c, m) -> if(c = %d, m, %s), %s, %s)", c, big, rc, prev)
		}
		prev = fmt.Sprintf("%s%d", name, c)
		out = append(out, lets{{fmt.Sprintf("%sR%d", name, c), r}, {prev, runningMin(fmt.Sprintf("%sR%d", name, c))}})
	}
	return out
}

// lets is one stage's columns of a chain, name and expression, in order
// (a column may read one before it).
type lets [][2]string

// sideBySide defines chains of stages that do not read each other's
// columns with stage d of each chain in one SELECT: the query nests as
// deep as the longest chain, not as their sum. 18.16 analyses a nested
// SELECT again for each SELECT around it: a five-step betweenSQL with
// its chains one after another cost ~4 s of server CPU before reading a
// row.
func sideBySide(st *stages, chains ...[]lets) {
	for d := 0; ; d++ {
		more := false
		for _, ch := range chains {
			if d < len(ch) {
				if !more {
					st.next()
					more = true
				}
				for _, l := range ch[d] {
					st.let(l[0], l[1])
				}
			}
		}
		if !more {
			return
		}
	}
}

// runningMin is SQL for the running minimum of an Int64 array, linear.
func runningMin(arr string) string {
	return "arrayMap((b, s) -> b - s, " + arr + ", arrayCumSumNonNegative(arrayDifference(" + arr + ")))"
}
