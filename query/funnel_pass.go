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

// latestStart returns the deepest level reached (-1 when none) and the
// latest step-1 time of a chain reaching it.
func (w *funnelWorker) latestStart(lo, hi int) (int, int64) {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	S := w.starts
	only, ev0 := p.only, p.ev[0]
	for k := range S {
		S[k] = noStart
	}
	for g := lo; g < hi; {
		t := d.Time[g]
		if g+1 == hi || d.Time[g+1] != t {
			// Alone at its instant, as most events are: no group to gather.
			ev := d.Event[g]
			if only != nil {
				// passOne without its loop and filter tests.
				if k := int(only[ev]); (k > 0 || ev == ev0) && s.Match(g) {
					if k > 0 && S[k-1] != noStart && t-S[k-1] <= p.window {
						S[k] = max(S[k], S[k-1])
					}
					if ev == ev0 && s.InRange(t) {
						S[0] = t
					}
				}
			} else if (len(p.later[ev]) > 0 || ev == ev0) && s.Match(g) {
				w.passOne(g, t)
			}
			g++
			continue
		}
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
		g = end
	}
	for k := n - 1; k >= 0; k-- {
		if S[k] != noStart {
			return k, S[k]
		}
	}
	return -1, noStart
}

// passOne extends the latest starts with x, the one event at instant t
// that can be a step.
func (w *funnelWorker) passOne(x int, t int64) {
	p, S := w.p, w.starts
	for _, k32 := range p.later[p.d.Event[x]] { // descending: x extends pre-x chains only
		k := int(k32)
		if S[k-1] != noStart && t-S[k-1] <= p.window && p.stepOK(x, k) {
			S[k] = max(S[k], S[k-1])
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
