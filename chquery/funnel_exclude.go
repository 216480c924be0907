package chquery

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
)

// classExclusions are funnelSQL's exclusions (steps sharing a name), all
// from step 1 to any step To: an attempt's chain may reach step To only
// when no excluded event comes strictly between its step-1 event and its
// step-To event, and an attempt that stops short of an exclusion's step
// To is held at step 1 when one of its events comes within its window
// (query's funnelWorker.ordered and capped).
//
// Both depend only on the start, so the running maximum of funnelSQL
// keeps working:
//
//   - A chain that does step To of exclusion x in a group extends from a
//     level below To only when its latest start is at or after LX_x, the
//     last excluded time strictly before the group: the latest start is
//     the one most likely to be clean.
//   - Let m(s) be the largest step To (as a count of steps) of the
//     exclusions whose events come within the window of start s, after
//     its instant. s counts at the level its chain reaches, L(s), when
//     L(s) >= m(s), else at step 1. So a person reaches k > 1 steps
//     exactly when some start with m(s) <= k does k steps: the running
//     maximum of level k takes only those starts. The start sets change
//     only at the exclusions' steps To, so one running maximum per
//     distinct To (and one of the starts with no excluded event in their
//     window) gives every level.
//   - The counted attempt's chain is the one funnelSQL reports, with each
//     exclusion's step-To event no later than the exclusion's first
//     event after the start (a chain through a later one is not valid).
//
// The events of the excluded names are keyed with the steps', their code
// the class plus (classes+1) times the name's number (1-based), 0 for an
// event of no class.
type classExclusions struct {
	names []string // the distinct excluded names, numbered from 1
	name  []int    // per exclusion, its name's number
	to    []int    // per exclusion, its step To as a count of steps (2..n)
	k1    int      // classes + 1: the code's class part is code % k1
}

// newClassExclusions plans q's exclusions (all from step 1) over classes
// of steps; ok is false when the codes would not fit a packed key.
func newClassExclusions(q query.FunnelQuery, classes int) (*classExclusions, bool) {
	x := &classExclusions{k1: classes + 1}
	steps := exclusionSteps(q)
	for i, ex := range q.Exclude {
		j := slices.Index(x.names, ex.Event)
		if j < 0 {
			x.names = append(x.names, ex.Event)
			j = len(x.names) - 1
		}
		x.name = append(x.name, j+1)
		x.to = append(x.to, steps[i][1]+1)
	}
	return x, x.k1*(len(x.names)+1) <= 1<<codeBits
}

// cases rewrites funnelSQL's class cases (condition, class) so that the
// code also carries the excluded name, and adds the events of an excluded
// name that are of no class.
func (x *classExclusions) cases(t *clickhouse.Table, classIf []string, classNames []string) []string {
	var out []string
	for c, cs := range classIf {
		if j := slices.Index(x.names, classNames[c]); j >= 0 {
			cs += " + " + strconv.Itoa(x.k1*(j+1))
		}
		out = append(out, cs)
	}
	for j, name := range x.names {
		out = append(out, "("+t.Event+" = "+clickhouse.String(name)+"), "+strconv.Itoa(x.k1*(j+1)))
	}
	return out
}

// keys defines cumx<j>, per excluded name j, per group of equal time
// (isEnd: groupCounts'), how many of its events came up to the group's
// end.
func (x *classExclusions) keys(st *stages) {
	xc := fmt.Sprintf("arrayMap(k -> intDiv(bitAnd(k, %d), %d), K)", 1<<codeBits-1, x.k1)
	for j := 1; j <= len(x.names); j++ {
		st.let(fmt.Sprintf("cumx%d", j), fmt.Sprintf("arrayFilter((x, y) -> y, arrayCumSum(arrayMap(x -> toInt64(x = %d), %s)), isEnd)", j, xc))
	}
}

// define adds, per group (GT), for each excluded name j: HX<j>, whether
// the group holds one of its events, LX<j>, the last time of one
// strictly before the group, and NX<j>, the first strictly after; and M,
// per group, m(s) of a start there (0 when no exclusion's event comes in
// its window).
func (x *classExclusions) define(st *stages, window int64) {
	const big = "toInt64(4611686018427387904)" // -neg: "never"
	st.next()
	for j := 1; j <= len(x.names); j++ {
		st.let(fmt.Sprintf("HX%d", j), fmt.Sprintf("arrayMap((a, b) -> a != b, cumx%d, arrayPushFront(arrayPopBack(cumx%d), toInt64(0)))", j, j))
	}
	st.next()
	for j := 1; j <= len(x.names); j++ {
		lxv := fmt.Sprintf("arrayPushFront(arrayPopBack(arrayMap((h, t) -> if(h, t, %s), HX%d, GT)), %s)", neg, j, neg)
		nxv := fmt.Sprintf("arrayReverse(arrayPushBack(arrayPopFront(arrayMap((h, t) -> if(h, t, %s), HX%d, GT)), %s))", big, j, big)
		st.let(fmt.Sprintf("LX%d", j), runningMax(lxv))
		st.let(fmt.Sprintf("NX%d", j), "arrayReverse("+runningMin(nxv)+")")
	}
	x.startBounds(st, window)
}

// fromKeys defines LX<j> and NX<j> as define does, for typedSQL, whose
// codes leave no room for the excluded names: from XK<j-1>, the sorted
// keys of excluded name j's events (personKeysWith's times), merged with
// the groups (GT; times from base). Merged at double time, a group sorts
// before the excluded events of its instant for LX and after them for
// NX, so both are strict; each is a running maximum (minimum) read at
// the groups. Then M, as define.
func (x *classExclusions) fromKeys(st *stages, base int64, window int64) {
	const big = "toInt64(4611686018427387904)" // -neg: "never"
	xt := func(j int) string { return fmt.Sprintf("arrayMap(k -> bitShiftRight(k, %d) * 2, XK%d)", codeBits, j-1) }
	for j := 1; j <= len(x.names); j++ {
		st.next()
		st.let(fmt.Sprintf("LM%d", j), fmt.Sprintf("arraySort(arrayConcat(arrayMap(t -> (t - %s) * 2, GT), arrayMap(v -> v + 1, %s)))", lit(base), xt(j)))
		st.let(fmt.Sprintf("NM%d", j), fmt.Sprintf("arraySort(arrayConcat(arrayMap(t -> (t - %s) * 2 + 1, GT), %s))", lit(base), xt(j)))
		st.next()
		st.let(fmt.Sprintf("LV%d", j), fmt.Sprintf("arrayMap(v -> if(bitAnd(v, 1) = 1, intDiv(v, 2) + %s, %s), LM%d)", lit(base), neg, j))
		st.let(fmt.Sprintf("NV%d", j), fmt.Sprintf("arrayReverse(arrayMap(v -> if(bitAnd(v, 1) = 0, intDiv(v, 2) + %s, %s), NM%d))", lit(base), big, j))
		st.next()
		st.let(fmt.Sprintf("LS%d", j), runningMax(fmt.Sprintf("LV%d", j)))
		st.let(fmt.Sprintf("NS%d", j), runningMin(fmt.Sprintf("NV%d", j)))
		st.next()
		st.let(fmt.Sprintf("LX%d", j), fmt.Sprintf("arrayFilter((v, m) -> bitAnd(m, 1) = 0, LS%d, LM%d)", j, j))
		st.let(fmt.Sprintf("NX%d", j), fmt.Sprintf("arrayReverse(arrayFilter((v, m) -> bitAnd(m, 1) = 1, NS%d, arrayReverse(NM%d)))", j, j))
	}
	x.startBounds(st, window)
}

// startBounds defines M from NX<j> (define).
func (x *classExclusions) startBounds(st *stages, window int64) {
	st.next()
	m := "toInt64(0)"
	params, args := []string{"gt"}, []string{"GT"}
	for j := 1; j <= len(x.names); j++ {
		params = append(params, fmt.Sprintf("nx%d", j))
		args = append(args, fmt.Sprintf("NX%d", j))
	}
	for i := range x.name {
		m = fmt.Sprintf("greatest(%s, if(nx%d - gt <= %s, toInt64(%d), toInt64(0)))", m, x.name[i], lit(window), x.to[i])
	}
	st.let("M", "arrayMap(("+strings.Join(params, ", ")+") -> "+m+", "+strings.Join(args, ", ")+")")
	st.next()
}

// sets are the running maxima to compute: per distinct step To (as a
// count), with 0 first, the bound on m(s) of the starts it takes and the
// counts of steps done it answers for (lo..hi; the last set, every start,
// from the largest To to n).
func (x *classExclusions) sets(n int) (bound, lo, hi []int) {
	tos := slices.Clone(x.to)
	slices.Sort(tos)
	tos = slices.Compact(tos)
	vs := append([]int{0}, tos...)
	for s, v := range vs {
		l, h := max(v, 2), n
		if s+1 < len(vs) {
			h = vs[s+1] - 1
		}
		if l > h {
			continue
		}
		bound, lo, hi = append(bound, v), append(lo, l), append(hi, h)
	}
	return bound, lo, hi
}

// startRun is one of funnelSQL's (and typedSQL's) running maxima: its
// arrays' prefix p, the condition startIf on a start's group (SQL over
// ms, the group's M; "" for every start), and the most steps it answers
// for.
type startRun struct {
	p, startIf string
	hi         int
}

// runs are the running maxima to compute for n steps (one of every start
// without exclusions, x nil; else sets') and lastOf(k), the column of
// the latest start of a chain counted at k steps.
func (x *classExclusions) runs(n int) ([]startRun, func(k int) string) {
	if x == nil {
		return []startRun{{hi: n}}, func(k int) string { return fmt.Sprintf("last%d", k) }
	}
	bound, lo, hi := x.sets(n)
	var runs []startRun
	setOf := make([]string, n+1) // the prefix of the run answering k steps
	for s := range bound {
		r := startRun{fmt.Sprintf("S%d_", s), fmt.Sprintf("ms <= %d", bound[s]), hi[s]}
		if s == len(bound)-1 { // every start: the run answering a single step too
			r = startRun{hi: n}
		}
		runs = append(runs, r)
		for k := lo[s]; k <= hi[s]; k++ {
			setOf[k] = r.p
		}
	}
	return runs, func(k int) string { return fmt.Sprintf("%slast%d", setOf[k], k) }
}

// gate is the condition on p (a chain's latest start) for extending it
// from j steps done to k in one group: no excluded event of an exclusion
// whose step To it does in between, strictly between its start and the
// group (lx<j>: LX<j> of the group).
func (x *classExclusions) gate(j, k int, p string) string {
	var conds []string
	seen := map[int]bool{}
	for i, to := range x.to {
		if j < to && to <= k && !seen[x.name[i]] {
			seen[x.name[i]] = true
			conds = append(conds, fmt.Sprintf("%s >= lx%d", p, x.name[i]))
		}
	}
	return strings.Join(conds, " AND ")
}

// blockIf is the condition on a group (gt) that fills steps j+1..k (a
// count of steps done before it, 1-based k) of the counted chain, whose
// start is at t0: no exclusion whose step To it fills has an event
// strictly between t0 and gt — gt is no later than the exclusion's first
// event after t0 (nxc<j>: firstAfter). It returns "" for none, and the
// scalars it reads.
func (x *classExclusions) blockIf(j, k int) (string, []string) {
	var conds, used []string
	seen := map[int]bool{}
	for i, to := range x.to {
		if j < to && to <= k && !seen[x.name[i]] {
			seen[x.name[i]] = true
			v := fmt.Sprintf("nxc%d", x.name[i])
			conds = append(conds, "gt <= "+v)
			used = append(used, v)
		}
	}
	return strings.Join(conds, " AND "), used
}

// firstAfter defines nxc<j>, per excluded name j, its first event after
// the counted start's instant (t0).
func (x *classExclusions) firstAfter(st *stages) {
	for j := 1; j <= len(x.names); j++ {
		st.let(fmt.Sprintf("nxc%d", j), fmt.Sprintf("arrayElement(NX%d, indexOf(GT, t0))", j))
	}
}

// capped bounds hi, the index in tx (the times of step s's class, 0-based
// s) of the counted chain's step-s event, to the events no later than the
// first event after the start of each exclusion whose step To is s: a
// later one is not a valid step To. (The last step needs no bound: the
// chain reaching it first is valid.)
func (x *classExclusions) capped(hi string, s int, tx string) string {
	seen := map[int]bool{}
	for i, to := range x.to {
		if to == s+1 && !seen[x.name[i]] {
			seen[x.name[i]] = true
			hi = fmt.Sprintf("least(%s, %s)", hi, count(tx, "<=", fmt.Sprintf("nxc%d", x.name[i])))
		}
	}
	return hi
}
