package query

import (
	"context"
)

// trendsPlan is a validated trends query: which events feed which series,
// and the calendars to bucket them.
type trendsPlan struct {
	s       *Scope
	by      string // the --by key as given (segment:NAME), for SeriesText
	measure string
	windows []int // trailing windows in days for rolling measures, ascending

	events []string // query events in order; {""} for any event
	slot   []int32  // event id -> index in events, -1 when not selected
	nCodes int      // breakdown codes per slot: len(By.Values)+1, or 1

	// series maps slot*nCodes+code to a series index (-1: none); labels
	// names each series.
	series []int32
	labels []trendLabel

	cal                *Calendar // the interval buckets of the range
	days               *Calendar // calendar days from scanFrom, rolling measures only
	firstDay           int       // index in days of the range's first day
	scanFrom           int64     // earliest instant read (before From for rolling windows)
	rangeFrom, rangeTo string
	noDays             bool // empty dataset and no range: series have no points
}

// key returns the slot*nCodes+code of event i, or -1 when the event is not
// selected.
func (p *trendsPlan) key(i int) int {
	sl := p.slot[p.s.D.Event[i]]
	if sl < 0 {
		return -1
	}
	k := int(sl) * p.nCodes
	if p.s.By != nil {
		k += int(p.s.By.Codes[i])
	}
	return k
}

// discoverSeries finds the (event, value) pairs that occur in scope, so
// memory follows the series that exist, not every value of the property.
func (p *trendsPlan) discoverSeries(ctx context.Context) error {
	n := len(p.events) * p.nCodes
	ranges := p.s.D.personRanges()
	parts := make([][]bool, len(ranges))
	err := eachRange(ctx, ranges, func(part, lo, hi int) error {
		seen := make([]bool, n)
		parts[part] = seen
		d, s := p.s.D, p.s
		for u := lo; u < hi; u++ {
			if !s.Person(u) {
				continue
			}
			if err := stopped(ctx, lo, u); err != nil {
				return err
			}
			for i := int(d.Start[u]); i < int(d.Start[u+1]); i++ {
				t := d.Time[i]
				if t < p.scanFrom {
					continue
				}
				if t >= s.To {
					break
				}
				k := p.key(i)
				if k < 0 || seen[k] || !s.Match(i) {
					continue
				}
				seen[k] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.series = make([]int32, n)
	for k := range p.series {
		p.series[k] = -1
		for _, seen := range parts {
			if seen[k] {
				p.series[k] = int32(len(p.labels))
				sl, code := k/p.nCodes, k%p.nCodes
				v := NoneValue
				if code > 0 {
					v = p.s.By.Values[code-1]
				}
				p.labels = append(p.labels, trendLabel{event: p.events[sl], value: v, by: true})
				break
			}
		}
	}
	return nil
}

// trendsAcc is one worker's counters. Arrays indexed [series*nb+bucket]
// hold interval counts; [series*(nd+1)+day] difference arrays hold, per
// window, +1 where a user's covered days start and -1 after they end.
type trendsAcc struct {
	total, users []int64
	seriesUsers  []int64
	diff         [][]int32
	hist         []int64 // [series*(nRangeDays+1)+activeDays]

	// Per series, the state of the person being scanned; stamp says which
	// person it belongs to, so nothing is reset between persons.
	stamp   []int32
	lastB   []int32
	lastDay []int32
	covered [][]int32 // per window: last day already counted
	inRange []bool
	active  []int32 // days active in range, for the histogram
	touched []int32
}

func (p *trendsPlan) newAcc() *trendsAcc {
	ns, nb := len(p.labels), p.cal.Len()
	a := &trendsAcc{
		total:       make([]int64, ns*nb),
		users:       make([]int64, ns*nb),
		seriesUsers: make([]int64, ns),
		stamp:       make([]int32, ns),
		lastB:       make([]int32, ns),
		lastDay:     make([]int32, ns),
		inRange:     make([]bool, ns),
		active:      make([]int32, ns),
	}
	for i := range a.stamp {
		a.stamp[i] = -1
	}
	if p.windows != nil {
		nd := p.days.Len()
		for range p.windows {
			a.diff = append(a.diff, make([]int32, ns*(nd+1)))
			a.covered = append(a.covered, make([]int32, ns))
		}
		if p.measure == MeasureStickiness {
			a.hist = make([]int64, ns*(nd-p.firstDay+1))
		}
	}
	return a
}

func (p *trendsPlan) run(ctx context.Context) (*TrendsResult, error) {
	ranges := p.s.D.personRanges()
	accs := make([]*trendsAcc, len(ranges))
	err := eachRange(ctx, ranges, func(part, lo, hi int) error {
		a := p.newAcc()
		accs[part] = a
		scan := p.scan
		if p.windows == nil && p.s.By == nil && !p.s.Filters() {
			scan = p.scanPlain
		}
		return scan(ctx, a, lo, hi)
	})
	if err != nil {
		return nil, err
	}
	sum := accs[0]
	for _, a := range accs[1:] {
		addInt64(sum.total, a.total)
		addInt64(sum.users, a.users)
		addInt64(sum.seriesUsers, a.seriesUsers)
		addInt64(sum.hist, a.hist)
		for w := range sum.diff {
			for i, v := range a.diff[w] {
				sum.diff[w][i] += v
			}
		}
	}
	return p.result(sum), nil
}

func addInt64(dst, src []int64) {
	for i, v := range src {
		dst[i] += v
	}
}

// scan is the single pass over persons lo..hi-1. Events are ordered by time
// within a person, so the interval and day of each event are found by
// moving a cursor forward, not by searching.
func (p *trendsPlan) scan(ctx context.Context, a *trendsAcc, lo, hi int) error {
	d, s := p.s.D, p.s
	// Locals rather than fields in the hot loop: the compiler cannot keep
	// fields of p and a in registers across the slice writes.
	times, events, offsets := d.Time, d.Event, d.Start
	slot, series, nCodes := p.slot, p.series, p.nCodes
	var codes []int32
	if s.By != nil {
		codes = s.By.Codes
	}
	scanFrom, from, to := p.scanFrom, s.From, s.To
	total, users, seriesUsers := a.total, a.users, a.seriesUsers
	stamp, lastB, lastDay, inRange, active := a.stamp, a.lastB, a.lastDay, a.inRange, a.active
	nb := p.cal.Len()
	starts := p.cal.Starts
	rolling := p.windows != nil
	var dayStarts []int64
	nd := 0
	if rolling {
		dayStarts = p.days.Starts
		nd = p.days.Len()
	}
	filters := s.Filters()
	for u := lo; u < hi; u++ {
		if err := stopped(ctx, lo, u); err != nil {
			return err
		}
		if !s.Person(u) {
			continue
		}
		pu := int32(u)
		b, day := -1, -1
		a.touched = a.touched[:0]
		for i := int(offsets[u]); i < int(offsets[u+1]); i++ {
			t := times[i]
			if t < scanFrom {
				continue
			}
			if t >= to {
				break
			}
			sl := slot[events[i]]
			if sl < 0 {
				continue
			}
			k := int(sl) * nCodes
			if codes != nil {
				k += int(codes[i])
			}
			ser := series[k]
			if ser < 0 || filters && !s.Match(i) {
				continue
			}
			if stamp[ser] != pu {
				stamp[ser] = pu
				lastB[ser] = -1
				lastDay[ser] = -1
				inRange[ser] = false
				active[ser] = 0
				for w := range a.covered {
					a.covered[w][ser] = -1
				}
				a.touched = append(a.touched, ser)
			}
			if t >= from && !inRange[ser] {
				inRange[ser] = true
				seriesUsers[ser]++
			}
			if !rolling {
				if t < from {
					continue
				}
				if b < 0 {
					b = p.cal.Bucket(t)
				}
				for starts[b+1] <= t {
					b++
				}
				total[int(ser)*nb+b]++
				if lastB[ser] != int32(b) {
					lastB[ser] = int32(b)
					users[int(ser)*nb+b]++
				}
				continue
			}
			if day < 0 {
				day = p.days.Bucket(t)
			}
			for dayStarts[day+1] <= t {
				day++
			}
			if lastDay[ser] == int32(day) {
				continue
			}
			lastDay[ser] = int32(day)
			if day >= p.firstDay {
				active[ser]++
			}
			// The user counts on days day..day+W-1 for window W; days
			// already covered by an earlier active day are skipped so each
			// day counts the user once.
			for w, width := range p.windows {
				lo := max(day, int(a.covered[w][ser])+1)
				hi := min(day+width-1, nd-1)
				if lo > hi {
					continue
				}
				a.diff[w][int(ser)*(nd+1)+lo]++
				a.diff[w][int(ser)*(nd+1)+hi+1]--
				a.covered[w][ser] = int32(hi)
			}
		}
		if a.hist != nil {
			stride := nd - p.firstDay + 1
			for _, ser := range a.touched {
				if n := active[ser]; n > 0 {
					a.hist[int(ser)*stride+int(n)]++
				}
			}
		}
	}
	return nil
}

// result turns the merged counters into series.
func (p *trendsPlan) result(a *trendsAcc) *TrendsResult {
	r := &TrendsResult{Measure: p.measure, Interval: string(p.cal.Interval), From: p.rangeFrom, To: p.rangeTo, Series: []TrendSeries{}, plan: p, by: p.by}
	nb := p.cal.Len()
	if p.noDays {
		nb = 0
	}
	var daily [][]float64 // per window, per series: the values for every day
	if p.windows != nil {
		nd := p.days.Len()
		for w := range p.windows {
			vals := make([]float64, len(p.labels)*nd)
			for ser := range p.labels {
				run := int32(0)
				for day := 0; day < nd; day++ {
					run += a.diff[w][ser*(nd+1)+day]
					vals[ser*nd+day] = float64(run)
				}
			}
			daily = append(daily, vals)
		}
	}
	for ser, l := range p.labels {
		ts := TrendSeries{Label: l.String(), Event: l.event, Points: make([]TrendPoint, nb)}
		if l.by {
			ts.Value = l.value
		}
		var events int64
		for b := 0; b < nb; b++ {
			events += a.total[ser*nb+b]
			ts.Points[b] = TrendPoint{T: p.cal.Label(b), Value: p.point(a, daily, ser, b)}
		}
		users := a.seriesUsers[ser]
		switch p.measure {
		case MeasureTotal:
			ts.Total = Num(events)
		case MeasureAvg:
			ts.Total = Ratio(events, users)
		default:
			ts.Total = Num(users)
		}
		if a.hist != nil {
			stride := p.days.Len() - p.firstDay + 1
			for n := 1; n < stride; n++ {
				ts.StickinessHistogram = append(ts.StickinessHistogram, StickinessBin{Days: n, Users: a.hist[ser*stride+n]})
			}
		}
		r.Series = append(r.Series, ts)
	}
	trimHistograms(r.Series)
	orderSeries(r.Series, p.events)
	return r
}

// point is the value of series ser in interval b: undefined for avg
// with no active user and stickiness with no monthly active user.
func (p *trendsPlan) point(a *trendsAcc, daily [][]float64, ser, b int) Num {
	nb := p.cal.Len()
	switch p.measure {
	case MeasureTotal:
		return Num(a.total[ser*nb+b])
	case MeasureUsers:
		return Num(a.users[ser*nb+b])
	case MeasureAvg:
		return Ratio(a.total[ser*nb+b], a.users[ser*nb+b])
	}
	// Rolling measures: the days of the interval that lie in the range.
	nd := p.days.Len()
	first := max(p.days.Bucket(max(p.cal.Starts[b], p.s.From)), p.firstDay)
	last := p.days.Bucket(min(p.cal.Starts[b+1], p.s.To) - 1)
	if first < 0 || last < first {
		if p.measure == MeasureStickiness {
			return Undefined
		}
		return 0
	}
	if p.measure != MeasureStickiness {
		// A week or month reports its last day's rolling count.
		return Num(daily[0][ser*nd+last])
	}
	// Stickiness is the mean DAU/MAU over the interval's days; days with
	// no monthly active user have no ratio and are left out.
	var sum float64
	n := 0
	for day := first; day <= last; day++ {
		if mau := daily[1][ser*nd+day]; mau > 0 {
			sum += daily[0][ser*nd+day] / mau
			n++
		}
	}
	if n == 0 {
		return Undefined
	}
	return Num(sum / float64(n))
}

// trimHistograms drops the bins above the largest day count any series
// reached, so a year-long range does not print hundreds of empty rows.
func trimHistograms(ss []TrendSeries) {
	top := 0
	for _, s := range ss {
		for _, b := range s.StickinessHistogram {
			if b.Users > 0 {
				top = max(top, b.Days)
			}
		}
	}
	for i := range ss {
		if ss[i].StickinessHistogram != nil {
			ss[i].StickinessHistogram = ss[i].StickinessHistogram[:top]
		}
	}
}
