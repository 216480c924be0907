package query

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"

	"github.com/spoorhq/spoor/store"
)

// funnelWorker evaluates one person at a time with buffers reused across
// persons, so the scan allocates nothing per event.
//
// Ordered mode, per step-1 attempt: events after the attempt are taken in
// time groups (equal timestamps together, since "at or after" is about
// time, not storage order). For each level k the worker keeps the chain
// reaching k whose step times are latest in every coordinate: later steps
// leave less room for an excluded event before the next step, and every
// later event is at or after all of them, so no other chain can extend
// further. The chain first reaching the deepest level is the one reported
// (its step times give the time to convert).
type funnelWorker struct {
	p *funnelPlan
	n int

	valid []bool  // level k has a chain in the current attempt
	chain []int32 // chain[k*n+j]: event of step j in the level-k chain
	reach []int32 // the level-k chain as it was when level k was first reached

	lastE  []int64   // per exclusion: latest considered event time before the current group
	eTimes [][]int64 // strict: per exclusion, the person's considered event times

	// equal-time groups
	group   []int32
	owner   []int32 // group slot -> step matched to it, or -1
	seen    []bool
	cand    []int32
	candOK  []bool
	preOK   []bool
	matchOf []int32 // step -> group slot

	// any mode
	types   []anyType
	present int     // types with a nonzero count
	multi   bool    // some type fills several steps
	tids    []int32 // per event of the person: its type, -1 when it fills no step
	assign  []int32 // step -> type
	used    []int32 // type -> steps assigned
	tseen   []bool

	cur   []int32 // the counted attempt's chain, steps 0..level
	start int     // counted attempt's step-1 event, -1

	spent int // events visited by the window scans of the current person

	moved bool         // setChain ran: the sweep's state changed
	sw    *funnelSweep // ordered funnels with exclusions, heavy persons

	// latestStart (funnel_pass.go): per level, the latest step-1 time
	// reaching it (starts is lanes[1:n+1]), and the lanes' codes
	starts, preStarts []int64
	lanes             *[256]int64
	codes             []laneCode           // nil: passEach
	table, lateTable  *[codeTable]laneCode // codes and late when they fit a table (lanePerson), else nil
	late              []laneCode           // codes without starts, after the date range
	best              int64                // passLanes: the laneKey of the deepest chain, latest start
	bestAt            int                  // the event (from the person's first) that first reached best, -1: an instant's group
	bestFrom          int                  // no two events from this one to bestAt share an instant
	from              int                  // laneSpan: the same for the events it passes
	far               int64                // no start yet
	masked            []int32              // filtered
	passed            []int32              // the event ids the last passLanes read

	// other products' semantics (funnel_semantics.go, funnel_clickhouse.go)
	u               int // the person being evaluated
	err             error
	chList          []chEntry
	chFirst, chLast []int64
	chSeqs          [][]chSeq
	chStop, chAt    int // why windowFunnel stopped, at which row (-1)
	ph              []phEntered
	phMax           []int32
	phQueue         [][]int32 // posthog any order: per step, its events in the window
}

type anyType struct {
	mask  uint64
	count int32
}

func newFunnelWorker(p *funnelPlan) *funnelWorker {
	n := p.n
	w := &funnelWorker{
		p: p, n: n,
		valid:     make([]bool, n),
		chain:     make([]int32, n*n),
		reach:     make([]int32, n*n),
		lastE:     make([]int64, len(p.excl)),
		cand:      make([]int32, n*n),
		candOK:    make([]bool, n),
		preOK:     make([]bool, n),
		matchOf:   make([]int32, n),
		assign:    make([]int32, n),
		cur:       make([]int32, n, n+1), // laneChain's spare slot past the steps
		preStarts: make([]int64, n),
		chFirst:   make([]int64, n),
		chLast:    make([]int64, n),
		lanes:     new([256]int64),
	}
	w.starts = w.lanes[1 : n+1]
	w.codes, w.late, w.far = p.laneCodes()
	if len(w.codes) == codeTable {
		w.table, w.lateTable = (*[codeTable]laneCode)(w.codes), (*[codeTable]laneCode)(w.late)
	}
	return w
}

// person evaluates person u: the deepest level (-1 when no step-1 event
// in range), whether the counted attempt's window is still open at the
// data's end, with w.cur and w.start describing the counted attempt.
//
// The counted attempt is the latest step-1 event reaching the deepest
// level (as PostHog counts from the most recent funnel entry): times to
// convert run from it, --by reads its properties, and a user whose latest
// deepest attempt is still open is in progress rather than dropped.
func (w *funnelWorker) person(u int) (level int, open bool) {
	p, d, s := w.p, w.p.d, w.p.s
	w.start, w.u = -1, u
	if !s.Person(u) {
		return -1, false
	}
	lo, hi := int(d.Start[u]), int(d.Start[u+1])
	if p.sem != SemSpoor {
		return w.vendorPerson(lo, hi), false
	}
	if p.mode == FunnelAny {
		return w.anyPerson(lo, hi)
	}
	if p.mode == FunnelOrdered && len(p.excl) == 0 {
		// One pass finds the deepest level and the latest start reaching
		// it; only that attempt is walked, for its step times. Walking
		// attempts latest first (as with exclusions, below) settles a
		// converting person with fewer events read, but it read the
		// timeline once more to find the last step's event, which most
		// persons lack, and its window scans cost more than the pass.
		if w.table != nil && laneChains {
			if level, open, ok := w.lanePerson(lo, hi); ok {
				return level, open
			}
		}
		target, t0 := w.latestStart(lo, hi)
		if target < 0 {
			return -1, false
		}
		if w.codes != nil && laneChains && target > 0 && w.bestAt >= 0 {
			if i, ok := w.laneBack(lo, hi, w.bestAt, w.bestFrom, target, t0, w.passed); ok {
				w.start = i
				return target, t0+p.window > p.maxTime && target < w.n-1
			}
		}
		end := lo + after(d.Time[lo:hi], t0)
		if w.codes != nil && laneChains && w.laneChain(lo, hi, end-1, target, w.passed) {
			w.start = end - 1
			return target, d.Time[end-1]+p.window > p.maxTime && target < w.n-1
		}
		level, open, _ = w.attempts(lo, end, hi, target, math.MaxInt)
		return level, open
	}
	end := lo + after(d.Time[lo:hi], s.To-1)
	if p.mode == FunnelStrict && len(p.excl) > 0 {
		w.exclusionTimes(lo, hi)
	}
	if p.mode == FunnelStrict {
		level, open, _ = w.attempts(lo, end, hi, w.n-1, math.MaxInt)
		return level, open
	}
	// With exclusions a later start does not dominate an earlier one.
	// Attempts latest first usually settle a person in one or two window
	// scans; a person with many fruitless attempts (a bot, say) would cost
	// one scan per attempt, so past a budget one sweep over the timeline
	// evaluates them all (funnel_sweep.go). Attempts stop early only at
	// the last step: without its event every attempt is tried, and the
	// sweep is cheaper from the start.
	budget := attemptBudget * (hi - lo + 16)
	if attemptBudget < perAttempt && !slices.Contains(d.Event[lo:hi], p.ev[w.n-1]) {
		budget = -1
	}
	level, open, ok := w.attempts(lo, end, hi, w.n-1, budget)
	if ok {
		return level, open
	}
	i := w.sweepOrdered(lo, end, hi)
	if i < 0 {
		return -1, false
	}
	level = w.ordered(i, lo, hi, w.n-1)
	w.start = i
	copy(w.cur, w.reach[level*w.n:level*w.n+level+1])
	return level, d.Time[i]+p.window > p.maxTime && level < w.n-1
}

// after is the number of times in ts (ascending) at or before t: the
// index of the first after it. A binary search whose halving does not
// branch: sort.Search's closure and its mispredicted branches cost a
// tenth of the funnel's time.
func after(ts []int64, t int64) int {
	if len(ts) == 0 {
		return 0
	}
	base, n := 0, len(ts)
	for n > 1 {
		half := n / 2
		mid := base + half
		// base = mid unless ts[mid] > t, in arithmetic: the compiler
		// keeps a branch for a loop's own variable. Event times are
		// far from overflowing the difference.
		base = mid + (base-mid)&int((t-ts[mid])>>63)
		n -= half
	}
	if ts[base] <= t {
		base++
	}
	return base
}

// exclusionTimes lists, per exclusion, the times of the person's
// considered excluded events, so a strict attempt finds the latest one in
// its window by binary search instead of a scan.
func (w *funnelWorker) exclusionTimes(lo, hi int) {
	d, s := w.p.d, w.p.s
	if w.eTimes == nil {
		w.eTimes = make([][]int64, len(w.p.excl))
	}
	for e := range w.eTimes {
		w.eTimes[e] = w.eTimes[e][:0]
	}
	for j := lo; j < hi; j++ {
		for _, e := range w.p.exclBy[d.Event[j]] {
			if s.Match(j) {
				w.eTimes[e] = append(w.eTimes[e], d.Time[j])
			}
		}
	}
}

// attemptBudget is how many events, per event of the person, the window
// scans of ordered attempts may visit before one pass is cheaper. Tests set
// it below zero to take the one-pass path every time, and to perAttempt
// to scan every attempt of every person.
var attemptBudget = 4

const perAttempt = 1 << 40

// attempts tries the step-1 events before end, latest first, until one
// reaches target (earlier ones could only tie, and the latest wins ties).
// It gives up, ok false, once its window scans have visited more than
// budget events.
func (w *funnelWorker) attempts(lo, end, hi, target, budget int) (level int, open, ok bool) {
	p, d, s := w.p, w.p.d, w.p.s
	level, w.start, w.spent = -1, -1, 0
	for i := end - 1; i >= lo && d.Time[i] >= s.From; i-- {
		if d.Event[i] != p.ev[0] || !s.Match(i) || !p.stepOK(i, 0) {
			continue
		}
		if w.spent > budget {
			return level, false, false
		}
		var l int
		if p.mode == FunnelStrict {
			l = w.strict(i, hi)
		} else {
			l = w.ordered(i, lo, hi, target)
		}
		if l > level {
			level, open, w.start = l, d.Time[i]+p.window > p.maxTime, i
			copy(w.cur, w.reach[l*w.n:l*w.n+l+1])
		}
		if level == target {
			break
		}
	}
	return level, open && level < w.n-1, true
}

// ordered evaluates the attempt starting at event i1, up to level stop,
// and leaves the chain that first reached each level in w.reach.
func (w *funnelWorker) ordered(i1, lo, hi, stop int) int {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	t0 := d.Time[i1]
	limit := t0 + p.window // inclusive: an event exactly window after step 1 counts
	for k := range w.valid {
		w.valid[k] = false
	}
	w.valid[0] = true
	w.chain[0], w.reach[0] = int32(i1), int32(i1)
	level := 0
	for e := range w.lastE {
		w.lastE[e] = math.MinInt64
	}
	g := i1
	for g > lo && d.Time[g-1] == t0 {
		g-- // events stored before step 1 at the same instant are "at" it
	}
	for g < hi && d.Time[g] <= limit && level < stop {
		t := d.Time[g]
		end := g + 1
		if end == hi || d.Time[end] != t {
			// Alone at its instant, as most events are: no group to gather.
			if p.only != nil && len(p.excl) == 0 {
				// extendOne without its loop, filter and exclusion tests.
				if k := int(p.only[d.Event[g]]); k > 0 && g != i1 && w.valid[k-1] && s.Match(g) {
					level = w.extendTo(k, g, level)
				}
			} else if g != i1 && len(p.later[d.Event[g]]) > 0 && s.Match(g) {
				level = w.extendOne(g, t, level)
			}
		} else {
			w.group = w.group[:0]
			for end = g; end < hi && d.Time[end] == t; end++ {
				if end != i1 && len(p.later[d.Event[end]]) > 0 && s.Match(end) {
					w.group = append(w.group, int32(end))
				}
			}
			switch len(w.group) {
			case 0:
			case 1:
				level = w.extendOne(int(w.group[0]), t, level)
			default:
				level = w.extendGroup(t, level)
			}
		}
		if len(p.excl) > 0 {
			// Exclusion events at t count only for later steps: "between"
			// is strict in time.
			for j := g; j < end; j++ {
				for _, e := range p.exclBy[d.Event[j]] {
					if s.Match(j) {
						w.lastE[e] = t
					}
				}
			}
		}
		w.spent += end - g
		g = end
	}
	if len(p.excl) == 0 || level == n-1 {
		return level
	}
	// An excluded event after a chain's step From, within the window, with
	// step To not yet done, holds that chain at From. The latest chain of
	// each level is the least exposed, so it decides.
	final := 0
	for k := level; k >= 0; k-- {
		if w.valid[k] {
			final = max(final, w.capped(k, w.chain[k*n:]))
		}
	}
	return final
}

// capped is the level a chain reaching k counts at once the exclusions
// still open at k (From <= k < To) have seen the whole window: w.lastE.
func (w *funnelWorker) capped(k int, chain []int32) int {
	lv := k
	for _, x := range w.p.excl {
		if x.from <= k && k < x.to && w.lastE[x.id] > w.p.d.Time[chain[x.from]] {
			lv = min(lv, x.from)
		}
	}
	return lv
}

// exclOK reports whether the level-c chain may be extended to step k at
// time t: no excluded event strictly between its step From and t. A From
// step beyond c is matched at t itself, which leaves an empty interval.
func (w *funnelWorker) exclOK(c, k int, t int64) bool {
	if w.p.exclTo == nil {
		return true
	}
	for _, e := range w.p.exclTo[k] {
		x := w.p.excl[e]
		tf := t
		if x.from <= c {
			tf = w.p.d.Time[w.chain[c*w.n+x.from]]
		}
		if w.lastE[e] > tf {
			return false
		}
	}
	return true
}

// setChain records a new best chain for level k and its first reach.
func (w *funnelWorker) setChain(k int, src []int32, level int) int {
	n := w.n
	w.moved = true
	copy(w.chain[k*n:k*n+k+1], src[:k+1])
	if !w.valid[k] {
		w.valid[k] = true
		copy(w.reach[k*n:k*n+k+1], src[:k+1])
	}
	return max(level, k)
}

// extendOne handles a time group with one candidate event x.
func (w *funnelWorker) extendOne(x int, t int64, level int) int {
	p, n := w.p, w.n
	for _, k32 := range p.later[p.d.Event[x]] { // descending: each step reads the pre-event chain
		k := int(k32)
		if !w.valid[k-1] || !p.stepOK(x, k) || !w.exclOK(k-1, k, t) {
			continue
		}
		c := w.cand[:k+1]
		copy(c, w.chain[(k-1)*n:(k-1)*n+k])
		c[k] = int32(x)
		level = w.setChain(k, c, level)
	}
	return level
}

// extendTo extends the level k-1 chain with event x to level k (extendOne
// and setChain for one step, with no candidate row between them).
func (w *funnelWorker) extendTo(k, x, level int) int {
	n := w.n
	dst := w.chain[k*n : k*n+k+1]
	copy(dst, w.chain[(k-1)*n:(k-1)*n+k])
	dst[k] = int32(x)
	w.moved = true
	if !w.valid[k] {
		w.valid[k] = true
		copy(w.reach[k*n:], dst)
	}
	return max(level, k)
}

// extendGroup handles several candidate events at one instant: from each
// level reached before the group, the next steps are matched to distinct
// events of the group (bipartite matching, since steps may share a name
// with different filters). For each new level the chain from the lowest
// starting level wins: its earlier steps are the latest.
func (w *funnelWorker) extendGroup(t int64, level int) int {
	n := w.n
	copy(w.preOK, w.valid)
	for k := range w.candOK {
		w.candOK[k] = false
	}
	w.prepareGroup()
	for c := 0; c < n-1; c++ {
		if !w.preOK[c] {
			continue
		}
		for g := range w.owner {
			w.owner[g] = -1
		}
		for k := c + 1; k < n; k++ {
			if !w.exclOK(c, k, t) {
				break
			}
			for g := range w.seen {
				w.seen[g] = false
			}
			if !w.augment(k) {
				break
			}
			if w.candOK[k] {
				continue
			}
			w.candOK[k] = true
			dst := w.cand[k*n : k*n+k+1]
			copy(dst, w.chain[c*n:c*n+c+1])
			for j := c + 1; j <= k; j++ {
				dst[j] = w.group[w.matchOf[j]]
			}
		}
	}
	for k := 1; k < n; k++ {
		if w.candOK[k] {
			level = w.setChain(k, w.cand[k*n:k*n+k+1], level)
		}
	}
	return level
}

// augment finds an augmenting path giving step k an event of the group.
func (w *funnelWorker) augment(k int) bool {
	for g, x := range w.group {
		if w.seen[g] || !w.fits(int(x), k) {
			continue
		}
		w.seen[g] = true
		if w.owner[g] < 0 || w.augment(int(w.owner[g])) {
			w.owner[g] = int32(k)
			w.matchOf[k] = int32(g)
			return true
		}
	}
	return false
}

// strict evaluates the attempt at i1 when steps must be consecutive
// considered events (events hidden by --where do not break the chain;
// storage order decides among equal timestamps).
func (w *funnelWorker) strict(i1, hi int) int {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	limit := d.Time[i1] + p.window
	w.reach[0] = int32(i1)
	level, cur := 0, i1
	for k := 1; k < n; k++ {
		nx := cur + 1
		for nx < hi && !s.Match(nx) {
			nx++
		}
		if nx >= hi || d.Time[nx] > limit || !p.matches(nx, k) || !w.strictExclOK(k, nx) {
			break
		}
		copy(w.reach[k*n:k*n+k], w.reach[(k-1)*n:(k-1)*n+k])
		w.reach[k*n+k] = int32(nx)
		level, cur = k, nx
	}
	if len(p.excl) == 0 || level == n-1 {
		return level
	}
	for e, ts := range w.eTimes {
		w.lastE[e] = math.MinInt64
		if j := sort.Search(len(ts), func(j int) bool { return ts[j] > limit }); j > 0 {
			w.lastE[e] = ts[j-1]
		}
	}
	final := 0
	for k := level; k >= 0; k-- {
		final = max(final, w.capped(k, w.reach[k*n:]))
	}
	return final
}

// strictExclOK checks the exclusions ending at step k: with consecutive
// steps, the only events strictly between two steps are chain events.
func (w *funnelWorker) strictExclOK(k, x int) bool {
	if w.p.exclTo == nil {
		return true
	}
	d, n := w.p.d, w.n
	row := w.reach[(k-1)*n:]
	tk := d.Time[x]
	for _, e := range w.p.exclTo[k] {
		ex := w.p.excl[e]
		tf := d.Time[row[ex.from]]
		for j := ex.from + 1; j < k; j++ {
			tj := d.Time[row[j]]
			if d.Event[row[j]] == ex.ev && tj > tf && tj < tk {
				return false
			}
		}
	}
	return true
}

func (p *funnelPlan) run(ctx context.Context) (*FunnelResult, error) {
	return p.runRanges(ctx, p.d.funnelRanges())
}

// funnelRanges cuts the persons into funnelChunks ranges per core. With
// one range per core, a core the machine's other work held back left
// the other idle at the end: the wall time was the slower range's. Each
// range is a goroutine, and the scheduler hands the next to whichever
// core is free.
func (d *Dataset) funnelRanges() [][2]int {
	return d.splitPersons(runtime.GOMAXPROCS(0) * funnelChunks)
}

const funnelChunks = 8

// runRanges evaluates each range of persons in its own goroutine and
// merges their counts.
func (p *funnelPlan) runRanges(ctx context.Context, ranges [][2]int) (*FunnelResult, error) {
	np := len(p.d.Users)
	r := p.newResult()
	// Huge pages: at 100M events these are 40 MB that every funnel
	// touches fresh, 10,000 page faults of microseconds each on a
	// virtual machine.
	r.Level, r.InProgress, r.Attempt = store.HugePages(make([]int8, np)), store.HugePages(make([]bool, np)), store.HugePages(make([]int32, np))
	if r.byProp != nil {
		r.byCode = store.HugePages(make([]int32, np))
	}
	parts := make([]funnelPart, len(ranges))
	err := eachRange(ctx, ranges, func(part, lo, hi int) (err error) {
		parts[part], err = p.scan(ctx, r, lo, hi)
		return err
	})
	if err != nil {
		return nil, err
	}
	p.finish(r, ranges, parts)
	return r, nil
}

// newResult is the result of p before its per-person result and counts.
func (p *funnelPlan) newResult() *FunnelResult {
	return &FunnelResult{
		Mode: p.mode, WindowSeconds: float64(p.window) / 1000, Interval: string(p.cal.Interval),
		Semantics: p.semLabel(), Options: p.q.Options,
		By: p.q.By, Query: p.q, users: p.d.Users, byProp: p.s.By, d: p.d,
	}
}

// finish derives the counts, breakdown and trend from the per-person
// result and the parts' counts and times, those of the persons of
// ranges[i] in parts[i]. Steps and a trend r has already are kept
// (FunnelAgain's, when the parts did not count them again).
func (p *funnelPlan) finish(r *FunnelResult, ranges [][2]int, parts []funnelPart) {
	r.collectDeltas(p.n, parts)
	if r.Steps == nil {
		reached := make([]int, p.n)
		prog := make([]int, p.n)
		for _, pt := range parts {
			for l := range p.n {
				for k := 0; k <= l; k++ {
					reached[k] += pt.atLevel[l]
				}
				prog[l] += pt.prog[l]
			}
		}
		r.Steps = funnelRows(p.q.Steps, reached, prog, func(k int) (p25, median, p75 *float64) {
			return quartilesOf(r.stepTimes(k, parts))
		})
	}
	r.Breakdown = []FunnelBreakdown{}
	if r.byProp != nil {
		r.Breakdown = r.breakdown(p)
	}
	if r.Trend == nil {
		r.Trend = trendPoints(p, parts)
	}
	// Nothing reads the codes after this: the breakdown's times are in
	// copies (collectDeltas). A result FunnelAgain can answer from keeps
	// its times, in person order, for the next edit of --by or --where,
	// until Release; else nothing reads them again either. A result
	// FunnelAgain derived with prev's times holds prev's already.
	for _, pt := range parts {
		for k := range pt.code {
			pt.code[k].release()
		}
	}
	switch {
	case r.times != nil:
	case r.d != nil:
		k := &keptTimes{ranges: ranges, parts: make([][]blocks[int64], len(parts)), holds: 1}
		for i, pt := range parts {
			k.parts[i] = pt.ms
		}
		r.times = holdTimes(k)
	default:
		for _, pt := range parts {
			for k := range pt.ms {
				pt.ms[k].release()
			}
		}
	}
}

// funnelPart is what a worker counts over its persons: persons per deepest
// level, in progress per level, per trend interval (persons, converted, in
// progress), and the times to convert (ms) per step k >= 1, with --by
// the breakdown code of each person's counted attempt alongside; a scan
// adds at ms[0] each counted attempt's step-1 time (keptTimes).
type funnelPart struct {
	atLevel, prog []int
	trend         [][3]int
	ms            []blocks[int64]
	code          []blocks[int32]
}

// scan evaluates persons lo..hi, writing their per-person result and
// returning their counts and times to convert.
func (p *funnelPlan) scan(ctx context.Context, r *FunnelResult, lo, hi int) (funnelPart, error) {
	w := newFunnelWorker(p)
	pt := p.newPart()
	for u := lo; u < hi; u++ {
		if err := stopped(ctx, lo, u); err != nil {
			return pt, err
		}
		level, open := w.person(u)
		if w.err != nil {
			return pt, w.err
		}
		r.Level[u], r.InProgress[u], r.Attempt[u] = int8(level), open, int32(w.start)
		if level >= 0 {
			t := p.d.Time[w.start]
			pt.ms[0].add(t) // the step-1 times FunnelAgain keeps
			pt.countAt(p, level, open, t)
			pt.times(p, level, r.code(u, w.start), w.cur)
		}
	}
	return pt, nil
}

func (p *funnelPlan) newPart() funnelPart {
	return funnelPart{atLevel: make([]int, p.n), prog: make([]int, p.n), trend: make([][3]int, p.cal.Len()),
		ms: make([]blocks[int64], p.n), code: make([]blocks[int32], p.n)}
}

// countAt counts a person at level (>= 0), in progress or not, whose
// counted attempt starts at time t.
func (pt *funnelPart) countAt(p *funnelPlan, level int, open bool, t int64) {
	pt.atLevel[level]++
	if open {
		pt.prog[level]++
	}
	if b := p.cal.Bucket(t); b >= 0 { // always: step 1 is in range, which the calendar covers
		pt.trend[b][0]++
		if level == p.n-1 {
			pt.trend[b][1]++
		}
		if open {
			pt.trend[b][2]++
		}
	}
}

// times adds the person's times to convert along chain (the counted
// attempt's events of steps 0..level), with --by its breakdown code.
func (pt *funnelPart) times(p *funnelPlan, level int, code int32, chain []int32) {
	d := p.d
	for k := 1; k <= level; k++ {
		pt.ms[k].add(d.Time[chain[k]] - d.Time[chain[k-1]])
		if p.s.By != nil {
			pt.code[k].add(code)
		}
	}
}

// code records, with --by, person u's breakdown code, that of the counted
// attempt's step-1 event start, and returns it (0 without --by).
func (r *FunnelResult) code(u, start int) int32 {
	if r.byCode == nil {
		return 0
	}
	c := r.byProp.Codes[start]
	r.byCode[u] = c
	return c
}
