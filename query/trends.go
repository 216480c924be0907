package query

import (
	"context"
	"sort"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// TrendsQuery is a trends analysis (docs/semantics.md#trends).
type TrendsQuery struct {
	Common
	Events   []string `json:"events,omitempty" toml:"events,omitempty"`     // empty = any event
	Measure  string   `json:"measure,omitempty" toml:"measure,omitempty"`   // total|users|avg|dau|wau|mau|stickiness; "" = total
	Interval string   `json:"interval,omitempty" toml:"interval,omitempty"` // hour|day|week|month; "" = day
}

// Trend measures. Rolling ones (dau, wau, mau, stickiness) are computed for
// every calendar day of the range from the trailing 1, 7 or 30 days; the
// trailing window may reach before the range start, so the first days of a
// range are not artificially low.
const (
	MeasureTotal      = "total"
	MeasureUsers      = "users"
	MeasureAvg        = "avg"
	MeasureDAU        = "dau"
	MeasureWAU        = "wau"
	MeasureMAU        = "mau"
	MeasureStickiness = "stickiness"
)

// trendWindows is the trailing window in days of each rolling measure.
var trendWindows = map[string][]int{
	MeasureDAU:        {1},
	MeasureWAU:        {7},
	MeasureMAU:        {30},
	MeasureStickiness: {1, 30},
}

// AnyEventLabel names the series of a trend over every event.
const AnyEventLabel = "all events"

// Labels of breakdown values that are not property values.
const (
	NoneValue  = "(none)" // the event lacks the property
	OtherValue = "other"  // values folded by Top
)

// TrendsResult is one series per event, or per event and breakdown value.
type TrendsResult struct {
	Measure  string        `json:"measure"`
	Interval string        `json:"interval"`
	From     string        `json:"from"` // first day of the range, inclusive
	To       string        `json:"to"`   // last day of the range, inclusive
	Series   []TrendSeries `json:"series"`

	plan *trendsPlan // to fold breakdown values in Top
	by   string      // the --by key, to name generated groups (SeriesText)
}

// TrendSeries is one line of the chart. Total is the series over the whole
// range: events for total, events per distinct user for avg, and distinct
// users for every other measure.
type TrendSeries struct {
	Label  string       `json:"label"`
	Event  string       `json:"event,omitempty"` // "" = any event
	Value  string       `json:"value,omitempty"` // breakdown value, with --by
	Total  Num          `json:"total"`           // null for avg with no active user
	Points []TrendPoint `json:"points"`
	// StickinessHistogram (measure stickiness) counts users by the number
	// of calendar days of the range on which they were active.
	StickinessHistogram []StickinessBin `json:"stickiness_histogram,omitempty"`
}

// TrendPoint is the value of one interval, labelled by its first day.
type TrendPoint struct {
	T     string `json:"t"`
	Value Num    `json:"value"` // null where undefined: avg with no active user, stickiness with no monthly user
}

// StickinessBin is the number of users active on exactly Days days.
type StickinessBin struct {
	Days  int   `json:"days"`
	Users int64 `json:"users"`
}

// Trends computes a trends analysis.
func (d *Dataset) Trends(ctx context.Context, q TrendsQuery) (*TrendsResult, error) {
	p, err := d.planTrends(ctx, q)
	if err != nil {
		return nil, err
	}
	if p.s.By != nil {
		if err := p.discoverSeries(ctx); err != nil {
			return nil, err
		}
	}
	return p.run(ctx)
}

// Top returns the result with at most n breakdown values per event, the
// others folded into one "other" series, for charts. The fold is
// recomputed, not summed, so distinct-user measures stay exact.
func (r *TrendsResult) Top(ctx context.Context, n int) (*TrendsResult, error) {
	if r.plan == nil || r.plan.s.By == nil || n <= 0 {
		return r, nil
	}
	perEvent := map[string]int{}
	fits := true
	for _, s := range r.Series {
		perEvent[s.Event]++
		fits = fits && perEvent[s.Event] <= n
	}
	if fits {
		return r, nil
	}
	p := r.plan.fold(r.Series, n)
	return p.run(ctx)
}

// ParseMeasure checks a trends measure name ("" means total).
func ParseMeasure(v string) (string, error) {
	m := strings.ToLower(v)
	switch m {
	case "":
		return MeasureTotal, nil
	case MeasureTotal, MeasureUsers, MeasureAvg, MeasureDAU, MeasureWAU, MeasureMAU, MeasureStickiness:
		return m, nil
	}
	return "", i18n.Errorf("unknown measure %q (use total, users, avg, dau, wau, mau or stickiness)", v)
}

// Check validates the query without data: the measure, the interval, and
// events listed once.
func (q TrendsQuery) Check() error {
	measure, err := ParseMeasure(q.Measure)
	if err != nil {
		return err
	}
	iv, err := ParseInterval(q.Interval)
	if err != nil {
		return err
	}
	if iv == Hour && trendWindows[measure] != nil {
		return i18n.Errorf("measure %s counts calendar days; use --interval day, week or month", measure)
	}
	seen := map[string]bool{}
	for _, e := range q.Events {
		if seen[e] {
			return i18n.Errorf("event %q is listed twice", e)
		}
		seen[e] = true
	}
	return nil
}

func (d *Dataset) planTrends(ctx context.Context, q TrendsQuery) (*trendsPlan, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	measure, _ := ParseMeasure(q.Measure)
	iv, _ := ParseInterval(q.Interval)
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	p := &trendsPlan{s: s, by: q.By, measure: measure, windows: trendWindows[measure]}
	p.slot = make([]int32, len(d.Names))
	if len(q.Events) == 0 {
		p.events = []string{""}
	} else {
		for i := range p.slot {
			p.slot[i] = -1
		}
		for _, e := range q.Events {
			if err := d.CheckEvent(e); err != nil {
				return nil, err
			}
			id, _ := d.EventID(e)
			p.slot[id] = int32(len(p.events))
			p.events = append(p.events, e)
		}
	}
	p.nCodes = 1
	if s.By != nil {
		p.nCodes = len(s.By.Values) + 1
	}
	p.cal = NewCalendar(iv, s.Loc, s.From, s.To)
	first := dayStart(s.From, s.Loc)
	last := dayStart(max(s.From, s.To-1), s.Loc)
	// Without events or a given range there are no days to show (rather
	// than one empty day in 1970).
	p.noDays = d.Len() == 0 && q.Common.From == "" && q.Common.To == ""
	if !p.noDays {
		p.rangeFrom, p.rangeTo = first.Format("2006-01-02"), last.Format("2006-01-02")
	}
	if p.windows != nil {
		look := p.windows[len(p.windows)-1] - 1
		p.scanFrom = first.AddDate(0, 0, -look).UnixMilli()
		p.days = NewCalendar(Day, s.Loc, p.scanFrom, s.To)
		p.firstDay = look
	} else {
		p.scanFrom = s.From
	}
	// Without --by each event is one series; with it, series are the
	// (event, value) pairs that occur, found by discoverSeries.
	if s.By == nil {
		p.series = make([]int32, len(p.events))
		for i := range p.series {
			p.series[i] = int32(i)
			p.labels = append(p.labels, trendLabel{event: p.events[i]})
		}
	}
	return p, nil
}

// trendLabel names a series: its event ("" for any) and breakdown value.
type trendLabel struct {
	event, value string
	by           bool
}

func (l trendLabel) String() string {
	ev := l.event
	if ev == "" {
		if l.by {
			return l.value
		}
		return AnyEventLabel
	}
	if l.by {
		return ev + " · " + l.value
	}
	return ev
}

// fold maps, per event, every value outside the n largest series (by
// total, ties by label) to one "other" series.
func (p *trendsPlan) fold(series []TrendSeries, n int) *trendsPlan {
	ranked := make([]TrendSeries, len(series))
	copy(ranked, series)
	orderSeries(ranked, p.events)
	keep := map[trendLabel]bool{}
	perEvent := map[string]int{}
	for _, s := range ranked {
		if perEvent[s.Event] < n {
			keep[trendLabel{event: s.Event, value: s.Value, by: true}] = true
			perEvent[s.Event]++
		}
	}
	q := *p
	q.series = make([]int32, len(p.series))
	q.labels = nil
	index := map[trendLabel]int32{}
	for key, old := range p.series {
		if old < 0 {
			q.series[key] = -1
			continue
		}
		l := p.labels[old]
		if !keep[l] {
			l.value = OtherValue
		}
		id, ok := index[l]
		if !ok {
			id = int32(len(q.labels))
			index[l] = id
			q.labels = append(q.labels, l)
		}
		q.series[key] = id
	}
	return &q
}

// orderSeries sorts series by the event's position in the query, then by
// total descending, then label, keeping "other" last within its event.
func orderSeries(ss []TrendSeries, events []string) {
	pos := map[string]int{}
	for i, e := range events {
		pos[e] = i
	}
	sort.SliceStable(ss, func(i, j int) bool {
		a, b := ss[i], ss[j]
		if pos[a.Event] != pos[b.Event] {
			return pos[a.Event] < pos[b.Event]
		}
		if (a.Value == OtherValue) != (b.Value == OtherValue) {
			return b.Value == OtherValue
		}
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		return a.Label < b.Label
	})
}
