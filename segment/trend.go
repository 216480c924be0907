package segment

import (
	"context"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// SizePoint is a segment's size as of the end of one day.
type SizePoint struct {
	Day   string  `json:"day"`   // YYYY-MM-DD, display timezone
	Users int     `json:"users"` // members as of the end of the day
	Total int     `json:"total"` // persons seen by then
	Share float64 `json:"share"`
}

// Trend evaluates n as of the end of each of the last `days` calendar days
// (display timezone, or the zone of ctx: WithZone), the last being the day of the data's last event, so
// its point is the size now. Each day sees only the events until its end,
// and its relative windows end there: "in 7d" is that day and the six
// before, "in 24h" the 24 hours before midnight.
func Trend(ctx context.Context, d *query.Dataset, n Node, days int) ([]SizePoint, error) {
	if d.Len() == 0 || days <= 0 {
		return []SizePoint{}, nil
	}
	last := dayStart(d.MaxTime, Zone(ctx, d))
	out := make([]SizePoint, 0, days)
	for k := days - 1; k >= 0; k-- {
		day := last.AddDate(0, 0, -k)
		end := day.AddDate(0, 0, 1).UnixMilli() - 1
		e, err := CompileAsOf(ctx, d, n, min(end, d.MaxTime))
		if err != nil {
			return nil, err
		}
		pt := SizePoint{Day: day.Format("2006-01-02")}
		for p := range d.Users {
			if p&4095 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if lo, hi := e.Span(p); hi > lo {
				pt.Total++
				if e.root.eval(lo, hi) {
					pt.Users++
				}
			}
		}
		if pt.Total > 0 {
			pt.Share = float64(pt.Users) / float64(pt.Total)
		}
		out = append(out, pt)
	}
	return out, nil
}

// TrendTable shows a trend, one row per day.
func TrendTable(l i18n.Lang, pts []SizePoint) output.Table {
	t := output.Table{Title: l.T("size by day"), Columns: []string{l.T("day"), l.T("users"), l.T("of (total users)"), l.T("share")}}
	for _, p := range pts {
		t.Rows = append(t.Rows, []string{p.Day, strconv.Itoa(p.Users), strconv.Itoa(p.Total), pct(p.Share)})
	}
	return t
}
