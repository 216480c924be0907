package why

import (
	"context"
	"math"
	"sort"

	"github.com/spoorhq/spoor/query"
)

// collect adds the units of period p to u and returns the period's length
// in days.
func collect(ctx context.Context, d *query.Dataset, q Query, kind Kind, p Period, per uint8, u *units) (int, error) {
	c := query.Common{From: p.From, To: p.To, Where: q.Where, Segment: q.Segment, TZ: q.TZ}
	s, err := d.Resolve(ctx, c)
	if err != nil {
		return 0, err
	}
	days := query.NewCalendar(query.Day, s.Loc, s.From, s.To).Len()
	if kind == Rate {
		r, err := d.Funnel(ctx, query.FunnelQuery{Common: c, Steps: q.Steps, Window: q.Window})
		if err != nil {
			return 0, err
		}
		last := int8(len(q.Steps) - 1)
		for person, lvl := range r.Level {
			if lvl < 0 {
				continue
			}
			conv := 0.0
			if lvl == last {
				conv = 1
			}
			u.add(int(r.Attempt[person]), per, conv, 1, person)
		}
		return days, nil
	}
	var pick []bool // by event id; nil: any event
	if len(q.Events) > 0 {
		pick = make([]bool, len(d.Names))
		for _, e := range q.Events {
			if err := d.CheckEvent(e); err != nil {
				return 0, err
			}
			id, _ := d.EventID(e)
			pick[id] = true
		}
	}
	var sum *query.Prop
	if kind == Sum {
		if err := d.CheckProp(ctx, q.Sum); err != nil {
			return 0, err
		}
		if sum, err = d.Prop(ctx, q.Sum); err != nil {
			return 0, err
		}
	}
	users := q.Measure == query.MeasureUsers
	for person := range d.Users {
		if person&4095 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if !s.Person(person) {
			continue
		}
		lo, hi := int(d.Start[person]), int(d.Start[person+1])
		i := lo + sort.Search(hi-lo, func(k int) bool { return d.Time[lo+k] >= s.From })
		for ; i < hi && d.Time[i] < s.To; i++ {
			if pick != nil && !pick[d.Event[i]] || !s.Match(i) {
				continue
			}
			num := 1.0
			if sum != nil {
				c := sum.Codes[i]
				if c == 0 || math.IsNaN(sum.Num[c-1]) {
					continue
				}
				num = sum.Num[c-1]
			}
			u.add(i, per, num, 0, person)
			if users {
				break
			}
		}
	}
	return days, nil
}
