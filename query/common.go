package query

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Common holds the options every analysis takes (docs/semantics.md#common-options). It is
// plain data so the CLI, the workbench and spec files all build it.
type Common struct {
	From    string   `json:"from,omitempty" toml:"from,omitempty"`   // YYYY-MM-DD, inclusive, display timezone
	To      string   `json:"to,omitempty" toml:"to,omitempty"`       // YYYY-MM-DD, inclusive
	Last    string   `json:"last,omitempty" toml:"last,omitempty"`   // e.g. 30d, 12w: anchored at the data's last event
	Where   []string `json:"where,omitempty" toml:"where,omitempty"` // property filters, ANDed: "country = CN"
	Segment string   `json:"segment,omitempty" toml:"segment,omitempty"`
	By      string   `json:"by,omitempty" toml:"by,omitempty"` // breakdown property
	TZ      string   `json:"tz,omitempty" toml:"tz,omitempty"` // overrides the database's display timezone
}

// SegmentResolver resolves the segment names analyses take: --segment NAME
// to its members, indexed by person, and --by segment:NAME to a per-event
// column saying whether the event's person is a member. A Dataset holds
// one (Dataset.Segments); package segment provides it over a database, as
// query cannot import segment.
type SegmentResolver interface {
	Members(ctx context.Context, d *Dataset, name string) ([]bool, error)
	Breakdown(ctx context.Context, d *Dataset, name string) (*Prop, error)
}

// Scope is Common resolved against a Dataset: the instants, filters and
// calendar an analysis works with.
type Scope struct {
	D        *Dataset
	Loc      *time.Location
	From, To int64 // half-open [From, To) in epoch ms; the whole data when no range is given
	filters  []compiled
	Members  []bool // nil, or persons kept by --segment
	By       *Prop  // nil without --by
}

type zoneKey struct{}

// WithZone returns a context under which the Dataset's SegmentResolver
// (saved segments and their calendar-day rules) evaluates in loc instead of the dataset's
// display timezone. Resolve sets it from --tz, so an analysis's segment
// counts days the way its buckets do. A nil loc changes nothing.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	if loc == nil {
		return ctx
	}
	return context.WithValue(ctx, zoneKey{}, loc)
}

// ZoneOf returns the zone WithZone put in ctx, if any.
func ZoneOf(ctx context.Context) (*time.Location, bool) {
	loc, ok := ctx.Value(zoneKey{}).(*time.Location)
	return loc, ok
}

// Span is the part of Common that needs no events besides the data's
// first and last instants: the display zone and the half-open range
// [From, To) in epoch ms. A backend that keeps the events elsewhere
// resolves it as Resolve does.
type Span struct {
	Loc      *time.Location
	From, To int64
}

// Span resolves the zone (--tz over loc, the data's display zone) and the
// range of c over data whose events run from minTime to maxTime.
func (c Common) Span(loc *time.Location, minTime, maxTime int64) (Span, error) {
	s := Span{Loc: loc}
	if c.TZ != "" {
		loc, err := time.LoadLocation(c.TZ)
		if err != nil {
			return s, i18n.Errorf("unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)", c.TZ)
		}
		s.Loc = loc
	}
	if s.Loc == nil {
		s.Loc = time.UTC
	}
	s.From, s.To = minTime, maxTime+1
	if c.Last != "" {
		if c.From != "" {
			return s, i18n.Errorf("--last and --from both set a range start; use one")
		}
		days, err := parseLast(c.Last)
		if err != nil {
			return s, err
		}
		lastDay := dayStart(maxTime, s.Loc)
		s.To = lastDay.AddDate(0, 0, 1).UnixMilli()
		s.From = lastDay.AddDate(0, 0, 1-days).UnixMilli()
	}
	if c.From != "" {
		t, err := parseDate(c.From, s.Loc)
		if err != nil {
			return s, i18n.Errorf("--from: %w", err)
		}
		s.From = t.UnixMilli()
	}
	if c.To != "" {
		t, err := parseDate(c.To, s.Loc)
		if err != nil {
			return s, i18n.Errorf("--to: %w", err)
		}
		s.To = t.AddDate(0, 0, 1).UnixMilli()
	}
	if s.To < s.From {
		if c.To != "" && (c.From != "" || c.Last != "") {
			return s, i18n.Errorf("the date range ends before it starts (from %s to %s)", c.From, c.To)
		}
		// A range that starts after the data (or ends before it) is empty,
		// not an error: the answer is zero events.
		s.To = s.From
	}
	return s, nil
}

// Resolve checks and resolves the common options.
func (d *Dataset) Resolve(ctx context.Context, c Common) (*Scope, error) {
	span, err := c.Span(d.Loc, d.MinTime, d.MaxTime)
	if err != nil {
		return nil, err
	}
	s := &Scope{D: d, Loc: span.Loc, From: span.From, To: span.To}
	if c.TZ != "" {
		ctx = WithZone(ctx, s.Loc)
	}
	for _, w := range c.Where {
		f, err := ParseFilter(w)
		if err != nil {
			return nil, err
		}
		if err := d.CheckProp(ctx, f.Prop); err != nil {
			return nil, i18n.Errorf("--where %q: %w", w, err)
		}
		cf, err := f.compile(ctx, d)
		if err != nil {
			return nil, err
		}
		s.filters = append(s.filters, cf)
	}
	if c.Segment != "" {
		if d.Segments == nil {
			return nil, i18n.Errorf("segments are not available in this build")
		}
		m, err := d.Segments.Members(ctx, d, c.Segment)
		if err != nil {
			return nil, err
		}
		s.Members = m
	}
	if c.By != "" {
		get := d.Prop
		if name, ok := strings.CutPrefix(c.By, "segment:"); ok && d.Segments != nil {
			get = func(ctx context.Context, _ string) (*Prop, error) { return d.Segments.Breakdown(ctx, d, name) }
		} else if err := d.CheckProp(ctx, c.By); err != nil {
			return nil, i18n.Errorf("--by: %w", err)
		}
		p, err := get(ctx, c.By)
		if err != nil {
			return nil, err
		}
		s.By = p
	}
	return s, nil
}

// InRange reports whether instant t (ms) lies in the date range.
func (s *Scope) InRange(t int64) bool { return t >= s.From && t < s.To }

// Match reports whether event i passes every --where filter.
func (s *Scope) Match(i int) bool {
	for k := range s.filters {
		if !s.filters[k].ok[s.filters[k].codes[i]] {
			return false
		}
	}
	return true
}

// Keep reports whether event i is in range and passes the filters.
func (s *Scope) Keep(i int) bool { return s.InRange(s.D.Time[i]) && s.Match(i) }

// Person reports whether person p passes --segment.
func (s *Scope) Person(p int) bool { return s.Members == nil || s.Members[p] }

// Filters reports whether any --where filter is set.
func (s *Scope) Filters() bool { return len(s.filters) > 0 }

func parseDate(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "20060102", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, i18n.Errorf("cannot read date %q (use YYYY-MM-DD)", v)
}

func parseLast(given string) (int, error) {
	v := strings.TrimSpace(strings.ToLower(given))
	mult := 1
	switch {
	case strings.HasSuffix(v, "d"):
		v = v[:len(v)-1]
	case strings.HasSuffix(v, "w"):
		v, mult = v[:len(v)-1], 7
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, i18n.Errorf("cannot read relative range %q (use e.g. 7d, 30d, 12w)", given)
	}
	if n > MaxDays/mult {
		return 0, i18n.Errorf("relative range %q is too long: at most %sd (100 years)", given, strconv.Itoa(MaxDays))
	}
	return n * mult, nil
}

// MaxDays bounds every duration and relative range spoor reads: 100
// years, longer than any export, and far below where adding a duration to
// a time in milliseconds would overflow (106751991167d wrapped to a
// negative window, and a funnel converted nobody).
const MaxDays = 36_500

// MaxDuration is MaxDays in milliseconds.
const MaxDuration = MaxDays * 86_400_000

// ErrTooLong is a duration over MaxDuration.
var ErrTooLong error = i18n.Error(i18n.N("too long"))

func dayStart(ms int64, loc *time.Location) time.Time {
	t := time.UnixMilli(ms).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// ParseDuration reads a window or gap such as 90s, 30m, 2h, 7d, 2w, or a
// plain number of seconds, and returns milliseconds. A day is always 24h:
// windows are absolute durations, whatever DST does.
func ParseDuration(v string) (int64, error) {
	s := strings.TrimSpace(strings.ToLower(v))
	if s == "" {
		return 0, i18n.Errorf("empty duration (use e.g. 30m, 7d)")
	}
	unit := int64(1000)
	switch s[len(s)-1] {
	case 's':
		s = s[:len(s)-1]
	case 'm':
		s, unit = s[:len(s)-1], 60_000
	case 'h':
		s, unit = s[:len(s)-1], 3_600_000
	case 'd':
		s, unit = s[:len(s)-1], 86_400_000
	case 'w':
		s, unit = s[:len(s)-1], 7*86_400_000
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0) || math.IsInf(f, 0) { // !(f >= 0) is also NaN
		return 0, i18n.Errorf("cannot read duration %q (use a number with s, m, h, d or w, e.g. 7d)", v)
	}
	if f*float64(unit) > MaxDuration {
		return 0, i18n.Errorf("duration %q is %w: at most %sd (100 years)", v, ErrTooLong, strconv.Itoa(MaxDays))
	}
	return int64(f * float64(unit)), nil
}
