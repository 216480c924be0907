package query

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// LifecycleQuery sorts the active persons of each interval by how they got
// there (docs/semantics.md#lifecycle). "Active" means did Event ("" = any event) passing the
// --where filters; the history before the date range counts, so "new"
// means active for the first time in the whole data.
type LifecycleQuery struct {
	Common
	Event    string `json:"event,omitempty" toml:"event,omitempty"`
	Interval string `json:"interval,omitempty" toml:"interval,omitempty"` // day (default), week or month
}

// LifecycleResult is one point per interval of the range, and with --by
// the same per group.
type LifecycleResult struct {
	Interval  string               `json:"interval"`
	Event     string               `json:"event,omitempty"`
	Points    []LifecyclePoint     `json:"points"`
	By        string               `json:"by,omitempty"`
	Breakdown []LifecycleBreakdown `json:"breakdown,omitempty"`
}

// LifecycleBreakdown is the lifecycle of one --by group: the persons whose
// first active event (the one that made them new) carries Value. A person
// belongs to one group, so the groups' points add up to the overall ones.
type LifecycleBreakdown struct {
	Value string `json:"value"`
	// Users counts the group's persons active before the range ends.
	Users  int              `json:"users"`
	Points []LifecyclePoint `json:"points"`
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

// interval is the query's interval: day (default), week or month.
func (q LifecycleQuery) interval() (Interval, error) {
	switch Interval(strings.ToLower(q.Interval)) {
	case "", Day:
		return Day, nil
	case Week:
		return Week, nil
	case Month:
		return Month, nil
	}
	return "", i18n.Errorf("unknown lifecycle interval %q (use day, week or month)", q.Interval)
}

// Lifecycle computes new, returning, resurrecting and dormant persons per
// interval in one pass over each person's timeline.
func (d *Dataset) Lifecycle(ctx context.Context, q LifecycleQuery) (*LifecycleResult, error) {
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	iv, err := q.interval()
	if err != nil {
		return nil, err
	}
	eventID := int32(-1)
	if q.Event != "" {
		if err := d.CheckEvent(q.Event); err != nil {
			return nil, err
		}
		eventID, _ = d.EventID(q.Event)
	}
	r := &LifecycleResult{Interval: string(iv), Event: q.Event, Points: []LifecyclePoint{}, By: q.By}
	if s.By != nil {
		r.Breakdown = []LifecycleBreakdown{}
	}
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
	// Per part, per group code (always 0 without --by): the persons, then
	// new, returning, resurrecting and dormant per interval.
	counts := make([]map[int32][]int, len(parts))
	err = eachRange(ctx, parts, func(part, lo, hi int) error {
		groups := map[int32][]int{}
		counts[part] = groups
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
			var nw, rt, rs, dm []int // the person's group's counts, from their first active event
			last := -1               // last active interval; -1 = never active yet
			for i, stop := int(d.Start[pr]), int(d.Start[pr+1]); i < stop; i++ {
				b := cur.at(times[i])
				if b >= nb {
					break
				}
				if eventID >= 0 && events[i] != eventID || filtered && !s.Match(i) {
					continue
				}
				if last < 0 {
					code := int32(0)
					if s.By != nil {
						code = s.By.Codes[i]
					}
					c := groups[code]
					if c == nil {
						c = make([]int, 1+4*n)
						groups[code] = c
					}
					c[0]++
					nw, rt, rs, dm = c[1:1+n], c[1+n:1+2*n], c[1+2*n:1+3*n], c[1+3*n:]
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
	r.finish(s.By, cal, first, n, cal.Bucket(d.MaxTime), counts)
	return r, nil
}

// finish sums the counts, per part and per --by code: persons, then new,
// returning, resurrecting and dormant per interval first..first+n-1.
func (r *LifecycleResult) finish(by *Prop, cal *Calendar, first, n, lastBucket int, counts []map[int32][]int) {
	points := func(keep func(code int32) bool) ([]LifecyclePoint, int) {
		pts := make([]LifecyclePoint, n)
		users := 0
		for k := range pts {
			pts[k] = LifecyclePoint{T: cal.Label(first + k), Incomplete: first+k == lastBucket}
		}
		for _, groups := range counts {
			for code, c := range groups {
				if !keep(code) {
					continue
				}
				users += c[0]
				for k := range pts {
					pts[k].New += c[1+k]
					pts[k].Returning += c[1+n+k]
					pts[k].Resurrecting += c[1+2*n+k]
					pts[k].Dormant += c[1+3*n+k]
				}
			}
		}
		return pts, users
	}
	r.Points, _ = points(func(int32) bool { return true })
	if by == nil {
		return
	}
	seen := map[int32]bool{}
	for _, groups := range counts {
		for code := range groups {
			if !seen[code] {
				seen[code] = true
				g := LifecycleBreakdown{Value: codeLabel(by, int(code))}
				g.Points, g.Users = points(func(c int32) bool { return c == code })
				r.Breakdown = append(r.Breakdown, g)
			}
		}
	}
	sort.Slice(r.Breakdown, func(i, j int) bool {
		a, b := r.Breakdown[i], r.Breakdown[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Value < b.Value
	})
}

// Tables is one row per interval; the interval cut short by the data's
// end says so in its own column.
func (r *LifecycleResult) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{PeriodMsg(r.Interval).In(l), l.T("new"), l.T("returning"), l.T("resurrecting"), l.T("dormant"), l.T("incomplete")}}
	for _, p := range r.Points {
		t.Rows = append(t.Rows, lifecycleRow(l, p))
	}
	if r.By == "" {
		return []output.Table{t}
	}
	bt := output.Table{Title: l.T("breakdown by %s", r.By), Columns: append([]string{r.By, l.T("users")}, t.Columns...)}
	for _, g := range r.Breakdown {
		for _, p := range g.Points {
			bt.Rows = append(bt.Rows, append([]string{GroupName(l, r.By, g.Value), strconv.Itoa(g.Users)}, lifecycleRow(l, p)...))
		}
	}
	return []output.Table{t, bt}
}

func lifecycleRow(l i18n.Lang, p LifecyclePoint) []string {
	inc := ""
	if p.Incomplete {
		inc = l.T("yes")
	}
	return []string{p.T, strconv.Itoa(p.New), strconv.Itoa(p.Returning), strconv.Itoa(p.Resurrecting), strconv.Itoa(p.Dormant), inc}
}
