package forecast

import (
	"context"
	"fmt"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// SeasonOf is the seasonal period of an interval: a day of hours, a week
// of days, a year of weeks or months.
func SeasonOf(iv query.Interval) int {
	switch iv {
	case query.Hour:
		return 24
	case query.Week:
		return 52
	case query.Month:
		return 12
	}
	return 7
}

// DefaultHorizon is two weeks of days, two days of hours, eight weeks or
// six months.
func DefaultHorizon(iv query.Interval) int {
	switch iv {
	case query.Hour:
		return 48
	case query.Week:
		return 8
	case query.Month:
		return 6
	}
	return 14
}

// MaxHorizon bounds --horizon.
const MaxHorizon = 1000

// Bounds are what a forecast reads of the data besides the series: the
// span a query's range resolves to, and the data's first and last
// instants (ms) and its number of events. They come from a local dataset
// (BoundsOf) or from another engine's table (a ClickHouse table's
// overview), so a series computed there is forecast as a local one is.
type Bounds struct {
	Span        query.Span
	First, Last int64
	Events      int
}

// BoundsOf is d's bounds for the range of c.
func BoundsOf(d *query.Dataset, c query.Common) (Bounds, error) {
	s, err := c.Span(d.Loc, d.MinTime, d.MaxTime)
	return Bounds{Span: s, First: d.MinTime, Last: d.MaxTime, Events: d.Len()}, err
}

// Bounded is an engine that reads its data's bounds itself (package
// chquery's, from the table).
type Bounded interface {
	ForecastBounds(ctx context.Context, c query.Common) (Bounds, error)
}

// BoundsOn is e's bounds for the range of c: a local dataset's, or a
// Bounded engine's.
func BoundsOn(ctx context.Context, e query.Engine, c query.Common) (Bounds, error) {
	switch b := e.(type) {
	case *query.Dataset:
		return BoundsOf(b, c)
	case Bounded:
		return b.ForecastBounds(ctx, c)
	}
	return Bounds{}, i18n.Errorf("%s needs a local spoor database for now", "spoor forecast")
}

// Trends forecasts every series of r, the result of query q on d, h
// intervals ahead, backtesting the first backtests series (all when
// negative; the workbench backtests only the first, to answer quickly).
// An interval the range covers only in part (the data ends mid-day,
// --from starts mid-week) is left out, since its count is not comparable
// with the others; Result.Note says so.
func Trends(ctx context.Context, d *query.Dataset, q query.TrendsQuery, r *query.TrendsResult, h, backtests int) (*Result, error) {
	b, err := BoundsOf(d, q.Common)
	if err != nil {
		return nil, err
	}
	return TrendsWithin(ctx, b, q, r, h, backtests)
}

// TrendsWithin is Trends on a result computed anywhere, the data's bounds
// given.
func TrendsWithin(ctx context.Context, b Bounds, q query.TrendsQuery, r *query.TrendsResult, h, backtests int) (*Result, error) {
	iv, err := query.ParseInterval(q.Interval)
	if err != nil {
		return nil, err
	}
	if h < 1 || h > MaxHorizon {
		return nil, i18n.Errorf("--horizon %d is out of range (use 1 to %d)", h, MaxHorizon)
	}
	sp, err := complete(b, q, r)
	if err != nil {
		return nil, err
	}
	m, future := SeasonOf(iv), sp.ahead(h)
	out := &Result{Measure: r.Measure, Interval: r.Interval, Period: m, Horizon: h, Note: sp.note.In(i18n.English), note: sp.note, Series: []Series{}}
	for k, sr := range r.Series {
		var t []string
		for _, p := range sr.Points[sp.lo:sp.hi] {
			t = append(t, p.T)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// NaN (undefined) is a missing point to Choose and Detect.
		out.Series = append(out.Series, ForSeries(sr.Label, t, values(sr.Points[sp.lo:sp.hi]), m, h, future, backtests < 0 || k < backtests))
	}
	return out, nil
}

// span is the complete intervals of a trends result, [lo, hi), the note
// naming those left out, and the labels of the intervals after hi.
type span struct {
	lo, hi int
	note   i18n.Msg
	// ahead(h) labels the h intervals after the last kept: its k-th, 1-based.
	ahead func(h int) func(k int) string
}

// dateStamped says whether the data's first and last events are both at
// midnight in loc: data stamped with dates only. Events with real times
// almost never land on 00:00:00.000 at both ends.
func dateStamped(b Bounds, loc *time.Location) bool {
	midnight := func(ms int64) bool {
		t := time.UnixMilli(ms).In(loc)
		return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	return b.Events > 0 && midnight(b.First) && midnight(b.Last)
}

// complete finds the intervals of r (query q on data of bounds b) the
// range covers whole.
func complete(b Bounds, q query.TrendsQuery, r *query.TrendsResult) (span, error) {
	iv, err := query.ParseInterval(q.Interval)
	if err != nil {
		return span{}, err
	}
	s := b.Span
	cal := query.NewCalendar(iv, s.Loc, s.From, s.To)
	lo, hi := 0, cal.Len()
	if len(r.Series) > 0 && len(r.Series[0].Points) != hi {
		return span{}, fmt.Errorf("internal: %d points for %d intervals", len(r.Series[0].Points), hi)
	}
	var first, last []any // interval and label of a partly covered end left out
	// Up to 2% of an interval uncovered still counts as whole (data that
	// ends at 23:59 covers its day). Without --from or --last the data
	// simply starts with its first event, whatever the hour.
	ranged := q.From != "" || q.Last != ""
	if ranged && hi > 0 && s.From-cal.Starts[0] > (cal.Starts[1]-cal.Starts[0])/50 {
		first = []any{query.PeriodMsg(string(iv)), cal.Label(0)}
		lo++
	}
	dataEnd := s.To
	if q.To == "" && q.Last == "" && iv != query.Hour && dateStamped(b, s.Loc) {
		// The data has dates, not times (an export's "eventdate" column):
		// its last event stands for the whole of its day, not for a day
		// cut short at 00:00.
		dataEnd = query.NewCalendar(query.Day, s.Loc, b.Last, b.Last+1).Starts[1]
	}
	if hi > lo && cal.Starts[hi]-dataEnd > (cal.Starts[hi]-cal.Starts[hi-1])/50 {
		last = []any{query.PeriodMsg(string(iv)), cal.Label(hi - 1)}
		hi--
	}
	sp := span{lo: lo, hi: hi}
	switch {
	case first != nil && last != nil:
		sp.note = i18n.M("left out the partly covered first %s %s and last %s %s", append(first, last...)...)
	case first != nil:
		sp.note = i18n.M("left out the partly covered first %s %s", first...)
	case last != nil:
		sp.note = i18n.M("left out the partly covered last %s %s", last...)
	}
	// The labels of the intervals after the last one kept.
	width := map[query.Interval]time.Duration{query.Hour: time.Hour, query.Day: 25 * time.Hour, query.Week: 7 * 25 * time.Hour, query.Month: 32 * 24 * time.Hour}[iv]
	end := cal.Starts[max(hi, 0)]
	sp.ahead = func(h int) func(k int) string {
		cal := query.NewCalendar(iv, s.Loc, end, end+int64(h)*width.Milliseconds())
		return func(k int) string { return cal.Label(k - 1) }
	}
	return sp, nil
}
