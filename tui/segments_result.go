package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// previewDays is how far back the preview's trend of size goes.
const previewDays = 30

func (a *segmentsTab) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	switch a.Show {
	case "rfm":
		rev := a.Revenue
		return func(ctx context.Context, d *query.Dataset) (result, error) { return rfmResult(ctx, d, rev) }, nil
	case "stages":
		w := a.window()
		return func(ctx context.Context, d *query.Dataset) (result, error) { return stagesResult(d, w) }, nil
	}
	// The entries are read again here, not taken from the panel, so sizes
	// recorded by an import since (audiences' before and now) show.
	expr, db := a.Expr, sh.db
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r := &savedResult{expr: expr, total: len(d.Users), loc: d.Loc}
		if strings.TrimSpace(expr) != "" {
			r.preview(ctx, d)
		}
		entries, err := listSaved(ctx, db)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			row := entryRow{savedEntry: e}
			m, err := segment.Evaluate(ctx, d, e.Expr)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			row.err = err
			row.members = memberIDs(d, m)
			if e.kind == segment.Audiences {
				// An audience exported with a holdout shows its campaign's lift.
				if row.campaign, err = segment.MeasureCampaign(ctx, db, d, e.Name, "", campaignWindow); err != nil {
					return nil, err
				}
			}
			r.entries = append(r.entries, row)
		}
		return r, nil
	}, nil
}

// savedResult is the preview of the expression being written and every
// saved entry with its size now.
type savedResult struct {
	resultBase
	expr    string
	err     error // the expression does not parse or compile
	unknown []string
	users   int
	total   int
	trend   []segment.SizePoint
	entries []entryRow
	loc     *time.Location // display timezone, for export times
}

type entryRow struct {
	savedEntry
	members  []string
	err      error
	campaign *segment.Campaign // an audience's exports with a holdout; nil without
}

// campaignWindow is how long after their export a person's goal counts
// in the lift the tab shows: spoor audience report's default.
const campaignWindow = 14 * 86_400_000

// lift is the campaign's statistics (meaningful when it has a goal).
func (e entryRow) lift() experiment.HoldoutLift {
	return experiment.CompareHoldout(experiment.HoldoutGroup(e.campaign.Treated), experiment.HoldoutGroup(e.campaign.Control))
}

func (r *savedResult) preview(ctx context.Context, d *query.Dataset) {
	n, err := segment.Parse(r.expr)
	if err != nil {
		r.err = err
		return
	}
	e, err := segment.Compile(ctx, d, n)
	if err != nil {
		r.err = err
		return
	}
	// Names the data lacks match nothing; say so with the closest known.
	for _, n := range e.Unknown {
		if err := d.CheckEvent(n); err != nil {
			r.unknown = append(r.unknown, err.Error())
		}
	}
	for _, k := range e.Unset {
		r.unknown = append(r.unknown, i18n.T("no event has property %q", k))
	}
	m, err := e.Members(ctx)
	if err != nil {
		r.err = err
		return
	}
	r.users = len(memberIDs(d, m))
	r.trend, r.err = segment.Trend(ctx, d, n, previewDays)
}

func (r *savedResult) share(n int) float64 {
	if r.total == 0 {
		return 0
	}
	return float64(n) / float64(r.total)
}

func (r *savedResult) items() int { return len(r.entries) }

// line is where entry sel is drawn: after the preview, whose height
// depends on the width and the data's example expression.
func (r *savedResult) line(sh *shared, w, sel int) int {
	_, at := savedChart(sh, r, w, sel)
	for _, e := range r.entries[:min(sel, len(r.entries))] {
		if e.campaign != nil {
			at++ // its campaign's line
		}
	}
	return at + sel
}

func (r *savedResult) drill(sel int) (string, []string, bool) {
	if sel < 0 || sel >= len(r.entries) || r.entries[sel].err != nil {
		return "", nil, false
	}
	e := r.entries[sel]
	return e.kind.Noun + " " + e.Name, e.members, true
}

func (r *savedResult) chart(sh *shared, w, sel int) string {
	text, _ := savedChart(sh, r, w, sel)
	return text
}

// Tables lists the saved entries with their sizes, then the preview.
func (r *savedResult) Tables() []output.Table {
	t := output.Table{Title: i18n.T("Saved segments and audience rules"), Columns: []string{i18n.T("kind"), i18n.T("name"), i18n.T("users"), i18n.T("share"), i18n.T("before import"), i18n.T("expression")}}
	for _, e := range r.entries {
		users, share := i18n.T("error"), e.err
		if e.err == nil {
			users, share = strconv.Itoa(len(e.members)), nil
		}
		before := ""
		if e.PrevCount != nil {
			before = strconv.FormatInt(*e.PrevCount, 10)
		}
		s := output.Percent(r.share(len(e.members)))
		if share != nil {
			s = share.Error()
		}
		t.Rows = append(t.Rows, []string{valueLabel(e.kind.Noun), e.Name, users, s, before, e.Expr})
	}
	var out []output.Table
	if len(t.Rows) > 0 || r.expr == "" || r.err != nil {
		out = append(out, t)
	}
	if c := r.campaigns(); len(c.Rows) > 0 {
		out = append(out, c)
	}
	if r.expr != "" && r.err == nil {
		out = append(out, output.Table{Title: i18n.T("Preview"), Columns: []string{i18n.T("expression"), i18n.T("users"), i18n.T("of"), i18n.T("share")},
			Rows: [][]string{{r.expr, strconv.Itoa(r.users), strconv.Itoa(r.total), output.Percent(r.share(r.users))}}})
	}
	return out
}

// campaigns lists the audiences exported with a holdout: the last
// export and the lift of the goal recorded with them.
func (r *savedResult) campaigns() output.Table {
	t := output.Table{Title: i18n.T("Audience campaigns (lift of the goal within 14d of each person's export)"),
		Columns: []string{i18n.T("audience"), i18n.T("exports"), i18n.T("last export"), i18n.T("treated"), i18n.T("control"), i18n.T("goal"), i18n.T("treated rate"),
			i18n.T("control rate"), i18n.T("lift"), i18n.T("ci_low"), i18n.T("ci_high"), i18n.T("p_value"), i18n.T("incremental")}}
	for _, e := range r.entries {
		c := e.campaign
		if c == nil {
			continue
		}
		last := c.Exports[len(c.Exports)-1]
		row := []string{e.Name, strconv.Itoa(len(c.Exports)), exportDay(last.At, r.loc), strconv.Itoa(c.Treated.Users), strconv.Itoa(c.Control.Users), orDefault(c.Goal, "-")}
		if c.Goal == "" {
			row = append(row, "-", "-", "-", "-", "-", "-", "-")
		} else {
			l := e.lift()
			row = append(row, output.Percent(float64(query.Ratio(c.Treated.Converted, c.Treated.Users))), output.Percent(float64(query.Ratio(c.Control.Converted, c.Control.Users))),
				output.Percent(float64(l.Lift)), output.Percent(float64(l.Low)), output.Percent(float64(l.High)), pText(l.P), numText(l.Incremental))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func numText(n experiment.Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'f', 1, 64)
}

// exportDay is an export's day in the display timezone.
func exportDay(ms int64, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02")
}

func (r *savedResult) json() any {
	type entry struct {
		Kind  string  `json:"kind"`
		Name  string  `json:"name"`
		Expr  string  `json:"expr"`
		Users int     `json:"users"`
		Share float64 `json:"share"`
		Prev  *int64  `json:"previous_users,omitempty"`
		Error string  `json:"error,omitempty"`
		// An audience exported with a holdout: spoor audience report's
		// numbers for the recorded goal.
		Campaign any `json:"campaign,omitempty"`
	}
	out := struct {
		Preview any     `json:"preview,omitempty"`
		Saved   []entry `json:"saved"`
	}{Saved: []entry{}}
	for _, e := range r.entries {
		x := entry{Kind: e.kind.Noun, Name: e.Name, Expr: e.Expr, Users: len(e.members), Share: r.share(len(e.members)), Prev: e.PrevCount}
		if e.err != nil {
			x.Error = e.err.Error()
		}
		if c := e.campaign; c != nil {
			camp := map[string]any{"exports": len(c.Exports), "last_export": time.UnixMilli(c.Exports[len(c.Exports)-1].At).In(r.loc).Format(time.RFC3339), "goal": c.Goal}
			if c.Goal != "" {
				camp["report"] = e.lift()
			}
			x.Campaign = camp
		}
		out.Saved = append(out.Saved, x)
	}
	if r.expr != "" && r.err == nil {
		out.Preview = map[string]any{"expr": r.expr, "users": r.users, "total": r.total, "share": r.share(r.users), "trend": r.trend}
	}
	return out
}

// groupResult is RFM tiers or lifecycle stages: counts and shares drawn
// as bars; Enter lists a group's users.
type groupResult struct {
	resultBase
	title  string
	groups []segment.GroupCount
	users  [][]string                           // by group
	report interface{ Tables() []output.Table } // the CLI's tables and JSON
	note   string
	name   func(string) string // a group's name as a person reads it (segment.TierName…)
}

// groupName is a group's name as a person reads it.
func (r *groupResult) groupName(g string) string {
	if r.name == nil {
		return g
	}
	return r.name(g)
}

func (r *groupResult) Tables() []output.Table         { return r.report.Tables() }
func (r *groupResult) json() any                      { return r.report }
func (r *groupResult) items() int                     { return len(r.groups) }
func (r *groupResult) line(_ *shared, w, sel int) int { return 1 + sel }

func (r *groupResult) drill(sel int) (string, []string, bool) {
	if sel < 0 || sel >= len(r.groups) {
		return "", nil, false
	}
	return r.groupName(r.groups[sel].Name), r.users[sel], true
}

func (r *groupResult) chart(sh *shared, w, sel int) string { return groupChart(sh, r, w, sel) }

func rfmResult(ctx context.Context, d *query.Dataset, revenue string) (result, error) {
	rep, users, err := segment.RFM(ctx, d, segment.RFMOptions{Revenue: revenue})
	if err != nil {
		return nil, err
	}
	r := &groupResult{title: i18n.T("RFM tiers by %s: %d customers", revenue, rep.Customers),
		groups: rep.Tiers, users: make([][]string, len(rep.Tiers)), report: rep, name: segment.TierName,
		note: i18n.T("%d users without a purchase are not scored · shares are of customers", rep.NonCustomers)}
	for _, u := range users {
		for i, t := range rep.Tiers {
			if t.Name == u.Tier {
				r.users[i] = append(r.users[i], u.User)
			}
		}
	}
	return r, nil
}

func stagesResult(d *query.Dataset, window int) (result, error) {
	rep, err := segment.StageSummary(d, window, false, "")
	if err != nil {
		return nil, err
	}
	r := &groupResult{title: i18n.T("Lifecycle stage (%s-day window): %d users", strconv.Itoa(window), rep.Total),
		groups: rep.Stages, users: make([][]string, len(rep.Stages)), report: rep, name: segment.StageName,
		note: i18n.T("new: first seen in the window · active: also in the window before · returning: back after a gap · dormant: seen only in the window before · churned: earlier")}
	for p, s := range segment.Stages(d, window) {
		r.users[s] = append(r.users[s], d.Users[p])
	}
	return r, nil
}
