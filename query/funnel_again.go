package query

import (
	"context"
	"reflect"
	"strings"

	"github.com/spoorhq/spoor/store"
)

// FunnelAgain answers q from prev, the result of an earlier query on d,
// when the two differ only in the trend's interval or the --by property:
// who reached which step from which attempt depends on neither. A new
// interval counts the trend again in one pass over the persons instead of
// their events (the workbench's "trend per week" edit at 10M events: a
// third of a second of scanning). A new --by walks each person's counted
// attempt once more, for the times to convert by value, instead of
// searching every attempt (ordered funnels without exclusions under
// spoor's rules; other funnels run again). ok is false when prev cannot
// answer q: another query, other data, a result of another engine, or a
// saved segment, which may have changed since. The result is the one
// Funnel gives.
func (d *Dataset) FunnelAgain(ctx context.Context, prev *FunnelResult, q FunnelQuery) (r *FunnelResult, ok bool, err error) {
	if d == nil || prev == nil || prev.d != d || q.Segment != "" || strings.HasPrefix(q.By, "segment:") {
		return nil, false, nil
	}
	was, now := prev.Query, q
	was.Interval, now.Interval, was.By, now.By = "", "", "", ""
	if !reflect.DeepEqual(was, now) {
		return nil, false, nil
	}
	p, err := d.planFunnel(ctx, q)
	if err != nil {
		return nil, true, err
	}
	if q.By == prev.Query.By {
		// Only the trend changes: the rest is prev's.
		pt := p.newPart()
		for u, l := range prev.Level {
			if err := stopped(ctx, 0, u); err != nil {
				return nil, true, err
			}
			if l >= 0 {
				pt.count(p, int(l), prev.InProgress[u], int(prev.Attempt[u]))
			}
		}
		again := *prev
		again.Interval, again.Query = string(p.cal.Interval), q
		again.Trend = trendPoints(p, []funnelPart{pt})
		return &again, true, nil
	}
	if p.sem != SemSpoor || p.mode != FunnelOrdered || len(p.excl) > 0 {
		return nil, false, nil
	}
	r = p.newResult()
	r.Level, r.InProgress, r.Attempt = prev.Level, prev.InProgress, prev.Attempt
	if r.byProp != nil {
		r.byCode = store.HugePages(make([]int32, len(r.Level)))
	}
	ranges := d.funnelRanges()
	parts := make([]funnelPart, len(ranges))
	err = eachRange(ctx, ranges, func(part, lo, hi int) error {
		w, pt := newFunnelWorker(p), p.newPart()
		for u := lo; u < hi; u++ {
			if err := stopped(ctx, lo, u); err != nil {
				return err
			}
			level, start := int(r.Level[u]), int(r.Attempt[u])
			if level < 0 {
				continue
			}
			// The chain first reaching each level does not depend on
			// where the walk stops after it: the one person() reported.
			pt.count(p, level, r.InProgress[u], start)
			pt.times(p, level, r.code(u, start), w.chainOf(u, start, level))
		}
		parts[part] = pt
		return nil
	})
	if err != nil {
		return nil, true, err
	}
	p.finish(r, parts)
	return r, true, nil
}
