package segment

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// ChurnOptions set the windows of churn risk, in calendar days.
type ChurnOptions struct {
	WindowDays   int    // the recent window (default 14)
	BaselineDays int    // the earlier window compared with it (default 4 × WindowDays)
	KeyEvent     string // shown as "last key event"; default: the last event of any name
	Top          int    // keep the N riskiest; 0 keeps all
}

// ChurnUser is one user at risk with the signals that put them there.
type ChurnUser struct {
	User              string   `json:"user"`
	Score             float64  `json:"score"`
	DaysSinceLastSeen int      `json:"days_since_last_seen"`
	RecentEvents      int      `json:"recent_events"`
	BaselineEvents    int      `json:"baseline_events"`
	ActivityRatio     float64  `json:"activity_ratio"`
	UsualGapDays      *float64 `json:"usual_gap_days"`
	LastKeyEvent      string   `json:"last_key_event"`
	LastKeyEventTime  string   `json:"last_key_event_time"`
	Signals           []string `json:"signals"`
}

// ChurnReport is the ranked list.
type ChurnReport struct {
	WindowDays   int         `json:"window_days"`
	BaselineDays int         `json:"baseline_days"`
	Eligible     int         `json:"eligible"` // users with a baseline (see Churn)
	AtRisk       int         `json:"at_risk"`  // before --top
	Users        []ChurnUser `json:"users"`
}

// Churn ranks users whose activity fell against their own baseline.
//
// The recent window is the last W calendar days (as "in Wd"; days are
// those of the zone of ctx, see WithZone, else the dataset's); the
// baseline is the B days before it, started no earlier than the user's
// first day. Rates are events per day; activity ratio = recent rate /
// baseline rate. The usual gap is the median number of days between the
// user's consecutive active days. Eligible users were active in the
// baseline and on at least two days before the recent window (a one-day
// visitor has no habit to lose). A user is at risk when the ratio is at most 0.5 (activity fell
// by half or more) or when the days since last seen exceed twice the
// usual gap. Score = the larger of 1 - ratio and 1 - 2 × gap / days
// silent (each within 0..1); ties rank the larger baseline first, then by id.
func Churn(ctx context.Context, d *query.Dataset, opt ChurnOptions) (*ChurnReport, error) {
	if opt.WindowDays <= 0 {
		opt.WindowDays = 14
	}
	if opt.BaselineDays <= 0 {
		opt.BaselineDays = 4 * opt.WindowDays
	}
	key := int32(-1)
	if opt.KeyEvent != "" {
		if err := d.CheckEvent(opt.KeyEvent); err != nil {
			return nil, err
		}
		key, _ = d.EventID(opt.KeyEvent)
	}
	e := newEvaluator(d, Zone(ctx, d))
	recentFrom, _ := e.rel(Rel{N: opt.WindowDays, Unit: 'd'})
	baseFrom, _ := e.rel(Rel{N: opt.WindowDays + opt.BaselineDays, Unit: 'd'})
	cal := query.NewCalendar(query.Day, e.loc, min(d.MinTime, baseFrom), d.MaxTime+1)
	lastDay := cal.Bucket(d.MaxTime)
	recentDay := cal.Bucket(recentFrom)
	rep := &ChurnReport{WindowDays: opt.WindowDays, BaselineDays: opt.BaselineDays}
	var gaps []int
	for p := range d.Users {
		if p&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		u := ChurnUser{User: d.Users[p]}
		gaps = gaps[:0]
		prevDay, firstDay, keyAt, daysBefore := -1, -1, -1, 0
		for i := lo; i < hi; i++ {
			t := d.Time[i]
			switch {
			case t >= recentFrom:
				u.RecentEvents++
			case t >= baseFrom:
				u.BaselineEvents++
			}
			// A person's events only move forward: step the calendar cursor.
			day := prevDay
			if day < 0 {
				day = cal.Bucket(t)
			}
			for cal.Starts[day+1] <= t {
				day++
			}
			if firstDay < 0 {
				firstDay = day
			}
			if prevDay >= 0 && day > prevDay {
				gaps = append(gaps, day-prevDay)
			}
			if day != prevDay && day < recentDay {
				daysBefore++
			}
			prevDay = day
			if key < 0 || d.Event[i] == key {
				keyAt = i
			}
		}
		if u.BaselineEvents == 0 || daysBefore < 2 {
			continue // no habit to break: never active, or a one-day visitor
		}
		rep.Eligible++
		baseDays := recentDay - max(firstDay, cal.Bucket(baseFrom))
		ratio := (float64(u.RecentEvents) / float64(opt.WindowDays)) / (float64(u.BaselineEvents) / float64(baseDays))
		u.ActivityRatio = ratio
		u.DaysSinceLastSeen = lastDay - prevDay
		u.Score = max(0, 1-ratio)
		if ratio <= 0.5 {
			u.Signals = append(u.Signals, fmt.Sprintf("activity fell %.0f%%", 100*(1-ratio)))
		}
		if len(gaps) > 0 {
			g := median(gaps)
			u.UsualGapDays = &g
			if since := float64(u.DaysSinceLastSeen); since > 2*g {
				u.Score = max(u.Score, 1-2*g/since)
				u.Signals = append(u.Signals, fmt.Sprintf("silent %dd, usual gap %sd", u.DaysSinceLastSeen, num(g)))
			}
		}
		if len(u.Signals) == 0 {
			continue
		}
		if keyAt >= 0 {
			u.LastKeyEvent = d.Names[d.Event[keyAt]]
			u.LastKeyEventTime = e.stamp(d.Time[keyAt])
		}
		rep.Users = append(rep.Users, u)
	}
	// The order is total (ids are unique), so an unstable sort is deterministic.
	slices.SortFunc(rep.Users, func(a, b ChurnUser) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.BaselineEvents, a.BaselineEvents); c != 0 {
			return c
		}
		return strings.Compare(a.User, b.User)
	})
	rep.AtRisk = len(rep.Users)
	if opt.Top > 0 && len(rep.Users) > opt.Top {
		rep.Users = rep.Users[:opt.Top]
	}
	if rep.Users == nil {
		rep.Users = []ChurnUser{}
	}
	return rep, nil
}

func median(xs []int) float64 {
	s := append([]int(nil), xs...)
	sort.Ints(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Tables lists the users at risk, riskiest first.
func (r *ChurnReport) Tables() []output.Table {
	title := fmt.Sprintf("Churn risk: %d of %d users with a %d-day baseline fell off in the last %d days", r.AtRisk, r.Eligible, r.BaselineDays, r.WindowDays)
	if len(r.Users) < r.AtRisk {
		title += fmt.Sprintf(" (top %d shown)", len(r.Users))
	}
	t := output.Table{Title: title, Columns: []string{"user", "score", "days_since", "activity_ratio", "usual_gap_days", "last_key_event", "signals"}}
	for _, u := range r.Users {
		gap := "-"
		if u.UsualGapDays != nil {
			gap = num(*u.UsualGapDays)
		}
		last := "-"
		if u.LastKeyEvent != "" {
			last = u.LastKeyEvent + " " + u.LastKeyEventTime
		}
		t.Rows = append(t.Rows, []string{u.User, strconv.FormatFloat(u.Score, 'f', 2, 64), strconv.Itoa(u.DaysSinceLastSeen),
			strconv.FormatFloat(u.ActivityRatio, 'f', 2, 64), gap, last, strings.Join(u.Signals, "; ")})
	}
	return []output.Table{t}
}
