package cli

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("retention", i18n.N("cohort retention table and average curve"), runRetention)
}

// RetentionCell is the JSON shape of spoor retention --users: the users
// counted in one cell of the cohort table, or with --group of one --by
// group's table. Group is a pointer because "" is a value a group can have.
type RetentionCell struct {
	Cohort string   `json:"cohort"`
	Period int      `json:"period"`
	By     string   `json:"by,omitempty"`
	Group  *string  `json:"group,omitempty"`
	Users  []string `json:"users"`
}

func (c RetentionCell) Tables(l i18n.Lang) []output.Table {
	title := l.T("cohort %s, period %s", c.Cohort, strconv.Itoa(c.Period))
	if c.Group != nil {
		// As the group's own tables are titled.
		title = c.By + " = " + *c.Group + ": " + title
	}
	t := output.Table{Title: title, Columns: []string{l.T("user")}}
	for _, u := range c.Users {
		t.Rows = append(t.Rows, []string{u})
	}
	return []output.Table{t}
}

func runRetention(env *Env, args []string) error {
	fs := newFlags(env, "retention", "[--start E] [--return E] [--period day|week|month] [--periods N] [--unbounded] [--recurring] [--users COHORT:PERIOD [--group VALUE]] [--explain USER] [--from D --to D | --last 30d] [--where F] [--segment S] [--by PROP] [--tz Z]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.RetentionQuery
	commonFlags(fs, &q.Common)
	fs.StringVar(&q.Start, "start", "", i18n.T("event that puts a user in a cohort (default any event)"))
	fs.StringVar(&q.Return, "return", "", i18n.T("event that counts as coming back (default any event)"))
	fs.StringVar(&q.Period, "period", "day", i18n.T("cohort and return period: day, week or month (weeks start Monday)"))
	fs.IntVar(&q.Periods, "periods", 0, i18n.T("periods shown, period 0 included (default 31 days, 12 weeks or 12 months)"))
	fs.BoolVar(&q.Unbounded, "unbounded", false, i18n.T("count a user in period k when they came back in period k or any later one"))
	fs.BoolVar(&q.Recurring, "recurring", false, i18n.T("every period with a start event is a cohort membership, not only the first"))
	cell := fs.String("users", "", i18n.T("list the users of one cell of the overall table (of a --by group's with --group): COHORT:PERIOD, the cohort's start date (or its row, from 0) and the period, e.g. 2026-03-02:1"))
	// The group is its own flag, not a third part of --users: values may
	// hold ':' or be empty, and it reads like the table it picks
	// ("plan = pro"), as segment rfm --tier and stages --stage do.
	var group *string
	fs.Func("group", i18n.T("with --users and --by: list that cell of the table of the group `VALUE`, named as the tables name it (\"(none)\": start events without the property)"), func(v string) error {
		group = &v
		return nil
	})
	explain := fs.String("explain", "", i18n.T("show why this user counts where they do: their cohorts and return events per period"))
	if err := parse(fs, args); err != nil {
		return err
	}
	switch strings.ToLower(q.Period) {
	case "day", "week", "month":
	default:
		return usagef("unknown --period %q (use day, week or month)", q.Period)
	}
	if q.Periods < 0 {
		return usagef("--periods must be positive")
	}
	if *cell != "" && *explain != "" {
		return usagef("--users and --explain are separate questions; use one")
	}
	if group != nil && (*cell == "" || q.By == "") {
		return usagef("--group picks the --by group whose cell --users lists; give --users COHORT:PERIOD and --by PROP with it")
	}
	var cohort string
	var period int
	if *cell != "" {
		c, p, ok := strings.Cut(*cell, ":")
		k, err := strconv.Atoi(p)
		if !ok || err != nil || k < 0 || c == "" {
			return usagef("--users takes COHORT:PERIOD, e.g. 2026-03-02:1 (cohort start date and period number)")
		}
		cohort, period = c, k
	}
	// --users lists ids; --explain finds one.
	d, closeData, err := openAnalysis(env, *dbPath, segmentNamed(q.Common) || *cell != "" || *explain != "")
	if err != nil {
		return err
	}
	defer closeData()
	if *explain != "" {
		local, err := localOnly(d, "--explain")
		if err != nil {
			return err
		}
		x, err := local.ExplainRetention(env.Ctx, q, *explain)
		if err != nil {
			return err
		}
		return emit(env, *format, x)
	}
	r, err := d.Retention(env.Ctx, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	if *cell == "" {
		return emit(env, *format, r)
	}
	row, ok := r.CohortIndex(cohort)
	if !ok {
		n, err := strconv.Atoi(cohort)
		if err != nil || n < 0 || n >= len(r.Cohorts) {
			return usagef("no cohort %q in this table (%d cohorts; give a start date as shown in the cohort column)", cohort, len(r.Cohorts))
		}
		row = n
	}
	if period >= len(r.Cohorts[row].Retained) {
		return usagef("cohort %s has periods 0 to %d so far", r.Cohorts[row].Start, len(r.Cohorts[row].Retained)-1)
	}
	out := RetentionCell{Cohort: r.Cohorts[row].Start, Period: period}
	g := -1 // the overall table
	if group != nil {
		if g, err = r.FindGroup(*group); err != nil {
			return usagef("--group: %v", err)
		}
		out.By, out.Group = r.By, &r.Breakdown[g].Value
	}
	if out.Users, err = r.Users(env.Ctx, g, row, period); err != nil {
		return err
	}
	return emit(env, *format, out)
}
