package chquery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// windowFunnel's strict_once over steps of different names (each row
// meets at most one condition, so no row can fill two steps of a chain),
// or with strict_increase (a chain's steps are at different instants):
// ClickHouse keeps every partial chain, and the local port
// (query/funnel_clickhouse.go, chStrictOnce) keeps, of each step's chains
// from earlier instants, the one with the latest start ("collapsed"),
// beside those of the current instant. Two things differ from the
// default:
//
//   - With strict_increase an entry extends only a chain of an earlier
//     instant (one of its own has its time), so the start it carries on is
//     the step before's latest start as of the end of the previous instant:
//     onceLagged.
//   - The search ends at the first entry of the last step reaching it, from
//     the first chain that allows it in list order: the collapsed chain of
//     the step before if within the window, else one made at that instant
//     — recursively the collapsed chain of the deepest step m it is within
//     the window of, then the first entries of steps m+1.. at the instant:
//     onceChain.

// onceInstants defines IS: whether each entry is the first of its instant.
func onceInstants(st *stages) {
	st.next()
	st.let("IS", fmt.Sprintf("arrayMap((a, b) -> a != b, arrayMap(k -> bitShiftRight(k, %d), K), arrayPushFront(arrayPopBack(arrayMap(k -> bitShiftRight(k, %d), K)), %s))", codeBits, codeBits, neg))
}

// onceLagged defines NAL<k>: per entry, NA<k> (the negated latest start of
// a chain reaching step k) as it was at the end of the previous instant.
// NA is a running minimum, so the value before each instant's first entry,
// held by a running minimum over those first entries, is that.
func onceLagged(st *stages, k int, big string) {
	st.next()
	st.let(fmt.Sprintf("NAP%d", k), fmt.Sprintf("arrayMap((s, v) -> if(s, v, %s), IS, arrayPushFront(arrayPopBack(NA%d), %s))", big, k, big))
	st.next()
	st.let(fmt.Sprintf("NAL%d", k), runningMin(fmt.Sprintf("NAP%d", k)))
}

// onceChain defines J1..Jn, the entries of the counted chain's steps, and
// returns SQL for each step's time and for which of the start's rows
// at its time --by reads (1: the first stored, -1: the last). lastOf(k)
// is the last entry reaching step k before the search ended.
func onceChain(st *stages, n int, window int64, strictIncrease bool, big string, lastOf func(int) string) (times []string, byAt string) {
	shift := strconv.Itoa(codeBits)
	unit := strconv.Itoa(1 << codeBits)
	st.next()
	st.let(fmt.Sprintf("J%d", n), fmt.Sprintf("if(level = %d, toInt64(arrayFirstIndex(x -> x < %s, NB%d)), 0)", n-1, big, n))
	st.next()
	st.let("ts", fmt.Sprintf("bitShiftRight(arrayElement(K, J%d), %s)", n, shift))
	st.next()
	// pos: the entries before the instant the last step was reached.
	st.let("pos", count("K", "<", "ts * "+unit))
	st.next()
	m := "0"
	for k := 1; k < n; k++ {
		m = fmt.Sprintf("if(pos > 0 AND arrayElement(NA%d, pos) <= %s - ts, %d, %s)", k, lit(window), k, m)
	}
	st.let("m", m)
	done := fmt.Sprintf("level = %d", n-1)
	for k := n - 1; k >= 1; k-- {
		// The last entry reaching step k before entry J<k+1> (with
		// strict_increase, before its instant).
		before := fmt.Sprintf("J%d - 1", k+1)
		if strictIncrease {
			st.next()
			st.let(fmt.Sprintf("tj%d", k+1), fmt.Sprintf("if(J%d > 0, bitShiftRight(arrayElement(K, J%d), %s), 0)", k+1, k+1, shift))
			st.next()
			before = count("K", "<", fmt.Sprintf("tj%d * %s", k+1, unit))
		}
		st.next()
		st.let(fmt.Sprintf("J%d", k), fmt.Sprintf("multiIf(level = %d, %s, %s AND m < %d, 0, %s AND m = %d, toInt64(arrayElement(VI%d, arrayElement(VC%d, pos))), level > %d, toInt64(arrayElement(VI%d, arrayElement(VC%d, %s))), 0)",
			k-1, lastOf(k), done, k, done, k, k, k, k-1, k, k, before))
	}
	for k := 1; k <= n; k++ {
		times = append(times, fmt.Sprintf("if(%s AND m < %d, ts, bitShiftRight(arrayElement(K, J%d), %s))", done, k, k, shift))
	}
	return times, fmt.Sprintf("if(%s AND m = 0, 1, -1)", done)
}

// onceSharedSQL is windowFunnel's strict_once without strict_increase over
// steps sharing an event name (one filter per name: stepClasses), over the
// person's events
// in the range that pass --where. The local port (chStrictOnce) keeps, per
// step, the chain of earlier instants with the latest start (C_k, the
// collapsed one) and enumerates at each instant every chain its rows make,
// one row filling at most one step of a chain, in the order of (step,
// row, chain extended). Taken in groups of equal time, as funnelSQL:
//
//   - A chain reaches k at group g from a base C_j (j >= 1, within the
//     window of g) or from a start at g (j = 0) when the group holds, class
//     by class, as many rows as steps j+1..k take (rows of a class are
//     interchangeable). C_j's start is later the smaller j, so C_k after g
//     (the latest start, the last made of those) has the least such j, JS_k;
//     the latest start per group and step is funnelSQL's running maximum.
//   - The search ends at the first group completing the funnel, with the
//     first chain made there: from the deepest C_m within the window, the
//     steps after m at the group, the rows of each class taken from the
//     first down from the last step. A person short of the last step counts
//     C of their deepest step at the end: at its last group, the base JS,
//     the rows taken from the last down.
//   - A chain's steps below its base are those of the base, C_j as it was
//     before the group: the last group before it where JS_j was defined.
//     So each step's group is read from the one above, top down.
//
// strict_deduplication and strict_order end the search at an entry, and
// what was made before it counts. In a group the entries come step by
// step (a row meeting no step first), so the search stops in the first
// group where, at the first such step: a row meets no step once a step 1
// was seen (strict_order); a step reached before has a row
// (strict_deduplication); a step whose step before has no chain has a
// row (strict_order, unless allow_reentry); or a step's first row made
// chains and a second follows (strict_deduplication: as any row making
// chains, by interchangeability, the first does). The chain counted is
// then the deepest step's C up to the groups that count; in the last
// case the stopped step's chain from its first row, the other rows taken
// from the last down.
//
// The start row (--by) is the row of step 1's class the order above gives
// step 1 at its group. A group whose chains of steps 1..n-1, counted as
// products of falling factorials, pass query.CHMaxChains (with one made by
// extending a chain) fails the query as the local engine does: the row
// says so with level -2 and the group's time.
func (e *Engine) onceSharedSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts) (partSQL, error) {
	n := len(q.Steps)
	dedup, order, reentry := hasOption(q, query.CHStrictDedup), hasOption(q, query.CHStrictOrder), hasOption(q, query.CHAllowReentry)
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	cls, classIf, classNames, err := e.classCases(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	nc, c1 := len(classNames), cls[0]
	lo, opts := 1, keyOptions{total: unfiltered(q.Steps)}
	if order { // a row meeting no step is code 0
		classIf = append(classIf, "1, 0")
		lo, opts = 0, keyOptions{total: true, every: true}
	}
	// windowFunnel reads the range only: no window after it.
	inner := e.personKeysWith(q, span, f, 0, where, classIf, classNames, "code = "+strconv.Itoa(c1), opts)
	W := lit(window)
	var st stages
	groupCounts(&st, f.min, lo, nc, 0)
	// need(j, k): per class, how many of steps j+1..k (1-based) it fills.
	need := func(j, k int) map[int]int {
		m := map[int]int{}
		for s := j; s < k; s++ {
			m[cls[s]]++
		}
		return m
	}
	feasible := func(j, k int) string {
		var conds []string
		for c := 1; c <= nc; c++ {
			if m := need(j, k)[c]; m > 0 {
				conds = append(conds, fmt.Sprintf("g%d >= %d", c, m))
			}
		}
		return strings.Join(conds, " AND ")
	}
	// valid(j): C_j exists and is within the window of the group.
	valid := func(j int) string { return fmt.Sprintf("p%d >= gt - %s", j, W) }
	params, args := []string{"gt"}, []string{"GT"}
	for c := 1; c <= nc; c++ {
		params = append(params, fmt.Sprintf("g%d", c))
		args = append(args, fmt.Sprintf("G%d", c))
	}
	for k := 1; k <= n; k++ {
		st.next()
		if k > 1 {
			st.let(fmt.Sprintf("PA%d", k-1), fmt.Sprintf("arrayPushFront(arrayPopBack(A%d), %s)", k-1, neg))
			params = append(params, fmt.Sprintf("p%d", k-1))
			args = append(args, fmt.Sprintf("PA%d", k-1))
		}
		js, b := []string{feasible(0, k), "0"}, []string{feasible(0, k), "gt"}
		for j := 1; j < k; j++ {
			js = append(js, feasible(j, k)+" AND "+valid(j), strconv.Itoa(j))
			b = append(b, feasible(j, k)+" AND "+valid(j), fmt.Sprintf("p%d", j))
		}
		lambda := "arrayMap((" + strings.Join(params, ", ") + ") -> multiIf(%s, %s), " + strings.Join(args, ", ") + ")"
		st.let(fmt.Sprintf("JS%d", k), fmt.Sprintf(lambda, strings.Join(js, ", "), "-1"))
		st.let(fmt.Sprintf("B%d", k), fmt.Sprintf(lambda, strings.Join(b, ", "), neg))
		st.next()
		st.let(fmt.Sprintf("A%d", k), runningMax(fmt.Sprintf("B%d", k)))
		if k < n {
			// Where C_k was made (RI) and how often up to each group (RC):
			// the last up to group g is RI[RC[g]].
			st.let(fmt.Sprintf("RC%d", k), fmt.Sprintf("arrayPushFront(arrayCumSum(arrayMap(b -> toUInt32(b > %s), B%d)), toUInt32(0))", neg, k))
			st.let(fmt.Sprintf("RI%d", k), fmt.Sprintf("arrayFilter((i, b) -> b > %s, arrayEnumerate(B%d), B%d)", neg, k, k))
		}
	}
	// CK<k>: the chains a group makes of step k < n, from each valid base
	// the product of the rows' falling factorials (Float64: only the bound
	// matters).
	st.next()
	for k := 1; k < n; k++ {
		sum := "toFloat64(0)"
		for j := 0; j < k; j++ {
			prod := "toFloat64(1)"
			for c, m := range need(j, k) {
				for i := 0; i < m; i++ {
					prod += fmt.Sprintf(" * greatest(toFloat64(g%d) - %d, 0)", c, i)
				}
			}
			if j > 0 {
				prod = fmt.Sprintf("if(%s, %s, 0)", valid(j), prod)
			}
			sum += " + " + prod
		}
		st.let(fmt.Sprintf("CK%d", k), "arrayMap(("+strings.Join(params, ", ")+") -> "+sum+", "+strings.Join(args, ", ")+")")
	}
	// SC: per group, where the search stops there, 100 * kind + the step
	// whose entry stops it (0: it does not): 1, before the group's chains
	// count (a row meeting no step once started, or strict_deduplication
	// at a step reached before); 2, after those of the steps before
	// (strict_order: a step whose step before has no chain); 3, after the
	// first row of the step made chains (strict_deduplication: a second
	// row of it).
	st.next()
	sparams, sargs := slices.Clone(params), slices.Clone(args)
	for k := 1; k <= n; k++ {
		sparams = append(sparams, fmt.Sprintf("b%d", k))
		sargs = append(sargs, fmt.Sprintf("B%d", k))
	}
	sparams = append(sparams, "sb", "sn")
	sargs = append(sargs, fmt.Sprintf("arrayMap(x -> x > 0, arrayPopBack(arrayPushFront(arrayCumSum(G%d), toInt64(0))))", c1), fmt.Sprintf("arrayMap(x -> x > 0, arrayCumSum(G%d))", c1))
	var stop []string
	if order {
		sparams = append(sparams, "g0")
		sargs = append(sargs, "G0")
		stop = append(stop, "g0 > 0 AND sb", "101")
	}
	for k := 2; k <= n; k++ {
		g := fmt.Sprintf("g%d", cls[k-1])
		if dedup && k < n {
			stop = append(stop, fmt.Sprintf("p%d > %s AND %s >= 1", k, neg, g), strconv.Itoa(100+k))
			stop = append(stop, fmt.Sprintf("b%d > %s AND %s >= 2", k, neg, g), strconv.Itoa(300+k))
		}
		if order && !reentry {
			stop = append(stop, fmt.Sprintf("sn AND %s >= 1 AND b%d = %s AND p%d = %s", g, k-1, neg, k-1, neg), strconv.Itoa(200+k))
		}
	}
	sc := "arrayMap(x -> 0, GT)"
	if len(stop) > 0 {
		sc = "arrayMap((" + strings.Join(sparams, ", ") + ") -> multiIf(" + strings.Join(stop, ", ") + ", 0), " + strings.Join(sargs, ", ") + ")"
	}
	st.let("SC", sc)
	// OV: the group's chains pass the bound, with one made by extending.
	var cks []string
	for k := 1; k < n; k++ {
		cks = append(cks, fmt.Sprintf("CK%d", k))
	}
	ck := func(lo int) string {
		v := "toFloat64(0)"
		for k := lo; k < n; k++ {
			v += fmt.Sprintf(" + c%d", k)
		}
		return v
	}
	var ckp []string
	for k := 1; k < n; k++ {
		ckp = append(ckp, fmt.Sprintf("c%d", k))
	}
	if n > 1 {
		st.let("OV", "arrayMap(("+strings.Join(ckp, ", ")+") -> "+ck(1)+" > "+strconv.Itoa(query.CHMaxChains)+" AND "+ck(2)+" > 0, "+strings.Join(cks, ", ")+")")
	}
	// gi: the group completing the funnel (0: none).
	st.let("gi", fmt.Sprintf("toInt64(arrayFirstIndex(x -> x > %s, B%d))", neg, n))
	st.next()
	st.let("gs", "toInt64(arrayFirstIndex(x -> x > 0, SC))")
	st.next()
	st.let("sk", "intDiv(arrayElement(SC, gs), 100)")
	st.let("kd", "arrayElement(SC, gs) % 100")
	st.let("cpl", "gi > 0 AND (gs = 0 OR gi < gs)")
	st.let("ts", "arrayElement(GT, gi)")
	st.next()
	// lim: the groups whose chains count (sk 3: the stop group's, from the
	// step stopped at).
	st.let("lim", "multiIf(gs = 0, toInt64(length(GT)), sk = 1, gs - 1, gs)")
	// L: the steps done, the deepest with a chain up to where the search
	// ended.
	topAt := func(arr, at string) string {
		v := "0"
		for k := 1; k < n; k++ {
			v = fmt.Sprintf("if(arrayElement(%s%d, %s) > %s, %d, %s)", arr, k, at, neg, k, v)
		}
		return v
	}
	st.let("L", fmt.Sprintf("multiIf(cpl, %d, sk = 1, %s, sk = 3, kd, %s)", n, topAt("PA", "gs"), topAt("A", "lim")))
	m := "0"
	for j := 1; j < n; j++ {
		m = fmt.Sprintf("if(arrayElement(PA%d, gi) >= ts - %s, %d, %s)", j, W, j, m)
	}
	// The bound: a full group up to where the search ended, or the stop
	// group's chains up to the step stopped at (sk 3: and those the
	// step's first row made, a share of the step's).
	ov := "0"
	if n > 1 {
		part := []string{}
		for k := 1; k <= n; k++ {
			v := "toFloat64(0)"
			e := "toFloat64(0)"
			for j := 1; j < k && j < n; j++ {
				v += fmt.Sprintf(" + arrayElement(CK%d, gs)", j)
				if j > 1 {
					e += fmt.Sprintf(" + arrayElement(CK%d, gs)", j)
				}
			}
			if k < n {
				share := fmt.Sprintf("if(sk = 3, arrayElement(CK%d, gs) / arrayElement(G%d, gs), 0)", k, cls[k-1])
				v += " + " + share
				if k > 1 {
					e += " + " + share
				}
			}
			part = append(part, fmt.Sprintf("kd = %d, %s > %d AND %s > 0", k, v, query.CHMaxChains, e))
		}
		st.let("ov1", "toInt64(arrayFirstIndex(x -> x, OV))")
		ov = fmt.Sprintf("multiIf(ov1 > 0 AND ov1 <= if(cpl, gi, if(gs > 0, gs - 1, toInt64(length(GT)))), ov1, NOT cpl AND gs > 0 AND multiIf(%s, 0), gs, 0)", strings.Join(part, ", "))
	}
	st.next()
	st.let("ov", ov)
	// TG<k>: the group of the counted chain's step k; BS<k>: the base of
	// the part of the chain holding it; TOP<k>: how many steps of that
	// part count for the rows taken from the last (n: the part made at
	// gi, whose rows are taken from the first).
	for k := n; k >= 1; k-- {
		st.next()
		if k == n {
			st.let(fmt.Sprintf("TG%d", k), "if(cpl, gi, 0)")
			st.let(fmt.Sprintf("BS%d", k), m)
			st.let(fmt.Sprintf("TOP%d", k), strconv.Itoa(n))
			continue
		}
		own := fmt.Sprintf("if(sk = 3, gs, toInt64(arrayElement(RI%d, arrayElement(RC%d, lim + 1))))", k, k)
		before := fmt.Sprintf("toInt64(arrayElement(RI%d, arrayElement(RC%d, TG%d)))", k, k, k+1)
		st.let(fmt.Sprintf("TG%d", k), fmt.Sprintf("multiIf(L = %d, %s, L < %d, 0, %d > BS%d, TG%d, %s)", k, own, k, k, k+1, k+1, before))
		st.let(fmt.Sprintf("BS%d", k), fmt.Sprintf("multiIf(L < %d, 0, L > %d AND %d > BS%d, BS%d, toInt64(arrayElement(JS%d, TG%d)))", k, k, k, k+1, k+1, k, k))
		st.let(fmt.Sprintf("TOP%d", k), fmt.Sprintf("multiIf(L < %d, 0, L > %d AND %d > BS%d, TOP%d, L = %d AND sk = 3, %d, %d)", k, k, k, k+1, k+1, k, k-1, k))
	}
	st.next()
	st.let("t0", "arrayElement(GT, TG1)")
	// q(L): how many of steps 1..L are of step 1's class.
	q1 := func(l int) int { return need(0, l)[c1] }
	idx := fmt.Sprintf("toInt64(arrayElement(G%d, TG1))", c1)
	var tops []string
	for l := 1; l < n; l++ {
		tops = append(tops, fmt.Sprintf("TOP1 = %d, %s - %d", l, idx, q1(l)-1))
	}
	st.let("row", fmt.Sprintf("multiIf(%s, %d)", strings.Join(tops, ", "), q1(n)))
	var ds []string
	for k := 2; k <= n; k++ {
		ds = append(ds, fmt.Sprintf("arrayElement(GT, TG%d) - arrayElement(GT, TG%d)", k, k-1))
	}
	deltas := "emptyArrayInt64()"
	if n > 1 {
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, L - 1)"
	}
	cols := []string{"person", "po", "if(ov > 0, -2, L - 1) AS lv", "if(lv = -2, arrayElement(GT, ov), t0)", deltas}
	if q.By != "" {
		st.next()
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0, byEv), row)")
		cols = append(cols, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "lv != -1")
	}, nil
}
