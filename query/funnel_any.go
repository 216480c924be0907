package query

// Any-order funnels: a person's level is the largest number of distinct
// steps done within one window [t, t+window] that starts at a considered
// step event in range. Steps may share a name with different filters, so
// "distinct steps" is a maximum bipartite matching between steps and
// events; events are grouped by the set of steps they can fill (a mask),
// which keeps the matching tiny.

// stepMask is the set of steps event i can fill.
func (p *funnelPlan) stepMask(i int) uint64 {
	var m uint64
	for _, k := range p.any[p.d.Event[i]] {
		if p.stepOK(i, int(k)) {
			m |= 1 << uint(k)
		}
	}
	return m
}

// anyPerson slides the window over the person's step events in range.
func (w *funnelWorker) anyPerson(lo, hi int) (level int, open bool) {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	level = -1
	w.typeEvents(lo, hi)
	wl, wh := lo, lo
	size, dirty := 0, false
	for i := lo; i < hi && d.Time[i] < s.To; i++ {
		if d.Time[i] < s.From || w.tids[i-lo] < 0 {
			continue
		}
		ts := d.Time[i]
		for ; wh < hi && d.Time[wh] <= ts+p.window; wh++ {
			dirty = w.countType(w.tids[wh-lo], 1) || dirty
		}
		for ; d.Time[wl] < ts; wl++ {
			dirty = w.countType(w.tids[wl-lo], -1) || dirty
		}
		if dirty {
			size, dirty = w.distinctSteps(), false
		}
		l := size - 1
		o := ts+p.window > p.maxTime
		if l >= level { // the latest start wins ties, as in the other modes
			level, open, w.start = l, o, i
		}
	}
	if w.start >= 0 {
		w.anyChain(lo, hi)
	}
	return level, open && level < n-1
}

// typeEvents gives each event of the person its type (the index in
// w.types of its set of steps), or -1 when it fills no step; the window
// adds and removes each event, so this is done once. Without step filters
// the type follows from the event name alone.
func (w *funnelWorker) typeEvents(lo, hi int) {
	p, d, s := w.p, w.p.d, w.p.s
	w.types, w.present, w.multi = w.types[:0], 0, false
	if p.anyType != nil {
		for _, m := range p.anyMasks {
			w.addType(m)
		}
	}
	w.tids = w.tids[:0]
	for j := lo; j < hi; j++ {
		t := int32(-1)
		switch {
		case len(p.any[d.Event[j]]) == 0 || !s.Match(j):
		case p.anyType != nil:
			t = p.anyType[d.Event[j]]
		default:
			if m := p.stepMask(j); m != 0 {
				t = w.typeOf(m)
			}
		}
		w.tids = append(w.tids, t)
	}
}

func (w *funnelWorker) addType(m uint64) {
	w.types = append(w.types, anyType{mask: m})
	w.multi = w.multi || m&(m-1) != 0
}

func (w *funnelWorker) typeOf(m uint64) int32 {
	for t := range w.types {
		if w.types[t].mask == m {
			return int32(t)
		}
	}
	w.addType(m)
	return int32(len(w.types) - 1)
}

// countType adds delta to the events of type t in the window; it reports
// whether such events count (t >= 0).
func (w *funnelWorker) countType(t int32, delta int32) bool {
	if t < 0 {
		return false
	}
	before := w.types[t].count
	w.types[t].count += delta
	if after := w.types[t].count; (before == 0) != (after == 0) {
		w.present += int(after - before) // +1 or -1: a type came or went
	}
	return true
}

// distinctSteps is the number of distinct steps the window's events fill.
// When every event fills exactly one step, that is the number of event
// types present; steps sharing a name need the matching.
func (w *funnelWorker) distinctSteps() int {
	if !w.multi {
		return w.present
	}
	return w.maxMatching()
}

// maxMatching is the number of distinct steps the window's events fill.
func (w *funnelWorker) maxMatching() int {
	if cap(w.used) < len(w.types) {
		w.used = make([]int32, len(w.types), 2*len(w.types))
		w.tseen = make([]bool, len(w.types), 2*len(w.types))
	}
	w.used, w.tseen = w.used[:len(w.types)], w.tseen[:len(w.types)]
	for t := range w.used {
		w.used[t] = 0
	}
	for k := range w.assign {
		w.assign[k] = -1
	}
	size := 0
	for k := 0; k < w.n; k++ {
		for t := range w.tseen {
			w.tseen[t] = false
		}
		if w.tryType(k) {
			size++
		}
	}
	return size
}

// tryType gives step k an event type with room, moving other steps along
// an augmenting path when needed.
func (w *funnelWorker) tryType(k int) bool {
	for t := range w.types {
		if w.tseen[t] || w.types[t].mask&(1<<uint(k)) == 0 || w.types[t].count <= 0 {
			continue
		}
		w.tseen[t] = true
		if w.used[t] < w.types[t].count {
			w.used[t]++
			w.assign[k] = int32(t)
			return true
		}
		for k2 := 0; k2 < w.n; k2++ {
			if w.assign[k2] == int32(t) && w.tryType(k2) {
				w.assign[k] = int32(t)
				return true
			}
		}
	}
	return false
}

// anyChain fills w.cur for the counted start: the start event, then each
// event of its window (in time order) at which the number of distinct
// steps done grew. Their gaps are the times to convert.
func (w *funnelWorker) anyChain(lo, hi int) {
	p, d := w.p, w.p.d
	start := w.start
	ts := d.Time[start]
	for t := range w.types {
		w.types[t].count = 0
	}
	w.present = 0
	w.countType(w.tids[start-lo], 1)
	w.cur[0] = int32(start)
	size := 1
	g := start
	for g > lo && d.Time[g-1] == ts {
		g--
	}
	for j := g; j < hi && d.Time[j] <= ts+p.window && size < w.n; j++ {
		if j == start || !w.countType(w.tids[j-lo], 1) {
			continue
		}
		if m := w.distinctSteps(); m > size {
			w.cur[size] = int32(j)
			size = m
		}
	}
}
