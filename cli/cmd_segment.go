package cli

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

func init() {
	register("segment", i18n.N("saved user segments (create, list, show, delete, users, preview), RFM tiers and lifecycle stages"), runSegment)
}

// segmentUsage is the synopsis and, in the interface language, what it means.
func segmentUsage() string {
	return `create NAME 'EXPR' [--replace] | list | show NAME [--trend 30d] | delete NAME |
       users NAME | preview 'EXPR' [--users | --trend 30d] | rfm --revenue PROP [--event E] [--users] [--tier T] |
       stages [--window 30d] [--users] [--stage S]` + "\n\n" + i18n.T(`Each takes --db and --format; all but delete take --tz ZONE.

An expression combines, with not, and, or and parentheses:
  did EVENT [where PROP OP VALUE [and ...]] [>= N | <= N | = N] [in 30d | between DATE and DATE]
  first_seen | last_seen  before DATE | after DATE | within 7d | between DATE and DATE
  PROP OP VALUE            the latest value of a property on the user's events
  did A then [not] B [within 24h]   streak EVENT [by PROP] >= 3 days [without EVENT]
  active in 30d            silent for 14d
Windows: d and w are calendar days ending with the day of the data's last event
(display timezone, or --tz); h and m (minutes) are that long before the last event.
--tz moves calendar days, dates and streaks only; durations (within 24h, in 6h) stay absolute.
Examples: 'did purchase >= 2 in 30d and not did refund'   'first_seen within 7d'
          'country = CN'   'did view_item where category = shoes >= 3 in 14d'
Any analysis takes --segment NAME (also audience:NAME and stage:new|active|returning|dormant|churned)
and --by segment:NAME (members labelled NAME, the others "not NAME").`)
}

// segmentCommands are the subcommands of spoor segment.
var segmentCommands = map[string]func(env *Env, args []string) error{
	"create":  segmentCreate,
	"list":    segmentList,
	"show":    segmentShow,
	"delete":  segmentDelete,
	"users":   segmentUsers,
	"preview": segmentPreview,
	"rfm":     segmentRFM,
	"stages":  segmentStages,
}

func runSegment(env *Env, args []string) error {
	return runSubcommand(env, "segment", segmentUsage(), segmentCommands, args)
}

func segmentCreate(env *Env, args []string) error { return saveExpr(env, segment.Segments, args) }

// SavedList is spoor segment list.
type SavedList []segment.Saved

func (ls SavedList) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("name"), l.T("expression"), l.T("created_at")}}
	for _, s := range ls {
		t.Rows = append(t.Rows, []string{s.Name, s.Expr, s.CreatedAt})
	}
	return []output.Table{t}
}

func segmentList(env *Env, args []string) error {
	return listSaved(env, segment.Segments, args, func(l []segment.Saved) any { return append(SavedList{}, l...) })
}

func segmentShow(env *Env, args []string) error   { return showSaved(env, segment.Segments, args) }
func segmentDelete(env *Env, args []string) error { return deleteSaved(env, segment.Segments, args) }

func segmentUsers(env *Env, args []string) error {
	fs := newFlags(env, "segment users", "NAME [--db PATH] [--format csv|json|table|markdown] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	segmentsFlag(fs)
	pos, err := positional(fs, args, 1, i18n.T("a segment NAME"))
	if err != nil {
		return err
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		s, err := cs.get(env, segment.Segments, pos[0])
		if err != nil {
			return err
		}
		_, ids, err := cs.measure(env, s.Name, s.Expr, true)
		if err != nil {
			return err
		}
		return emit(env, *format, userList(ids))
	}
	db, d, s, err := loadSaved(env, segment.Segments, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	m, _, err := measure(env, d, s.Name, s.Expr)
	if err != nil {
		return err
	}
	return emit(env, *format, memberList(d, m))
}

func segmentPreview(env *Env, args []string) error {
	fs := newFlags(env, "segment preview", "'EXPR' [--users | --trend 30d] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, trend, tz := dbFlag(fs), formatFlag(fs), trendFlag(fs), tzFlag(fs)
	users := fs.Bool("users", false, i18n.T("list the matching users instead of the size"))
	segmentsFlag(fs)
	pos, err := positional(fs, args, 1, i18n.T("an expression in quotes"))
	if err != nil {
		return err
	}
	if _, err := segment.Parse(pos[0]); err != nil {
		return &UsageError{err.Error()}
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		size, ids, err := cs.measure(env, "", pos[0], *users)
		if err != nil {
			return err
		}
		if *users {
			return emit(env, *format, userList(ids))
		}
		if err := cs.addTrend(env, &size, *trend); err != nil {
			return err
		}
		return emit(env, *format, size)
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	m, size, err := measure(env, d, "", pos[0])
	if err != nil {
		return err
	}
	if *users {
		return emit(env, *format, memberList(d, m))
	}
	if err := addTrend(env, d, &size, *trend); err != nil {
		return err
	}
	return emit(env, *format, size)
}

func segmentRFM(env *Env, args []string) error {
	fs := newFlags(env, "segment rfm", "--revenue PROP [--event E] [--users] [--tier T] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	var opt segment.RFMOptions
	fs.StringVar(&opt.Revenue, "revenue", "", i18n.T("numeric property holding the revenue of a purchase (required)"))
	fs.StringVar(&opt.Event, "event", "", i18n.T("purchase event: every such event counts (revenue 0 when missing); default every event with a numeric revenue"))
	users := fs.Bool("users", false, i18n.T("list each customer's scores and tier"))
	tier := fs.String("tier", "", i18n.T("with --users, only this tier: %s", strings.Join(segment.TierNames, ", ")))
	if _, err := positional(fs, args, 0, i18n.T("no positional arguments (flags only)")); err != nil {
		return err
	}
	if opt.Revenue == "" {
		return usagef("spoor segment rfm needs --revenue PROP, the numeric property holding revenue (spoor props lists them)")
	}
	if *tier != "" && !oneOf(segment.TierNames, *tier) {
		return usagef("unknown --tier %q (use %s)", *tier, strings.Join(segment.TierNames, ", "))
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	e, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	var rep *segment.RFMReport
	var list []segment.RFMUser
	switch e := e.(type) {
	case *chquery.Engine:
		loc, _ := query.ZoneOf(env.Ctx) // --tz, else the table's zone
		if *users || *tier != "" {
			rep, list, err = e.RFM(env.Ctx, opt, loc)
		} else {
			rep, err = e.RFMTiers(env.Ctx, opt, loc) // reads no user id
		}
	case *query.Dataset:
		rep, list, err = segment.RFM(env.Ctx, e, opt)
	}
	if err != nil {
		return err
	}
	if *users || *tier != "" {
		rep.Users = []segment.RFMUser{}
		for _, u := range list {
			if *tier == "" || u.Tier == *tier {
				rep.Users = append(rep.Users, u)
			}
		}
	}
	return emit(env, *format, rep)
}

func oneOf(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func segmentStages(env *Env, args []string) error {
	fs := newFlags(env, "segment stages", "[--window 30d] [--users] [--stage S] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	window := fs.String("window", strconv.Itoa(segment.DefaultStageWindow)+"d",
		i18n.T("stage window: new = first seen in it; active = seen in it and the one before; returning = seen in it, not the one before; dormant = last seen in the one before; churned = earlier"))
	users := fs.Bool("users", false, i18n.T("list each user's stage"))
	stage := fs.String("stage", "", i18n.T("with --users, only this stage: %s", strings.Join(segment.StageNames, ", ")))
	if _, err := positional(fs, args, 0, i18n.T("no positional arguments (flags only)")); err != nil {
		return err
	}
	w, err := wholeDays("window", *window)
	if err != nil {
		return err
	}
	if *stage != "" && !oneOf(segment.StageNames, *stage) {
		return usagef("unknown --stage %q (use %s)", *stage, strings.Join(segment.StageNames, ", "))
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	e, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	var rep *segment.StageReport
	switch e := e.(type) {
	case *chquery.Engine:
		loc, _ := query.ZoneOf(env.Ctx) // --tz, else the table's zone
		rep, err = e.Stages(env.Ctx, w, loc, *users || *stage != "", *stage)
	case *query.Dataset:
		rep, err = segment.StageSummaryIn(e, segment.Zone(env.Ctx, e), w, *users || *stage != "", *stage)
	}
	if err != nil {
		return err
	}
	if rep.Users == nil && (*users || *stage != "") {
		rep.Users = []segment.UserGroup{}
	}
	return emit(env, *format, rep)
}
