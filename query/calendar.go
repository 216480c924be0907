package query

import (
	"sort"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Interval is a calendar bucket size.
type Interval string

const (
	Hour  Interval = "hour"
	Day   Interval = "day"
	Week  Interval = "week" // starting Monday
	Month Interval = "month"
)

// ParseInterval checks an interval name ("" means day).
func ParseInterval(v string) (Interval, error) {
	switch Interval(strings.ToLower(v)) {
	case "", Day:
		return Day, nil
	case Hour, Week, Month:
		return Interval(strings.ToLower(v)), nil
	}
	return "", i18n.Errorf("unknown interval %q (use hour, day, week or month)", v)
}

// Calendar maps instants to calendar buckets in a timezone. Buckets are
// precomputed boundaries, so DST days of 23 or 25 hours are handled and no
// per-event time.Time is built.
type Calendar struct {
	Interval Interval
	Loc      *time.Location
	Starts   []int64 // bucket i is [Starts[i], Starts[i+1]); the last entry closes the final bucket

	// width is every bucket's length when all are equal (hours; days and
	// weeks with no DST change between): finding a bucket is then one
	// division instead of a search, per person in every scan.
	width int64
}

// NewCalendar covers every instant in [from, to).
func NewCalendar(iv Interval, loc *time.Location, from, to int64) *Calendar {
	c := &Calendar{Interval: iv, Loc: loc}
	t := truncate(time.UnixMilli(from).In(loc), iv)
	for {
		c.Starts = append(c.Starts, t.UnixMilli())
		if t.UnixMilli() >= to {
			break
		}
		t = next(t, iv)
	}
	if len(c.Starts) == 1 { // empty range: one empty bucket keeps callers simple
		c.Starts = append(c.Starts, next(t, iv).UnixMilli())
	}
	c.width = c.Starts[1] - c.Starts[0]
	for i := 2; i < len(c.Starts); i++ {
		if c.Starts[i]-c.Starts[i-1] != c.width {
			c.width = 0
			break
		}
	}
	return c
}

// locate returns the bucket of t: -1 before the calendar, Len() after it.
func (c *Calendar) locate(t int64) int {
	last := len(c.Starts) - 1
	switch {
	case t < c.Starts[0]:
		return -1
	case t >= c.Starts[last]:
		return last
	case c.width > 0:
		return int((t - c.Starts[0]) / c.width)
	}
	return sort.Search(last+1, func(i int) bool { return c.Starts[i] > t }) - 1
}

func truncate(t time.Time, iv Interval) time.Time {
	y, m, d := t.Date()
	switch iv {
	case Hour:
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, t.Location())
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, t.Location())
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func next(t time.Time, iv Interval) time.Time {
	switch iv {
	case Hour:
		return t.Add(time.Hour)
	case Week:
		return t.AddDate(0, 0, 7)
	case Month:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Len is the number of buckets.
func (c *Calendar) Len() int { return len(c.Starts) - 1 }

// Bucket returns the bucket of instant t, or -1 outside the calendar.
func (c *Calendar) Bucket(t int64) int {
	if b := c.locate(t); b < c.Len() {
		return b
	}
	return -1
}

// Label is the bucket's start as YYYY-MM-DD (YYYY-MM-DD HH:MM for hours).
// When clocks fall back an hour's wall-clock time happens twice, so those
// two hours also name their zone ("01:00 EDT", "01:00 EST"); every other
// label is left bare. The hour skipped when clocks spring forward has no
// bucket: its neighbours read 01:00 and 03:00.
func (c *Calendar) Label(i int) string {
	t := time.UnixMilli(c.Starts[i]).In(c.Loc)
	if c.Interval == Hour {
		return t.Format("2006-01-02 15:04") + repeatedHourZone(t)
	}
	return t.Format("2006-01-02")
}

// repeatedHourZone is " EDT" when t's wall-clock hour also names the
// instant an hour before or after it, else "". A zone whose two offsets
// share an abbreviation gets the offset instead.
func repeatedHourZone(t time.Time) string {
	const wallHour = "2006-01-02 15"
	for _, o := range []time.Time{t.Add(-time.Hour), t.Add(time.Hour)} {
		if o.Format(wallHour) != t.Format(wallHour) {
			continue
		}
		if zone := t.Format("MST"); zone != o.Format("MST") {
			return " " + zone
		}
		return " " + t.Format("-07:00")
	}
	return ""
}
