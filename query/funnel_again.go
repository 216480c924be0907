package query

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/store"
)

// FunnelAgain answers q from prev, the result of an earlier query on d,
// when the two differ only in the trend's interval, the --by property or
// the --where filters. Who reached which step from which attempt depends
// on neither of the first two, and the --where filters change it only for
// the persons some of whose events they now keep differently:
//   - a new interval counts the trend again in one pass over the persons
//     instead of their events (the workbench's "trend per week" edit at
//     10M events: a third of a second of scanning);
//   - a new --by reads each person's code at its counted attempt and
//     regroups the times to convert prev kept in person order (at 10M
//     events, walking every counted attempt again for its times was a
//     third of a --by edit);
//   - new --where filters evaluate again only the persons with an event
//     that one scope keeps and the other does not (with device = x, where
//     a person's events all share a device: none); the others keep prev's
//     result and times, or, under spoor's rules, drop out when the new
//     scope keeps none of their events.
//
// ok is false when prev cannot answer q: another query, other data, a
// result of another engine, or a saved segment, which may have changed
// since. The result is the one Funnel gives.
func (d *Dataset) FunnelAgain(ctx context.Context, prev *FunnelResult, q FunnelQuery) (r *FunnelResult, ok bool, err error) {
	if d == nil || prev == nil || prev.d != d || prev.times == nil || q.Segment != "" || strings.HasPrefix(q.By, "segment:") {
		return nil, false, nil
	}
	was, now := prev.Query, q
	was.Interval, now.Interval, was.By, now.By, was.Where, now.Where = "", "", "", "", nil, nil
	if !reflect.DeepEqual(was, now) {
		return nil, false, nil
	}
	// Read prev's times under a hold of their own: prev may be released
	// meanwhile (the workbench releases the funnel it no longer shows).
	kept := prev.times.k
	if !kept.acquire() {
		return nil, false, nil
	}
	defer kept.drop()
	p, err := d.planFunnel(ctx, q)
	if err != nil {
		return nil, true, err
	}
	sameWhere := slices.Equal(prev.Query.Where, q.Where)
	if q.By == prev.Query.By && sameWhere {
		// Only the trend changes: the rest is prev's.
		parts := make([]funnelPart, len(kept.ranges))
		err := eachRange(ctx, kept.ranges, func(part, lo, hi int) error {
			pt := p.newPart()
			start := newBlockCursor(&kept.parts[part][0])
			for u := lo; u < hi; u++ {
				if err := stopped(ctx, lo, u); err != nil {
					return err
				}
				if l := prev.Level[u]; l >= 0 {
					pt.countAt(p, int(l), prev.InProgress[u], start.next())
				}
			}
			parts[part] = pt
			return nil
		})
		if err != nil {
			return nil, true, err
		}
		again := *prev
		again.Interval, again.Query = string(p.cal.Interval), q
		again.Trend = trendPoints(p, parts)
		again.times = kept.hold()
		return &again, true, nil
	}
	var change *scopeChange
	if !sameWhere {
		old := prev.Query.Common
		old.By = ""
		s, err := d.Resolve(ctx, old)
		if err != nil {
			return nil, true, err
		}
		change = newScopeChange(prev.Query.Where, q.Where, s, p.s)
	}
	r = p.newResult()
	np := len(prev.Level)
	if change == nil {
		r.Level, r.InProgress, r.Attempt = prev.Level, prev.InProgress, prev.Attempt
	} else {
		r.Level, r.InProgress, r.Attempt = store.HugePages(make([]int8, np)), store.HugePages(make([]bool, np)), store.HugePages(make([]int32, np))
	}
	// The codes of prev's counted attempts: prev's own, read in order,
	// where its --by is r's.
	var codes *Prop
	var prevCode []int32
	if r.byProp != nil {
		r.byCode = store.HugePages(make([]int32, np))
		codes = r.byProp
		if q.By == prev.Query.By && r.byProp == prev.byProp {
			codes, prevCode = nil, prev.byCode
		}
	}
	// The same persons at the same levels from the same attempts, in the
	// same intervals: the steps (their quartiles too: the same times) and
	// the trend are prev's, and only the breakdown is counted (at 10M
	// events, counting the trend again was a fifth of a --by edit).
	recount := change != nil || r.Interval != prev.Interval
	if !recount {
		r.Steps, r.Trend = prev.Steps, prev.Trend
	}
	parts := make([]funnelPart, len(kept.ranges))
	err = eachRange(ctx, kept.ranges, func(part, lo, hi int) error {
		pt := p.newPart()
		if change == nil {
			// The same persons reach the same steps: the same times.
			pt.ms = kept.parts[part]
		}
		from := make([]blockCursor, p.n)
		for k := range from {
			from[k] = newBlockCursor(&kept.parts[part][k])
		}
		var w *funnelWorker
		var at attemptsAt
		for u := lo; u < hi; u++ {
			if err := stopped(ctx, lo, u); err != nil {
				return err
			}
			if codes != nil {
				at.gather(prev, codes, u, hi)
			}
			level, open, start, t := int(prev.Level[u]), prev.InProgress[u], int(prev.Attempt[u]), int64(0)
			if level >= 0 {
				t = from[0].next()
			}
			fresh := false // evaluated again, not prev's
			if change != nil {
				if same, anyKept := change.classify(u, level); !same {
					for k := 1; k <= level; k++ {
						from[k].skip()
					}
					if p.sem == SemSpoor && !anyKept {
						// No event in scope: no step-1 event either.
						level, open, start, t = -1, false, -1, 0
					} else {
						if w == nil {
							w = newFunnelWorker(p)
						}
						level, open = w.person(u)
						if w.err != nil {
							return w.err
						}
						start, t, fresh = w.start, 0, true
						if level >= 0 {
							t = p.d.Time[start]
						}
					}
				}
				r.Level[u], r.InProgress[u], r.Attempt[u] = int8(level), open, int32(start)
			}
			if level < 0 {
				continue
			}
			if change != nil {
				pt.ms[0].add(t)
			}
			if recount {
				pt.countAt(p, level, open, t)
			}
			code := int32(0)
			switch {
			case fresh && r.byProp != nil:
				code = r.byProp.Codes[start]
			case prevCode != nil:
				code = prevCode[u]
			case codes != nil:
				code = at.code(u)
			}
			if r.byCode != nil {
				r.byCode[u] = code
			}
			switch {
			case fresh:
				pt.times(p, level, code, w.cur)
			case change != nil:
				for k := 1; k <= level; k++ {
					pt.ms[k].add(from[k].next())
					if r.byCode != nil {
						pt.code[k].add(code)
					}
				}
			case r.byCode != nil:
				for k := 1; k <= level; k++ {
					pt.code[k].add(code)
				}
			}
		}
		parts[part] = pt
		return nil
	})
	if err != nil {
		return nil, true, err
	}
	if change == nil {
		r.times = kept.hold()
	}
	p.finish(r, kept.ranges, parts)
	return r, true, nil
}

// attemptsAt gathers, a batch of persons ahead, the --by code of prev's
// counted attempts: read one person at a time, each was a cache miss
// waited for (at 10M events the column is 40 MB), a sixth of a --by edit;
// a batch of loads independent of one another waits for them together.
type attemptsAt struct {
	lo, hi int
	codes  [attemptBatch]int32
}

const attemptBatch = 64

// gather reads the batch from person u on (persons up to hi) when u is
// past the last one.
func (a *attemptsAt) gather(prev *FunnelResult, codes *Prop, u, hi int) {
	if u < a.hi {
		return
	}
	a.lo, a.hi = u, min(u+attemptBatch, hi)
	for v := a.lo; v < a.hi; v++ {
		a.codes[v-a.lo] = codes.Codes[max(prev.Attempt[v], 0)]
	}
}

func (a *attemptsAt) code(u int) int32 { return a.codes[u-a.lo] }

// blockCursor reads a blocks' values in the order added.
type blockCursor struct {
	blks [][]int64
	b, i int
}

func newBlockCursor(b *blocks[int64]) blockCursor {
	return blockCursor{blks: append(slices.Clip(b.full), b.last)}
}

func (c *blockCursor) next() int64 {
	for c.i == len(c.blks[c.b]) {
		c.b, c.i = c.b+1, 0
	}
	v := c.blks[c.b][c.i]
	c.i++
	return v
}

func (c *blockCursor) skip() { c.next() }

// scopeChange compares, person by person, the events two sets of --where
// filters keep: the filters both have (shared), and those only the old
// (was) or only the new (now) has.
type scopeChange struct {
	d                *Dataset
	shared, was, now []keepMask
	narrows          bool // now keeps a subset of what was kept
}

func newScopeChange(wasWhere, nowWhere []string, wasScope, nowScope *Scope) *scopeChange {
	c := &scopeChange{d: wasScope.D, narrows: true}
	wasMasks, nowMasks := keepMasks(wasScope), keepMasks(nowScope)
	for i, w := range wasWhere {
		if !slices.Contains(nowWhere, w) {
			c.was = append(c.was, wasMasks[i])
			c.narrows = false
		}
	}
	for i, w := range nowWhere {
		if slices.Contains(wasWhere, w) {
			c.shared = append(c.shared, nowMasks[i])
		} else {
			c.now = append(c.now, nowMasks[i])
		}
	}
	return c
}

// classify reports whether both scopes keep the same events of person u,
// whose level under the old one was level (then the new result is the
// old one), and else whether the new scope keeps any of them. A person
// without a step-1 event kept by the old scope has none in a narrower
// one either.
func (c *scopeChange) classify(u, level int) (same, anyKept bool) {
	if level < 0 && c.narrows {
		return true, false
	}
	lo, hi := int(c.d.Start[u]), int(c.d.Start[u+1])
	if len(c.shared) == 0 && len(c.was) == 0 && len(c.now) == 1 {
		// A filter added to none, as the workbench's first: without a
		// branch per event (one value of a few passes a third of them).
		f := c.now[0]
		all, some := int32(-1), int32(0)
		for _, x := range f.codes[lo:hi] {
			m := f.mask[x]
			all &= m
			some |= m
		}
		return all != 0, some != 0
	}
	same = true
	for j := lo; j < hi; j++ {
		s := int32(-1)
		for _, f := range c.shared {
			s &= f.mask[f.codes[j]]
		}
		a, b := s, s
		for _, f := range c.was {
			a &= f.mask[f.codes[j]]
		}
		for _, f := range c.now {
			b &= f.mask[f.codes[j]]
		}
		same = same && a == b
		anyKept = anyKept || b != 0
	}
	return same, anyKept
}

// keptTimes are a funnel's times to convert kept for FunnelAgain: per
// range of persons the scan split them in (ranges), per step k >= 1, the
// times of the persons reaching it, in person order, and at 0 the counted
// attempt's step-1 time of each person reaching step 1 (the trend's: read
// by Attempt, at 10M events each was a cache line of the time column;
// kept in blocks, the next scan reuses their memory). A result derived
// with the same persons' times shares them. Their blocks go back to
// blockFree once no result holds them (FunnelResult.Release, or the
// garbage collector finding the result unreachable): kept for good, they
// made every full scan (the workbench's step and window edits) take fresh
// memory, 15-20% more CPU at 10M events.
type keptTimes struct {
	ranges [][2]int
	mu     sync.Mutex
	parts  [][]blocks[int64]
	holds  int // results holding them, and FunnelAgain calls reading them
}

// acquire takes a hold on k's times, unless their blocks were handed back.
func (k *keptTimes) acquire() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.holds == 0 {
		return false
	}
	k.holds++
	return true
}

// hold is a new result's hold on k's times, which the caller holds.
func (k *keptTimes) hold() *timesHold {
	k.mu.Lock()
	k.holds++
	k.mu.Unlock()
	return holdTimes(k)
}

// drop lets go of a hold, the last one handing the blocks back.
func (k *keptTimes) drop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.holds--; k.holds > 0 {
		return
	}
	for _, pt := range k.parts {
		for i := range pt {
			pt[i].release()
		}
	}
	k.parts = nil
}

// timesHold is one result's hold on its kept times, counted in k.holds,
// let go of once: by Release, or else when the result is collected.
type timesHold struct {
	k       *keptTimes
	once    sync.Once
	cleanup runtime.Cleanup
}

// holdTimes makes a result's hold of one that k counts already.
func holdTimes(k *keptTimes) *timesHold {
	h := &timesHold{k: k}
	h.cleanup = runtime.AddCleanup(h, (*keptTimes).drop, k)
	return h
}

// Release hands the times r keeps for FunnelAgain back to the next funnel
// once no other result derived from the same scan holds them: FunnelAgain
// then answers no edit from r, and r's answer (steps, breakdown, trend and
// persons) stays. The workbench releases the funnel it no longer shows.
// Nil-safe, and once only.
func (r *FunnelResult) Release() {
	if r == nil || r.times == nil {
		return
	}
	h := r.times
	h.once.Do(func() {
		h.cleanup.Stop()
		h.k.drop()
	})
}
