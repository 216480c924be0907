package query

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
)

// LifecycleQuery sorts the active persons of each interval by how they got
// there (SPEC 4.5). "Active" means did Event ("" = any event) passing the
// --where filters; the history before the date range counts, so "new"
// means active for the first time in the whole data.
type LifecycleQuery struct {
	Common
	Event    string `json:"event,omitempty" toml:"event,omitempty"`
	Interval string `json:"interval,omitempty" toml:"interval,omitempty"` // day (default), week or month
}

// LifecycleResult is one point per interval of the range.
type LifecycleResult struct {
	Interval string           `json:"interval"`
	Event    string           `json:"event,omitempty"`
	Points   []LifecyclePoint `json:"points"`
}

// LifecyclePoint counts persons in one interval. Dormant is negative: the
// persons active in the previous interval and not in this one.
type LifecyclePoint struct {
	T            string `json:"t"`
	New          int    `json:"new"`
	Returning    int    `json:"returning"`
	Resurrecting int    `json:"resurrecting"`
	Dormant      int    `json:"dormant"`
	// Incomplete marks the interval holding the data's last event: it is
	// cut short, so some of its dormant persons may yet come back in it.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Lifecycle computes new, returning, resurrecting and dormant persons per
// interval in one pass over each person's timeline.
func (d *Dataset) Lifecycle(ctx context.Context, q LifecycleQuery) (*LifecycleResult, error) {
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	if s.By != nil {
		return nil, fmt.Errorf("lifecycle has no --by breakdown; use --segment or --where to look at one group")
	}
	var iv Interval
	switch Interval(strings.ToLower(q.Interval)) {
	case "", Day:
		iv = Day
	case Week:
		iv = Week
	case Month:
		iv = Month
	default:
		return nil, fmt.Errorf("unknown lifecycle interval %q (use day, week or month)", q.Interval)
	}
	eventID := int32(-1)
	if q.Event != "" {
		if err := d.CheckEvent(q.Event); err != nil {
			return nil, err
		}
		eventID, _ = d.EventID(q.Event)
	}
	r := &LifecycleResult{Interval: string(iv), Event: q.Event, Points: []LifecyclePoint{}}
	from, to := max(s.From, d.MinTime), min(s.To, d.MaxTime+1)
	if d.Len() == 0 || from >= to {
		return r, nil
	}
	// The calendar starts at the first event so that "before" reaches the
	// whole history; intervals from first on are reported.
	cal := NewCalendar(iv, s.Loc, d.MinTime, to)
	first, nb := cal.Bucket(from), cal.Bucket(to-1)+1
	n := nb - first
	parts := d.personRanges()
	counts := make([][]int, len(parts)) // per part: new, returning, resurrecting, dormant per interval
	err = eachRange(ctx, parts, func(part, lo, hi int) error {
		c := make([]int, 4*n)
		counts[part] = c
		nw, rt, rs, dm := c[:n], c[n:2*n], c[2*n:3*n], c[3*n:]
		cur := retCursor{cal: cal}
		times, events, filtered := d.Time, d.Event, s.Filters()
		for pr := lo; pr < hi; pr++ {
			if err := stopped(ctx, lo, pr); err != nil {
				return err
			}
			if !s.Person(pr) || d.Start[pr] == d.Start[pr+1] {
				continue
			}
			cur.seek(d.Time[d.Start[pr]])
			last := -1 // last active interval; -1 = never active yet
			for i, stop := int(d.Start[pr]), int(d.Start[pr+1]); i < stop; i++ {
				b := cur.at(times[i])
				if b >= nb {
					break
				}
				if eventID >= 0 && events[i] != eventID || filtered && !s.Match(i) {
					continue
				}
				if b >= first {
					switch {
					case last < 0:
						nw[b-first]++
					case last == b-1:
						rt[b-first]++
					default:
						rs[b-first]++
					}
				}
				// Active in last, silent in last+1: dormant there.
				if last >= 0 && last+1 < b && last+1 >= first {
					dm[last+1-first]--
				}
				last = b
				// The rest of interval b changes nothing: skip it.
				for end := cal.Starts[b+1]; i+1 < stop && times[i+1] < end; {
					i++
				}
			}
			if last >= 0 && last+1 < nb && last+1 >= first {
				dm[last+1-first]--
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lastBucket := cal.Bucket(d.MaxTime)
	for k := range n {
		pt := LifecyclePoint{T: cal.Label(first + k), Incomplete: first+k == lastBucket}
		for _, c := range counts {
			pt.New += c[k]
			pt.Returning += c[n+k]
			pt.Resurrecting += c[2*n+k]
			pt.Dormant += c[3*n+k]
		}
		r.Points = append(r.Points, pt)
	}
	return r, nil
}

// Tables is one row per interval; the interval cut short by the data's
// end says so in its own column.
func (r *LifecycleResult) Tables() []output.Table {
	t := output.Table{Columns: []string{r.Interval, "new", "returning", "resurrecting", "dormant", "incomplete"}}
	for _, p := range r.Points {
		inc := ""
		if p.Incomplete {
			inc = "yes"
		}
		t.Rows = append(t.Rows, []string{p.T, strconv.Itoa(p.New), strconv.Itoa(p.Returning),
			strconv.Itoa(p.Resurrecting), strconv.Itoa(p.Dormant), inc})
	}
	return []output.Table{t}
}
