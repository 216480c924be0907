package query

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// RetentionExplain shows why one person counts where they do in a
// retention table: each cohort membership, and per period whether it
// counted as a return and which return events fell in it.
type RetentionExplain struct {
	User    string                   `json:"user"`
	Period  string                   `json:"period"`
	Reason  string                   `json:"reason,omitempty"` // why the person is in no cohort, in English as all JSON
	Cohorts []RetentionExplainCohort `json:"cohorts"`

	reason i18n.Msg // Reason as the tables show it
}

// RetentionExplainCohort is one cohort membership of the person.
type RetentionExplainCohort struct {
	Start      string                   `json:"start"`
	StartEvent RetentionEvent           `json:"start_event"`
	Periods    []RetentionExplainPeriod `json:"periods"`
}

// RetentionExplainPeriod is one reported period of a membership.
type RetentionExplainPeriod struct {
	Period     int              `json:"period"`
	Start      string           `json:"start"`
	Returned   bool             `json:"returned"`
	Incomplete bool             `json:"incomplete,omitempty"`
	Events     []RetentionEvent `json:"events"` // return events in this period
}

// RetentionEvent is one event of the explained timeline.
type RetentionEvent struct {
	Time  string `json:"time"` // RFC 3339 in the display timezone
	Event string `json:"event"`
}

// ExplainRetention runs q for one person (a distinct id of the dataset)
// through the same per-person scan as Retention.
func (d *Dataset) ExplainRetention(ctx context.Context, q RetentionQuery, user string) (*RetentionExplain, error) {
	p, err := d.planRetention(ctx, q)
	if err != nil {
		return nil, err
	}
	pr := -1
	for i, u := range d.Users {
		if u == user {
			pr = i
			break
		}
	}
	if pr < 0 {
		return nil, i18n.Errorf("unknown user %q; run spoor user ID to check the id", user)
	}
	x := &RetentionExplain{User: user, Period: string(p.iv), Cohorts: []RetentionExplainCohort{}}
	if !p.s.Person(pr) {
		x.reason = i18n.M("not in segment %s", q.Segment)
		x.Reason = x.reason.In(i18n.English)
		return x, nil
	}
	var m retMembers
	if p.cal != nil {
		var sc retScratch
		p.keepFirst = true
		p.person(pr, &sc, &m)
	}
	if len(m.cohort) == 0 {
		switch {
		case q.Start == "" && p.s.Filters():
			x.reason = i18n.M("no event in the date range that passes the filters")
		case q.Start == "":
			x.reason = i18n.M("no event in the date range")
		case p.s.Filters():
			x.reason = i18n.M("no %q in the date range that passes the filters", q.Start)
		default:
			x.reason = i18n.M("no %q in the date range", q.Start)
		}
		x.Reason = x.reason.In(i18n.English)
		return x, nil
	}
	ev := func(i int) RetentionEvent {
		return RetentionEvent{Time: time.UnixMilli(d.Time[i]).In(p.s.Loc).Format(time.RFC3339), Event: d.Names[d.Event[i]]}
	}
	for j, c := range m.cohort {
		mc := RetentionExplainCohort{Start: p.cal.Label(int(c)), StartEvent: ev(int(m.first[j]))}
		row := m.bits[j*p.words : (j+1)*p.words]
		for k := range p.span(int(c)) {
			b := int(c) + k
			mc.Periods = append(mc.Periods, RetentionExplainPeriod{
				Period: k, Start: p.cal.Label(b), Returned: row[k>>6]&(1<<(k&63)) != 0,
				Incomplete: b >= p.last, Events: []RetentionEvent{},
			})
		}
		// Return events of each reported period, by the same tests as the scan.
		lo, hi := p.cal.Starts[c], p.cal.Starts[int(c)+len(mc.Periods)]
		for i := int(d.Start[pr]); i < int(d.Start[pr+1]); i++ {
			t := d.Time[i]
			if t < lo || t >= hi || p.returnID >= 0 && d.Event[i] != p.returnID || !p.s.Match(i) {
				continue
			}
			k := p.cal.Bucket(t) - int(c)
			mc.Periods[k].Events = append(mc.Periods[k].Events, ev(i))
		}
		x.Cohorts = append(x.Cohorts, mc)
	}
	return x, nil
}

// Tables lists each membership's periods with their return events.
func (x *RetentionExplain) Tables(l i18n.Lang) []output.Table {
	if len(x.Cohorts) == 0 {
		return []output.Table{{Title: l.T("user %s", x.User), Columns: []string{l.T("cohort"), l.T("reason")}, Rows: [][]string{{l.T("(none)"), x.reason.In(l)}}}}
	}
	var out []output.Table
	for _, c := range x.Cohorts {
		t := output.Table{
			Title:   l.T("user %s: cohort %s (start: %s at %s)", x.User, c.Start, c.StartEvent.Event, c.StartEvent.Time),
			Columns: []string{l.Text(x.Period), l.T("start"), l.T("returned"), l.T("return events")},
		}
		for _, p := range c.Periods {
			ret := l.T("no")
			if p.Returned {
				ret = l.T("yes")
			}
			if p.Incomplete {
				ret = l.T("%s (incomplete)", ret)
			}
			var evs []string
			for _, e := range p.Events {
				evs = append(evs, e.Time+" "+e.Event)
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(p.Period), p.Start, ret, strings.Join(evs, l.T("; "))})
		}
		out = append(out, t)
	}
	return out
}
