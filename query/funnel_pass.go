package query

import "math"

// Ordered funnels without exclusions first find, in one pass over the
// person's events, the deepest level and the latest step-1 time reaching
// it (the method of ClickHouse's windowFunnel): for each level the latest
// start of a chain reaching it is kept, since a later start leaves more of
// the window and every later event is at or after each chain's steps.
// Only the attempt at that time is then walked for its step times, so a
// person with many step-1 events costs one pass, not one per attempt.

const noStart = math.MinInt64

// Funnels with one step per name and no step filters (p.only) pass the
// events without a branch on what each event is: at 10M events the
// branches on "is it a step, which one, can it start" were mispredicted
// so often that the pass cost 6 ns an event (on a loaded machine), where
// reading the columns costs under half a nanosecond. Each event id has a lane code: the
// lane it reads (the latest start of the step before its own), the lane
// it writes (its step's latest start) and the lane a start writes; an
// event that fills no step reads a lane that never extends anything and
// writes a lane nothing reads. Lanes hold far, not noStart, when there is
// no start: far is earlier than every event time by more than the window,
// so it never extends a chain, and subtracting it cannot overflow.
//
// lanes[0] is never set, lanes[1+k] is the latest start of level k, and
// lanes[trashLane] takes the writes of events that fill no step (a
// funnel has at most 127 steps).
type laneCode uint32 // src | dst<<8 | start<<16

// trashLane is the lane nothing reads, the same for every funnel.
const trashLane = 0xff

// laneCodes returns the lane code of every event id, or nil when the pass
// must take passOne per event: steps with filters or sharing a name, or
// times so far apart that far would overflow. late are the same codes
// without starts, for the events after the date range.
func (p *funnelPlan) laneCodes() (codes, late []laneCode, far int64) {
	d := p.d
	const limit = math.MaxInt64 / 4
	if p.only == nil || p.window > limit {
		return nil, nil, noStart
	}
	for _, t := range []int64{d.MinTime, d.MaxTime, p.s.From, p.s.To} {
		if t < -limit || t > limit {
			return nil, nil, noStart
		}
	}
	if d.MinTime-p.window-1 <= -laneTimes || d.MaxTime >= laneTimes {
		return nil, nil, noStart // beyond laneKey
	}
	// The ids from len(p.only) on fill no step: the first is that of
	// the events --where hides (filtered). At least codeTable codes, so
	// that laneFast reads them as a table.
	codes = make([]laneCode, max(len(p.only)+1, codeTable))
	late = make([]laneCode, len(codes))
	for ev := len(p.only); ev < len(codes); ev++ {
		codes[ev], late[ev] = noLane, noLane
	}
	for ev, k := range p.only {
		c := noLane
		if k > 0 {
			c = c&^0xffff | laneCode(k) | laneCode(k+1)<<8
		}
		late[ev] = c
		if int32(ev) == p.ev[0] {
			c = c&^(0xff<<16) | 1<<16
		}
		codes[ev] = c
	}
	return codes, late, d.MinTime - p.window - 1
}

// codeTable is how many lane codes laneFast reads by an event id's low
// byte: those of the funnels over fewer than codeTable event names.
const codeTable = 256

// noLane is the lane code of an event that fills no step.
const noLane = laneCode(trashLane<<8 | trashLane<<16)

// latestStart returns the deepest level reached (-1 when none) and the
// latest step-1 time of a chain reaching it.
func (w *funnelWorker) latestStart(lo, hi int) (int, int64) {
	n := w.n
	L := w.lanes[:n+1]
	for k := range L {
		L[k] = w.far
	}
	if w.codes != nil {
		w.best = 0
		w.passLanes(lo, hi)
		if w.best > 0 {
			lane, start := fromKey(w.best)
			return lane - 1, start
		}
		if L[1] != w.far {
			return 0, L[1]
		}
		return -1, noStart
	}
	w.passEach(lo, hi)
	for k := n; k >= 1; k-- {
		if L[k] != w.far {
			return k - 1, L[k]
		}
	}
	return -1, noStart
}

// passLanes is the pass with lane codes.
func (w *funnelWorker) passLanes(lo, hi int) {
	events, a, b := w.laneEvents(lo, hi)
	w.from = a
	w.laneSpan(lo, hi, a, b, w.codes)
	w.laneSpan(lo, hi, b, len(events), w.late)
}

// laneEvents returns the person's events as a lane pass reads them (the
// ids, or past the names where --where hides an event; also w.passed)
// and the span a..b of those in the date range. Times ascend, so those
// are one span: the events before it can neither start a chain nor
// extend one (no start precedes them) and are skipped, those after it
// pass with codes that start nothing. The pass then tests no range.
func (w *funnelWorker) laneEvents(lo, hi int) (events []int32, a, b int) {
	p, s := w.p, w.p.s
	times, events := p.d.Time[lo:hi], p.d.Event[lo:hi]
	if s.Filters() {
		events = w.filtered(lo, hi)
	}
	w.passed = events
	a, b = 0, len(events)
	if b == 0 {
		return events, a, b
	}
	if times[0] < s.From {
		a = after(times, s.From-1)
	}
	if times[b-1] >= s.To {
		b = max(a, after(times, s.To-1))
	}
	return events, a, b
}

// lanePerson is person for a lane funnel whose codes fit a table
// (w.table), for a person no two of whose events from the date range on
// share an instant, as most persons' (else ok false): the lane pass
// (laneFast), the level reached and the walk back to the counted
// attempt (laneBack) in one function. At 10M events a person has 15
// events on average: the calls and tests between latestStart,
// passLanes, laneSpan and laneRun were a good part of a person's cost.
func (w *funnelWorker) lanePerson(lo, hi int) (level int, open, ok bool) {
	p := w.p
	times := p.d.Time[lo:hi]
	events, a, b := w.laneEvents(lo, hi)
	if untied(times[a:]) < len(times)-a {
		return 0, false, false
	}
	L := w.lanes
	for k := range w.n + 1 {
		L[k] = w.far
	}
	best, at := laneFast(L, w.table, times[a:b], events[a:b], p.window, 0)
	at += a
	if late, lateAt := laneFast(L, w.lateTable, times[b:], events[b:], p.window, best); lateAt >= 0 {
		best, at = late, b+lateAt
	}
	w.best, w.bestAt, w.bestFrom = best, at, a
	var t0 int64
	switch {
	case best > 0:
		lane, start := fromKey(best)
		level, t0 = lane-1, start
		if w.start, ok = w.laneBack(lo, hi, at, a, level, t0, events); !ok {
			return 0, false, false
		}
	case L[1] != w.far:
		// Level 0: the latest start, the one event at its time.
		level, t0 = 0, L[1]
		w.start = lo + a + after(times[a:b], t0) - 1
		w.cur[0] = int32(w.start)
	default:
		return -1, false, true
	}
	return level, t0+p.window > p.maxTime && level < w.n-1, true
}

// untied is how many of times (ascending) come before the first two
// equal ones: all of them when no two are equal.
func untied(times []int64) int {
	for g := 1; g < len(times); g++ {
		if times[g] == times[g-1] {
			return g - 1
		}
	}
	return len(times)
}

// laneFast is laneRun for events no two of which share an instant, each
// with an id below codeTable: no test for the next event's time, and no
// bounds checked on the codes, so that every value of the loop stays in
// a register (laneRun keeps some on the stack), about 28 instructions
// an event instead of 45. It returns best raised by the chains extended
// and the event that first raised it to that (-1: none did).
func laneFast(L *[256]int64, codes *[codeTable]laneCode, times []int64, events []int32, win, best int64) (int64, int) {
	at := -1
	times = times[:len(events)]
	for g, ev := range events {
		t := times[g]
		c := codes[uint8(ev)]
		v := L[uint8(c)]
		L[uint8(c>>8)] = v
		L[uint8(c>>16)] = t
		if key := laneKey(int(uint8(c>>8)), v) &^ ((win - t + v) >> 63); key > best {
			best, at = key, g
		}
	}
	return best, at
}

// laneSpan passes the person's events g..end (relative to lo) with codes,
// an instant at a time where events share one.
func (w *funnelWorker) laneSpan(lo, hi, g, end int, codes []laneCode) {
	times, events := w.p.d.Time[lo:lo+end], w.passed[:end]
	for g < end {
		k, best, at := laneRun(w.lanes, codes, times[g:], events[g:], w.p.window, w.best)
		if best > w.best {
			w.best, w.bestAt, w.bestFrom = best, g+at, w.from
		}
		if g += k; g < end {
			g = w.passInstant(lo+g, hi, times[g]) - lo
			w.from = g
		}
	}
}

// laneRun passes events until two share an instant, and returns how many
// it passed, best raised to the laneKey of every chain they extend, and
// the event that first raised it to that (-1: none did).
//
// Latest starts only grow and never exceed the level before (S[k] <=
// S[k-1]: a chain reaching k reached k-1 first), so extending level k
// sets S[k] to S[k-1] outright, and a start sets S[0] to t: each event
// stores into its lane without reading it first. An event of step k
// stores S[k-1] into S[k] even when it is too late for the window (t -
// S[k-1] > win): S[k] then holds a start no chain reached k from, but
// one too early for the window at t, as was the start it overwrote (S[k]
// <= S[k-1]), and times only grow: no later event extends a chain from
// either, so the pass goes on as if it had not been stored. The level
// reached and its latest start come from best instead, which only the
// chains truly extended raise. Choosing the lane to store into by the
// window test instead (the trash when too late) made each store's
// address wait for the load before it, and the next load for that
// address: the pass took half as long again. A function of its own, with
// the lanes an array indexed by bytes, so that the loop checks no bounds
// and keeps its values in registers.
func laneRun(L *[256]int64, codes []laneCode, times []int64, events []int32, win, best int64) (int, int64, int) {
	n, at := len(events), -1
	if n == 0 || len(times) < n {
		return 0, best, at
	}
	times = times[:n]
	t := times[0]
	for g := 1; g <= n; g++ {
		next := t
		if g < n {
			if next = times[g]; next == t {
				return g - 1, best, at
			}
		}
		c := codes[events[g-1]]
		// Lane 0 holds far: an event of no step reads it, stores it
		// in the trash, and raises nothing.
		v := L[c&0xff]
		L[(c>>8)&0xff] = v
		L[(c>>16)&0xff] = t
		// Within the window, win-(t-v) >= 0: its sign keeps the key.
		if key := laneKey(int(c>>8&0xff), v) &^ ((win - t + v) >> 63); key > best {
			best, at = key, g-1
		}
		t = next
	}
	return n, best, at
}

// laneKey orders the chains a lane pass extends by the lane they reach,
// then by their start: lane << 55 plus the start, whose magnitude
// laneCodes holds under laneTimes. Every lane a chain reaches is 2 or
// more, so a key is above 0 (the best of none).
func laneKey(lane int, start int64) int64 { return int64(lane)<<55 + start }

// laneTimes bounds the magnitude of every time a lane pass keys.
const laneTimes = 1 << 54

// fromKey is the lane and start of a laneKey.
func fromKey(key int64) (lane int, start int64) {
	lane = int((key + laneTimes) >> 55)
	return lane, key - int64(lane)<<55
}

// filtered is the person's events under --where: each event's id, or
// the id past the names (whose lane code is none) when the filters hide
// it. Without a branch: a filter passing half the events (device =
// mobile) mispredicted every other one.
func (w *funnelWorker) filtered(lo, hi int) []int32 {
	hidden := int32(len(w.p.d.Names))
	if cap(w.masked) < hi-lo {
		w.masked = make([]int32, hi-lo, max(hi-lo, 2*cap(w.masked)))
	}
	out := w.masked[:hi-lo]
	copy(out, w.p.d.Event[lo:hi])
	for _, f := range w.p.keep {
		codes := f.codes[lo:hi]
		for j := range out {
			m := f.mask[codes[j]]
			out[j] = out[j]&m | hidden&^m
		}
	}
	w.masked = out
	return out
}

// keepMask is a --where filter for filtered: per property code, -1 when
// it passes, else 0.
type keepMask struct {
	codes []int32
	mask  []int32
}

// keepMasks are the masks of s's filters.
func keepMasks(s *Scope) []keepMask {
	out := make([]keepMask, len(s.filters))
	for i, f := range s.filters {
		out[i] = keepMask{codes: f.codes, mask: make([]int32, len(f.ok))}
		for c, ok := range f.ok {
			if ok {
				out[i].mask[c] = -1
			}
		}
	}
	return out
}

// passEach is the pass testing each event for the steps it can fill.
func (w *funnelWorker) passEach(lo, hi int) {
	p, s := w.p, w.p.s
	times, events := p.d.Time[lo:hi], p.d.Event[lo:hi]
	ev0 := p.ev[0]
	for g := 0; g < len(events); g++ {
		ev := events[g]
		if len(p.later[ev]) == 0 && ev != ev0 {
			continue
		}
		t := times[g]
		if g+1 < len(times) && times[g+1] == t {
			g = w.passInstant(lo+g, hi, t) - lo - 1
			continue
		}
		// Alone at its instant, as most events are: no group to gather.
		if s.Match(lo + g) {
			w.passOne(lo+g, t)
		}
	}
}

// passInstant passes the events at instant t from g on (the steps among
// them matched to distinct steps) and returns the end of the instant.
func (w *funnelWorker) passInstant(g, hi int, t int64) int {
	p, d, s := w.p, w.p.d, w.p.s
	end := g
	w.group = w.group[:0]
	for ; end < hi && d.Time[end] == t; end++ {
		if (len(p.later[d.Event[end]]) > 0 || d.Event[end] == p.ev[0]) && s.Match(end) {
			w.group = append(w.group, int32(end))
		}
	}
	if len(w.group) == 1 {
		w.passOne(int(w.group[0]), t)
	} else if len(w.group) > 1 {
		w.passGroup(t)
	}
	return end
}

// raise raises w.best to key, for a chain extended by an instant's
// events: laneBack does not walk back from them.
func (w *funnelWorker) raise(key int64) {
	if key > w.best {
		w.best, w.bestAt = key, -1
	}
}

// passOne extends the latest starts with x, the one event at instant t
// that can be a step.
func (w *funnelWorker) passOne(x int, t int64) {
	p, S := w.p, w.starts
	for _, k32 := range p.later[p.d.Event[x]] { // descending: x extends pre-x chains only
		k := int(k32)
		if S[k-1] != noStart && t-S[k-1] <= p.window && p.stepOK(x, k) {
			S[k] = max(S[k], S[k-1])
			w.raise(laneKey(k+1, S[k-1]))
		}
	}
	if w.fits(x, 0) {
		S[0] = t
	}
}

// passGroup extends the latest starts with the events of one instant,
// matched to distinct steps: from each level held before the instant, and
// from a new start at the instant itself.
func (w *funnelWorker) passGroup(t int64) {
	p, n := w.p, w.n
	S := w.starts
	pre := w.preStarts
	copy(pre, S)
	w.prepareGroup()
	for c := -1; c < n-1; c++ {
		from := t // c = -1: a chain starting in this group
		if c >= 0 {
			if pre[c] == noStart || t-pre[c] > p.window {
				continue
			}
			from = pre[c]
		}
		for g := range w.owner {
			w.owner[g] = -1
		}
		for k := c + 1; k < n; k++ {
			for g := range w.seen {
				w.seen[g] = false
			}
			if !w.augment(k) {
				break
			}
			S[k] = max(S[k], from)
			if k > 0 { // level 0's latest start is lane 1's
				w.raise(laneKey(k+1, from))
			}
		}
	}
}

// fits reports whether event x can be step k: step 1 must also lie in the
// date range, since only step 1 in range starts an attempt.
func (w *funnelWorker) fits(x, k int) bool {
	if k == 0 && !w.p.s.InRange(w.p.d.Time[x]) {
		return false
	}
	return w.p.matches(x, k)
}

// prepareGroup sizes the matching buffers for the current group.
func (w *funnelWorker) prepareGroup() {
	if cap(w.owner) < len(w.group) {
		w.owner = make([]int32, len(w.group))
		w.seen = make([]bool, len(w.group))
	}
	w.owner, w.seen = w.owner[:len(w.group)], w.seen[:len(w.group)]
}

// laneChains is whether lane funnels take laneChain (tests compare it with
// ordered).
var laneChains = true

// laneBack is laneChain for the counted attempt found by the lane pass
// when it saw the chain first reach level at event at (w.bestAt, from
// lo; level >= 1): the attempt is the latest start at or before it, at
// t0, and it first reached level there (a later start reaching level
// before would be counted instead). So no walk forward from the start,
// and no search for it: the chain's steps are found walking back from
// at, then the start (a few events: at 10M, 4.5 a person on average).
// No two events from from to at share an instant (w.bestFrom), so the
// walk tests no instant; it returns the start, or false where laneChain
// would: when the attempt begins before from.
func (w *funnelWorker) laneBack(lo, hi, at, from, level int, t0 int64, events []int32) (int, bool) {
	times := w.p.d.Time[lo:hi]
	w.cur[level] = int32(lo + at)
	g, ok := w.chainBack(lo, at, from, level, events)
	if !ok {
		return 0, false
	}
	for g--; g >= from && times[g] > t0; g-- {
	}
	// Below from, the walk would pass two events at one instant (the
	// group before a run of laneRun's) or leave the date range (a).
	if g < from || times[g] != t0 || events[g] != w.p.ev[0] || (g == from && g > 0 && times[g-1] == t0) {
		return 0, false
	}
	w.cur[0] = int32(lo + g)
	return lo + g, true
}

// laneChain fills w.cur with the chain of the attempt at event i1 (the
// latest step-1 event at its time) that first reaches level, for its
// times to convert, when no two of the events it reads share an instant;
// else it reports false and the attempt is walked by ordered. events are
// the person's event ids as the lane pass read them (hidden by --where:
// past the names). With one step per name and no step filters, each
// event of step k extends the chain reaching k-1, and the levels reached
// are 0..some level: level k is first reached (f[k]) by the first event
// of step k after f[k-1]. Its chain's step j < k is the latest step-j
// event before its step j+1: that event came after f[j-1], so it
// extended the chain then. Two plain loops over event ids instead of
// ordered's chain copies per event (a third of the events of the
// workbench's first funnel at 10M are walked), each without a branch on
// an event's step, which was mispredicted on most events: the first
// counts the levels reached up to the first reach of level, the second
// walks back from it and stores each event into its step's slot when it
// is the step sought, else into a spare one.
func (w *funnelWorker) laneChain(lo, hi, i1, level int, events []int32) bool {
	p, times, codes := w.p, w.p.d.Time[lo:hi], w.codes
	e := i1 - lo
	t0 := times[e]
	if events[e] != p.ev[0] || (e > 0 && times[e-1] == t0) {
		return false
	}
	limit := t0 + p.window
	lv, g := 0, e
	for lv < level {
		if g++; g >= len(events) || times[g] > limit || times[g] == times[g-1] {
			return false
		}
		if int(codes[events[g]]&0xff) == lv+1 {
			lv++
		}
	}
	if g+1 < len(times) && times[g+1] == times[g] {
		return false
	}
	w.cur[0], w.cur[level] = int32(i1), int32(lo+g)
	w.chainBack(lo, g, e, level, events) // steps 1..level-1 lie after e
	return true
}

// chainBack fills w.cur[1:level] walking back from event g (of step
// level) over the person's events: each event is stored into its step's
// slot when it is the step sought, else into the spare slot w.cur[n], so
// no branch depends on an event's step (mispredicted on most events). It
// returns the event of step 1, or false when the walk would pass below
// from.
func (w *funnelWorker) chainBack(lo, g, from, level int, events []int32) (int, bool) {
	f, codes := w.cur[:w.n+1], w.codes
	for j := level - 1; j > 0; {
		if g--; g < from {
			return 0, false
		}
		k, c := w.n, int(codes[events[g]]&0xff)
		if c == j {
			k = j
		}
		f[k] = int32(lo + g)
		if c == j {
			j--
		}
	}
	return g, true
}
