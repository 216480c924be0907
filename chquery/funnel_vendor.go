package chquery

import (
	"fmt"
	"strings"
)

// earliestStart defines t0 for funnelSQL under Amplitude's rule (query's
// amplitudePerson): the earliest step-1 time in range from which the
// deepest level (level, from funnelSQL's running maxima) is reached within
// the window. Steps that repeat a class make the greedy chain of
// distinctSQL's backward pass wrong (one instant may fill several steps,
// in any order), so the pass is over funnelSQL's groups of equal time and
// their class counts: E_k, per group, the earliest time steps k..L (L =
// level + 1) can be done by the events of that group and later ones, is
// the least, over the steps k..m the group can fill class by class, of its
// own time (m = L) or E_{m+1} of the next group; a running minimum over
// the reversed groups, linear in the person's events. A start's group
// fills step 1 with the start event, so E_1's per-group value is the
// earliest completion from a start there.
//
// Events of one class at one instant are interchangeable, so every
// step-1 event at t0 reaches the same level and gives the chain the same
// times.
func earliestStart(st *stages, cls []int, classes int, window, to int64) {
	var cols groupCols
	for c := 1; c <= classes; c++ {
		cols.add(fmt.Sprintf("G%d", c), fmt.Sprintf("g%d", c))
	}
	// fill: the condition that a group fills steps k..m (1-based).
	fill := func(k, m int) string {
		need := map[int]int{}
		for s := k; s <= m; s++ {
			need[cls[s-1]]++
		}
		var conds []string
		for c := 1; c <= classes; c++ {
			if need[c] > 0 {
				conds = append(conds, fmt.Sprintf("g%d >= %d", c, need[c]))
			}
		}
		return strings.Join(conds, " AND ")
	}
	earliestOf(st, len(cls), cols, fill, fmt.Sprintf("G%d", cls[0]), window, to)
}

// groupCols are per-group count arrays and the lambda parameter each is
// bound to where a fill condition reads it.
type groupCols struct{ arrays, params []string }

func (c *groupCols) add(array, param string) {
	c.arrays = append(c.arrays, array)
	c.params = append(c.params, param)
}

// earliestOf is earliestStart over any per-group counts: fill(k, m) is the
// condition, over cols' parameters, that a group fills steps k..m, and
// starts the array of each group's step-1 events.
func earliestOf(st *stages, n int, cols groupCols, fill func(k, m int) string, starts string, window, to int64) {
	const big = "toInt64(4611686018427387904)"
	st.next()
	st.let("RGT", "arrayReverse(GT)")
	for _, a := range cols.arrays {
		st.let("R"+a, "arrayReverse("+a+")")
	}
	// L is passed as an array: 18.16 drops from a subquery's * a column
	// the outer SELECT uses only inside a lambda (see count).
	st.let("LA", "arrayResize([level + 1], length(GT), level + 1)")
	for k := n; k >= 1; k-- {
		params, args := []string{"gt", "l"}, []string{"RGT", "LA"}
		params = append(params, cols.params...)
		for _, a := range cols.arrays {
			args = append(args, "R"+a)
		}
		var terms []string
		for m := k; m <= n; m++ {
			val := "gt"
			if m < n {
				// REP<m+1>: E_{m+1} of the next group (the reversed
				// order's previous element).
				val = fmt.Sprintf("if(l = %d, gt, ep%d)", m, m+1)
				params = append(params, fmt.Sprintf("ep%d", m+1))
				args = append(args, fmt.Sprintf("REP%d", m+1))
			}
			terms = append(terms, fmt.Sprintf("if(l >= %d AND %s, %s, %s)", m, fill(k, m), val, big))
		}
		v := terms[0]
		for _, term := range terms[1:] {
			v = "least(" + v + ", " + term + ")" // two arguments on 18.16
		}
		st.next()
		st.let(fmt.Sprintf("RV%d", k), "arrayMap(("+strings.Join(params, ", ")+") -> "+v+", "+strings.Join(args, ", ")+")")
		if k > 1 {
			st.next()
			st.let(fmt.Sprintf("REP%d", k), fmt.Sprintf("arrayPushFront(arrayPopBack(arrayMap((b, s) -> b - s, RV%d, arrayCumSumNonNegative(arrayDifference(RV%d)))), %s)", k, k, big))
		}
	}
	st.next()
	st.let("V1", "arrayReverse(RV1)")
	st.next()
	st.let("t0", fmt.Sprintf("arrayFirst((gt, v, g) -> g >= 1 AND gt < %s AND v - gt <= %s, GT, V1, %s)", lit(to), lit(window), starts))
}
