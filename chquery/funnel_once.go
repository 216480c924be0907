package chquery

import (
	"fmt"
	"strconv"
)

// windowFunnel's strict_once over steps of different names (each row
// meets at most one condition, so no row can fill two steps of a chain):
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
