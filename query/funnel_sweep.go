package query

import (
	"math"
	"slices"
)

// Ordered funnels with exclusions cannot use latestStart: whether an
// attempt is held by an excluded event depends on its own window end, so
// a later start does not dominate an earlier one. Evaluating every attempt
// with its own window scan costs attempts × window events, quadratic for a
// person with thousands of step-1 events in one window.
//
// The sweep below runs all of a person's attempts in one pass over the
// timeline instead. It applies exactly the per-attempt steps of ordered
// (extendOne, extendGroup, the exclusion checks and the final capping) but
// to states shared by attempts: two attempts whose states agree on all
// that can still matter evolve identically from then on, so they are
// merged and advanced once. What can still matter is
//   - which levels are reached;
//   - for a level k and each exclusion still open at k (From <= k < To),
//     whether an excluded event has already followed the chain's step
//     From. The time of step From is only ever compared with the latest
//     excluded event, at step To and at the window end, and every future
//     excluded event comes after it, so that one bit is all the time can
//     still tell; other chain times are never read again;
//   - for an exclusion from step 1 (From = 0) the bit is the same for every
//     level ("blocked"), and once set, the levels below To are held at
//     step 1 for good, so they are dropped.
// The states of a bot's thousands of attempts thus shrink to a handful,
// and each group of equal-time events costs O(states × steps). Each attempt
// leaves its state when its window ends, and is then capped with its own
// start and window end.

// sweepNode is one state in a union-find forest: attempts point at the
// node they started in, and merged nodes point at the node they joined.
type sweepNode struct {
	parent int32
	alive  int32 // attempts of this root whose window is still open
	slot   int32 // buffers of a live root, -1 once merged, done or empty
	done   bool  // reached the last step: every attempt in it converts
	hash   uint64
}

// sweepSlot holds the chains of one live state, laid out as the worker's.
type sweepSlot struct {
	valid   []bool
	chain   []int32
	blocked []bool // per exclusion (From = 0 only)
}

type sweepAttempt struct {
	i    int32 // step-1 event
	node int32
}

type funnelSweep struct {
	nodes    []sweepNode
	slots    []sweepSlot
	free     []int32
	active   []int32 // live roots, not done
	byHash   map[uint64]int32
	attempts []sweepAttempt // in start order, so also in window-end order
	dirty    []int32        // states changed by the current group
	fresh    []int32        // states opened by the current group
	open     [][]int        // level k -> the exclusions with 1 <= From <= k < To
	hit      []bool         // exclusion -> an excluded event in the current group
	cands    []int32        // the group's candidate events
	kinds    []startKind    // the states opened by the current group
	peak     int            // most live states at once, for the tests
}

func newFunnelSweep(p *funnelPlan) *funnelSweep {
	sw := &funnelSweep{byHash: map[uint64]int32{}, open: make([][]int, p.n), hit: make([]bool, len(p.excl))}
	for k := range p.n {
		for _, x := range p.excl {
			if x.from >= 1 && x.from <= k && k < x.to {
				sw.open[k] = append(sw.open[k], x.id)
			}
		}
	}
	return sw
}

func (sw *funnelSweep) find(a int32) int32 {
	for sw.nodes[a].parent != a {
		sw.nodes[a].parent = sw.nodes[sw.nodes[a].parent].parent
		a = sw.nodes[a].parent
	}
	return a
}

// newNode makes a live state holding only level 0 of the attempt at i.
func (sw *funnelSweep) newNode(w *funnelWorker, i int) int32 {
	var s int32
	if k := len(sw.free); k > 0 {
		s, sw.free = sw.free[k-1], sw.free[:k-1]
	} else {
		n := w.n
		sw.slots = append(sw.slots, sweepSlot{valid: make([]bool, n), chain: make([]int32, n*n), blocked: make([]bool, len(w.p.excl))})
		s = int32(len(sw.slots) - 1)
	}
	sl := &sw.slots[s]
	clear(sl.valid)
	clear(sl.blocked)
	sl.valid[0], sl.chain[0] = true, int32(i)
	id := int32(len(sw.nodes))
	sw.nodes = append(sw.nodes, sweepNode{parent: id, slot: s})
	return id
}

// release returns a node's buffers once nothing reads them again.
func (sw *funnelSweep) release(id int32) {
	nd := &sw.nodes[id]
	if nd.slot >= 0 {
		if h, ok := sw.byHash[nd.hash]; ok && h == id {
			delete(sw.byHash, nd.hash)
		}
		sw.free = append(sw.free, nd.slot)
		nd.slot = -1
	}
}

// advance runs one state through the current group (w.group), exactly as
// ordered does for one attempt, and reports whether it changed.
func (w *funnelWorker) advance(sl *sweepSlot, t int64) bool {
	if len(w.group) == 0 {
		return false
	}
	valid, chain := w.valid, w.chain
	w.valid, w.chain, w.moved = sl.valid, sl.chain, false
	if len(w.group) == 1 {
		w.extendOne(int(w.group[0]), t, 0)
	} else {
		w.extendGroup(t, 0)
	}
	w.valid, w.chain = valid, chain
	return w.moved
}

// canon drops the levels an exclusion from step 1 holds for good, and
// hashes what can still matter of the state.
func (w *funnelWorker) canon(sl *sweepSlot) uint64 {
	p, sw := w.p, w.sw
	for e, b := range sl.blocked {
		if b {
			for k := 1; k < p.excl[e].to; k++ {
				sl.valid[k] = false
			}
		}
	}
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	for k, ok := range sl.valid {
		if !ok {
			mix(0)
			continue
		}
		mix(1)
		for _, e := range sw.open[k] {
			if w.followed(sl, k, e) {
				mix(2)
			} else {
				mix(3)
			}
		}
	}
	for _, b := range sl.blocked {
		if b {
			mix(4)
		} else {
			mix(5)
		}
	}
	return h
}

// followed reports whether an excluded event of exclusion e came after
// step From of the level-k chain.
func (w *funnelWorker) followed(sl *sweepSlot, k, e int) bool {
	return w.lastE[e] > w.p.d.Time[sl.chain[k*w.n+w.p.excl[e].from]]
}

// sameState compares two canonical states on what can still matter.
func (w *funnelWorker) sameState(a, b *sweepSlot) bool {
	for k := range a.valid {
		if a.valid[k] != b.valid[k] {
			return false
		}
		if !a.valid[k] {
			continue
		}
		for _, e := range w.sw.open[k] {
			if w.followed(a, k, e) != w.followed(b, k, e) {
				return false
			}
		}
	}
	for e := range a.blocked {
		if a.blocked[e] != b.blocked[e] {
			return false
		}
	}
	return true
}

// settle canonicalizes the changed live roots, retires those that reached
// the last step, and merges each into an equal state where there is one.
func (w *funnelWorker) settle(dirty []int32) {
	sw := w.sw
	live := dirty[:0]
	for _, id := range dirty {
		nd := &sw.nodes[id]
		if nd.parent != id || nd.slot < 0 || nd.done {
			continue // listed twice, or already merged
		}
		if h, ok := sw.byHash[nd.hash]; ok && h == id {
			delete(sw.byHash, nd.hash)
		}
		sl := &sw.slots[nd.slot]
		if sl.valid[w.n-1] {
			nd.done = true
			sw.release(id)
			continue
		}
		nd.hash = w.canon(sl)
		live = append(live, id)
	}
	for _, id := range live {
		nd := &sw.nodes[id]
		if nd.slot < 0 {
			continue
		}
		other, ok := sw.byHash[nd.hash]
		if ok && other != id {
			if o := &sw.nodes[other]; o.slot >= 0 && w.sameState(&sw.slots[o.slot], &sw.slots[nd.slot]) {
				o.alive += nd.alive
				nd.parent, nd.alive = other, 0
				sw.release(id)
				continue
			}
		}
		sw.byHash[nd.hash] = id
	}
}

// capAttempt is the level of the attempt started at t0 in state sl once
// its window has ended: the capping of ordered, with the attempt's own
// start for exclusions from step 1. The last step is never valid here: a
// state reaching it is retired as done.
func (w *funnelWorker) capAttempt(sl *sweepSlot, t0 int64) int {
	p, d, n := w.p, w.p.d, w.n
	final := 0
	for k := n - 2; k > final; k-- {
		if !sl.valid[k] {
			continue
		}
		lv := k
		for _, x := range p.excl {
			if x.from <= k && k < x.to {
				tf := t0
				if x.from > 0 {
					tf = d.Time[sl.chain[k*n+x.from]]
				}
				if w.lastE[x.id] > tf {
					lv = min(lv, x.from)
				}
			}
		}
		final = max(final, lv)
	}
	return final
}

// sweepOrdered evaluates every attempt of the person (events lo..hi,
// step-1 events before end) in one pass and returns the counted attempt:
// the latest reaching the deepest level, as attempts would pick it.
func (w *funnelWorker) sweepOrdered(lo, end, hi int) int {
	p, d, s := w.p, w.p.d, w.p.s
	if w.sw == nil {
		w.sw = newFunnelSweep(p)
	}
	sw := w.sw
	sw.nodes, sw.active, sw.attempts, sw.free = sw.nodes[:0], sw.active[:0], sw.attempts[:0], sw.free[:0]
	for sl := range sw.slots {
		sw.free = append(sw.free, int32(sl))
	}
	clear(sw.byHash)
	for e := range w.lastE {
		w.lastE[e] = math.MinInt64
	}
	g := lo
	for g < end && d.Time[g] < s.From {
		g++
	}
	next, bestLevel, best := 0, -1, -1
	for g < hi && (g < end || len(sw.active) > 0) {
		t := d.Time[g]
		ge, hit := w.sweepGroup(g, hi)
		sw.dirty = sw.dirty[:0]
		w.group = append(w.group[:0], sw.cands...)
		for _, id := range sw.active {
			if w.advance(&sw.slots[sw.nodes[id].slot], t) {
				sw.dirty = append(sw.dirty, id)
			}
		}
		sw.fresh = sw.fresh[:0]
		if g < end {
			w.sweepStarts(g, ge, t)
		}
		if hit {
			w.sweepExclusions(t)
		}
		w.settle(sw.dirty)
		g = ge
		upTo := int64(math.MaxInt64)
		if g < hi {
			upTo = d.Time[g]
		}
		next, bestLevel, best = w.sweepFinalize(next, upTo, bestLevel, best)
		live := sw.active[:0]
		for _, id := range sw.active {
			if nd := &sw.nodes[id]; nd.parent == id && nd.slot >= 0 && !nd.done {
				live = append(live, id)
			}
		}
		sw.active = live
		for _, id := range sw.fresh {
			if nd := &sw.nodes[id]; nd.parent == id && nd.slot >= 0 && !nd.done {
				sw.active = append(sw.active, id)
			}
		}
		sw.peak = max(sw.peak, len(sw.active))
	}
	_, _, best = w.sweepFinalize(next, math.MaxInt64, bestLevel, best)
	return best
}

// sweepGroup collects the events at the instant of event g: the candidates
// for later steps into sw.cands, the exclusions they name into sw.hit.
func (w *funnelWorker) sweepGroup(g, hi int) (end int, hit bool) {
	p, d, s, sw := w.p, w.p.d, w.p.s, w.sw
	t := d.Time[g]
	sw.cands = sw.cands[:0]
	for end = g; end < hi && d.Time[end] == t; end++ {
		if !s.Match(end) {
			continue
		}
		if len(p.later[d.Event[end]]) > 0 {
			sw.cands = append(sw.cands, int32(end))
		}
		for _, e := range p.exclBy[d.Event[end]] {
			sw.hit[e], hit = true, true
		}
	}
	return end, hit
}

// sweepExclusions records the excluded events at t, after the group's
// extensions ("between" is strict in time), blocks the states started
// before t (not the fresh ones) on the exclusions from step 1, and has the
// others hashed again.
func (w *funnelWorker) sweepExclusions(t int64) {
	sw := w.sw
	for e, x := range w.p.excl {
		if !sw.hit[e] {
			continue
		}
		sw.hit[e] = false
		w.lastE[e] = t
		for _, id := range sw.active {
			if x.from == 0 {
				sw.slots[sw.nodes[id].slot].blocked[e] = true
			}
			sw.dirty = append(sw.dirty, id) // the followed bits may have changed
		}
	}
}

// sweepStarts opens the attempts starting in the group g..ge. Each sees
// the group's other events. Starts that fill the same later steps (or
// none) see groups alike but for swapping the two, so they reach the same
// times and share one state: a flood of starts at one instant costs one
// state per kind, not one group scan per start.
func (w *funnelWorker) sweepStarts(g, ge int, t int64) {
	p, d, sw := w.p, w.p.d, w.sw
	sw.kinds = sw.kinds[:0]
	for j := g; j < ge; j++ {
		if !w.p.s.Match(j) || !w.fits(j, 0) {
			continue
		}
		kind, shareable := startKind{ev: -1}, true
		if ks := p.later[d.Event[j]]; len(ks) > 0 {
			kind.ev = d.Event[j]
			shareable = len(ks) <= 64
			for b, k := range ks {
				if shareable && p.stepOK(j, int(k)) {
					kind.mask |= 1 << uint(b)
				}
			}
		}
		if shareable {
			if i := slices.IndexFunc(sw.kinds, func(o startKind) bool { return o.ev == kind.ev && o.mask == kind.mask }); i >= 0 {
				id := sw.kinds[i].node
				sw.attempts = append(sw.attempts, sweepAttempt{i: int32(j), node: id})
				sw.nodes[id].alive++
				continue
			}
		}
		id := sw.newNode(w, j)
		sw.nodes[id].alive = 1
		sw.attempts = append(sw.attempts, sweepAttempt{i: int32(j), node: id})
		if shareable {
			kind.node = id
			sw.kinds = append(sw.kinds, kind)
		}
		w.group = w.group[:0]
		for _, x := range sw.cands {
			if int(x) != j {
				w.group = append(w.group, x)
			}
		}
		w.advance(&sw.slots[sw.nodes[id].slot], t)
		sw.fresh = append(sw.fresh, id)
		sw.dirty = append(sw.dirty, id)
	}
}

// startKind is which later steps a starting event could fill.
type startKind struct {
	ev   int32  // its event id, -1 when it fills none
	mask uint64 // bit b: it passes the filters of step p.later[ev][b]
	node int32
}

// sweepFinalize caps the attempts whose window ends before upTo, in start
// order, keeping the latest reaching the deepest level.
func (w *funnelWorker) sweepFinalize(next int, upTo int64, bestLevel, best int) (int, int, int) {
	sw, d := w.sw, w.p.d
	for ; next < len(sw.attempts); next++ {
		a := sw.attempts[next]
		t0 := d.Time[a.i]
		if t0+w.p.window >= upTo {
			break
		}
		root := sw.find(a.node)
		nd := &sw.nodes[root]
		l := w.n - 1
		if !nd.done {
			l = w.capAttempt(&sw.slots[nd.slot], t0)
			if nd.alive--; nd.alive == 0 {
				sw.release(root)
			}
		}
		if l >= bestLevel {
			bestLevel, best = l, int(a.i)
		}
	}
	return next, bestLevel, best
}
