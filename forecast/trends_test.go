package forecast

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// complete on 20 days of events (2 to 21 March): stamped with dates only
// (every event at midnight), the last day is whole and kept; with times
// (the first day's at 09:00), the same last day ending at 00:00 is cut
// short and left out. Date-stamped, the last week (the data ends on a
// Saturday) and the last hour (00:00–01:00 of 21 March) are still partly
// covered; with --to the range decides, as before.
func TestCompleteDateStamped(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	var dated []query.RawEvent
	for d := range 20 {
		for range 3 + d%4 {
			dated = append(dated, query.RawEvent{User: "u", Event: "view", Time: start.AddDate(0, 0, d).UnixMilli()})
		}
	}
	// The same with the first day's events at 09:00: times, not dates.
	timed := append([]query.RawEvent(nil), dated...)
	for i := range 3 {
		timed[i].Time += (9 * time.Hour).Milliseconds()
	}
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		evs      []query.RawEvent
		interval string
		to       string
		hi       int // intervals kept
		note     string
	}{
		{"dates, days", dated, "day", "", 20, ""},
		{"times, days", timed, "day", "", 19, "left out the partly covered last day 2026-03-21"},
		{"dates, weeks", dated, "week", "", 2, "left out the partly covered last week"},
		{"dates, hours", dated, "hour", "", 19 * 24, "left out the partly covered last hour"},
		{"dates, --to", dated, "day", "2026-03-21", 20, ""},
	} {
		d := query.NewDataset(c.evs, time.UTC)
		q := query.TrendsQuery{Interval: c.interval}
		q.To = c.to
		r, err := d.Trends(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := BoundsOf(d, q.Common)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := complete(b, q, r)
		if err != nil {
			t.Fatal(err)
		}
		if note := sp.note.In(i18n.English); sp.hi-sp.lo != c.hi || !strings.HasPrefix(note, c.note) || (c.note == "") != (note == "") {
			t.Errorf("%s: %d intervals kept, note %q; want %d, %q", c.name, sp.hi-sp.lo, sp.note.In(i18n.English), c.hi, c.note)
		}
	}
}
