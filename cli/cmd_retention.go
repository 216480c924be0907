package cli

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("retention", "cohort retention table and average curve", runRetention)
}

// RetentionCell is the JSON shape of spoor retention --users: the users
// counted in one cell of the cohort table.
type RetentionCell struct {
	Cohort string   `json:"cohort"`
	Period int      `json:"period"`
	Users  []string `json:"users"`
}

func (c RetentionCell) Tables() []output.Table {
	t := output.Table{Title: "cohort " + c.Cohort + ", period " + strconv.Itoa(c.Period), Columns: []string{"user"}}
	for _, u := range c.Users {
		t.Rows = append(t.Rows, []string{u})
	}
	return []output.Table{t}
}

func runRetention(env *Env, args []string) error {
	fs := newFlags(env, "retention", "[--start E] [--return E] [--period day|week|month] [--periods N] [--unbounded] [--recurring] [--users COHORT:PERIOD] [--explain USER] [--from D --to D | --last 30d] [--where F] [--segment S] [--by PROP] [--tz Z]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.RetentionQuery
	commonFlags(fs, &q.Common)
	fs.StringVar(&q.Start, "start", "", "event that puts a user in a cohort (default any event)")
	fs.StringVar(&q.Return, "return", "", "event that counts as coming back (default any event)")
	fs.StringVar(&q.Period, "period", "day", "cohort and return period: day, week or month (weeks start Monday)")
	fs.IntVar(&q.Periods, "periods", 0, "periods shown, period 0 included (default 31 days, 12 weeks or 12 months)")
	fs.BoolVar(&q.Unbounded, "unbounded", false, "count a user in period k when they came back in period k or any later one")
	fs.BoolVar(&q.Recurring, "recurring", false, "every period with a start event is a cohort membership, not only the first")
	cell := fs.String("users", "", "list the users of one cell: COHORT:PERIOD, the cohort's start date (or its row, from 0) and the period, e.g. 2026-03-02:1")
	explain := fs.String("explain", "", "show why this user counts where they do: their cohorts and return events per period")
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
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *explain != "" {
		x, err := d.ExplainRetention(env.Ctx, q, *explain)
		if err != nil {
			return err
		}
		return emit(env, *format, x)
	}
	r, err := d.Retention(env.Ctx, q)
	if err != nil {
		return err
	}
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
	return emit(env, *format, RetentionCell{Cohort: r.Cohorts[row].Start, Period: period, Users: r.CellUsers(row, period)})
}
