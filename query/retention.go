package query

import (
	"context"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// RetentionQuery is a cohort retention analysis (docs/semantics.md#retention).
//
// Cohorts come from start events in the date range; return events are
// followed up to the data's last event, past the end of the range, so a
// cohort of the range's last week still shows its later weeks.
type RetentionQuery struct {
	Common
	Start     string `json:"start,omitempty" toml:"start,omitempty"`         // "" = any event
	Return    string `json:"return,omitempty" toml:"return,omitempty"`       // "" = any event
	Period    string `json:"period,omitempty" toml:"period,omitempty"`       // day (default), week or month
	Periods   int    `json:"periods,omitempty" toml:"periods,omitempty"`     // periods shown, period 0 included; 0 = DefaultPeriods
	Unbounded bool   `json:"unbounded,omitempty" toml:"unbounded,omitempty"` // returned in k = returned in k or later
	Recurring bool   `json:"recurring,omitempty" toml:"recurring,omitempty"` // every period with a start event is a cohort membership
}

// DefaultPeriods is the number of periods (period 0 included) shown when a
// query does not say: a month of days, a quarter of weeks, a year of months.
var DefaultPeriods = map[Interval]int{Day: 31, Week: 12, Month: 12}

// maxPeriods bounds --periods so a typo cannot ask for a huge table.
const maxPeriods = 1000

// RetentionResult is the cohort table and the average curve.
type RetentionResult struct {
	Period    string            `json:"period"`
	Periods   int               `json:"periods"`
	Start     string            `json:"start,omitempty"`
	Return    string            `json:"return,omitempty"`
	Unbounded bool              `json:"unbounded,omitempty"`
	Recurring bool              `json:"recurring,omitempty"`
	Cohorts   []RetentionCohort `json:"cohorts"`
	// Average[k] is the percent retained in period k, weighted by cohort
	// size over the cohorts whose period k is complete; it ends where no
	// non-empty cohort has completed period k.
	Average   []float64        `json:"average"`
	By        string           `json:"by,omitempty"`
	Breakdown []RetentionGroup `json:"breakdown,omitempty"`

	plan *retPlan
	m    []retMembers // per scan part, in person order
	// lists, for a result the scan only counted (Dataset.Retention
	// without --by), scans again for the memberships the first user list
	// asks for, once; nil when m holds them.
	lists func() []retMembers
	// personsIn is, for a result built from cells (RetentionFromCells),
	// the result of one cohort's persons, whose memberships its user
	// lists come from; nil when m holds every membership.
	personsIn func(ctx context.Context, cohort int) (*RetentionResult, error)
}

// RetentionCohort is one row of the cohort table. Retained[0] is Size:
// period 0 is the cohort itself.
type RetentionCohort struct {
	Start    string    `json:"start"`
	Size     int       `json:"size"`
	Retained []int     `json:"retained"`
	Percent  []float64 `json:"percent"`
	// IncompleteFrom is the first period cut short by the data's end (the
	// period holding the last event); it and later ones are left out of
	// the average. Absent when every reported period is complete.
	IncompleteFrom *int `json:"incomplete_from,omitempty"`
}

// RetentionGroup is the cohort table of one value of the --by property of
// the start event.
type RetentionGroup struct {
	Value   string            `json:"value"`
	Size    int               `json:"size"`
	Cohorts []RetentionCohort `json:"cohorts"`
	Average []float64         `json:"average"`

	code int32 // the --by code its memberships carry, for GroupCellUsers
}

// retPlan is a retention query resolved against a dataset.
type retPlan struct {
	s         *Scope
	iv        Interval
	periods   int
	words     int   // uint64 words of return bits per membership
	startID   int32 // -1 = any event
	returnID  int32 // -1 = any event
	cal       *Calendar
	cohorts   int // buckets 0..cohorts-1 can be cohorts
	last      int // bucket of the data's last event: the first incomplete one
	recurring bool
	unbounded bool
	keepFirst bool     // record each membership's start event (for --by and explain)
	users     []string // person index -> id, for the user lists
}

// retMembers holds one entry per cohort membership (a person, or with
// --recurring a person and period), in person order. Counts and user
// lists are both read from it, so they always agree.
type retMembers struct {
	person []int32
	cohort []int32  // calendar bucket of the cohort
	first  []int32  // event index of the start event that made the membership; nil unless keepFirst
	bits   []uint64 // words per membership; bit k = counted as returned in period k
	// counts, when set, tallies each membership (bits in row) instead of
	// keeping it: the table alone needs no list of them, and at 1M events
	// keeping them took a 4 KB page fault per 4 KB of the lists, the
	// largest share of a retention's faults (on a virtual machine about
	// 15 µs each).
	counts *retCounts
	row    []uint64
}

// retCounts are memberships per cohort (size) and per cohort and reported
// period (ret), as tally counts them from kept memberships.
type retCounts struct {
	size []int
	ret  [][]int
}

// add counts one membership of cohort c with return bits row.
func (t *retCounts) add(c int32, row []uint64) {
	t.size[c]++
	countBits(row, t.ret[c])
}

// countBits adds one to counts[k] for each bit k set in row, up to
// len(counts).
func countBits(row []uint64, counts []int) {
	for w, word := range row {
		for word != 0 {
			k := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			if k < len(counts) {
				counts[k]++
			}
		}
	}
}

// grow reserves room for n more memberships of words words each.
func (m *retMembers) grow(n, words int, keepFirst bool) {
	m.person = reserve(m.person, n)
	m.cohort = reserve(m.cohort, n)
	if keepFirst {
		m.first = reserve(m.first, n)
	}
	m.bits = reserve(m.bits, n*words)
}

// reserve is slices.Grow(s, n), but a first reservation is made, not
// grown: slices.Grow clears the room it adds, touching every page of it
// in 4 KB faults before the appends fill it, while made it is fresh
// memory the appends touch, in huge pages where it is large (retention
// at 100M events: 42,600 -> 22,300 page faults).
func reserve[T any](s []T, n int) []T {
	if s == nil {
		return store.HugePages(make([]T, 0, n))
	}
	return slices.Grow(s, n)
}

func (d *Dataset) planRetention(ctx context.Context, q RetentionQuery) (*retPlan, error) {
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	p, err := newRetPlan(q, s)
	if err != nil {
		return nil, err
	}
	p.users = d.Users
	for _, e := range []struct {
		name string
		id   *int32
	}{{q.Start, &p.startID}, {q.Return, &p.returnID}} {
		if e.name == "" {
			continue
		}
		if err := d.CheckEvent(e.name); err != nil {
			return nil, err
		}
		*e.id, _ = d.EventID(e.name)
	}
	p.calendar(d.MinTime, d.MaxTime, d.Len() == 0)
	return p, nil
}

// newRetPlan checks what the query says without data: the period and the
// number of periods.
func newRetPlan(q RetentionQuery, s *Scope) (*retPlan, error) {
	p := &retPlan{s: s, startID: -1, returnID: -1, recurring: q.Recurring, unbounded: q.Unbounded, keepFirst: q.By != ""}
	switch Interval(strings.ToLower(q.Period)) {
	case "", Day:
		p.iv = Day
	case Week:
		p.iv = Week
	case Month:
		p.iv = Month
	default:
		return nil, i18n.Errorf("unknown retention period %q (use day, week or month)", q.Period)
	}
	p.periods = q.Periods
	if p.periods == 0 {
		p.periods = DefaultPeriods[p.iv]
	}
	if p.periods < 1 || p.periods > maxPeriods {
		return nil, i18n.Errorf("--periods must be between 1 and %d, not %d", maxPeriods, q.Periods)
	}
	p.words = (p.periods + 63) / 64
	return p, nil
}

// calendar places the periods over data whose events run from minTime to
// maxTime. Cohorts are the periods overlapping the range clipped to the
// data; the calendar runs on to the data's last event for the returns.
// Without data or range there is no calendar.
func (p *retPlan) calendar(minTime, maxTime int64, empty bool) {
	s := p.s
	from, to := max(s.From, minTime), min(s.To, maxTime+1)
	if empty || from >= to {
		return
	}
	p.cal = NewCalendar(p.iv, s.Loc, from, maxTime+1)
	p.cohorts = p.cal.Bucket(to-1) + 1
	p.last = p.cal.Bucket(maxTime)
}

// Retention computes the cohort table and the average curve.
func (d *Dataset) Retention(ctx context.Context, q RetentionQuery) (*RetentionResult, error) {
	p, err := d.planRetention(ctx, q)
	if err != nil {
		return nil, err
	}
	r := &RetentionResult{Period: string(p.iv), Periods: p.periods, Start: q.Start, Return: q.Return,
		Unbounded: q.Unbounded, Recurring: q.Recurring, By: q.By, plan: p,
		Cohorts: []RetentionCohort{}, Average: []float64{}}
	if p.cal == nil {
		return r, nil
	}
	if p.keepFirst {
		// The breakdown reads each membership's start event.
		if r.m, err = d.retScan(ctx, p, false); err != nil {
			return nil, err
		}
		r.Cohorts, r.Average = p.tally(r.m, nil, 0)
		r.Breakdown = p.breakdown(r.m)
		return r, nil
	}
	found, err := d.retScan(ctx, p, true)
	if err != nil {
		return nil, err
	}
	all := found[0].counts
	for _, f := range found[1:] {
		for c, n := range f.counts.size {
			all.size[c] += n
			for k, m := range f.counts.ret[c] {
				all.ret[c][k] += m
			}
		}
	}
	r.Cohorts, r.Average = p.table(all.size, all.ret)
	r.lists = sync.OnceValue(func() []retMembers {
		m, _ := d.retScan(context.Background(), p, false)
		return m
	})
	return r, nil
}

// retScan scans every person for p's memberships, per part of the
// persons: kept, or with count only counted (retMembers.counts).
func (d *Dataset) retScan(ctx context.Context, p *retPlan, count bool) ([]retMembers, error) {
	parts := d.personRanges()
	found := make([]retMembers, len(parts))
	err := eachRange(ctx, parts, func(part, lo, hi int) error {
		var sc retScratch
		f := &found[part]
		switch {
		case count:
			size, ret := p.counts()
			f.counts, f.row = &retCounts{size, ret}, make([]uint64, p.words)
		case !p.recurring:
			f.grow(hi-lo, p.words, p.keepFirst) // at most one membership per person
		}
		for pr := lo; pr < hi; pr++ {
			if err := stopped(ctx, lo, pr); err != nil {
				return err
			}
			p.person(pr, &sc, f)
		}
		return nil
	})
	return found, err
}

// retScratch are per-worker buffers reused across persons.
type retScratch struct {
	starts  []int32 // cohort buckets of the person, ascending
	firsts  []int32 // the start event of each
	returns []int32 // distinct buckets with a return event, ascending
	cur     retCursor
}

// person scans person pr's timeline once and appends their memberships.
func (p *retPlan) person(pr int, sc *retScratch, out *retMembers) {
	s, d := p.s, p.s.D
	if !s.Person(pr) {
		return
	}
	lo, hi := int(d.Start[pr]), int(d.Start[pr+1])
	if lo == hi {
		return
	}
	sc.starts, sc.firsts, sc.returns = sc.starts[:0], sc.firsts[:0], sc.returns[:0]
	sc.cur.cal = p.cal
	sc.cur.seek(d.Time[lo])
	nb := p.cal.Len()
	times, events, filtered := d.Time, d.Event, s.Filters()
	// Without --start or --return every event is both, and the events
	// column is never read: its 4 bytes per event are pages a fresh
	// process would touch for nothing (a 1M command's 4 MB, ~2 ms).
	named := p.startID >= 0 || p.returnID >= 0
	for i := lo; i < hi; i++ {
		t := times[i]
		b := sc.cur.at(t)
		if b < 0 {
			continue // before the calendar: neither a cohort nor a return
		}
		if b >= nb {
			break
		}
		isStart, isReturn := true, true
		if named {
			ev := events[i]
			isStart = p.startID < 0 || ev == p.startID
			isReturn = p.returnID < 0 || ev == p.returnID
		}
		if !isStart && !isReturn || filtered && !s.Match(i) {
			continue
		}
		// The first start event in range defines the cohort; with
		// --recurring the first of each period defines that period's
		// membership.
		ns := len(sc.starts)
		if isStart && b < p.cohorts && (ns == 0 || p.recurring && sc.starts[ns-1] != int32(b)) && s.InRange(t) {
			sc.starts = append(sc.starts, int32(b))
			sc.firsts = append(sc.firsts, int32(i))
			ns++
		}
		nr := len(sc.returns)
		if isReturn && (nr == 0 || sc.returns[nr-1] != int32(b)) {
			sc.returns = append(sc.returns, int32(b))
			nr++
		}
		// Once b is a return period and no start event can add a
		// membership in it, its other events change nothing: skip them.
		if nr > 0 && sc.returns[nr-1] == int32(b) &&
			(b >= p.cohorts || ns > 0 && (!p.recurring || sc.starts[ns-1] == int32(b))) {
			end := p.cal.Starts[b+1]
			for i+1 < hi && times[i+1] < end {
				i++
			}
		}
	}
	p.add(pr, sc.starts, sc.firsts, sc.returns, out)
}

// add appends person pr's memberships: their cohort periods (starts, with
// the start event of each in firsts) and the periods they returned in,
// both ascending.
func (p *retPlan) add(pr int, starts, firsts, returns []int32, out *retMembers) {
	j := 0 // first return bucket after the current cohort
	for k, c := range starts {
		var row []uint64
		if out.counts != nil {
			row = out.row
			clear(row)
		} else {
			out.person = append(out.person, int32(pr))
			out.cohort = append(out.cohort, c)
			if p.keepFirst {
				out.first = append(out.first, firsts[k])
			}
			w := len(out.bits)
			for range p.words {
				out.bits = append(out.bits, 0)
			}
			row = out.bits[w:]
		}
		row[0] = 1 // period 0 is the cohort itself
		for j < len(returns) && returns[j] <= c {
			j++
		}
		p.returned(row, c, returns[j:])
		if out.counts != nil {
			out.counts.add(c, row)
		}
	}
}

// returned sets in row the periods a membership of cohort c counts as
// returned in, from the return periods after c (ascending).
func (p *retPlan) returned(row []uint64, c int32, returns []int32) {
	if p.unbounded {
		// Returned in k when they returned in cohort+k or later: every
		// period up to the last return.
		if n := len(returns); n > 0 {
			top := min(int(returns[n-1]-c), p.periods-1)
			for k := 1; k <= top; k++ {
				row[k>>6] |= 1 << (k & 63)
			}
		}
		return
	}
	for _, q := range returns {
		k := int(q - c)
		if k >= p.periods {
			break
		}
		row[k>>6] |= 1 << (k & 63)
	}
}

// span is the number of periods reported for cohort bucket c: up to the
// period holding the data's last event, at most p.periods.
func (p *retPlan) span(c int) int { return min(p.periods, p.last-c+1) }

// tally counts the memberships whose --by code is code (all when codes is
// nil) into the cohort table and the average curve.
func (p *retPlan) tally(parts []retMembers, codes []int32, code int32) ([]RetentionCohort, []float64) {
	size, ret := p.counts()
	for _, m := range parts {
		for i, c := range m.cohort {
			if codes != nil && codes[m.first[i]] != code {
				continue
			}
			size[c]++
			countBits(m.bits[i*p.words:(i+1)*p.words], ret[c])
		}
	}
	return p.table(size, ret)
}

// counts are zero memberships per cohort (size) and per cohort and
// reported period (ret), for tally and RetentionFromCells to fill.
func (p *retPlan) counts() (size []int, ret [][]int) {
	size = make([]int, p.cohorts)
	ret = make([][]int, p.cohorts)
	for c := range ret {
		ret[c] = make([]int, p.span(c))
	}
	return size, ret
}

// table is the cohort table and the average curve of the counts.
func (p *retPlan) table(size []int, ret [][]int) ([]RetentionCohort, []float64) {
	cohorts := make([]RetentionCohort, p.cohorts)
	for c := range cohorts {
		pct := make([]float64, len(ret[c]))
		for k, n := range ret[c] {
			if size[c] > 0 {
				pct[k] = 100 * float64(n) / float64(size[c])
			}
		}
		cohorts[c] = RetentionCohort{Start: p.cal.Label(c), Size: size[c], Retained: ret[c], Percent: pct}
		if inc := p.last - c; inc < len(ret[c]) {
			cohorts[c].IncompleteFrom = &inc
		}
	}
	avg := []float64{}
	for k := 0; k < p.periods; k++ {
		num, den := 0, 0
		// Period k of cohort c is complete when it ends before the period
		// holding the data's last event.
		for c := 0; c < p.cohorts && c+k < p.last; c++ {
			num += ret[c][k]
			den += size[c]
		}
		if den == 0 {
			break // later periods have even fewer complete cohorts
		}
		avg = append(avg, 100*float64(num)/float64(den))
	}
	return cohorts, avg
}

// breakdown is one cohort table per value of the start event's --by
// property, largest first, every value (docs/semantics.md#common-options).
func (p *retPlan) breakdown(parts []retMembers) []RetentionGroup {
	by := p.s.By
	total := make([]int, len(by.Values)+1)
	for _, m := range parts {
		for _, f := range m.first {
			total[by.Codes[f]]++
		}
	}
	return groupsBySize(total, by.Values, func(code int32) ([]RetentionCohort, []float64) { return p.tally(parts, by.Codes, code) })
}

// groupsBySize orders the --by groups with memberships (total, per code;
// code 0: start events without the property, the others values[code-1])
// largest first, then by label, each with its table from tally.
func groupsBySize(total []int, values []string, tally func(code int32) ([]RetentionCohort, []float64)) []RetentionGroup {
	var order []int32
	for code, n := range total {
		if n > 0 {
			order = append(order, int32(code))
		}
	}
	label := func(code int32) string {
		if code == 0 {
			return NoneValue
		}
		return values[code-1]
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if total[a] != total[b] {
			return total[a] > total[b]
		}
		return label(a) < label(b)
	})
	groups := make([]RetentionGroup, 0, len(order))
	for _, code := range order {
		cohorts, avg := tally(code)
		groups = append(groups, RetentionGroup{Value: label(code), Size: total[code], Cohorts: cohorts, Average: avg, code: code})
	}
	return groups
}
