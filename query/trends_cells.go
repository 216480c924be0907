package query

import (
	"fmt"
	"time"
)

// TrendSeriesKey names a series of a trends query computed elsewhere: the
// query's event ("" for any) and, with --by, the value (HasValue false
// for events without the property).
type TrendSeriesKey struct {
	Event    string
	Value    string
	HasValue bool
}

// TrendCell is one count a backend made where the events are (package
// chquery). At is any instant inside the interval, or, for Users over the
// whole range, Range is true.
type TrendCell struct {
	Series       TrendSeriesKey
	At           int64
	Range        bool
	Total, Users int64
}

// TrendCover says that Users persons are counted by a rolling measure's
// window of Days days on every calendar day from the day holding instant
// From to the day holding To (both inclusive; To may lie past the range).
type TrendCover struct {
	Series   TrendSeriesKey
	Days     int
	From, To int64
	Users    int64
}

// TrendActive is the stickiness histogram: Users persons active on exactly
// Days days of the range.
type TrendActive struct {
	Series TrendSeriesKey
	Days   int
	Users  int64
}

// TrendsCells are the counts of a trends query: interval cells, and for
// rolling measures the covers and the histogram. Series are the (event,
// value) pairs seen from the first scanned day (see TrendsScanFrom) to the
// range end.
type TrendsCells struct {
	Series []TrendSeriesKey
	Cells  []TrendCell
	Covers []TrendCover
	Active []TrendActive
}

// TrendsScanFrom is the first instant a trends query reads: the range
// start, or for a rolling measure the first day its trailing window reaches.
func TrendsScanFrom(q TrendsQuery, span Span) (int64, error) {
	if err := q.Check(); err != nil {
		return 0, err
	}
	measure, _ := ParseMeasure(q.Measure)
	w := trendWindows[measure]
	if w == nil {
		return span.From, nil
	}
	return dayStart(span.From, span.Loc).AddDate(0, 0, -(w[len(w)-1] - 1)).UnixMilli(), nil
}

// TrendsFromCells builds the result of q in span from counts made
// elsewhere, as Dataset.Trends builds it from its scan; empty says the
// data has no events. The result's Top folds nothing (folding recounts
// distinct persons, which needs the events).
func TrendsFromCells(q TrendsQuery, span Span, empty bool, c TrendsCells) (*TrendsResult, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	measure, _ := ParseMeasure(q.Measure)
	iv, _ := ParseInterval(q.Interval)
	loc := span.Loc
	if loc == nil {
		loc = time.UTC
	}
	p := &trendsPlan{s: &Scope{Loc: loc, From: span.From, To: span.To}, measure: measure, windows: trendWindows[measure]}
	p.events = q.Events
	if len(p.events) == 0 {
		p.events = []string{""}
	}
	p.cal = NewCalendar(iv, loc, span.From, span.To)
	first := dayStart(span.From, loc)
	last := dayStart(max(span.From, span.To-1), loc)
	p.noDays = empty && q.From == "" && q.To == ""
	if !p.noDays {
		p.rangeFrom, p.rangeTo = first.Format("2006-01-02"), last.Format("2006-01-02")
	}
	p.scanFrom, _ = TrendsScanFrom(q, span)
	if p.windows != nil {
		p.days = NewCalendar(Day, loc, p.scanFrom, span.To)
		p.firstDay = p.windows[len(p.windows)-1] - 1
	}
	index := map[TrendSeriesKey]int{}
	series := c.Series
	if q.By == "" {
		series = nil
		for _, e := range p.events {
			series = append(series, TrendSeriesKey{Event: e})
		}
	}
	pos := map[string]int{}
	for i, e := range p.events {
		pos[e] = i
	}
	for _, k := range series {
		if _, ok := pos[k.Event]; !ok {
			return nil, fmt.Errorf("trends: a series of event %q, which the query does not name", k.Event)
		}
		if _, dup := index[k]; dup {
			continue
		}
		index[k] = len(p.labels)
		v := k.Value
		if !k.HasValue {
			v = NoneValue
		}
		p.labels = append(p.labels, trendLabel{event: k.Event, value: v, by: q.By != ""})
	}
	a := p.newAcc()
	nb := p.cal.Len()
	find := func(k TrendSeriesKey) (int, error) {
		if q.By == "" {
			k.Value, k.HasValue = "", false
		}
		ser, ok := index[k]
		if !ok {
			return 0, fmt.Errorf("trends: a count for %+v, a series not listed", k)
		}
		return ser, nil
	}
	for _, cell := range c.Cells {
		ser, err := find(cell.Series)
		if err != nil {
			return nil, err
		}
		if cell.Range {
			a.seriesUsers[ser] += cell.Users
			continue
		}
		b := p.cal.Bucket(cell.At)
		if b < 0 {
			return nil, fmt.Errorf("trends: a count at %d, outside the range", cell.At)
		}
		a.total[ser*nb+b] += cell.Total
		a.users[ser*nb+b] += cell.Users
	}
	if p.windows != nil {
		nd := p.days.Len()
		for _, cv := range c.Covers {
			ser, err := find(cv.Series)
			if err != nil {
				return nil, err
			}
			w := -1
			for i, width := range p.windows {
				if width == cv.Days {
					w = i
				}
			}
			lo, hi := p.days.Bucket(cv.From), p.days.Bucket(cv.To)
			if lo < 0 && cv.From >= span.To {
				continue // a run that starts after the range's last day
			}
			if hi < 0 && cv.To >= span.To {
				hi = nd - 1
			}
			if w < 0 || lo < 0 || hi < lo {
				return nil, fmt.Errorf("trends: a %d-day cover from %d to %d that the query has no place for", cv.Days, cv.From, cv.To)
			}
			a.diff[w][ser*(nd+1)+lo] += int32(cv.Users)
			a.diff[w][ser*(nd+1)+hi+1] -= int32(cv.Users)
		}
		if a.hist != nil {
			stride := nd - p.firstDay + 1
			for _, ac := range c.Active {
				ser, err := find(ac.Series)
				if err != nil {
					return nil, err
				}
				if ac.Days < 1 || ac.Days >= stride {
					return nil, fmt.Errorf("trends: persons active on %d days of a %d-day range", ac.Days, stride-1)
				}
				a.hist[ser*stride+ac.Days] += ac.Users
			}
		}
	}
	r := p.result(a)
	r.plan = nil
	return r, nil
}
