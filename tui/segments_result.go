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
	"github.com/spoorhq/spoor/store"
)

// previewDays is how far back the preview's trend of size goes.
const previewDays = 30

func (a *segmentsTab) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	rem := sh.remote
	switch a.Show {
	case "rfm":
		opt := segment.RFMOptions{Revenue: a.Revenue}
		return func(ctx context.Context, d *query.Dataset) (result, error) {
			var rep *segment.RFMReport
			var users []segment.RFMUser
			var err error
			if rem != nil {
				rep, users, err = rem.eng.RFM(ctx, opt, nil)
			} else {
				rep, users, err = segment.RFM(ctx, d, opt)
			}
			if err != nil {
				return nil, err
			}
			return rfmResult(rep, users, opt.Revenue), nil
		}, nil
	case "stages":
		w := a.window()
		return func(ctx context.Context, d *query.Dataset) (result, error) {
			if rem != nil {
				rep, err := rem.eng.Stages(ctx, w, nil, true, "")
				if err != nil {
					return nil, err
				}
				users := make([][]string, len(segment.StageNames))
				for _, u := range rep.Users { // by id
					k, _ := segment.StageIndex(u.Group)
					users[k] = append(users[k], u.User)
				}
				rep.Users = nil // as the local report: the counts
				return stagesResult(rep, users), nil
			}
			rep, err := segment.StageSummary(d, w, false, "")
			if err != nil {
				return nil, err
			}
			users := make([][]string, len(segment.StageNames))
			for p, s := range segment.Stages(d, w) {
				users[s] = append(users[s], d.Users[p])
			}
			return stagesResult(rep, users), nil
		}, nil
	}
	// The entries are read again here, not taken from the panel, so sizes
	// recorded by an import since (audiences' before and now) show.
	expr, saved := a.Expr, savedOf(sh)
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		src := segmentsOf(rem, d)
		r := &savedResult{expr: expr, total: src.total(), loc: src.loc()}
		if strings.TrimSpace(expr) != "" {
			src.preview(ctx, r)
		}
		err := saved.with(false, func(db *store.DB) error {
			if db == nil {
				return nil
			}
			entries, err := listSaved(ctx, db)
			if err != nil {
				return err
			}
			for _, e := range entries {
				row := entryRow{savedEntry: e}
				row.members, row.err = src.members(ctx, e.Expr)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if e.kind == segment.Audiences {
					// An audience exported with a holdout shows its campaign's lift.
					if row.campaign, err = src.campaign(ctx, db, e.Name); err != nil {
						return err
					}
				}
				r.entries = append(r.entries, row)
			}
			return nil
		})
		if err != nil {
			return nil, err
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
func (r *savedResult) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Title: l.T("Saved segments and audience rules"), Columns: []string{l.T("kind"), l.T("name"), l.T("users"), l.T("share"), l.T("before import"), l.T("expression")}}
	for _, e := range r.entries {
		users, share := l.T("error"), e.err
		if e.err == nil {
			users, share = strconv.Itoa(len(e.members)), nil
		}
		before := ""
		if e.PrevCount != nil {
			before = strconv.FormatInt(*e.PrevCount, 10)
		}
		s := output.Percent(r.share(len(e.members)))
		if share != nil {
			s = i18n.ErrorMsg(share).In(l)
		}
		t.Rows = append(t.Rows, []string{valueIn(l, e.kind.Noun), e.Name, users, s, before, e.Expr})
	}
	var out []output.Table
	if len(t.Rows) > 0 || r.expr == "" || r.err != nil {
		out = append(out, t)
	}
	if c := r.campaigns(); len(c.Rows) > 0 {
		out = append(out, c)
	}
	if r.expr != "" && r.err == nil {
		out = append(out, output.Table{Title: l.T("Preview"), Columns: []string{l.T("expression"), l.T("users"), l.T("of"), l.T("share")},
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
	users  [][]string     // by group
	report output.Tabular // the CLI's tables and JSON
	note   string
	name   func(i18n.Lang, string) string // a group's name as a person reads it (segment.TierName…)
}

// groupName is a group's name as a person reads it.
func (r *groupResult) groupName(g string) string {
	if r.name == nil {
		return g
	}
	return r.name(i18n.Current(), g)
}

func (r *groupResult) Tables(l i18n.Lang) []output.Table { return r.report.Tables(l) }
func (r *groupResult) json() any                         { return r.report }
func (r *groupResult) items() int                        { return len(r.groups) }
func (r *groupResult) line(_ *shared, w, sel int) int    { return 1 + sel }

func (r *groupResult) drill(sel int) (string, []string, bool) {
	if sel < 0 || sel >= len(r.groups) {
		return "", nil, false
	}
	return r.groupName(r.groups[sel].Name), r.users[sel], true
}

func (r *groupResult) chart(sh *shared, w, sel int) string { return groupChart(sh, r, w, sel) }

// rfmResult shows RFM tiers: rep and users are segment.RFM's.
func rfmResult(rep *segment.RFMReport, users []segment.RFMUser, revenue string) result {
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
	return r
}

// stagesResult shows lifecycle stages: the counts of rep and the users of
// each stage.
func stagesResult(rep *segment.StageReport, users [][]string) result {
	return &groupResult{title: i18n.T("Lifecycle stage (%s-day window): %d users", strconv.Itoa(rep.WindowDays), rep.Total),
		groups: rep.Stages, users: users, report: rep, name: segment.StageName,
		note: i18n.T("new: first seen in the window · active: also in the window before · returning: back after a gap · dormant: seen only in the window before · churned: earlier")}
}
