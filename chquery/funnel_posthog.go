package chquery

import (
	"context"
	"fmt"
	"slices"
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
	cols := []string{"person", "po", "level", "t0 + " + lit(base), deltas}
	if q.By != "" {
		st.next()
		// c0 is named outside the lambda as well (see count).
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+" AND x.5 = c0, byEv), 1 + 0 * c0)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// posthogSQL is PostHog's ordered and strict funnels (query's
// posthogPerson) over steps of one filter per name (funnelSQL's classes;
// ordered steps of different names take distinctSQL). It reads the events
// in the range that pass --where (of the steps' names; strict, of every
// name), in groups of equal time. Per step k the entry (step-1 time) it
// was last reached from only grows from one placement to the next, so R_k,
// the running maximum of what each group places (B_k), is the step's
// entry: linear in the person's events. Strict clears a step at a group
// of one class that does not meet it (or of events meeting no step): A_k
// is R_k while the last placement comes after the last clearing.
//
// A group whose events all meet the same steps (all of one class, or
// none) takes them in turn, each its steps last first: its m events move
// entries up a run of consecutive steps of the class, step k getting the
// most, within the window of the group's time, of A_{k-i} from before the
// group for i <= m within the run, and of the run's own source P (A_{k0-1}
// before the group, past the run's first step k0, or the group's own time
// for step 1) once m reaches past the run's start. Any other group takes
// its (event, step) pairs by step: step k gets A_{k-1} from after the
// group's lower steps, when within the window and the group holds an event
// of k's class not already in that entry's chain, which reaches into the
// group along the run of steps just reached in it (RS: where that run
// starts).
//
// The counted entry is the one the deepest step was first reached from
// (its first value in its first group: in a group of one class, the
// source of the fewest events within the window); the chain's step j is
// at the first group where R_j reaches that entry, and --by reads the
// first step-1 event stored at the entry's time.
func (e *Engine) posthogSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	n := len(q.Steps)
	strict := strings.EqualFold(q.Mode, query.FunnelStrict)
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	cls, cases, names, err := e.classCases(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	K := len(names)
	// An event meeting no step is code 0: beside others at its instant it
	// makes the group one of pairs.
	cases = append(cases, "1, 0")
	inner := e.personKeysWith(q, span, f, 0, where, cases, names, "code = "+strconv.Itoa(cls[0]), keyOptions{total: true, every: strict})
	var st stages
	groupCounts(&st, f.min, 0, K, 0)
	var gs, any []string
	for c := 0; c <= K; c++ {
		gs = append(gs, fmt.Sprintf("g%d", c))
		any = append(any, fmt.Sprintf("(g%d > 0)", c))
	}
	st.next()
	st.let("SM", fmt.Sprintf("arrayMap((%s) -> %s = 1, %s)", strings.Join(gs, ", "), strings.Join(any, " + "), strings.Join(gcols(0, K), ", ")))
	if strict {
		st.let("GI", "arrayMap(i -> toInt64(i), arrayEnumerate(GT))")
	}
	ph := posthogRefs{window, strict}
	pass, entry := ph.pass, ph.entry
	// runStart: the first step of the run of consecutive steps of k's
	// class that ends at k.
	runStart := func(k int) int {
		k0 := k
		for k0 > 1 && cls[k0-2] == cls[k-1] {
			k0--
		}
		return k0
	}
	sources := func(k int, ab func(j int) string, gt string) []string {
		return runSources(k, runStart(k), ab, gt)
	}
	// prefix(c, k): how many of steps 1..k are of class c.
	prefix := func(c, k int) int {
		m := 0
		for s := 0; s < k; s++ {
			if cls[s] == c {
				m++
			}
		}
		return m
	}
	for k := 1; k <= n; k++ {
		c := cls[k-1]
		params, args := []string{"gt", "sm", "g"}, []string{"GT", "SM", fmt.Sprintf("G%d", c)}
		src := sources(k, func(j int) string {
			params = append(params, fmt.Sprintf("ab%d", j))
			args = append(args, fmt.Sprintf("AB%d", j))
			return fmt.Sprintf("ab%d", j)
		}, "gt")
		same := neg
		for i, x := range src {
			// greatest takes two arguments on 18.16.
			same = fmt.Sprintf("greatest(%s, if(g >= %d AND %s, %s, %s))", same, i+1, pass(x, "gt"), x, neg)
		}
		pairs := "if(g > 0, gt, " + neg + ")"
		if k > 1 {
			var pre []string
			for r := 1; r <= k; r++ {
				pre = append(pre, strconv.Itoa(prefix(c, r-1)))
			}
			params = append(params, "a", "rs")
			args = append(args, entry(k-1), fmt.Sprintf("RS%d", k-1))
			inChain := fmt.Sprintf("(%d - arrayElement([%s], rs))", prefix(c, k-1), strings.Join(pre, ", "))
			pairs = fmt.Sprintf("if(g > %s AND %s, a, %s)", inChain, pass("a", "gt"), neg)
		}
		st.next()
		st.let(fmt.Sprintf("B%d", k), fmt.Sprintf("arrayMap((%s) -> if(sm, if(g > 0, %s, %s), %s), %s)",
			strings.Join(params, ", "), same, neg, pairs, strings.Join(args, ", ")))
		st.next()
		st.let(fmt.Sprintf("R%d", k), runningMax(fmt.Sprintf("B%d", k)))
		if strict {
			// The last placement and the last clearing up to each group.
			st.let(fmt.Sprintf("LP%d", k), runningMax(fmt.Sprintf("arrayMap((b, i) -> if(b > %s, i, 0), B%d, GI)", neg, k)))
			st.let(fmt.Sprintf("LR%d", k), runningMax(fmt.Sprintf("arrayMap((sm, g, i) -> if(sm AND g = 0, i, 0), SM, G%d, GI)", c)))
			st.next()
			st.let(fmt.Sprintf("A%d", k), fmt.Sprintf("arrayMap((r, p, x) -> if(p > x, r, %s), R%d, LP%d, LR%d)", neg, k, k, k))
		}
		st.next()
		st.let(fmt.Sprintf("AB%d", k), fmt.Sprintf("arrayPushFront(arrayPopBack(%s), %s)", entry(k), neg))
		rs := fmt.Sprintf("arrayMap((b, a) -> if(b > a, 1, 2), B%d, AB%d)", k, k)
		if k > 1 {
			rs = fmt.Sprintf("arrayMap((b, a, r) -> if(b > a, r, %d), B%d, AB%d, RS%d)", k+1, k, k, k-1)
		}
		st.let(fmt.Sprintf("RS%d", k), rs)
	}
	st.next()
	level := "-1"
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(arrayElement(R%d, -1) > %s, %d, %s)", k, neg, k-1, level)
	}
	st.let("level", level)
	st.next()
	// gi: the group where the deepest step was first reached.
	var firsts []string
	for k := 1; k <= n; k++ {
		firsts = append(firsts, fmt.Sprintf("level = %d, arrayFirstIndex(a -> a > %s, R%d)", k-1, neg, k))
	}
	st.let("gi", "toInt64(multiIf("+strings.Join(firsts, ", ")+", 0))")
	st.next()
	at := func(arr string) string { return "arrayElement(" + arr + ", gi)" }
	var entries []string
	for k := 1; k <= n; k++ {
		gt, g := at("GT"), at(fmt.Sprintf("G%d", cls[k-1]))
		var firstOf []string
		for i, x := range sources(k, func(j int) string { return at(fmt.Sprintf("AB%d", j)) }, gt) {
			firstOf = append(firstOf, fmt.Sprintf("%s >= %d AND %s, %s", g, i+1, pass(x, gt), x))
		}
		first := "multiIf(" + strings.Join(firstOf, ", ") + ", " + neg + ")"
		entries = append(entries, fmt.Sprintf("level = %d, if(%s, %s, %s)", k-1, at("SM"), first, at(fmt.Sprintf("B%d", k))))
	}
	st.let("t0", "multiIf("+strings.Join(entries, ", ")+", "+neg+")")
	deltas := "emptyArrayInt64()"
	if n > 1 {
		st.next()
		var ts []string
		for k := 1; k <= n; k++ {
			// t0 is named outside the lambda as well (see count).
			ts = append(ts, fmt.Sprintf("arrayElement(GT, toInt64(arrayFirstIndex(a -> a >= t0, R%d)) + 0 * t0)", k))
		}
		var ds []string
		for k := 1; k < n; k++ {
			ds = append(ds, ts[k]+" - "+ts[k-1])
		}
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	}
	cols := []string{"person", "po", "level", "t0", deltas}
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0, byEv), 1)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// runSources lists step k's sources in a group of one class (or type)
// whose run of consecutive steps it meets reaches k from step r: the i-th
// is taken once the group has i events, the run's own source (step r-1's
// entry, or the group's time for r = 1) last. ab names step j's entry
// before the group as the caller reads it (the array AB<j>, or its
// element).
func runSources(k, r int, ab func(j int) string, gt string) []string {
	var src []string
	for i := 1; i <= k-r; i++ {
		src = append(src, ab(k-i))
	}
	if r > 1 {
		return append(src, ab(r-1))
	}
	return append(src, gt)
}

// gcols lists G<lo>..G<hi>.
func gcols(lo, hi int) []string {
	var out []string
	for c := lo; c <= hi; c++ {
		out = append(out, fmt.Sprintf("G%d", c))
	}
	return out
}

// posthogTypedSQL is PostHog's ordered and strict funnels (query's
// posthogPerson) over steps that share an event name with different
// filters, so one event may meet several steps. An event's type is the
// set of steps it meets (stepTypes' codes; 0 for an event meeting none).
// The groups of equal time are posthogSQL's, with types for classes:
//
//   - A group whose events are all of one type (SM) takes them in turn:
//     step k of the type gets, within the window, the most of A_{k-i}
//     from before the group for i <= m (its event count) within the run
//     of the type's consecutive steps ending at k, and of that run's
//     source once m reaches past its start.
//   - Any other group takes its (event, step) pairs by step, and which
//     event fills a step decides what is left for the later ones: step k
//     is filled by the first event stored in the group that meets k and
//     is not already in the chain of the entry k is reached from (the
//     fillers F_j of the steps of k's name in the run of steps just
//     reached in the group, from RS). So the events are read in stored
//     order and, per step k, P<k>_<i> is the i-th event of the group
//     meeting k: a running maximum of positions per rank, where a rank
//     past the number of earlier steps of k's name is never needed.
//
// Strict clears the steps a group of one type does not meet, as in
// posthogSQL. The counted entry t0 is the one the deepest step was first
// reached from; back from there, step k's placement in the chain is in
// step k+1's group when k did not hold t0 before it, else in the last
// earlier group where k came to hold t0 (in strict, an entry cleared and
// reached again from a step that kept it is a new placement). Each step
// is a few passes over the person's events or groups: linear.
func (e *Engine) posthogTypedSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	n := len(q.Steps)
	strict := strings.EqualFold(q.Mode, query.FunnelStrict)
	p, err := e.planTyped(ctx, q, f)
	if err != nil {
		return nil, err
	}
	window, where, names, of, cases, events := p.window, p.where, p.names, p.of, p.cases, p.events
	cases = append(cases, "1, 0") // of a step's name (strict: any) meeting none
	// meets[k-1]: the codes of the types meeting step k.
	meets := make([][]int, n)
	for k := range n {
		nm, c := names[of[k][0]], of[k][1]
		for m := 1; m < 1<<len(nm.conds); m++ {
			if m&(1<<c) != 0 {
				meets[k] = append(meets[k], nm.offset+m-1)
			}
		}
	}
	meet := func(code, k int) bool { return slices.Contains(meets[k-1], code) }
	codeList := func(codes []int) string {
		var s []string
		for _, c := range codes {
			s = append(s, strconv.Itoa(c))
		}
		return strings.Join(s, ", ")
	}
	// earlier(k): the steps before k of k's name, whose fillers step k's
	// may not be: its filler is among the group's first 1+len(earlier(k))
	// events meeting k. later(k): whether a step after k shares its name
	// (k's filler is then kept, F<k>).
	earlier := func(k int) []int {
		var js []int
		for j := 1; j < k; j++ {
			if of[j-1][0] == of[k-1][0] {
				js = append(js, j)
			}
		}
		return js
	}
	later := func(k int) bool {
		for j := k + 1; j <= n; j++ {
			if of[j-1][0] == of[k-1][0] {
				return true
			}
		}
		return false
	}
	// Every event of the range in byEv, in stored order (personKeysWith's
	// K, sorted by code within an instant, is not read).
	inner := e.personKeysWith(q, span, f, 0, where, cases, events, "1", keyOptions{total: true, every: strict, order: true})
	var st stages
	st.let("T", "arrayMap(x -> x.1, byEv)")
	st.let("C", "arrayMap(x -> toInt64(x.5), byEv)")
	st.let("isStart", "arrayMap((a, b) -> a != b, T, arrayPushFront(arrayPopBack(T), "+neg+"))")
	st.let("isEnd", "arrayMap((a, b) -> a != b, T, arrayPushBack(arrayPopFront(T), "+neg+"))")
	st.let("PS", "arrayMap(i -> toInt64(i), arrayEnumerate(T))")
	// Stages end only here, before the steps, and where a lambda's body
	// reads a scalar: 18.16's analysis of the nested SELECTs, not the
	// arrays, is most of this query's time on small data (a 3-step
	// strict funnel, loaded machine: 27 stages 5-8 s, 6 stages 2.0-2.5 s,
	// these 7 1.2-1.7 s; one more per step was slower).
	st.next()
	st.let("GT", "arrayFilter((t, e) -> e, T, isEnd)")
	st.let("GI", "arrayMap(i -> toInt64(i), arrayEnumerate(GT))")
	st.let("GS", "arrayFilter((p, s) -> s, PS, isStart)")
	st.let("GM", "arrayMap((a, b) -> a - b + 1, arrayFilter((p, e) -> e, PS, isEnd), GS)")
	st.let("TP", "arrayFilter((c, e) -> e, C, isEnd)") // a group of one type: its type
	// SM: no event's type differs from the one stored before it.
	st.let("cumChg", "arrayFilter((x, e) -> e, arrayCumSum(arrayMap((c, p, s) -> toInt64(NOT s AND c != p), C, arrayPushFront(arrayPopBack(C), toInt64(-1)), isStart)), isEnd)")
	st.let("SM", "arrayMap((a, b) -> a = b, cumChg, arrayPushFront(arrayPopBack(cumChg), toInt64(0)))")
	for k := 1; k <= n; k++ {
		// RK: an event's rank among its group's events meeting k (0: it
		// does not meet k), its count of them less the count before its
		// group (a running maximum read at group starts).
		st.let(fmt.Sprintf("MK%d", k), fmt.Sprintf("arrayMap(c -> toInt64(c IN (%s)), C)", codeList(meets[k-1])))
		st.let(fmt.Sprintf("CM%d", k), fmt.Sprintf("arrayCumSum(MK%d)", k))
		st.let(fmt.Sprintf("BS%d", k), runningMax(fmt.Sprintf("arrayMap((c, s) -> if(s, c, 0), arrayPushFront(arrayPopBack(CM%d), toInt64(0)), isStart)", k)))
		st.let(fmt.Sprintf("RK%d", k), fmt.Sprintf("arrayMap((c, b, m) -> if(m = 1, c - b, 0), CM%d, BS%d, MK%d)", k, k, k))
		for i := 1; i <= 1+len(earlier(k)); i++ {
			// The position of the rank-i event up to each group, kept
			// when it lies in the group.
			st.let(fmt.Sprintf("P%d_%d", k, i), fmt.Sprintf("arrayMap((q, s) -> if(q >= s, q, 0), arrayFilter((q, e) -> e, %s, isEnd), GS)",
				runningMax(fmt.Sprintf("arrayMap((r, p) -> if(r = %d, p, 0), RK%d, PS)", i, k))))
		}
	}
	st.next()
	ph := posthogRefs{window, strict}
	pass, entry := ph.pass, ph.entry
	// runs(k): the types meeting k by the start of the run of their steps
	// ending at k.
	runs := func(k int) map[int][]int {
		by := map[int][]int{}
		for _, code := range meets[k-1] {
			r := k
			for r > 1 && meet(code, r-1) {
				r--
			}
			by[r] = append(by[r], code)
		}
		return by
	}
	for k := 1; k <= n; k++ {
		fk := fmt.Sprintf("P%d_1", k)
		if js := earlier(k); len(js) > 0 {
			params, args := []string{"rs"}, []string{fmt.Sprintf("RS%d", k-1)}
			for _, j := range js {
				params = append(params, fmt.Sprintf("f%d", j))
				args = append(args, fmt.Sprintf("F%d", j))
			}
			var firsts []string
			for i := 1; i <= 1+len(js); i++ {
				p := fmt.Sprintf("p%d", i)
				params = append(params, p)
				args = append(args, fmt.Sprintf("P%d_%d", k, i))
				var in []string
				for _, j := range js {
					in = append(in, fmt.Sprintf("(rs <= %d AND f%d = %s)", j, j, p))
				}
				firsts = append(firsts, fmt.Sprintf("%s > 0 AND NOT (%s), %s", p, strings.Join(in, " OR "), p))
			}
			fk = fmt.Sprintf("FC%d", k)
			st.let(fk, fmt.Sprintf("arrayMap((%s) -> multiIf(%s, 0), %s)", strings.Join(params, ", "), strings.Join(firsts, ", "), strings.Join(args, ", ")))
		}
		params, args := []string{"gt", "sm", "m", "tp", "f"}, []string{"GT", "SM", "GM", "TP", fk}
		abParam := func(j int) string {
			p := fmt.Sprintf("ab%d", j)
			if !slices.Contains(params, p) {
				params = append(params, p)
				args = append(args, fmt.Sprintf("AB%d", j))
			}
			return p
		}
		var same []string
		for r, codes := range runs(k) {
			v := neg
			for i, x := range runSources(k, r, abParam, "gt") {
				// greatest takes two arguments on 18.16.
				v = fmt.Sprintf("greatest(%s, if(m >= %d AND %s, %s, %s))", v, i+1, pass(x, "gt"), x, neg)
			}
			same = append(same, fmt.Sprintf("tp IN (%s), %s", codeList(codes), v))
		}
		slices.Sort(same) // map order: the text stays the same run to run
		pairs := "if(f > 0, gt, " + neg + ")"
		if k > 1 {
			params = append(params, "a")
			args = append(args, entry(k-1))
			pairs = fmt.Sprintf("if(f > 0 AND %s, a, %s)", pass("a", "gt"), neg)
		}
		st.let(fmt.Sprintf("B%d", k), fmt.Sprintf("arrayMap((%s) -> if(sm, multiIf(%s, %s), %s), %s)",
			strings.Join(params, ", "), strings.Join(same, ", "), neg, pairs, strings.Join(args, ", ")))
		st.let(fmt.Sprintf("R%d", k), runningMax(fmt.Sprintf("B%d", k)))
		if strict {
			// The last placement and the last clearing up to each group.
			st.let(fmt.Sprintf("LP%d", k), runningMax(fmt.Sprintf("arrayMap((b, i) -> if(b > %s, i, 0), B%d, GI)", neg, k)))
			st.let(fmt.Sprintf("LR%d", k), runningMax(fmt.Sprintf("arrayMap((sm, tp, i) -> if(sm AND tp NOT IN (%s), i, 0), SM, TP, GI)", codeList(meets[k-1]))))
			st.let(fmt.Sprintf("A%d", k), fmt.Sprintf("arrayMap((r, p, x) -> if(p > x, r, %s), R%d, LP%d, LR%d)", neg, k, k, k))
		}
		st.let(fmt.Sprintf("AB%d", k), fmt.Sprintf("arrayPushFront(arrayPopBack(%s), %s)", entry(k), neg))
		rs := fmt.Sprintf("arrayMap((b, a) -> if(b > a, 1, 2), B%d, AB%d)", k, k)
		if k > 1 {
			rs = fmt.Sprintf("arrayMap((b, a, r) -> if(b > a, r, %d), B%d, AB%d, RS%d)", k+1, k, k, k-1)
		}
		st.let(fmt.Sprintf("RS%d", k), rs)
		if later(k) {
			st.let(fmt.Sprintf("F%d", k), fmt.Sprintf("arrayMap((b, a, f) -> if(b > a, f, 0), B%d, AB%d, %s)", k, k, fk))
		}
	}
	level := "-1"
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(arrayElement(R%d, -1) > %s, %d, %s)", k, neg, k-1, level)
	}
	st.let("level", level)
	// gi: the group where the deepest step was first reached.
	var firsts []string
	for k := 1; k <= n; k++ {
		firsts = append(firsts, fmt.Sprintf("level = %d, arrayFirstIndex(a -> a > %s, R%d)", k-1, neg, k))
	}
	st.let("gi", "toInt64(multiIf("+strings.Join(firsts, ", ")+", 0))")
	at := func(arr string) string { return "arrayElement(" + arr + ", gi)" }
	var entries []string
	for k := 1; k <= n; k++ {
		gt := at("GT")
		var byRun []string
		for r, codes := range runs(k) {
			var firstOf []string
			for i, x := range runSources(k, r, func(j int) string { return at(fmt.Sprintf("AB%d", j)) }, gt) {
				firstOf = append(firstOf, fmt.Sprintf("%s >= %d AND %s, %s", at("GM"), i+1, pass(x, gt), x))
			}
			byRun = append(byRun, fmt.Sprintf("%s IN (%s), multiIf(%s, %s)", at("TP"), codeList(codes), strings.Join(firstOf, ", "), neg))
		}
		slices.Sort(byRun)
		first := "multiIf(" + strings.Join(byRun, ", ") + ", " + neg + ")"
		entries = append(entries, fmt.Sprintf("level = %d, if(%s, %s, %s)", k-1, at("SM"), first, at(fmt.Sprintf("B%d", k))))
	}
	st.let("t0", "multiIf("+strings.Join(entries, ", ")+", "+neg+")")
	deltas := "emptyArrayInt64()"
	if n > 1 {
		// gg<k>: the group of step k's placement in the counted chain,
		// back from the deepest step's (steps past it: gi, unused).
		st.let(fmt.Sprintf("gg%d", n), "gi")
		for k := n - 1; k >= 1; k-- {
			next := fmt.Sprintf("gg%d", k+1)
			// t0 and next are named outside the lambda as well (see count).
			became := fmt.Sprintf("toInt64(arrayReduce('max', arrayMap((i, a, b) -> if(i < %s AND a = t0 AND b != t0, i, 0), GI, %s, AB%d))) + 0 * (t0 + %s)", next, entry(k), k, next)
			st.next()
			st.let(fmt.Sprintf("gg%d", k), fmt.Sprintf("if(level < %d OR arrayElement(AB%d, %s) != t0, %s, %s)", k, k, next, next, became))
		}
		var ds []string
		for k := 1; k < n; k++ {
			ds = append(ds, fmt.Sprintf("arrayElement(GT, gg%d) - arrayElement(GT, gg%d)", k+1, k))
		}
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	}
	cols := []string{"person", "po", "level", "t0", deltas}
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 AND x.5 IN ("+codeList(meets[0])+"), byEv), 1)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// posthogRefs names what posthogSQL and posthogTypedSQL both read.
type posthogRefs struct {
	window int64
	strict bool
}

// pass is SQL true when entry x (a step-1 time; neg: none) is set and a
// group at gt is within its window.
func (p posthogRefs) pass(x, gt string) string {
	return fmt.Sprintf("(%s > %s AND %s - %s <= %s)", x, neg, gt, x, lit(p.window))
}

// entry names step k's entry after each group: A<k> in strict mode (R<k>
// less the clearings), else R<k>.
func (p posthogRefs) entry(k int) string {
	if p.strict {
		return fmt.Sprintf("A%d", k)
	}
	return fmt.Sprintf("R%d", k)
}
