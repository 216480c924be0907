package segment

import (
	"context"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// TierNames are the RFM tiers, best first.
var TierNames = []string{"champions", "loyal", "potential loyalists", "new", "at risk", "can't lose", "hibernating", "lost"}

// tierGrid[r-1][fm-1] is the tier of recency score r and the
// frequency-monetary score fm = round((F+M)/2), halves up ("potential"
// is potential loyalists):
//
//	        FM=1         FM=2         FM=3                 FM=4        FM=5
//	R=5     new          potential    potential            champions   champions
//	R=4     new          potential    potential            loyal       loyal
//	R=3     hibernating  hibernating  potential loyalists  loyal       loyal
//	R=2     hibernating  hibernating  at risk              at risk     can't lose
//	R=1     lost         lost         at risk              at risk     can't lose
var tierGrid = [5][5]string{
	{"lost", "lost", "at risk", "at risk", "can't lose"},
	{"hibernating", "hibernating", "at risk", "at risk", "can't lose"},
	{"hibernating", "hibernating", "potential loyalists", "loyal", "loyal"},
	{"new", "potential loyalists", "potential loyalists", "loyal", "loyal"},
	{"new", "potential loyalists", "potential loyalists", "champions", "champions"},
}

// Tier names the tier of scores r, f, m (each 1 to 5).
func Tier(r, f, m int) string { return tierGrid[r-1][(f+m+1)/2-1] }

// RFMOptions choose what counts as a purchase: every event with a numeric
// Revenue property, or with Event set, every event of that name (revenue 0
// when missing).
type RFMOptions struct {
	Revenue string
	Event   string
}

// RFMUser is one customer's values and scores. Recency is in calendar
// days (display timezone, or the zone of the context: WithZone) from the
// last purchase to the data's last event.
type RFMUser struct {
	User        string  `json:"user"`
	RecencyDays int     `json:"recency_days"`
	Frequency   int     `json:"frequency"`
	Monetary    float64 `json:"monetary"`
	R           int     `json:"r"`
	F           int     `json:"f"`
	M           int     `json:"m"`
	Tier        string  `json:"tier"`
}

// RFMReport is the tier sizes, and the users when asked.
type RFMReport struct {
	Revenue      string       `json:"revenue"`
	Event        string       `json:"event,omitempty"`
	Customers    int          `json:"customers"`
	NonCustomers int          `json:"non_customers"`
	Tiers        []GroupCount `json:"tiers"`
	Users        []RFMUser    `json:"users,omitempty"`
}

// RFM scores every customer. A score is the quintile of the customers
// strictly worse: 1 + floor(5 × worse / customers). Equal values share a
// score whatever their order, and the commonest tie — the many one-time
// buyers — keeps the lowest frequency score, 1.
func RFM(ctx context.Context, d *query.Dataset, opt RFMOptions) (*RFMReport, []RFMUser, error) {
	rev, err := d.Prop(ctx, opt.Revenue)
	if err != nil {
		return nil, nil, err
	}
	ev := int32(-1)
	if opt.Event != "" {
		if err := d.CheckEvent(opt.Event); err != nil {
			return nil, nil, err
		}
		ev, _ = d.EventID(opt.Event)
	}
	c := NewRFMCounter(opt, d.MaxTime, Zone(ctx, d))
	var users []RFMUser
	for p := range d.Users {
		c.Start(d.Users[p])
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			if ev >= 0 && d.Event[i] != ev {
				continue
			}
			v := math.NaN()
			if code := rev.Codes[i]; code != 0 {
				v = rev.Num[code-1]
			}
			c.Add(d.Time[i], v)
		}
		if u, ok := c.User(); ok {
			users = append(users, u)
		}
	}
	return ScoreRFM(opt, users, len(d.Users))
}

// RFMCounter counts one customer's purchases at a time as RFM does, from
// the candidate events in timeline order (any backend).
type RFMCounter struct {
	opt     RFMOptions
	loc     *time.Location
	lastDay time.Time
	u       RFMUser
	last    int64 // the last purchase's time, -1 before any
}

// NewRFMCounter counts purchases with days in loc, over data whose last
// event is at maxTime.
func NewRFMCounter(opt RFMOptions, maxTime int64, loc *time.Location) *RFMCounter {
	return &RFMCounter{opt: opt, loc: loc, lastDay: LastDay(maxTime, loc)}
}

// Start starts counting a customer's purchases.
func (c *RFMCounter) Start(user string) { c.u, c.last = RFMUser{User: user}, -1 }

// Add counts an event at the instant at with revenue v (NaN: the event
// has no numeric revenue). With opt.Event the caller gives only events
// of that name, each a purchase (of revenue 0 when it has none); else
// only an event with a revenue is one.
func (c *RFMCounter) Add(at int64, v float64) {
	if math.IsNaN(v) {
		if c.opt.Event == "" {
			return
		}
		v = 0
	}
	c.u.Frequency++
	c.u.Monetary += v
	c.last = at
}

// User is the customer counted since Start, ok false when they made no
// purchase.
func (c *RFMCounter) User() (u RFMUser, ok bool) {
	if c.u.Frequency == 0 {
		return RFMUser{}, false
	}
	u = c.u
	u.Monetary = RoundMonetary(u.Monetary)
	u.RecencyDays = RecencyDays(c.lastDay, c.last, c.loc)
	return u, true
}

// ScoreRFM scores customers whose RecencyDays, Frequency and Monetary are
// set, out of persons users in all, as RFM does (any backend).
func ScoreRFM(opt RFMOptions, users []RFMUser, persons int) (*RFMReport, []RFMUser, error) {
	if len(users) == 0 {
		if opt.Event != "" {
			return nil, nil, i18n.Errorf("no %s event; name the revenue property with --revenue (spoor props lists them)", opt.Event)
		}
		return nil, nil, i18n.Errorf("no event has a numeric %q property; name the revenue property with --revenue (spoor props lists them)", opt.Revenue)
	}
	vals := make([]float64, len(users))
	for i, u := range users {
		vals[i] = -float64(u.RecencyDays) // fewer days since is better
	}
	r := quintiles(vals)
	for i, u := range users {
		vals[i] = float64(u.Frequency)
	}
	f := quintiles(vals)
	for i, u := range users {
		vals[i] = u.Monetary
	}
	m := quintiles(vals)
	counts := make([]int, len(TierNames))
	for i := range users {
		u := &users[i]
		u.R, u.F, u.M = r[i], f[i], m[i]
		u.Tier = Tier(u.R, u.F, u.M)
		for k, t := range TierNames {
			if t == u.Tier {
				counts[k]++
			}
		}
	}
	rep := &RFMReport{Revenue: opt.Revenue, Event: opt.Event, Customers: len(users), NonCustomers: persons - len(users),
		Tiers: groupCounts(TierNames, counts, len(users))}
	return rep, users, nil
}

// RoundMonetary rounds a sum of revenue to micro-units: sums of prices
// like 19.99 carry float noise, and micro-units are plenty.
func RoundMonetary(sum float64) float64 { return math.Round(sum*1e6) / 1e6 }

// RecencyDays is the number of calendar days of loc from the day of the
// instant last (ms) to lastDay, the start of the data's last day
// (LastDay).
func RecencyDays(lastDay time.Time, last int64, loc *time.Location) int {
	// Rounding absorbs the 23- and 25-hour days of DST changes.
	return int(math.Round(float64(lastDay.UnixMilli()-dayStart(last, loc).UnixMilli()) / 86_400_000))
}

// LastDay is the start of the calendar day of loc holding the instant ms
// (the data's last event, for RecencyDays).
func LastDay(ms int64, loc *time.Location) time.Time { return dayStart(ms, loc) }

// quintiles scores values 1 to 5, higher values better (see RFM).
func quintiles(vals []float64) []int {
	sorted := append([]float64(nil), vals...)
	sort.Float64s(sorted)
	out := make([]int, len(vals))
	for i, v := range vals {
		worse := sort.SearchFloat64s(sorted, v)
		out[i] = 1 + 5*worse/len(vals)
	}
	return out
}

// Tables shows the tiers, or the users when listed.
func (r *RFMReport) Tables(l i18n.Lang) []output.Table {
	if r.Users != nil {
		t := output.Table{Columns: []string{l.T("user"), l.T("tier"), l.T("r"), l.T("f"), l.T("m"), l.T("recency_days"), l.T("frequency"), l.T("monetary")}}
		for _, u := range r.Users {
			t.Rows = append(t.Rows, []string{u.User, TierName(l, u.Tier), strconv.Itoa(u.R), strconv.Itoa(u.F), strconv.Itoa(u.M),
				strconv.Itoa(u.RecencyDays), strconv.Itoa(u.Frequency), strconv.FormatFloat(u.Monetary, 'f', -1, 64)})
		}
		return []output.Table{t}
	}
	title := l.T("RFM tiers by %s: %d customers, %d users without a purchase", r.Revenue, r.Customers, r.NonCustomers)
	return []output.Table{groupTable(l, title, l.T("tier"), r.Tiers, TierName)}
}
