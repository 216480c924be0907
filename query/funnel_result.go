package query

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"

	"github.com/spoorhq/spoor/store"
)

// FunnelResult is a computed funnel. The counts, breakdown and trend are
// all derived from the per-person result (Level, InProgress, Attempt), so
// the user lists of UsersAt, DroppedAt and InProgressAt always agree with
// the numbers.
type FunnelResult struct {
	Mode          string             `json:"mode"`
	Semantics     string             `json:"semantics,omitempty"` // another product's rules; absent for spoor's
	Options       []string           `json:"options,omitempty"`   // windowFunnel options (clickhouse)
	WindowSeconds float64            `json:"window_seconds"`
	Interval      string             `json:"interval"`
	By            string             `json:"by,omitempty"`
	Steps         []FunnelStepResult `json:"steps"`
	Breakdown     []FunnelBreakdown  `json:"breakdown"` // every value, most step-1 users first
	Trend         []FunnelTrendPoint `json:"trend"`     // per interval of the counted step-1 time
	Query         FunnelQuery        `json:"-"`

	// Level is, per person, the deepest 0-based step reached, or -1 when
	// the person did no step-1 event in range (or is outside --segment).
	Level []int8 `json:"-"`
	// InProgress marks persons who stopped before the last step while the
	// window of their counted attempt is still open at the data's end.
	InProgress []bool `json:"-"`
	// Attempt is the counted attempt's step-1 event (a Dataset index), -1.
	// In a result assembled by FunnelFromPersons it is the person's own
	// index, which its --by column is indexed by.
	Attempt []int32 `json:"-"`

	users  []string
	byProp *Prop
	// byCode is, per person with --by, the code of byProp on the counted
	// attempt (byProp.Codes[Attempt[u]]), read in order by the breakdown:
	// looked up by Attempt, every person cost a cache miss.
	byCode []int32
	// d is the Dataset whose indexes Attempt holds (FunnelAgain), nil in a
	// result assembled by FunnelFromPersons.
	d *Dataset
	// place is SetListOrder's, nil when the persons came with their Order.
	place func(users []string) ([]uint64, error)
	// Per step k >= 1, the times to convert (ms) of the persons reaching
	// it, grouped by breakdown code (byOff[k][c]..byOff[k][c+1]); without
	// --by there is one group. Order inside a group is arbitrary.
	deltas [][]int64
	byOff  [][]int
	// times is this result's hold on its times to convert in person
	// order, which FunnelAgain reads instead of walking the chains again
	// (keptTimes); nil in a result assembled by FunnelFromPersons.
	times *timesHold
}

// FunnelStepResult is one row of the funnel.
type FunnelStepResult struct {
	Step           int      `json:"step"` // 1-based
	Event          string   `json:"event"`
	Where          []string `json:"where,omitempty"`
	Users          int      `json:"users"`
	Conversion     Num      `json:"conversion"`      // from step 1; null when nobody did step 1
	StepConversion Num      `json:"step_conversion"` // from the previous step; null when nobody reached it
	DropOff        int      `json:"drop_off"`        // reached this step, not the next, window closed
	InProgress     int      `json:"in_progress"`     // reached this step, not the next, window still open
	// Time to convert from the previous step, over the persons reaching
	// this step; null for step 1 or when nobody reached it.
	MedianSeconds *float64 `json:"median_seconds"`
	P25Seconds    *float64 `json:"p25_seconds"`
	P75Seconds    *float64 `json:"p75_seconds"`
}

// FunnelBreakdown is the funnel of one value of the --by property, taken
// on the step-1 event of each person's counted attempt.
type FunnelBreakdown struct {
	Value string             `json:"value"`
	Steps []FunnelStepResult `json:"steps"`
}

// FunnelTrendPoint is the conversion of the persons whose counted step-1
// event falls in one interval.
type FunnelTrendPoint struct {
	T          string `json:"t"`
	Users      int    `json:"users"`
	Converted  int    `json:"converted"`
	InProgress int    `json:"in_progress"`
	Conversion Num    `json:"conversion"` // null when nobody started in the interval
}

// collectDeltas groups the workers' times by breakdown code, for the
// breakdown's quartiles (without --by the steps' quartiles read the parts'
// times where they are): each step on its own goroutine when it has many
// (the steps are independent).
func (r *FunnelResult) collectDeltas(n int, parts []funnelPart) {
	r.deltas = make([][]int64, n)
	r.byOff = make([][]int, n)
	if r.byProp == nil {
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < n; k++ {
		total := 0
		for _, ft := range parts {
			total += ft.ms[k].Len()
		}
		if total < parallelQuantiles {
			r.collectStep(k, total, parts)
		} else {
			wg.Go(func() { r.collectStep(k, total, parts) })
		}
	}
	wg.Wait()
}

// collectStep groups step k's total times from the parts by code.
func (r *FunnelResult) collectStep(k, total int, parts []funnelPart) {
	codes := len(r.byProp.Values) + 1
	off := make([]int, codes+1)
	for _, ft := range parts {
		ft.code[k].each(func(cs []int32) {
			for _, c := range cs {
				off[c+1]++
			}
		})
	}
	for c := 0; c < codes; c++ {
		off[c+1] += off[c]
	}
	// Huge pages: at 100M events a step's times are tens of megabytes,
	// grouped afresh by every --by or --where edit.
	out := store.HugePages(make([]int64, total))
	pos := slices.Clone(off[:codes])
	for _, ft := range parts {
		// Codes and times were added together: block i of one is
		// block i of the other.
		var cs [][]int32
		ft.code[k].each(func(c []int32) { cs = append(cs, c) })
		i := 0
		ft.ms[k].each(func(ms []int64) {
			for j, c := range cs[i] {
				out[pos[c]] = ms[j]
				pos[c]++
			}
			i++
		})
	}
	r.deltas[k], r.byOff[k] = out, off
}

// stepTimes gives step k's times for everyone, a run at a time, as they
// lie: grouped by code with --by, else in the parts' blocks.
func (r *FunnelResult) stepTimes(k int, parts []funnelPart) func(fn func([]int64)) {
	if r.byProp != nil {
		return func(fn func([]int64)) { fn(r.deltas[k]) }
	}
	return func(fn func([]int64)) {
		for _, pt := range parts {
			pt.ms[k].each(fn)
		}
	}
}

// funnelRows are the steps' rows from the persons reaching each step
// (reached), those in progress at each (prog) and each step's quartiles
// of the times to convert (steps >= 1).
func funnelRows(steps []FunnelStep, reached, prog []int, quartiles func(k int) (p25, median, p75 *float64)) []FunnelStepResult {
	rows := make([]FunnelStepResult, len(steps))
	for k, st := range steps {
		row := FunnelStepResult{Step: k + 1, Event: st.Event, Where: st.Where, Users: reached[k], InProgress: prog[k]}
		row.Conversion = Ratio(reached[k], reached[0])
		if k == 0 {
			row.StepConversion = Ratio(reached[0], reached[0])
		} else {
			row.StepConversion = Ratio(reached[k], reached[k-1])
		}
		if k+1 < len(steps) {
			row.DropOff = reached[k] - reached[k+1] - prog[k]
		}
		rows[k] = row
	}
	// The steps' times are independent: with many converters (hundreds of
	// thousands at 10M events) each step's quartiles are found on a core
	// of their own; they were a serial quarter of a funnel in the
	// workbench.
	var wg sync.WaitGroup
	for k := 1; k < len(steps); k++ {
		set := func() {
			row := &rows[k]
			row.P25Seconds, row.MedianSeconds, row.P75Seconds = quartiles(k)
		}
		if reached[k] < parallelQuantiles {
			set()
		} else {
			wg.Go(set)
		}
	}
	wg.Wait()
	return rows
}

// parallelQuantiles is the number of times to convert from which a
// step's times are grouped, and its quartiles found, on a goroutine of
// their own (a variable so tests can take that path on small data).
var parallelQuantiles = 1 << 14

// quartileSeconds returns the 25th, 50th and 75th percentiles of ts in
// seconds, each interpolated linearly between the closest ranks (the
// common "type 7" definition; the median of an even count is the mean of
// the middle two); nil when ts is empty. It may reorder ts: a few values
// are selected in place, more are counted into buckets (quartilesOf).
func quartileSeconds(ts []int64) (p25, median, p75 *float64) {
	if len(ts) > selectInPlace {
		// The breakdown's groups at 10M events: selections in place
		// (partitions mispredicting on every other value) were a fifth
		// of a --by edit.
		return quartilesOf(func(fn func([]int64)) { fn(ts) })
	}
	ranks := quartileRanks(len(ts))
	selectRanks(ts, 0, len(ts), ranks)
	return quartilesAt(len(ts), func(i int) int64 { return ts[i] })
}

// selectInPlace is the most values quartileSeconds selects among in
// place: below it, the buckets' counts cost more than the partitions.
const selectInPlace = 256

// quartilesOf is quartileSeconds of the times each gives, a run at a
// time, which it neither copies nor reorders: a step's times for every
// converter of a big funnel are many (hundreds of thousands at 10M
// events), and copying them into one slice to select in cost as much as
// the selection.
func quartilesOf(each func(fn func([]int64))) (p25, median, p75 *float64) {
	n, lo, hi := 0, int64(math.MaxInt64), int64(math.MinInt64)
	each(func(vs []int64) {
		n += len(vs)
		for _, v := range vs {
			lo, hi = min(lo, v), max(hi, v)
		}
	})
	if n == 0 {
		return nil, nil, nil
	}
	ranks := quartileRanks(n)
	vals := rankValues(each, n, lo, hi, ranks)
	return quartilesAt(n, func(i int) int64 { return vals[slices.Index(ranks, i)] })
}

var quartileLevels = [3]float64{0.25, 0.5, 0.75}

// quartileRanks are the ranks (ascending, distinct) whose values the
// quartiles of n values interpolate between.
func quartileRanks(n int) []int {
	if n == 0 {
		return nil
	}
	ranks := make([]int, 0, 2*len(quartileLevels))
	for _, q := range quartileLevels {
		i := int(q * float64(n-1))
		ranks = append(ranks, i, min(i+1, n-1))
	}
	slices.Sort(ranks)
	return slices.Compact(ranks)
}

// quartilesAt interpolates the quartiles of n values, in seconds, from the
// value at each of quartileRanks(n) (ms); nil when n is 0.
func quartilesAt(n int, at func(rank int) int64) (p25, median, p75 *float64) {
	if n == 0 {
		return nil, nil, nil
	}
	var out [3]*float64
	for j, q := range quartileLevels {
		h := q * float64(n-1)
		i := int(h)
		v := float64(at(i))
		if frac := h - float64(i); frac > 0 {
			v += frac * float64(at(i+1)-at(i))
		}
		v /= 1000
		out[j] = &v
	}
	return out[0], out[1], out[2]
}

// rankValues returns the value at each of ranks (ascending, distinct)
// among the n values each gives, all within lo..hi, without copying or
// reordering them: a count of the values per bucket of their top bits
// above lo (about n/8 buckets, at most 65,536) finds each rank's bucket
// and its rank inside it, and only the values of those few buckets are
// gathered and selected in. Values closer than the buckets are their
// bucket, with nothing to gather; a gathered bucket still large (times
// to convert crowd below a minute of a week's window) is counted again
// over its own span.
func rankValues(each func(fn func([]int64)), n int, lo, hi int64, ranks []int) []int64 {
	width := min(max(bits.Len(uint(n))-3, 6), 16)
	buckets := 1 << width
	shift := max(0, bits.Len64(uint64(hi)-uint64(lo))-width)
	key := func(v int64) int { return int((uint64(v) - uint64(lo)) >> shift) }
	counts := make([]int, buckets)
	each(func(vs []int64) {
		for _, v := range vs {
			counts[key(v)]++
		}
	})
	bucket, within := make([]int, len(ranks)), make([]int, len(ranks))
	b, before := 0, 0
	for j, r := range ranks {
		for before+counts[b] <= r {
			before += counts[b]
			b++
		}
		bucket[j], within[j] = b, r-before
	}
	out := make([]int64, len(ranks))
	if shift == 0 {
		for j := range ranks {
			out[j] = lo + int64(bucket[j])
		}
		return out
	}
	want := slices.Compact(slices.Clone(bucket)) // ascending: ranks are
	slot := make([]uint8, buckets)               // bucket -> 1 + index in want, 0: not wanted
	gathered := make([][]int64, len(want))
	for i, wb := range want {
		slot[wb] = uint8(i + 1)
		gathered[i] = make([]int64, 0, counts[wb])
	}
	each(func(vs []int64) {
		for _, v := range vs {
			if s := slot[key(v)]; s != 0 {
				gathered[s-1] = append(gathered[s-1], v)
			}
		}
	})
	for i, wb := range want {
		var in []int // the ranks in bucket wb, inside it
		for j := range ranks {
			if bucket[j] == wb {
				in = append(in, within[j])
			}
		}
		g := gathered[i]
		var vals []int64
		if len(g) > selectInPlace {
			blo, bhi := slices.Min(g), slices.Max(g)
			vals = rankValues(func(fn func([]int64)) { fn(g) }, len(g), blo, bhi, in)
		} else {
			selectRanks(g, 0, len(g), in)
			vals = make([]int64, len(in))
			for x, r := range in {
				vals[x] = g[r]
			}
		}
		x := 0
		for j := range ranks {
			if bucket[j] == wb {
				out[j] = vals[x]
				x++
			}
		}
	}
	return out
}

// selectRanks reorders a[lo:hi] so that each of ranks (ascending, each in
// lo..hi-1) holds the value of that rank in sorted order: the middle rank
// first, then the lower ranks among the smaller values and the higher
// among the larger.
func selectRanks(a []int64, lo, hi int, ranks []int) {
	if len(ranks) == 0 {
		return
	}
	m := len(ranks) / 2
	r := ranks[m]
	selectNth(a[lo:hi], r-lo)
	selectRanks(a, lo, r, ranks[:m])
	selectRanks(a, r+1, hi, ranks[m+1:])
}

// selectNth reorders a so that a[k] is the k-th smallest, nothing before
// it larger and nothing after it smaller. The three-way partition keeps
// runs of equal times (common: many 0 ms gaps) linear.
func selectNth(a []int64, k int) {
	lo, hi := 0, len(a)
	for hi-lo > 16 {
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		p := max(min(x, y), min(max(x, y), z)) // median of three
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch {
			case a[i] < p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case a[i] > p:
				gt--
				a[gt], a[i] = a[i], a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
	slices.Sort(a[lo:hi])
}

// breakdown gives one funnel per --by value that has step-1 users, from
// one pass over the persons (values may be many: one per user, say).
func (r *FunnelResult) breakdown(p *funnelPlan) []FunnelBreakdown {
	n := p.n
	slot := make([]int32, len(r.byProp.Values)+1) // code -> 1 + index in codes, 0 when unseen
	var codes []int
	var atLevel, prog []int // per seen code, per level
	for u, l := range r.Level {
		if l < 0 {
			continue
		}
		c := r.byCode[u]
		if slot[c] == 0 {
			codes = append(codes, int(c))
			slot[c] = int32(len(codes))
			atLevel = append(atLevel, make([]int, n)...)
			prog = append(prog, make([]int, n)...)
		}
		i := int(slot[c]-1) * n
		atLevel[i+int(l)]++
		if r.InProgress[u] {
			prog[i+int(l)]++
		}
	}
	out := make([]FunnelBreakdown, len(codes))
	for j, c := range codes {
		reached := make([]int, n)
		for l := range n {
			for k := 0; k <= l; k++ {
				reached[k] += atLevel[j*n+l]
			}
		}
		quartiles := func(k int) (p25, median, p75 *float64) {
			return quartileSeconds(r.deltas[k][r.byOff[k][c]:r.byOff[k][c+1]])
		}
		out[j] = FunnelBreakdown{Value: codeLabel(r.byProp, c), Steps: funnelRows(p.q.Steps, reached, prog[j*n:j*n+n], quartiles)}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Steps[0].Users != out[j].Steps[0].Users {
			return out[i].Steps[0].Users > out[j].Steps[0].Users
		}
		return out[i].Value < out[j].Value
	})
	return out
}

func codeLabel(p *Prop, c int) string {
	if c == 0 {
		return NoneValue
	}
	return p.Values[c-1]
}

// TopBreakdown returns the n values with the most step-1 users and folds
// the rest into one exact "other" funnel (counts and times recomputed, not
// summed percentages), for charts. The full list stays in Breakdown.
func (r *FunnelResult) TopBreakdown(n int) []FunnelBreakdown {
	n = max(n, 0)
	if len(r.Breakdown) <= n+1 || r.byProp == nil {
		return r.Breakdown
	}
	top := map[string]bool{}
	for _, b := range r.Breakdown[:n] {
		top[b.Value] = true
	}
	other := make([]bool, len(r.byProp.Values)+1)
	for c := range other {
		other[c] = !top[codeLabel(r.byProp, c)]
	}
	// The other values' persons per step and in progress at each are the
	// sums of theirs in Breakdown (which lists every value with step-1
	// users): no pass over the persons, which at 100M events was a
	// serial tenth of a --by edit's wall time.
	steps := r.Query.Steps
	reached := make([]int, len(steps))
	prog := make([]int, len(steps))
	for _, b := range r.Breakdown[n:] {
		if top[b.Value] {
			continue
		}
		for k, s := range b.Steps {
			reached[k] += s.Users
			prog[k] += s.InProgress
		}
	}
	quartiles := func(k int) (p25, median, p75 *float64) {
		return quartilesOf(func(fn func([]int64)) {
			for c, o := range other {
				if o {
					fn(r.deltas[k][r.byOff[k][c]:r.byOff[k][c+1]])
				}
			}
		})
	}
	out := slices.Clone(r.Breakdown[:n])
	return append(out, FunnelBreakdown{Value: OtherValue, Steps: funnelRows(steps, reached, prog, quartiles)})
}

// trendPoints is the share of persons reaching the last step, per
// interval of their counted step-1 time.
func trendPoints(p *funnelPlan, parts []funnelPart) []FunnelTrendPoint {
	pts := make([]FunnelTrendPoint, p.cal.Len())
	for b := range pts {
		pts[b].T = p.cal.Label(b)
		for _, pt := range parts {
			pts[b].Users += pt.trend[b][0]
			pts[b].Converted += pt.trend[b][1]
			pts[b].InProgress += pt.trend[b][2]
		}
		pts[b].Conversion = Ratio(pts[b].Converted, pts[b].Users)
	}
	return pts
}

// UsersAt lists the persons who reached step k (0-based).
func (r *FunnelResult) UsersAt(k int) []string {
	return r.list(func(u int) bool { return int(r.Level[u]) >= k && k >= 0 })
}

// DroppedAt lists the persons who reached step k but not k+1 and whose
// window has closed.
func (r *FunnelResult) DroppedAt(k int) []string {
	return r.list(func(u int) bool { return int(r.Level[u]) == k && k >= 0 && k < len(r.Steps)-1 && !r.InProgress[u] })
}

// InProgressAt lists the persons who reached step k but not yet k+1 while
// their window is still open.
func (r *FunnelResult) InProgressAt(k int) []string {
	return r.list(func(u int) bool { return int(r.Level[u]) == k && k >= 0 && r.InProgress[u] })
}

func (r *FunnelResult) list(keep func(u int) bool) []string {
	out := []string{}
	for u := range r.Level {
		if keep(u) {
			out = append(out, r.users[u])
		}
	}
	if r.place != nil && len(out) > 1 {
		// out is by user id: a stable sort by Order gives the Dataset's.
		if order, err := r.place(out); err == nil && len(order) == len(out) {
			idx := make([]int, len(out))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(order[a], order[b]) })
			sorted := make([]string, len(out))
			for i, j := range idx {
				sorted[i] = out[j]
			}
			out = sorted
		}
	}
	return out
}

// SetListOrder is for a backend that adds its persons without their
// FunnelPerson.Order (reading it costs its server a share of the query
// for every person, and only a list shows it): place returns the Order of
// each of the users it is given, and UsersAt, DroppedAt and InProgressAt
// put their lists in that order when asked, as a Dataset lists them.
// Should place fail, a list stays in the order of user ids.
func (r *FunnelResult) SetListOrder(place func(users []string) ([]uint64, error)) {
	r.place = place
}
