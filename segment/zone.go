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
