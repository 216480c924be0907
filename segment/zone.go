package segment

import (
	"context"
	"time"

	"github.com/spoorhq/spoor/query"
)

// WithZone returns a context under which segments, audience rules, RFM,
// lifecycle stages and churn count calendar days, read dates and write
// evidence times in loc instead of the dataset's display timezone: the
// --tz of the command or analysis that evaluates them. A context carries
// it because --segment NAME reaches this package through the Dataset's
// query.SegmentResolver, whose signature has no room for a zone; query.Resolve sets it from an
// analysis's --tz (query.WithZone). A nil loc changes nothing.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return query.WithZone(ctx, loc)
}

// Zone is the timezone calendar notions use: the context's (WithZone),
// else the dataset's display timezone, else UTC.
func Zone(ctx context.Context, d *query.Dataset) *time.Location {
	if loc, ok := query.ZoneOf(ctx); ok {
		return loc
	}
	return dataZone(d)
}

// dataZone is the dataset's display timezone (UTC when it has none).
func dataZone(d *query.Dataset) *time.Location {
	if d.Loc == nil {
		return time.UTC
	}
	return d.Loc
}

// Clock resolves the windows and dates of an expression as Compile does,
// for a backend that evaluates the expression where the events are
// (package chquery): relative windows end at anchor, the data's last event
// (or an as-of instant), and calendar days are those of loc.
type Clock struct{ e *Evaluator }

// NewClock is the clock of data whose last event is at anchor (ms).
func NewClock(anchor int64, loc *time.Location) Clock {
	return Clock{&Evaluator{anchor: anchor, loc: loc}}
}

// Rel is the [from, to) of a relative window.
func (c Clock) Rel(r Rel) (from, to int64) { return c.e.rel(r) }

// Window is the [from, to) of a window; all time is math.MinInt64,
// math.MaxInt64.
func (c Clock) Window(w Window) (from, to int64, err error) { return c.e.window(w) }

// Seen is the [from, to) a first_seen or last_seen term tests.
func (c Clock) Seen(s Seen) (from, to int64, err error) { return c.e.seenRange(s) }

// Stages are the instants lifecycle stages compare first and last events
// with (see StagesIn): the starts of the last window days and of the two
// windows before.
func (c Clock) Stages(window int) (recent, before int64) {
	recent, _ = c.e.rel(Rel{N: window, Unit: 'd'})
	before, _ = c.e.rel(Rel{N: 2 * window, Unit: 'd'})
	return recent, before
}
