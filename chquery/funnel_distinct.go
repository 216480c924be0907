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

// codeBits is how many low bits of a packed event key hold its code (a
// step or class number), the rest the time in ms since the data's first
// event: one Int64 per event sorts by (time, code) with a plain arraySort,
// which costs a fraction of sorting tuples by a lambda.
const codeBits = 8

// maxPackedSpan is the longest span of event times a packed key holds.
const maxPackedSpan = int64(1)<<(62-codeBits) - 1

// packed returns SQL for an event's packed key, code being its step or
// class number (0: none); base is the data's first event time.
func (e *Engine) packed(base int64, code string) string {
	return "(toInt64(" + e.t.Time + ") - " + lit(base) + ") * " + strconv.Itoa(1<<codeBits) + " + (" + code + " AS code)"
}

// stepCodes are multiIf's cases giving an event the code of the first
// step it meets (1-based), and the steps' event names.
func (e *Engine) stepCodes(ctx context.Context, q query.FunnelQuery) (cases, names []string, err error) {
	for k, st := range q.Steps {
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return nil, nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
		}
		cases = append(cases, "("+e.t.Event+" = "+clickhouse.String(st.Event)+" AND "+cond+"), "+strconv.Itoa(k+1))
		names = append(names, st.Event)
	}
	return cases, names, nil
}

// personKeys is the innermost SELECT of a packed funnel: per person, K,
// the sorted packed keys of the events in the span's range up to the
// window after it that pass --where and have a code (cases are multiIf's
// condition, code pairs; names their event names), and with --by, byEv,
// the (time, tiebreak, value, has, code) of the events byCode keeps, in
// stored order.
func (e *Engine) personKeys(q query.FunnelQuery, span query.Span, f *facts, window int64, where string, cases, names []string, byCode string) func(from, part string) string {
	return e.personKeysWith(q, span, f, window, where, cases, names, byCode, keyOptions{})
}

// keyOptions are personKeysWith's additions to personKeys.
type keyOptions struct {
	// twice: SQL for the events with a code above 0 that are keyed a
	// second time with code 0 (excluded events that are also steps').
	twice string
	// stepsOnly: K holds only the keys of code above 0.
	stepsOnly bool
	// times: per SQL condition, a sorted array XK<i> of the keys with code
	// 0 of the events meeting it.
	times []string
	// total: every event of the names has a code (no step has filters),
	// so no row is dropped for its code and the WHERE leaves the codes
	// out (they are computed once, for the keys).
	total bool
	// every: K holds the events of every name, not only the steps'
	// (their code is the last case's).
	every bool
	// order: byEv even without --by (value '' and has 0), for the stored
	// order of the events byCode keeps.
	order bool
	// code: SQL for an event's code in place of multiIf over the cases
	// (codeLookup).
	code string
}

// unfiltered reports whether no step has filters: stepCodes then gives
// every event of the steps' names a code (keyOptions.total).
func unfiltered(steps []query.FunnelStep) bool {
	for _, st := range steps {
		if len(st.Where) > 0 {
			return false
		}
	}
	return true
}

// personKeysWith is personKeys with o's additions.
func (e *Engine) personKeysWith(q query.FunnelQuery, span query.Span, f *facts, window int64, where string, cases, names []string, byCode string, o keyOptions) func(from, part string) string {
	t := e.t
	code := "toInt64(multiIf(" + strings.Join(cases, ", ") + ", -1))"
	if o.code != "" {
		code = o.code
	}
	keys := "arraySort(groupArray(" + e.packed(f.min, code) + "))"
	zero := "(toInt64(" + t.Time + ") - " + lit(f.min) + ") * " + strconv.Itoa(1<<codeBits)
	switch {
	case o.twice != "":
		keys = "arraySort(arrayConcat(groupArray(" + e.packed(f.min, code) + "), groupArrayIf(" + zero + ", " + o.twice + " AND code > 0)))"
	case o.stepsOnly:
		keys = "arraySort(groupArrayIf(" + e.packed(f.min, code) + ", code > 0))"
	}
	keys += " AS K"
	for i, cond := range o.times {
		keys += ", arraySort(groupArrayIf(" + zero + ", " + cond + ")) AS XK" + strconv.Itoa(i)
	}
	byArray := ""
	if q.By != "" || o.order {
		v, has := "''", "0"
		if q.By != "" {
			v, has = t.Prop(q.By)
		}
		byArray = ", arraySort(x -> (x.1, x.2), groupArrayIf((toInt64(" + t.Time + "), " + tiebreakOf(t) + ", " + v + ", toUInt8(" + has + "), code), " + byCode + ")) AS byEv"
	}
	hi := min(span.To+window, f.max+1)
	coded := " AND code >= 0"
	if o.total {
		coded = ""
	}
	named := " AND " + t.Event + " IN (" + clickhouse.Strings(names) + ")"
	if o.every {
		named = ""
	}
	return func(from, part string) string {
		return "SELECT " + e.personCols() + ", " + keys + byArray +
			" FROM " + from +
			" WHERE " + t.Where + " AND " + part + named +
			" AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(hi) +
			" AND " + where + coded +
			" GROUP BY person"
	}
}

// codeLookup is SQL for the code stepCodes' cases give an event (with
// whole-funnel exclusions distinctSQL's case of code 0 after them) when
// no step has filters: one lookup of the event's name (transform) where
// multiIf compares it with every step's name and tests each filter. Over
// the 1M-event table's 727k step events the code cost 28 ms of server
// CPU with multiIf, 17 with transform (median of 12 alternated, load 20).
// Empty when a name is empty, which a null name (made empty by ifNull)
// would meet.
func (e *Engine) codeLookup(q query.FunnelQuery) string {
	var from, to []string
	seen := map[string]bool{}
	add := func(name string, code int) {
		if !seen[name] {
			seen[name] = true
			from = append(from, name)
			to = append(to, strconv.Itoa(code))
		}
	}
	for k, st := range q.Steps {
		add(st.Event, k+1)
	}
	for _, x := range q.Exclude {
		add(x.Event, 0)
	}
	if seen[""] {
		return ""
	}
	return "toInt64(transform(ifNull(" + e.t.Event + ", ''), [" + clickhouse.Strings(from) + "], [" + strings.Join(to, ", ") + "], -1))"
}

// packedSpan checks that the data's times fit a packed key.
func packedSpan(f *facts) error {
	if f.max-f.min > maxPackedSpan {
		return i18n.Errorf("the events span more than %d years, more than a ClickHouse funnel handles", maxPackedSpan/(365*86_400_000))
	}
	return nil
}

// distinctSQL is the ordered funnel whose steps all have different event
// names, so each event can fill at most one step (the common case, and
// the one ClickHouse's own windowFunnel serves). The person's events are
// packed keys sorted by (time, step), so events of one instant come in
// step order and each may extend the chains its own instant began: the
// "at or after" of the ordered mode. Per step k, A_k is the running
// maximum over events of the latest step-1 time of a chain that has done
// steps 1..k by that event; an event of step k extends A_{k-1} when within
// the window (A_{k-1} is as it was before the event, which is not of step
// k-1, so one event fills one step). Each step costs a few array passes
// (the running maximum is built from arrayCumSumNonNegative), linear in
// the person's events.
//
// The counted attempt starts at the deepest step's latest start t0. Its
// chain is the one that reached that step first — the first event of
// step D carrying t0 — and, back from there, the latest event of each earlier
// step before the next step's event: the chain the local engine reports.
//
// With earliest (Amplitude's "earliest, longest path") the counted attempt
// is the earliest step-1 event reaching the deepest step instead. Per
// depth D, a backward pass finds for every event the earliest time steps
// up to D can be completed after it (a running minimum over the reversed
// events); the counted attempt is the first step-1 event in range whose
// completion lies within its window, and its chain ends at that
// completion, the first event of step D at that time.
//
// With posthogAttempt (PostHog's ordered funnel) only the events in the
// range are read; every step-1 event opens an entry that replaces the
// last and a step keeps the first event reaching it from an entry, so a
// step's entry is the running maximum above too, the counted entry is
// that of the first event reaching the deepest step, and its chain is, per
// step, the first event carrying that entry.
//
// Exclusions over the whole funnel (wholeExclusions) hold an attempt
// with an excluded event after its step-1 event, within its window, at
// step 1, unless it completes the funnel before that event: the running
// starts take only attempts without one, a backward pass finds each
// attempt's earliest completion, and the latest of the starts that
// complete before their first excluded event converts.
//
// Exclusions from step 1 to an earlier step To (partial; wholeExclusions
// refuses those from a later step) depend only on the start and on when
// step To is done, so the earliest chain decides: per depth d a backward
// pass finds every start's earliest completion of steps 2..d (the same
// chain for every d), which must come within the window and pass each
// exclusion's step To no later than that exclusion's next event after
// the start; a start short of the last step with an exclusion it has not
// passed whose event comes within its window is held at step 1. The
// latest start of the highest level counts; its chain ends at its
// earliest completion and, back from there, takes the latest event of
// each earlier step before the next step's, and no later than the next
// event of an exclusion ending at that step.
func (e *Engine) distinctSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts, rule attemptRule) (partSQL, error) {
	earliest := rule == earliestAttempt
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
	// Excluded events (of whole-funnel exclusions: wholeExclusions) are
	// code 0, which sorts before the steps at their instant.
	excluded := len(q.Exclude) > 0
	twice := "" // excluded events that are also steps' are keyed as both
	if excluded {
		var xs, steps []string
		for _, x := range q.Exclude {
			xs = append(xs, x.Event)
			if slices.Contains(names, x.Event) {
				steps = append(steps, x.Event)
			}
		}
		codes = append(codes, "("+t.Event+" IN ("+clickhouse.Strings(xs)+")), 0")
		if len(steps) > 0 {
			twice = t.Event + " IN (" + clickhouse.Strings(steps) + ")"
		}
		names = append(names, xs...)
	}
	// The counted attempt's --by value is that of its step-1 event, the
	// last stored at t0.
	keysWindow := window
	if rule == posthogAttempt { // every step in the range
		keysWindow = 0
	}
	// Exclusions ending before the last step (all from step 1:
	// wholeExclusions) read each exclusion's times on their own.
	partial := slices.ContainsFunc(q.Exclude, func(x query.Exclusion) bool { return x.To != 0 && x.To != n-1 })
	opts := keyOptions{twice: twice}
	if partial {
		opts = keyOptions{stepsOnly: true}
		for _, x := range q.Exclude {
			opts.times = append(opts.times, t.Event+" = "+clickhouse.String(x.Event))
		}
	}
	opts.total = unfiltered(q.Steps)
	if opts.total {
		opts.code = e.codeLookup(q)
	}
	inner := e.personKeysWith(q, span, f, keysWindow, where, codes, names, "code = 1", opts)
	// Starts are kept negated (NA_k = -A_k, a running minimum), so that
	// each step's pass compares and selects without arithmetic: the
	// functions an array pass applies per element are its cost.
	shift := strconv.Itoa(codeBits)
	const big = "toInt64(4611686018427387904)" // -neg: a negated "no chain"
	var st stages
	st.let("C", "arrayMap(k -> bitAnd(k, "+strconv.Itoa(1<<codeBits-1)+"), K)")
	st.let("NTW", "arrayMap(k -> "+lit(window)+" - bitShiftRight(k, "+shift+"), K)")
	reversed := false
	reverse := func() {
		if !reversed {
			reversed = true
			st.next()
			st.let("RC", "arrayReverse(C)")
			st.let("RT", "arrayReverse(arrayMap(k -> bitShiftRight(k, "+shift+"), K))")
		}
	}
	toKey := lit((span.To - base) << codeBits)
	nb1 := fmt.Sprintf("arrayMap((c, k) -> if(c = 1 AND k < %s, -bitShiftRight(k, %s), %s), C, K)", toKey, shift, big)
	if excluded && !partial {
		// X1: for every event, the first excluded time at or after it,
		// which for a step-1 event is after its instant. A start with an
		// excluded event in its window converts only before that event,
		// else counts at step 1: the running starts take the others.
		reverse()
		st.next()
		st.let("RX", "arrayMap((c, t) -> if(c = 0, t, "+big+"), RC, RT)")
		st.next()
		st.let("X1", "arrayReverse(arrayMap((b, s) -> b - s, RX, arrayCumSumNonNegative(arrayDifference(RX))))")
		st.next()
		nb1 = fmt.Sprintf("arrayMap((c, k, x) -> if(c = 1 AND k < %s AND x - bitShiftRight(k, %s) > %s, -bitShiftRight(k, %s), %s), C, K, X1)", toKey, shift, lit(window), shift, big)
	}
	for k := 1; k <= n && !partial; k++ {
		nb := nb1
		if k > 1 && k%2 == 1 {
			// Every two steps a stage of its own: NB_k names NB_{k-1}
			// twice, so within one stage the text 18.16 analyses doubles
			// with each step. A 4-step funnel's query took 74 ms of
			// server CPU to analyse with one stage for all steps, 36 ms
			// with two (load 25).
			st.next()
		}
		if k > 1 {
			// An event of step k leaves NA_{k-1} = NB_{k-1} - S_{k-1}
			// as it was before it; the difference is taken here rather
			// than in a pass of its own.
			nb = fmt.Sprintf("arrayMap((c, b, s, w) -> if(c = %d AND b - s <= w, b - s, %s), C, NB%d, S%d, NTW)", k, big, k-1, k-1)
		}
		st.let(fmt.Sprintf("NB%d", k), nb)
		// The starts an event of step k carries on never decrease, so the
		// latest is the least NB_k, the last of its running minimum; the
		// last step needs no running form.
		if k < n {
			st.let(fmt.Sprintf("S%d", k), fmt.Sprintf("arrayCumSumNonNegative(arrayDifference(NB%d))", k))
			st.let(fmt.Sprintf("last%d", k), fmt.Sprintf("arrayElement(NB%d, -1) - arrayElement(S%d, -1)", k, k))
		} else {
			st.let(fmt.Sprintf("last%d", k), fmt.Sprintf("arrayReduce('min', NB%d)", k))
		}
	}
	level, start := "-1", neg
	chainStage := true
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(last%d < %s, %d, %s)", k, big, k-1, level)
		start = fmt.Sprintf("if(last%d < %s, -last%d, %s)", k, big, k, start)
	}
	// completion(d) defines FM<d>: for every event, the earliest time
	// steps 2..d can be completed after it, as a running minimum over the
	// reversed events: M<d>_<k> is the least completion of steps k..d by
	// the events at or after each one.
	completion := func(d int) {
		reverse()
		for k := d; k >= 2; k-- {
			st.next()
			params, val, args := "c, t", "t", "RC, RT"
			if k < d {
				params, val, args = "c, t, m", "m", fmt.Sprintf("RC, RT, M%d_%d", d, k+1)
			}
			st.let(fmt.Sprintf("R%d_%d", d, k), fmt.Sprintf("arrayMap((%s) -> if(c = %d, %s, %s), %s)", params, k, val, big, args))
			st.let(fmt.Sprintf("M%d_%d", d, k), fmt.Sprintf("arrayMap((b, s) -> b - s, R%d_%d, arrayCumSumNonNegative(arrayDifference(R%d_%d)))", d, k, d, k))
		}
		st.next()
		st.let(fmt.Sprintf("FM%d", d), fmt.Sprintf("arrayReverse(M%d_2)", d))
	}
	// first(k): the index of the counted chain's step-k event when k is
	// its deepest step.
	first := func(k int) string { return fmt.Sprintf("indexOf(NB%d, -t0)", k) }
	// ended(d, at): the first event of step d at the completion time
	// FM<d> holds at index at.
	ended := func(d int, at string) string {
		return fmt.Sprintf("toInt64(indexOf(K, bitShiftLeft(arrayElement(FM%d, %s), %s) + %d))", d, at, shift, d)
	}
	// caps: per 1-based step, the scalars its chain event may not come
	// after (partial exclusions).
	caps := map[int][]string{}
	switch {
	case partial:
		// Per exclusion x, X<x>: for every event, the first excluded time
		// after its instant, from the excluded keys (code 0) merged in.
		var xs []string
		for x := range q.Exclude {
			st.next()
			st.let(fmt.Sprintf("XM%d", x), fmt.Sprintf("arraySort(arrayConcat(K, XK%d))", x))
			st.next()
			st.let(fmt.Sprintf("XR%d", x), fmt.Sprintf("arrayReverse(arrayMap(k -> if(bitAnd(k, %d) = 0, bitShiftRight(k, %s), %s), XM%d))", 1<<codeBits-1, shift, big, x))
			st.next()
			st.let(fmt.Sprintf("XS%d", x), fmt.Sprintf("arrayReverse(arrayMap((b, s) -> b - s, XR%d, arrayCumSumNonNegative(arrayDifference(XR%d))))", x, x))
			st.next()
			st.let(fmt.Sprintf("X%d", x), fmt.Sprintf("arrayFilter((v, k) -> bitAnd(k, %d) != 0, XS%d, XM%d)", 1<<codeBits-1, x, x))
			xs = append(xs, fmt.Sprintf("x%d", x))
		}
		for d := 2; d <= n; d++ {
			completion(d)
		}
		// A start does steps 1..d when the earliest completion of steps
		// 2..d (the same chain for every d: steps of different names) is
		// within its window and reaches each exclusion's step To before
		// that exclusion's next event; short of the last step, an
		// exclusion it has not passed whose event comes within its
		// window holds it at step 1. FL: that level plus one, 0 for an
		// event that starts nothing.
		params, args := []string{"c", "k"}, []string{"C", "K"}
		var oks []string
		for d := 2; d <= n; d++ {
			params = append(params, fmt.Sprintf("fm%d", d))
			args = append(args, fmt.Sprintf("FM%d", d))
			ok := fmt.Sprintf("fm%d - bitShiftRight(k, %s) <= %s", d, shift, lit(window))
			for x, ex := range exclusionSteps(q) {
				if ex[1]+1 <= d {
					ok += fmt.Sprintf(" AND fm%d <= x%d", ex[1]+1, x)
				}
			}
			oks = append(oks, "toUInt8("+ok+")")
		}
		params = append(params, xs...)
		for x := range q.Exclude {
			args = append(args, fmt.Sprintf("X%d", x))
		}
		st.next()
		st.let("DL", fmt.Sprintf("arrayMap((%s) -> toInt64(%s), %s)", strings.Join(params, ", "), strings.Join(oks, " + "), strings.Join(args, ", ")))
		var held []string
		for x, ex := range exclusionSteps(q) {
			held = append(held, fmt.Sprintf("%d > dl AND x%d - bitShiftRight(k, %s) <= %s", ex[1], x, shift, lit(window)))
		}
		st.next()
		st.let("FL", fmt.Sprintf("arrayMap((c, k, dl, %s) -> if(c = 1 AND k < %s, if(dl < %d AND (%s), 0, dl) + 1, 0), C, K, DL, %s)",
			strings.Join(xs, ", "), toKey, n-1, strings.Join(held, " OR "), strings.Join(args[len(args)-len(xs):], ", ")))
		lastDeepest(&st, "FL")
		st.let("t0", "bitShiftRight(arrayElement(K, idx), "+shift+")")
		// Each exclusion's step To no later than its next event after
		// the counted start.
		for x, ex := range exclusionSteps(q) {
			st.let(fmt.Sprintf("xi%d", x), fmt.Sprintf("arrayElement(X%d, idx)", x))
			caps[ex[1]+1] = append(caps[ex[1]+1], fmt.Sprintf("xi%d", x))
		}
		first = func(k int) string { return ended(k, "idx") }
	case excluded:
		st.let("levelS", level)
		st.let("startS", start)
		completion(n)
		st.next()
		// The latest start converting before any excluded event, and the
		// latest start of all.
		st.let("fidx", fmt.Sprintf("arrayReduce('max', arrayMap((i, c, k, m, x) -> if(c = 1 AND k < %s AND m - bitShiftRight(k, %s) <= %s AND m <= x, i, 0), arrayEnumerate(C), C, K, FM%d, X1))", toKey, shift, lit(window), n))
		st.let("aidx", fmt.Sprintf("arrayReduce('max', arrayMap((i, c, k) -> if(c = 1 AND k < %s, i, 0), arrayEnumerate(C), C, K))", toKey))
		st.next()
		st.let("level", fmt.Sprintf("multiIf(fidx > 0, %d, levelS >= 0, levelS, aidx > 0, 0, -1)", n-1))
		st.next()
		st.let("t0", fmt.Sprintf("multiIf(level = %d, bitShiftRight(arrayElement(K, fidx), %s), level = 0, bitShiftRight(arrayElement(K, aidx), %s), startS)", n-1, shift, shift))
		first = func(k int) string {
			if k == n {
				return ended(n, "fidx")
			}
			return fmt.Sprintf("indexOf(NB%d, -t0)", k)
		}
	case rule == posthogAttempt:
		st.let("level", level)
		// The entry of the first event reaching the deepest step, and per
		// step the first event carrying that entry.
		var cases []string
		for k := 1; k <= n; k++ {
			cases = append(cases, fmt.Sprintf("level = %d, -arrayFirst(x -> x < %s, NB%d)", k-1, big, k))
		}
		st.next()
		st.let("t0", "multiIf("+strings.Join(cases, ", ")+", "+neg+")")
	case earliest:
		st.let("level", level)
		// S1..Sn: per depth, the earliest attempt reaching it (0: none).
		starts := []string{fmt.Sprintf("toInt64(arrayFirstIndex((c, k) -> c = 1 AND k < %s, C, K))", toKey)}
		for d := 2; d <= n; d++ {
			completion(d)
			st.next()
			starts = append(starts, fmt.Sprintf("toInt64(arrayFirstIndex((c, k, m) -> c = 1 AND k < %s AND m - bitShiftRight(k, %s) <= %s, C, K, FM%d))", toKey, shift, lit(window), d))
		}
		idx := starts[0]
		if n > 1 {
			var cases []string
			for d := 1; d <= n; d++ {
				cases = append(cases, fmt.Sprintf("level = %d, %s", d-1, starts[d-1]))
			}
			idx = "multiIf(" + strings.Join(cases, ", ") + ", 0)"
		}
		st.next()
		st.let("idx", idx)
		st.next()
		st.let("t0", "bitShiftRight(arrayElement(K, idx), "+shift+")")
		first = func(k int) string { return ended(k, "idx") }
	default:
		st.let("level", level)
		st.let("t0", start)
		// No lambda of the chain's events names level or t0, so they may
		// share their stage: one nested SELECT fewer for 18.16 to analyse
		// (a 4-step part with no persons: 24.5 -> 21.5 ms of server CPU,
		// median of 8 alternated, load 13).
		chainStage = false
	}
	deltas := "emptyArrayInt64()"
	if n > 1 {
		// Per middle step with caps, where its events are (IX) and how
		// many came up to each event (CNT): the latest before an index j
		// is IX[CNT[j]].
		for k := 2; k < n && rule != posthogAttempt; k++ {
			if len(caps[k]) > 0 {
				st.let(fmt.Sprintf("CNT%d", k), fmt.Sprintf("arrayCumSum(arrayMap(c -> toUInt32(c = %d), C))", k))
				st.let(fmt.Sprintf("IX%d", k), fmt.Sprintf("arrayFilter((i, c) -> c = %d, arrayEnumerate(C), C)", k))
			}
		}
		// The chain's events in one stage, of their own unless level and
		// t0 may share it (chainStage); no lambda names a column of its
		// own stage.
		if chainStage {
			st.next()
		}
		// J_k: the index of the chain's step-k event (0 past the level).
		for k := n; k >= 2; k-- {
			j := fmt.Sprintf("if(level = %d, %s, 0)", k-1, first(k))
			switch {
			case rule == posthogAttempt:
				j = fmt.Sprintf("if(level >= %d, %s, 0)", k-1, first(k))
			case k < n && len(caps[k]) > 0:
				// The latest of step k before step k+1's and not after its caps.
				cnt := fmt.Sprintf("arrayElement(CNT%d, J%d)", k, k+1)
				for _, c := range caps[k] {
					// c is named outside the lambda as well (see count).
					// (big, for no excluded event, is cut to the longest span)
					cnt = fmt.Sprintf("least(%s, toUInt32(arrayCount((c, k) -> c = %d AND k <= bitShiftLeft(least(%s, %s), %s) + %d, C, K) + 0 * %s))", cnt, k, c, lit(maxPackedSpan), shift, 1<<codeBits-1, c)
				}
				j = fmt.Sprintf("multiIf(level = %d, %s, level > %d, arrayElement(IX%d, %s), 0)", k-1, first(k), k-1, k, cnt)
			case k < n:
				// The latest event of step k before the next step's: the
				// first of code k in the keys before J_{k+1}, reversed
				// (they are sorted, so those are the keys below the next
				// step's). The lambda names no column, so this needs no
				// stage of its own, as a lambda comparing with the next
				// step's key did.
				j = fmt.Sprintf("multiIf(level = %d, toInt64(%s), level > %d, J%d - toInt64(arrayFirstIndex(x -> bitAnd(x, %d) = %d, arrayReverse(arraySlice(K, 1, greatest(J%d - 1, 0))))), 0)", k-1, first(k), k-1, k+1, 1<<codeBits-1, k, k+1)
			}
			st.let(fmt.Sprintf("J%d", k), j)
		}
		var ds []string
		prev := "t0"
		for k := 2; k <= n; k++ {
			cur := fmt.Sprintf("bitShiftRight(arrayElement(K, J%d), %d)", k, codeBits)
			ds = append(ds, cur+" - "+prev)
			prev = cur
		}
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	}
	cols := funnelRow("level", "t0 + "+lit(base), deltas)
	if q.By != "" {
		st.next()
		// The counted step-1 event is the last stored at t0, or with
		// earliest the first.
		at := "-1"
		if rule != latestAttempt {
			at = "1"
		}
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0 + "+lit(base)+", byEv), "+at+")")
		cols = funnelRow("level", "t0 + "+lit(base), deltas, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// attemptRule is which attempt distinctSQL counts and whose chain it
// reports.
type attemptRule int

const (
	// latestAttempt: spoor's, the latest step-1 event reaching the deepest
	// step.
	latestAttempt attemptRule = iota
	// earliestAttempt: Amplitude's, the earliest.
	earliestAttempt
	// posthogAttempt: PostHog's (query/funnel_semantics.go, posthogPerson)
	// over events that each meet at most one step.
	posthogAttempt
)

// tiebreakOf is SQL ordering a person's events at one time as stored.
func tiebreakOf(t *clickhouse.Table) string {
	if t.Tiebreak == "" {
		return "0"
	}
	return t.Tiebreak
}
