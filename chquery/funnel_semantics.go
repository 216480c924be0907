package chquery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Other products' funnel semantics (docs/semantics.md#vendor-semantics),
// compiled where they can be exactly: Mixpanel's, Amplitude's (strict or
// ordered, over any steps), PostHog's (any order, ordered and strict,
// over any steps: posthogTypedSQL where filters differ within a name) and
// ClickHouse's windowFunnel with every option (strict_once: funnel_once.go;
// over steps sharing a name, with strict_increase, or else over steps
// whose filters agree per name). The rest say they are not compiled yet.

// vendorSQL returns the per-person query of q under another product's
// semantics, or an error saying it is not compiled.
func (e *Engine) vendorSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	switch sem := strings.ToLower(strings.TrimSpace(q.Semantics)); {
	case sem == query.SemMixpanel:
		return e.mixpanelSQL(ctx, q, span)
	case sem == query.SemClickHouse && (distinctNames(q.Steps) || !hasOption(q, query.CHStrictOnce) || hasOption(q, query.CHStrictIncrease)):
		return e.windowFunnelSQL(ctx, q, span, f)
	case sem == query.SemAmplitude && strings.EqualFold(q.Mode, query.FunnelStrict):
		return e.strictSQL(ctx, q, span, true)
	case sem == query.SemAmplitude && distinctNames(q.Steps):
		return e.distinctSQL(ctx, q, span, f, earliestAttempt)
	case sem == query.SemAmplitude && filtersDiffer(q.Steps):
		return e.typedSQL(ctx, q, span, f, earliestAttempt)
	case sem == query.SemAmplitude:
		return e.funnelSQL(ctx, q, span, f, earliestAttempt)
	case sem == query.SemPostHog && anyOrder(q.Mode):
		return e.posthogAnySQL(ctx, q, span, f)
	case sem == query.SemPostHog && !strings.EqualFold(q.Mode, query.FunnelStrict) && distinctNames(q.Steps):
		return e.distinctSQL(ctx, q, span, f, posthogAttempt)
	case sem == query.SemPostHog && filtersDiffer(q.Steps):
		return e.posthogTypedSQL(ctx, q, span, f)
	case sem == query.SemPostHog:
		return e.posthogSQL(ctx, q, span, f)
	case sem == query.SemClickHouse:
		return e.onceSharedSQL(ctx, q, span, f)
	default:
		return nil, errNotYet(i18n.M("--semantics %s", q.Semantics))
	}
}

// hasOption reports whether q names the windowFunnel option o.
func hasOption(q query.FunnelQuery, o string) bool {
	return slices.ContainsFunc(q.Options, func(s string) bool { return strings.TrimSpace(s) == o })
}

// stepBits returns SQL for the mask of the steps an event meets (bit k:
// step k+1, its name and its own filters) and the steps' event names.
func (e *Engine) stepBits(ctx context.Context, steps []query.FunnelStep) (string, []string, error) {
	var bits, names []string
	for k, st := range steps {
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return "", nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
		}
		bits = append(bits, fmt.Sprintf("bitShiftLeft(toUInt64(%s = %s AND %s), %d)", e.t.Event, clickhouse.String(st.Event), cond, k))
		names = append(names, st.Event)
	}
	return "(" + strings.Join(bits, " + ") + ")", names, nil
}

// mixpanelSQL: the person enters once, at their first step-1 event in
// range, and each later step is the first event after the previous
// step's (in time and stored order) that meets it, within the window of
// the entry, which may fall after the range. One pass per step, each
// reading only the previous step's position.
func (e *Engine) mixpanelSQL(ctx context.Context, q query.FunnelQuery, span query.Span) (partSQL, error) {
	t := e.t
	n := len(q.Steps)
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	mask, names, err := e.stepBits(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	tuple := "toInt64(" + t.Time + "), " + tiebreakOf(t) + ", " + mask + " AS mask"
	if q.By != "" {
		v, has := t.Prop(q.By)
		tuple += ", " + v + ", toUInt8(" + has + ")"
	}
	inner := func(from, part string) string {
		return "SELECT " + e.personCols() + ", arraySort(x -> (x.1, x.2), groupArray((" + tuple + "))) AS ev" +
			" FROM " + from +
			" WHERE " + t.Where + " AND " + part + " AND " + t.Event + " IN (" + clickhouse.Strings(names) + ")" +
			" AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To+window) +
			" AND " + where + " AND mask > 0 GROUP BY person"
	}
	var st stages
	st.let("T", "arrayMap(x -> x.1, ev)")
	st.let("M", "arrayMap(x -> x.3, ev)")
	st.let("J", "arrayEnumerate(ev)")
	st.let("i1", "toInt64(arrayFirstIndex((t, m) -> bitTest(m, 0) AND t < "+lit(span.To)+", T, M))")
	st.next()
	st.let("lim", "arrayElement(T, i1) + "+lit(window))
	for k := 1; k < n; k++ {
		prev := fmt.Sprintf("i%d", k)
		st.next()
		// prev and lim are named outside the lambda as well (see count).
		st.let(fmt.Sprintf("i%d", k+1), fmt.Sprintf("if(%s > 0, toInt64(arrayFirstIndex((t, m, j) -> j > %s AND bitTest(m, %d) AND t <= lim, T, M, J)), 0) + 0 * (%s + lim)", prev, prev, k, prev))
	}
	st.next()
	level := "-1"
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(i%d > 0, %d, %s)", k, k-1, level)
	}
	st.let("level", level)
	var ds []string
	for k := 2; k <= n; k++ {
		ds = append(ds, fmt.Sprintf("arrayElement(T, i%d) - arrayElement(T, i%d)", k, k-1))
	}
	deltas := "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	if n == 1 {
		deltas = "emptyArrayInt64()"
	}
	cols := []string{"person", "po", "level", "arrayElement(T, i1)", deltas}
	if q.By != "" {
		cols = append(cols, "tupleElement(arrayElement(ev, i1), 4)", "tupleElement(arrayElement(ev, i1), 5)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// windowFunnelSQL is ClickHouse's windowFunnel without options, in
// milliseconds (query/funnel_clickhouse.go): over the person's events in
// the range that pass --where, each event is an entry per step it meets
// (so one event may fill two steps), sorted by (time, step). An entry of
// step k extends the chain of step k-1 when within the window of that
// chain's start; per step the latest start is kept, which is the running
// maximum of distinctSQL. The chain counted is the one that last reached
// the deepest step — or first reached the last step, where windowFunnel
// stops — and, back from it, the latest entry of each step before.
//
// Options: strict_increase: an entry extends a chain only after the time
// that chain last moved (per step, a running maximum of the times at
// which the step before was reached). The others end the search at an
// entry, and what was reached before it counts: strict_deduplication at
// the first entry of a step already reached, strict_order at a row
// meeting no step or (unless allow_reentry) at a step whose step before
// was never reached, once a step 1 was (per step, running counts of
// where it was reached).
func (e *Engine) windowFunnelSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	n := len(q.Steps)
	var strictIncrease, dedup, order, reentry, once bool
	for _, o := range q.Options {
		switch strings.TrimSpace(o) {
		case query.CHStrictOnce: // steps of different names, or with strict_increase (vendorSQL): funnel_once.go
			once = n > 1
		case query.CHStrictIncrease:
			strictIncrease = true
		case query.CHStrictDedup:
			dedup = true
		case query.CHStrictOrder:
			order = true
		case query.CHAllowReentry:
			reentry = true
		}
	}
	t := e.t
	stops := (dedup || order) && n > 1
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	mask, names, err := e.stepBits(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	base := f.min
	unit := strconv.Itoa(1 << codeBits)
	var entries []string
	for k := 0; k < n; k++ {
		entries = append(entries, fmt.Sprintf("if(bitTest(mask, %d), rel + %d, -1)", k, k+1))
	}
	// strict_order reads every row: one meeting no step is an entry of
	// its own, code 0.
	rows := " AND " + t.Event + " IN (" + clickhouse.Strings(names) + ")"
	steps := " WHERE mask > 0"
	if order {
		entries = append(entries, "if(mask = 0, rel, -1)")
		rows, steps = "", ""
	}
	byArray := ""
	if q.By != "" {
		v, has := t.Prop(q.By)
		byArray = ", arraySort(x -> (x.1, x.2), groupArrayIf((toInt64(" + t.Time + "), " + tiebreakOf(t) + ", " + v + ", toUInt8(" + has + ")), bitTest(mask, 0))) AS byEv"
	}
	inner := func(from, part string) string {
		return "SELECT " + e.personCols() + ", arraySort(arrayFilter(k -> k >= 0, groupArrayArray([" + strings.Join(entries, ", ") + "]))) AS K" + byArray +
			" FROM (SELECT *, " + mask + " AS mask, (toInt64(" + t.Time + ") - " + lit(base) + ") * " + unit + " AS rel FROM " + from +
			" WHERE " + t.Where + " AND " + part + rows +
			" AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To) +
			" AND " + where + ")" + steps + " GROUP BY person"
	}
	shift := strconv.Itoa(codeBits)
	const big = "toInt64(4611686018427387904)"
	var st stages
	st.let("C", "arrayMap(k -> bitAnd(k, "+strconv.Itoa(1<<codeBits-1)+"), K)")
	st.let("NTW", "arrayMap(k -> "+lit(window)+" - bitShiftRight(k, "+shift+"), K)")
	if once && strictIncrease {
		onceInstants(&st)
	}
	for k := 1; k <= n; k++ {
		nb := fmt.Sprintf("arrayMap((c, k) -> if(c = 1, -bitShiftRight(k, %s), %s), C, K)", shift, big)
		if k > 1 {
			// An entry of step k leaves NA_{k-1} as it was before it.
			nb = fmt.Sprintf("arrayMap((c, p, w) -> if(c = %d AND p <= w, p, %s), C, NA%d, NTW)", k, big, k-1)
			switch {
			case once && strictIncrease:
				nb = fmt.Sprintf("arrayMap((c, p, w) -> if(c = %d AND p <= w, p, %s), C, NAL%d, NTW)", k, big, k-1)
			case strictIncrease:
				nb = fmt.Sprintf("arrayMap((c, p, w, l, k) -> if(c = %d AND p <= w AND l < bitShiftRight(k, %s), p, %s), C, NA%d, NTW, LT%d, K)", k, shift, big, k-1, k-1)
			}
		}
		st.let(fmt.Sprintf("NB%d", k), nb)
		st.let(fmt.Sprintf("last%d", k), fmt.Sprintf("arrayReduce('min', NB%d)", k))
		if k < n && strictIncrease && !once {
			// LT_k: when step k was last reached, at or before each entry.
			st.next()
			st.let(fmt.Sprintf("RL%d", k), fmt.Sprintf("arrayMap((b, k) -> if(b < %s, bitShiftRight(k, %s), %s), NB%d, K)", big, shift, neg, k))
			st.let(fmt.Sprintf("LT%d", k), fmt.Sprintf("arrayMap((a, s) -> a + s, RL%d, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(RL%d))))", k, k))
		}
		if k < n {
			st.let(fmt.Sprintf("NA%d", k), fmt.Sprintf("arrayMap((b, s) -> b - s, NB%d, arrayCumSumNonNegative(arrayDifference(NB%d)))", k, k))
			// Where step k was reached (VI) and how often up to each
			// entry (VC): the last before entry j is VI[VC[j-1]].
			st.let(fmt.Sprintf("VC%d", k), fmt.Sprintf("arrayCumSum(arrayMap(b -> toUInt32(b < %s), NB%d))", big, k))
			st.let(fmt.Sprintf("VI%d", k), fmt.Sprintf("arrayFilter((i, b) -> b < %s, arrayEnumerate(NB%d), NB%d)", big, k, k))
			if once && strictIncrease {
				onceLagged(&st, k, big)
			}
		}
	}
	// lastOf(k): the last entry reaching step k (of those before the
	// search ends).
	lastOf := func(k int) string { return fmt.Sprintf("toInt64(arrayElement(VI%d, -1))", k) }
	if stops {
		// lim: the entry where the search ends, one past the last without.
		// SC_k: how often step k was reached up to each entry.
		st.next()
		params, args := []string{"c"}, []string{"C"}
		for k := 1; k <= n; k++ {
			st.let(fmt.Sprintf("SC%d", k), fmt.Sprintf("arrayCumSum(arrayMap(b -> toInt64(b < %s), NB%d))", big, k))
			params = append(params, fmt.Sprintf("s%d", k), fmt.Sprintf("b%d", k))
			args = append(args, fmt.Sprintf("SC%d", k), fmt.Sprintf("NB%d", k))
		}
		// An entry of step c >= 2 was reached before it s<c> - b<c> times;
		// its step before, s<c-1> times (no entry reaches two steps).
		var conds []string
		if dedup {
			var cases []string
			for k := 2; k <= n; k++ {
				cases = append(cases, fmt.Sprintf("c = %d, s%d - toInt64(b%d < %s) > 0", k, k, k, big))
			}
			conds = append(conds, "multiIf("+strings.Join(cases, ", ")+", 0)")
		}
		if order {
			cond := "c = 0"
			if !reentry {
				var cases []string
				for k := 2; k <= n; k++ {
					cases = append(cases, fmt.Sprintf("c = %d, s%d = 0", k, k-1))
				}
				cond = "c = 0 OR multiIf(" + strings.Join(cases, ", ") + ", 0)"
			}
			conds = append(conds, "s1 > 0 AND ("+cond+")")
		}
		st.next()
		st.let("stop", fmt.Sprintf("toInt64(arrayFirstIndex((%s) -> %s, %s))", strings.Join(params, ", "), strings.Join(conds, " OR "), strings.Join(args, ", ")))
		st.next()
		st.let("lim", "if(stop > 0, stop, toInt64(length(K)) + 1)")
		st.next()
		for k := 1; k <= n; k++ {
			st.let(fmt.Sprintf("cut%d", k), fmt.Sprintf("arrayReduce('min', arrayPushBack(arraySlice(NB%d, 1, lim - 1), %s))", k, big))
		}
		lastOf = func(k int) string {
			return fmt.Sprintf("toInt64(arrayElement(VI%d, arrayElement(VC%d, lim - 1)))", k, k)
		}
	}
	level := "-1"
	for k := 1; k <= n; k++ {
		last := fmt.Sprintf("last%d", k)
		if stops {
			last = fmt.Sprintf("cut%d", k)
		}
		level = fmt.Sprintf("if(%s < %s, %d, %s)", last, big, k-1, level)
	}
	st.next()
	st.let("level", level)
	// J_k: the entry of the counted chain's step k (0 past the level).
	var times []string
	byAt := "-1"
	if once {
		times, byAt = onceChain(&st, n, window, strictIncrease, big, lastOf)
		st.next()
	} else {
		j := fmt.Sprintf("toInt64(arrayFirstIndex(x -> x < %s, NB%d))", big, n)
		if n == 1 {
			j = oneStepChain(&st, order)
		}
		st.let(fmt.Sprintf("J%d", n), fmt.Sprintf("if(level = %d, %s, 0)", n-1, j))
		for k := n - 1; k >= 1; k-- {
			st.let(fmt.Sprintf("J%d", k), fmt.Sprintf("multiIf(level = %d, %s, level > %d, toInt64(arrayElement(VI%d, arrayElement(VC%d, J%d - 1))), 0)", k-1, lastOf(k), k-1, k, k, k+1))
		}
		for k := 1; k <= n; k++ {
			times = append(times, fmt.Sprintf("bitShiftRight(arrayElement(K, J%d), %s)", k, shift))
		}
	}
	st.let("t0", times[0])
	var ds []string
	for k := 2; k <= n; k++ {
		ds = append(ds, times[k-1]+" - "+times[k-2])
	}
	deltas := "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	if n == 1 {
		deltas = "emptyArrayInt64()"
	}
	cols := []string{"person", "po", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+", byEv), "+byAt+")")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// oneStepChain defines what a funnel of one step needs and returns SQL for
// the entry windowFunnel's chain ends with: no entry of the step ends the
// search, so it is the last step-1 entry, before the first row meeting no
// condition after one with strict_order.
func oneStepChain(st *stages, order bool) string {
	st.next()
	st.let("S1", "arrayCumSum(arrayMap(c -> toUInt32(c = 1), C))")
	st.let("I1", "arrayFilter((i, c) -> c = 1, arrayEnumerate(C), C)")
	seen := "toUInt32(length(I1))"
	if order {
		st.next()
		st.let("stop1", "toInt64(arrayFirstIndex((c, s) -> c = 0 AND s > 0, C, S1))")
		st.next()
		seen = "if(stop1 > 0, arrayElement(S1, stop1), " + seen + ")"
	}
	return "toInt64(arrayElement(I1, " + seen + "))"
}
