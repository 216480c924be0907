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

// typedSQL is the ordered funnel whose steps share an event name with
// different filters (spoor's rule; with earliestAttempt Amplitude's), so
// one event may meet several steps. An event's type is its name with the
// set of that name's classes (filters) it meets (stepTypes, as in any
// order). Within a group of equal time, steps j+1..k can be filled by
// distinct events when, by Hall's theorem, for every name and every set X
// of its classes those steps need, the group holds at least as many
// events meeting a class of X as those steps of X's classes: H<g>_<X>
// counts them per group, and fill turns a block of steps into those
// comparisons.
//
//  1. The deepest level and the latest (earliest) start time t0 reaching
//     it come from funnelSQL's running maxima (earliestOf's running
//     minima) with fill as the group condition: a start's group fills
//     step 1 with the start, so its best start is the one leaving the
//     most for the later steps.
//  2. Which step-1 event at t0 is counted decides the rest, as each
//     leaves a different part of its group to the later steps. Per type
//     of step-1 event, r<i>_<k> is the earliest group by which a start of
//     that type at t0 reaches step k: the least group time after the
//     reach of some step j < k (at or after t0 for j = 1, the start's
//     group less the start) that fills steps j+1..k, within the window.
//     The counted event is the last (first) stored at t0 whose type
//     reaches the deepest step.
//  3. Its chain is the local engine's: the latest chain reaching the
//     deepest step L by its first reach rL. Back from rL, w<e> is the
//     latest group time at which steps e+1..L can begin with the rest of
//     them later and by rL; step s's time is the latest group time
//     holding a block j+1..e around s with steps 1..j done before it and
//     w<e> after it.
//
// Exclusions (all from step 1: wholeExclusions) are funnelSQL's
// (classExclusions): the running maxima per set of starts, gated; and a
// group that fills the step To of an exclusion for the counted chain
// (in 2 and 3) comes no later than that exclusion's first event after
// t0.
//
// Each step is a pass over the person's groups (each r, W and chain step
// a least or greatest over them), linear in the person's events.
func (e *Engine) typedSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts, rule attemptRule) (partSQL, error) {
	n := len(q.Steps)
	p, err := e.planTyped(ctx, q, f)
	if err != nil {
		return nil, err
	}
	window, where, names, of, cases, events := p.window, p.where, p.names, p.of, p.cases, p.events
	// The types of step-1 events: of step 1's name, meeting its class.
	g1, c1 := of[0][0], of[0][1]
	var starts []int // their masks
	var startCodes []string
	for m := 1; m < 1<<len(names[g1].conds); m++ {
		if m&(1<<c1) != 0 {
			starts = append(starts, m)
			startCodes = append(startCodes, strconv.Itoa(names[g1].offset+m-1))
		}
	}
	pick := q.By != "" || len(starts) > 1 // the counted event is looked up
	opts := keyOptions{order: pick}
	// Exclusions, all from step 1 (wholeExclusions), as funnelSQL's
	// (classExclusions), their events' times apart from K, as the type
	// codes take the key's code bits. Events of an excluded name that are
	// of no type have code 0: in K they only add groups no step fills,
	// and a person with only those has groups but no start.
	var x *classExclusions
	if len(q.Exclude) > 0 {
		x, _ = newClassExclusions(q, 0)
		cases = append(cases, "("+e.t.Event+" IN ("+clickhouse.Strings(x.names)+")), 0")
		events = append(events, x.names...)
		for _, nm := range x.names {
			opts.times = append(opts.times, e.t.Event+" = "+clickhouse.String(nm))
		}
	}
	inner := e.personKeysWith(q, span, f, window, where, cases, events, "code IN ("+strings.Join(startCodes, ", ")+")", opts)

	var st stages
	groupCounts(&st, f.min, 1, 0, 0) // T, C, GT
	var cols groupCols
	for g, nm := range names {
		for x := 1; x < 1<<len(nm.conds); x++ {
			var codes []string
			for m := 1; m < 1<<len(nm.conds); m++ {
				if m&x != 0 {
					codes = append(codes, strconv.Itoa(nm.offset+m-1))
				}
			}
			st.let(fmt.Sprintf("cumH%d_%d", g, x), fmt.Sprintf("arrayFilter((x, y) -> y, arrayCumSum(arrayMap(x -> toInt64(x IN (%s)), C)), isEnd)", strings.Join(codes, ", ")))
			cols.add(fmt.Sprintf("H%d_%d", g, x), fmt.Sprintf("h%d_%d", g, x))
		}
	}
	st.next()
	for _, a := range cols.arrays {
		st.let(a, fmt.Sprintf("arrayMap((a, b) -> a - b, cum%s, arrayPushFront(arrayPopBack(cum%s), toInt64(0)))", a, a))
	}
	// fill(j, k, count): the condition that a group fills steps j+1..k
	// (1-based), count(g, x) being its events of name g meeting a class
	// of the set x.
	fill := func(j, k int, count func(g, x int) string) string {
		need := make([][]int, len(names))
		for s := j; s < k; s++ {
			g, c := of[s][0], of[s][1]
			if need[g] == nil {
				need[g] = make([]int, len(names[g].conds))
			}
			need[g][c]++
		}
		var conds []string
		for g, nd := range need {
			support := 0
			for c, v := range nd {
				if v > 0 {
					support |= 1 << c
				}
			}
			// Sets of classes no step needs only add events.
			for x := 1; x <= support; x++ {
				if x&support != x {
					continue
				}
				sum := 0
				for c, v := range nd {
					if x&(1<<c) != 0 {
						sum += v
					}
				}
				conds = append(conds, fmt.Sprintf("%s >= %d", count(g, x), sum))
			}
		}
		return strings.Join(conds, " AND ")
	}
	plain := func(g, x int) string { return fmt.Sprintf("h%d_%d", g, x) }
	lambda := func(body string, params, args []string) string {
		return "arrayMap((" + strings.Join(append(append([]string{"gt"}, cols.params...), params...), ", ") + ") -> " + body + ", " + strings.Join(append(append([]string{"GT"}, cols.arrays...), args...), ", ") + ")"
	}

	// 1. Per level k, the latest start of a chain that has done steps
	// 1..k by each group (funnelSQL's A_k); with exclusions, per set of
	// starts (classExclusions.sets, prefix S<s>_), gated as funnelSQL's.
	var xParams, xArgs []string
	if x != nil {
		x.fromKeys(&st, f.min, window)
		xParams, xArgs = []string{"ms"}, []string{"M"}
		for j := 1; j <= len(x.names); j++ {
			xParams = append(xParams, fmt.Sprintf("lx%d", j))
			xArgs = append(xArgs, fmt.Sprintf("LX%d", j))
		}
	}
	runs, lastOf := x.runs(n)
	for k := 1; k <= n; k++ {
		if k > 1 {
			st.next()
		}
		for _, r := range runs {
			if k > r.hi {
				continue
			}
			p := r.p
			params, args := slices.Clone(xParams), slices.Clone(xArgs)
			if k > 1 {
				st.let(fmt.Sprintf("%sPA%d", p, k-1), fmt.Sprintf("arrayPushFront(arrayPopBack(%sA%d), %s)", p, k-1, neg))
				st.let(fmt.Sprintf("%slast%d", p, k-1), fmt.Sprintf("arrayElement(%sA%d, -1)", p, k-1))
			}
			best := ""
			for j := 0; j < k; j++ {
				start := "gt < " + lit(span.To)
				if r.startIf != "" {
					start += " AND " + r.startIf
				}
				val := "if(" + start + ", gt, " + neg + ")"
				cond := fill(j, k, plain)
				if j > 0 {
					params = append(params, fmt.Sprintf("p%d", j))
					args = append(args, fmt.Sprintf("%sPA%d", p, j))
					val = fmt.Sprintf("p%d", j)
					if x != nil {
						if g := x.gate(j, k, val); g != "" {
							cond += " AND " + g
						}
					}
				}
				term := "if(" + cond + ", " + val + ", " + neg + ")"
				if best == "" {
					best = term
				} else {
					best = "greatest(" + best + ", " + term + ")"
				}
			}
			st.let(fmt.Sprintf("%sB%d", p, k), lambda("if("+best+" >= gt - "+lit(window)+", "+best+", "+neg+")", params, args))
			st.let(fmt.Sprintf("%sA%d", p, k), runningMax(fmt.Sprintf("%sB%d", p, k)))
		}
	}
	st.next()
	for _, r := range runs {
		st.let(fmt.Sprintf("%slast%d", r.p, r.hi), fmt.Sprintf("arrayElement(%sA%d, -1)", r.p, r.hi))
	}
	st.next()
	level, start := "-1", neg
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(%s > %s, %d, %s)", lastOf(k), neg, k-1, level)
		start = fmt.Sprintf("if(%s > %s, %s, %s)", lastOf(k), neg, lastOf(k), start)
	}
	st.let("level", level)
	if rule == earliestAttempt {
		earliestOf(&st, n, cols, func(k, m int) string { return fill(k-1, m, plain) }, fmt.Sprintf("H%d_%d", g1, 1<<c1), window, span.To)
	} else {
		st.let("t0", start)
	}
	st.next()
	st.let("lv", "level + 1")
	if x != nil {
		x.firstAfter(&st)
	}
	// gated(j, k, cond, used): cond for a group filling steps j+1..k of
	// the counted chain with the exclusions' condition (blockIf), and the
	// scalars both read.
	gated := func(j, k int, cond string, used []string) (string, []string) {
		if x == nil {
			return cond, used
		}
		c, u := x.blockIf(j, k)
		if c == "" {
			return cond, used
		}
		return cond + " AND " + c, append(used, u...)
	}

	// 2. Per step-1 type i, r<i>_<k>. Scalars a lambda reads are named
	// outside it as well (see count).
	const big = "toInt64(4611686018427387904)"
	keep := func(expr string, scalars ...string) string {
		for _, s := range scalars {
			expr += " + 0 * (" + s + ")"
		}
		return expr
	}
	least := func(cond string, scalars ...string) string {
		return keep("arrayReduce('min', "+lambda("if("+cond+", gt, "+big+")", nil, nil)+")", scalars...)
	}
	greatestOf := func(cond string, scalars ...string) string {
		return keep("arrayReduce('max', "+lambda("if("+cond+", gt, "+neg+")", nil, nil)+")", scalars...)
	}
	inWindow := "gt <= t0 + " + lit(window)
	// reach(r, k, count): the least group reaching step k from the reaches
	// r(j) of the steps before, a start's group counted by count.
	reach := func(r func(j int) string, k int, count func(g, x int) string) string {
		var ors, used []string
		for j := 1; j < k; j++ {
			after := "gt >= t0"
			if j > 1 {
				after = "gt > " + r(j)
				used = append(used, r(j))
			}
			var cond string
			cond, used = gated(j, k, after+" AND "+fill(j, k, count), used)
			ors = append(ors, "("+cond+")")
		}
		return least(inWindow+" AND ("+strings.Join(ors, " OR ")+")", append(used, "t0")...)
	}
	less := func(m int) func(g, x int) string { // the start's group without a start of type m
		return func(g, x int) string {
			if g == g1 && m&x != 0 {
				return fmt.Sprintf("(h%d_%d - toInt64(gt = t0))", g, x)
			}
			return plain(g, x)
		}
	}
	rOf := func(i int) func(j int) string {
		return func(j int) string {
			if j == 1 {
				return "t0"
			}
			return fmt.Sprintf("r%d_%d", i, j)
		}
	}
	for k := 2; k <= n; k++ {
		st.next()
		for i, m := range starts {
			st.let(fmt.Sprintf("r%d_%d", i, k), reach(rOf(i), k, less(m)))
		}
	}
	reaches := func(i int) string { // does type i reach step lv?
		var rs []string
		for k := 1; k <= n; k++ {
			rs = append(rs, rOf(i)(k))
		}
		return "arrayElement([" + strings.Join(rs, ", ") + "], lv) < " + big
	}
	st.next()
	mask := strconv.Itoa(starts[0]) // the counted event's type
	var row string
	if pick {
		var ok, used []string
		for i, m := range starts {
			st.let(fmt.Sprintf("ok%d", i), "toInt64("+reaches(i)+")")
			ok = append(ok, fmt.Sprintf("x.5 = %d, ok%d", names[g1].offset+m-1, i))
			used = append(used, fmt.Sprintf("ok%d", i))
		}
		at := "-1" // the last stored, or with earliest the first
		if rule == earliestAttempt {
			at = "1"
		}
		st.next()
		st.let("row", "arrayElement(arrayFilter(x -> x.1 = t0 AND multiIf("+strings.Join(ok, ", ")+", 0) = 1, byEv), "+keep(at, append(used, "t0")...)+")")
		row = "row"
		mask = fmt.Sprintf("(toInt64(tupleElement(row, 5)) - %d)", names[g1].offset-1)
	}

	// 3. The counted event's chain.
	st.next()
	var rs []string
	for k := 1; k <= n; k++ {
		r := "t0"
		if k > 1 {
			var cs []string
			for i, m := range starts {
				cs = append(cs, fmt.Sprintf("%s = %d, r%d_%d", mask, m, i, k))
			}
			r = "multiIf(" + strings.Join(cs, ", ") + ", " + big + ")"
		}
		st.let(fmt.Sprintf("rs%d", k), r)
		rs = append(rs, fmt.Sprintf("rs%d", k))
	}
	var adj []string
	for x := 1; x < 1<<len(names[g1].conds); x++ {
		st.let(fmt.Sprintf("adj%d", x), fmt.Sprintf("toInt64(bitAnd(%s, %d) != 0)", mask, x))
		adj = append(adj, fmt.Sprintf("adj%d", x))
	}
	st.let("rL", "arrayElement(["+strings.Join(rs, ", ")+"], lv)")
	counted := func(g, x int) string {
		if g == g1 {
			return fmt.Sprintf("(h%d_%d - toInt64(gt = t0) * adj%d)", g, x, x)
		}
		return plain(g, x)
	}
	// block(j, e): the condition that the group holds steps j+1..e (less
	// the counted start at t0), with steps e+1..lv after it (w<e>), and
	// the scalars it reads.
	block := func(j, e int) (string, []string) {
		cond := fmt.Sprintf("%d <= lv AND %s", e, fill(j, e, counted))
		if e < n {
			return gated(j, e, cond+fmt.Sprintf(" AND (lv = %d OR w%d > gt)", e, e), []string{fmt.Sprintf("w%d", e)})
		}
		return gated(j, e, cond+fmt.Sprintf(" AND lv = %d", e), nil)
	}
	scalars := append([]string{"t0", "lv", "rL"}, adj...)
	for e := n - 1; e >= 2; e-- {
		var ors, used []string
		for e2 := e + 1; e2 <= n; e2++ {
			c, u := block(e, e2)
			ors = append(ors, "("+c+")")
			used = append(used, u...)
		}
		st.next()
		st.let(fmt.Sprintf("w%d", e), greatestOf("gt >= t0 AND gt <= rL AND ("+strings.Join(ors, " OR ")+")", append(used, scalars...)...))
	}
	st.next()
	times := []string{"t0"}
	for s := 2; s <= n; s++ {
		var ors, used []string
		for j := 1; j < s; j++ {
			after := "gt >= t0"
			if j > 1 {
				after = fmt.Sprintf("gt > rs%d", j)
				used = append(used, fmt.Sprintf("rs%d", j))
			}
			for e := s; e <= n; e++ {
				c, u := block(j, e)
				ors = append(ors, "("+after+" AND "+c+")")
				used = append(used, u...)
			}
		}
		b := fmt.Sprintf("if(lv = %d, rL, 0)", s)
		if s < n {
			b = fmt.Sprintf("multiIf(%d < lv, %s, %s)", s, greatestOf("gt <= rL AND ("+strings.Join(ors, " OR ")+")", append(used, scalars...)...), b)
		}
		st.let(fmt.Sprintf("b%d", s), b)
		times = append(times, fmt.Sprintf("b%d", s))
	}
	var ds []string
	for s := 1; s < n; s++ {
		ds = append(ds, times[s]+" - "+times[s-1])
	}
	cols2 := []string{"person", "po", "level", "t0", "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"}
	if q.By != "" {
		cols2 = append(cols2, "tupleElement("+row+", 3)", "tupleElement("+row+", 4)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols2, inner(from, part), "level >= 0")
	}, nil
}

// filtersDiffer reports whether two steps of one name have different
// filters (typedSQL's funnels; stepClasses refuses them).
func filtersDiffer(steps []query.FunnelStep) bool {
	_, _, _, err := stepClasses(steps)
	return err != nil
}

// typedLimits refuses the steps whose types typedSQL and posthogTypedSQL
// do not take: more than maxAnyClasses filters on one name, or more types
// than a code holds.
// typedPlan is where typedSQL and posthogTypedSQL both start: the window,
// the --where condition, the steps grouped by name and filters (names, and
// of: per step its name and class, as stepTypes says) within typedLimits,
// and each name's code CASE branch and event.
type typedPlan struct {
	window        int64
	where         string
	names         []anyName
	of            [][2]int
	cases, events []string
}

func (e *Engine) planTyped(ctx context.Context, q query.FunnelQuery, f *facts) (typedPlan, error) {
	var p typedPlan
	var err error
	if p.window, p.where, err = e.windowAndWhere(ctx, q); err != nil {
		return p, err
	}
	if err := packedSpan(f); err != nil {
		return p, err
	}
	if p.names, p.of, err = e.stepTypes(ctx, q.Steps); err != nil {
		return p, err
	}
	if err := typedLimits(p.names); err != nil {
		return p, err
	}
	for _, nm := range p.names {
		p.cases = append(p.cases, nm.codeCase())
		p.events = append(p.events, nm.event)
	}
	return p, nil
}

func typedLimits(names []anyName) error {
	for _, nm := range names {
		if len(nm.conds) > maxAnyClasses {
			return errNotYet(i18n.M("a funnel with more than %d different filters on steps of one event (%s) that one event can meet several of", maxAnyClasses, nm.event))
		}
	}
	if nextCode(names) > 255 {
		return errNotYet(i18n.M("a funnel whose steps' filters make more than 254 kinds of event"))
	}
	return nil
}
