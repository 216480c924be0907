package chquery

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
)

// laterExclusions reports whether q is laterSQL's form: an ordered
// funnel over steps sharing an event name (their filters agreeing per
// name) whose exclusions all run from one step F after the first to the
// last step (--steps view,view,buy --exclude open:2-3). It returns F,
// 0-based.
func laterExclusions(q query.FunnelQuery) (from int, ok bool) {
	if len(q.Exclude) == 0 || distinctNames(q.Steps) || filtersDiffer(q.Steps) || anyOrder(q.Mode) || strings.EqualFold(q.Mode, query.FunnelStrict) {
		return 0, false
	}
	n := len(q.Steps)
	for i, x := range exclusionSteps(q) {
		if x[0] == 0 || x[1] != n-1 || i > 0 && x[0] != from {
			return 0, false
		}
		from = x[0]
	}
	return from, n+1 < 1<<codeBits
}

// laterSQL is the ordered funnel over steps sharing a name whose
// exclusions all run from step a > 1 to the last step n (1-based here):
// a chain reaches n only when no excluded event comes strictly between
// its step-a and step-n events, and an attempt that stops at a level in
// [a, n) counts there only when its latest chain has no excluded event
// after its step-a event within the window, else at a (query's
// funnelWorker.ordered and capped).
//
// Steps sharing a class (a name with its filters) may fill at one
// instant, so the person's events are taken in groups of equal time with
// per-class counts (groupCounts), and the greedy chain fills, in each
// group, as many of the next steps as the group's counts allow: fill(i,
// g) is the last step of i.. that group g holds. D(i, k)(g), the earliest
// time steps i..k can be done from group g on with whole groups, is a
// backward running minimum per (i, k), read from D(fill+1, k) of the next
// group: n(n+1)/2 linear passes. Per start s (a group holding step 1,
// in range):
//
//   - Cw_k = D(1, k) at s's group: the greedy completion of steps 1..k.
//     Below n every level is reached that way.
//   - Step n: the greedy chain is valid when Cw_n comes no later than
//     the first excluded event after its step-a group (Cw_a); else the
//     chain moves step a to the first later "good" group, one holding
//     step a whose D(a, n) comes no later than the first excluded event
//     after it (any valid chain passes a good group no earlier, so none
//     completes sooner).
//   - Held at a: a chain at level k in (a, n) has no excluded event after
//     its step a within the window exactly when, LX being the last
//     excluded event up to s+W, either the greedy prefix to a-1 ends at
//     or after LX (then Cw_k), or steps a..k can be done from LX on with
//     whole groups (D(a, k) at the first group at or after LX).
//
// Each per-start read of a per-group array at a time that grows with the
// start is a merge (atMarkers), never an array captured by a lambda, so
// the query stays linear in the person's events.
//
// The latest start of the deepest level counts. Its chain is the one the
// local engine reports: the first completion of its level, and back from
// there the latest event of each earlier step at or before the next
// step's (latestChain).
func (e *Engine) laterSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts, from int) (partSQL, error) {
	n := len(q.Steps)
	a := from + 1 // 1-based
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	cls, classIf, classNames, err := e.classCases(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	K := len(classNames)
	var xs []string
	for _, x := range q.Exclude {
		xs = append(xs, x.Event)
	}
	excluded := e.t.Event + " IN (" + clickhouse.Strings(xs) + ")"
	classIf = append(classIf, "("+excluded+"), 0")
	names := append(classNames[:K:K], xs...)
	c1 := cls[0]
	inner := e.personKeysWith(q, span, f, window, where, classIf, names, "code = "+strconv.Itoa(c1), keyOptions{stepsOnly: true, times: []string{excluded}})

	const big = "toInt64(4611686018427387904)" // -neg: "never"
	base := f.min
	W := lit(window)
	var st stages
	groupCounts(&st, base, 1, K, 0)
	// FI<i>: per group, the last of steps i.. it holds (i-1: none).
	st.next()
	var gs []string
	for c := 1; c <= K; c++ {
		gs = append(gs, fmt.Sprintf("g%d", c))
	}
	for i := 1; i <= n; i++ {
		var fits []string
		need := map[int]int{}
		for m := i; m <= n; m++ {
			need[cls[m-1]]++
			var conds []string
			for c, v := range need {
				conds = append(conds, fmt.Sprintf("g%d >= %d", c, v))
			}
			fits = append(fits, "toInt64("+strings.Join(conds, " AND ")+")")
		}
		st.let(fmt.Sprintf("FI%d", i), fmt.Sprintf("arrayMap((%s) -> %d + %s, %s)", strings.Join(gs, ", "), i-1, strings.Join(fits, " + "), strings.Join(gArrays(K), ", ")))
	}
	// D<i>_<k>: per group, the earliest time steps i..k are done from it
	// with whole groups (big: never).
	for i := n; i >= 1; i-- {
		st.next()
		for k := i; k <= n; k++ {
			// d<j>: D<j>_<k> of the next group.
			params, args := []string{"f", "t"}, []string{fmt.Sprintf("FI%d", i), "GT"}
			cases := []string{fmt.Sprintf("f >= %d, t", k)}
			for j := i + 1; j <= k; j++ {
				params = append(params, fmt.Sprintf("d%d", j))
				args = append(args, fmt.Sprintf("arrayPushBack(arrayPopFront(D%d_%d), %s)", j, k, big))
				cases = append(cases, fmt.Sprintf("f = %d, d%d", j-1, j))
			}
			st.let(fmt.Sprintf("V%d_%d", i, k), fmt.Sprintf("arrayMap((%s) -> multiIf(%s, %s), %s)", strings.Join(params, ", "), strings.Join(cases, ", "), big, strings.Join(args, ", ")))
		}
		st.next()
		for k := i; k <= n; k++ {
			st.let(fmt.Sprintf("RV%d_%d", i, k), fmt.Sprintf("arrayReverse(V%d_%d)", i, k))
		}
		st.next()
		for k := i; k <= n; k++ {
			st.let(fmt.Sprintf("D%d_%d", i, k), "arrayReverse("+runningMin(fmt.Sprintf("RV%d_%d", i, k))+")")
		}
	}
	rel := func(arr string) string { return "arrayMap(t -> t - " + lit(base) + ", " + arr + ")" }
	st.next()
	st.let("XR", fmt.Sprintf("arrayMap(k -> bitShiftRight(k, %d), XK0)", codeBits))
	st.let("XA", fmt.Sprintf("arrayMap(k -> bitShiftRight(k, %d) + %s, XK0)", codeBits, lit(base)))
	st.let("GR", rel("GT"))
	// Per start: ST its time, CW<k> the greedy completion of steps 1..k.
	isStart := fmt.Sprintf("g >= 1 AND t < %s", lit(span.To))
	st.let("ST", fmt.Sprintf("arrayFilter((t, g) -> %s, GT, G%d)", isStart, c1))
	for k := 1; k <= n; k++ {
		st.let(fmt.Sprintf("CW%d", k), fmt.Sprintf("arrayFilter((d, t, g) -> %s, D1_%d, GT, G%d)", isStart, k, c1))
	}
	// NXG: per group, the first excluded time after it; GD: D(a, n) of the
	// good groups.
	atMarkers(&st, "NXG", "XR", "XA", "GR", true, true)
	st.next()
	st.let("GD", fmt.Sprintf("arrayMap((d, x, g) -> if(g >= 1 AND d <= x, d, %s), D%d_%d, NXG, G%d)", big, a, n, cls[a-1]))
	// Per start: the first excluded time after its greedy step a (NXA),
	// the completion through the first good group after it (VA), the last
	// excluded time up to its window's end (LW).
	st.next()
	st.let("CWR", rel(fmt.Sprintf("CW%d", a)))
	st.let("SWR", fmt.Sprintf("arrayMap(s -> s + %s - %s, ST)", W, lit(base)))
	atMarkers(&st, "NXA", "XR", "XA", "CWR", true, true)
	atMarkers(&st, "VA", "GR", "GD", "CWR", true, true)
	atMarkers(&st, "LW", "XR", "XA", "SWR", true, false)
	// DA<k>, a < k < n: D(a, k) at the first group at or after LW.
	if a+1 < n {
		st.next()
		st.let("LWR", rel("LW"))
		for k := a + 1; k < n; k++ {
			atMarkers(&st, fmt.Sprintf("DA%d", k), "GR", fmt.Sprintf("D%d_%d", a, k), "LWR", false, true)
		}
	}
	st.next()
	st.let("E", fmt.Sprintf("arrayMap((c, x, v) -> if(c <= x, c, v), CW%d, NXA, VA)", n))
	for k := a + 1; k < n; k++ {
		st.let(fmt.Sprintf("FR%d", k), fmt.Sprintf("arrayMap((r, l, c, d) -> if(r >= l, c, d), CW%d, LW, CW%d, DA%d)", a-1, k, k))
	}
	// FL: per start the steps it counts at: those reached (a prefix:
	// each completion is no earlier than the one before), or in [a, n)
	// a plus the levels whose chains stay clean.
	st.next()
	params, args := []string{"s", "e"}, []string{"ST", "E"}
	reached, clean := []string{"1"}, []string{strconv.Itoa(a)}
	for k := 2; k < n; k++ {
		params, args = append(params, fmt.Sprintf("c%d", k)), append(args, fmt.Sprintf("CW%d", k))
		reached = append(reached, fmt.Sprintf("toInt64(c%d - s <= %s)", k, W))
	}
	reached = append(reached, fmt.Sprintf("toInt64(e - s <= %s)", W))
	for k := a + 1; k < n; k++ {
		params, args = append(params, fmt.Sprintf("r%d", k)), append(args, fmt.Sprintf("FR%d", k))
		clean = append(clean, fmt.Sprintf("toInt64(r%d - s <= %s)", k, W))
	}
	lambda := "(" + strings.Join(params, ", ") + ") -> "
	st.let("U", "arrayMap("+lambda+strings.Join(reached, " + ")+", "+strings.Join(args, ", ")+")")
	st.let("H", "arrayMap("+lambda+strings.Join(clean, " + ")+", "+strings.Join(args, ", ")+")")
	st.next()
	st.let("FL", fmt.Sprintf("arrayMap((u, h) -> if(u >= %d AND u < %d, h, u), U, H)", a, n))
	lastDeepest(&st, "FL")
	st.let("t0", "arrayElement(ST, idx)")
	deltas := "emptyArrayInt64()"
	if n > 1 {
		done := []string{fmt.Sprintf("top = %d, arrayElement(E, idx)", n)}
		for k := 2; k < n; k++ {
			done = append(done, fmt.Sprintf("top = %d, arrayElement(CW%d, idx)", k, k))
		}
		st.let("fin", "multiIf("+strings.Join(done, ", ")+", t0)")
		for c := 1; c <= K; c++ {
			st.let(fmt.Sprintf("TX%d", c), fmt.Sprintf("arrayFilter((x, y) -> y = %d, T, C)", c))
		}
		st.next()
		st.let("att", count(fmt.Sprintf("TX%d", cls[0]), "<=", "t0"))
		deltas = latestChain(&st, cls, func(int) string { return "fin" }, nil)
	}
	cols := funnelRow("level", "t0", deltas)
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0, byEv), -1)")
		cols = funnelRow("level", "t0", deltas, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		// Persons with excluded events only have no step keys (groupCounts
		// needs one).
		keyed := "SELECT * FROM (" + inner(from, part) + ") WHERE notEmpty(K)"
		return st.selectWhere(cols, keyed, "level >= 0")
	}, nil
}

// gArrays names groupCounts' per-class count arrays G1..G<k>.
func gArrays(k int) []string {
	var out []string
	for c := 1; c <= k; c++ {
		out = append(out, fmt.Sprintf("G%d", c))
	}
	return out
}

// atMarkers defines name: per marker (mkeys, times from the data's first
// event, nondecreasing), the least of vals over the elements of keys (the
// same times, sorted) at or after it (backward), or the greatest at or
// before it; after puts a marker after the elements of its instant, else
// before. The markers are merged into the elements by one sort and read
// back in their order: linear, no array captured by a lambda.
func atMarkers(st *stages, name, keys, vals, mkeys string, after, backward bool) {
	ek, mk := "0", "1" // tie order of an element, a marker
	if !after {
		ek, mk = "1", "0"
	}
	fill := neg
	if backward {
		fill = "toInt64(4611686018427387904)"
	}
	st.next()
	st.let(name+"_k", fmt.Sprintf("arrayConcat(arrayMap(t -> t * 2 + %s, %s), arrayMap(m -> least(greatest(m, 0), %s) * 2 + %s, %s))", ek, keys, lit(maxPackedSpan), mk, mkeys))
	st.let(name+"_v", fmt.Sprintf("arrayConcat(%s, arrayMap(m -> %s, %s))", vals, fill, mkeys))
	st.let(name+"_m", fmt.Sprintf("arrayConcat(arrayMap(t -> toUInt8(0), %s), arrayMap(m -> toUInt8(1), %s))", keys, mkeys))
	st.next()
	st.let(name+"_sv", fmt.Sprintf("arraySort((v, k) -> k, %s_v, %s_k)", name, name))
	st.let(name+"_sm", fmt.Sprintf("arraySort((m, k) -> k, %s_m, %s_k)", name, name))
	st.next()
	if backward {
		st.let(name+"_r", fmt.Sprintf("arrayReverse(%s)", runningMin("arrayReverse("+name+"_sv)")))
	} else {
		st.let(name+"_r", runningMax(name+"_sv"))
	}
	st.next()
	st.let(name, fmt.Sprintf("arrayFilter((r, m) -> m = 1, %s_r, %s_sm)", name, name))
}

// latestChain defines the counted chain back from its deepest step, given
// TX<c> (the times of class c's events), t0, level (0-based), att (the
// counted step-1 event's place in its class: the last at t0) and, per step
// s (0-based, >= 1), deepest(s): the time of step s's event when s is the
// level. Each earlier step takes the latest event of its class at or before
// the next step's, below the next same-class step's, never the counted
// step-1 event; capped, when not nil, bounds the place of a step below the
// deepest further (funnelSQL's exclusions). It returns the deltas.
func latestChain(st *stages, cls []int, deepest func(s int) string, capped func(hi string, s int) string) string {
	n := len(cls)
	c1 := cls[0]
	nextSame := func(s int) int {
		for p := s + 1; p < n; p++ {
			if cls[p] == cls[s] {
				return p
			}
		}
		return -1
	}
	for s := n - 1; s >= 1; s-- {
		bound := deepest(s)
		if s < n-1 {
			bound = fmt.Sprintf("if(level = %d, %s, b%d)", s, bound, s+1)
		}
		hi := count(fmt.Sprintf("TX%d", cls[s]), "<=", bound)
		if p := nextSame(s); p > 0 {
			hi = fmt.Sprintf("least(%s, if(level >= %d, ob%d - 1, %d))", hi, p, p, math.MaxInt32)
		}
		if capped != nil && s < n-1 {
			hi = capped(hi, s)
		}
		if cls[s] == c1 { // skip the start event
			hi = fmt.Sprintf("arrayMap((h, s) -> h - toInt64(h = s), [%s], [att])[1]", hi)
		}
		st.next()
		st.let(fmt.Sprintf("ob%d", s), hi)
		st.let(fmt.Sprintf("b%d", s), fmt.Sprintf("arrayElement(TX%d, ob%d)", cls[s], s))
	}
	var ds []string
	for s := 1; s < n; s++ {
		prev := "t0"
		if s > 1 {
			prev = fmt.Sprintf("b%d", s-1)
		}
		ds = append(ds, fmt.Sprintf("b%d - %s", s, prev))
	}
	return "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
}
