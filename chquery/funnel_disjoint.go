package chquery

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// disjointNames lists the event names whose steps carry different
// filters that no event can meet two of (`page where path = /a`, `page
// where path = /b`, ...). Each event of such a name is of at most one
// step class, so the class compilers (funnelSQL, laterSQL, posthogSQL,
// onceSharedSQL) count them exactly as steps of different names.
// Disjointness is proved from the filters' text alone (disjointWhere), by
// the local engine's rules (query.Filter.Test), which the ClickHouse
// conditions follow value for value.
func disjointNames(steps []query.FunnelStep) map[string]bool {
	var out map[string]bool
	for name, g := range filterGroups(steps) {
		if len(g.lists) < 2 || !g.singletons() {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[name] = true
	}
	return out
}

// nameFilters is one name's distinct filter lists, in step order, and per
// list the first list of its group: two lists an event can meet both of
// are in one group, and so, transitively, are their groups.
type nameFilters struct {
	lists [][]string
	root  []int
}

func filterGroups(steps []query.FunnelStep) map[string]*nameFilters {
	out := map[string]*nameFilters{}
	for _, st := range steps {
		g := out[st.Event]
		if g == nil {
			g = &nameFilters{}
			out[st.Event] = g
		}
		if g.index(st.Where) >= 0 {
			continue
		}
		i := len(g.lists)
		g.lists, g.root = append(g.lists, st.Where), append(g.root, i)
		for j := 0; j < i; j++ {
			if disjointWhere(g.lists[j], st.Where) {
				continue
			}
			// One group: the one of the higher root joins the other.
			from, to := max(g.root[i], g.root[j]), min(g.root[i], g.root[j])
			for k, r := range g.root {
				if r == from {
					g.root[k] = to
				}
			}
		}
	}
	return out
}

func (g *nameFilters) index(w []string) int {
	return slices.IndexFunc(g.lists, func(l []string) bool { return slices.Equal(l, w) })
}

// singletons reports whether every list is a group of its own.
func (g *nameFilters) singletons() bool {
	for i, r := range g.root {
		if r != i {
			return false
		}
	}
	return true
}

// typeKeys is per step the key stepTypes groups steps by: its name and
// the group of its filters, each group then counted as a name of its own.
// anySQL's and typedSQL's matching takes the least over the 2^filters
// sets of one name's classes: a page funnel over five paths is five names
// of one filter each.
func typeKeys(steps []query.FunnelStep) []string {
	groups := filterGroups(steps)
	keys := make([]string, len(steps))
	for k, st := range steps {
		g := groups[st.Event]
		keys[k] = st.Event + "\x00" + strconv.Itoa(g.root[g.index(st.Where)])
	}
	return keys
}

// disjointWhere reports whether no event meets both filter lists (each a
// conjunction): some filter of a and some of b on one property exclude
// each other. A filter that does not parse proves nothing (the funnel
// reports it later).
func disjointWhere(a, b []string) bool {
	for _, x := range a {
		fx, err := query.ParseFilter(x)
		if err != nil {
			continue
		}
		for _, y := range b {
			fy, err := query.ParseFilter(y)
			if err == nil && fx.Prop == fy.Prop && (excludes(fx, fy) || excludes(fy, fx)) {
				return true
			}
		}
	}
	return false
}

// excludes reports whether no value meets both a and b, by Filter.Test: a
// missing property meets only the negative operators; = and in compare
// as text or, when both sides are numbers, as numbers; the order
// operators compare numbers only; contains looks for text, ignoring case.
func excludes(a, b query.Filter) bool {
	eq := func(f query.Filter) bool { return f.Op == "=" || f.Op == "in" }
	switch {
	case a.Op == "is not set":
		return b.Op != "!=" && b.Op != "not in" && b.Op != "is not set"
	case eq(a) && eq(b):
		for _, x := range a.Values {
			for _, y := range b.Values {
				if mayEqual(x, y) {
					return false
				}
			}
		}
		return true
	case eq(a) && (b.Op == "!=" || b.Op == "not in"):
		// A value equal to x is equal to its textual twin in b's list
		// as well.
		for _, x := range a.Values {
			if !slices.Contains(b.Values, x) {
				return false
			}
		}
		return true
	case eq(a) && b.Op == "contains":
		// A value meeting = x is x when x is no number (a number's
		// value may be written many ways).
		for _, x := range a.Values {
			if _, err := strconv.ParseFloat(x, 64); err == nil || strings.Contains(strings.ToLower(x), strings.ToLower(b.Values[0])) {
				return false
			}
		}
		return true
	case eq(a):
		// A value meeting = x has x's number, or none when x is no
		// number; the order operators need one.
		lo, hi, ok := bounds(b)
		if !ok {
			return false
		}
		for _, x := range a.Values {
			if v, err := strconv.ParseFloat(x, 64); err == nil && lo.below(v) && hi.above(v) {
				return false
			}
		}
		return true
	}
	la, ha, oka := bounds(a)
	lb, hb, okb := bounds(b)
	if !oka || !okb {
		return false
	}
	// The intersection of the two intervals of numbers is empty.
	lo, hi := la, ha
	switch {
	case lb.v > lo.v:
		lo = lb
	case lb.v == lo.v:
		lo.in = lo.in && lb.in
	}
	switch {
	case hb.v < hi.v:
		hi = hb
	case hb.v == hi.v:
		hi.in = hi.in && hb.in
	}
	return lo.v > hi.v || lo.v == hi.v && !(lo.in && hi.in)
}

// bound is one end of an interval of numbers, in: whether v belongs.
type bound struct {
	v  float64
	in bool
}

func (b bound) below(v float64) bool { return b.v < v || b.v == v && b.in }
func (b bound) above(v float64) bool { return v < b.v || v == b.v && b.in }

// bounds is the interval of numbers an order operator keeps (ok false for
// the other operators).
func bounds(f query.Filter) (lo, hi bound, ok bool) {
	lo, hi = bound{math.Inf(-1), true}, bound{math.Inf(1), true}
	if len(f.Values) != 1 {
		return lo, hi, false
	}
	v, _ := strconv.ParseFloat(f.Values[0], 64) // as Filter.Test reads it
	switch f.Op {
	case ">":
		lo = bound{v, false}
	case ">=":
		lo = bound{v, true}
	case "<":
		hi = bound{v, false}
	case "<=":
		hi = bound{v, true}
	default:
		return lo, hi, false
	}
	return lo, hi, true
}

// mayEqual reports whether one value can equal both x and y
// (query's equalValue): the same text, or both numbers of one value.
func mayEqual(x, y string) bool {
	if x == y {
		return true
	}
	a, errA := strconv.ParseFloat(x, 64)
	b, errB := strconv.ParseFloat(y, 64)
	return errA == nil && errB == nil && a == b
}

// overlapping is two steps of name with different filters that one event
// may meet both of, for stepClasses' refusal (a name not in
// disjointNames has two).
func overlapping(steps []query.FunnelStep, name string) (int, int) {
	for i, a := range steps {
		for j := i + 1; j < len(steps); j++ {
			b := steps[j]
			if a.Event == name && b.Event == name && !slices.Equal(a.Where, b.Where) && !disjointWhere(a.Where, b.Where) {
				return i, j
			}
		}
	}
	return 0, 0
}
