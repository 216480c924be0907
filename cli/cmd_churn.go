package cli

import (
	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/query"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

func init() {
	register("churn", i18n.N("users at risk of churning: activity fell against their own baseline, or silent past their usual gap"), runChurn)
}

func runChurn(env *Env, args []string) error {
	fs := newFlags(env, "churn", "[--window 14d] [--baseline 56d] [--key-event E] [--min-score 0.8] [--top N] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	window := fs.String("window", "14d", i18n.T("recent window in calendar days (display timezone, or --tz), ending with the day of the data's last event"))
	baseline := fs.String("baseline", "", i18n.T("earlier window the recent one is compared with (default 4 × window)"))
	var opt segment.ChurnOptions
	fs.StringVar(&opt.KeyEvent, "key-event", "", i18n.T("event shown as the user's last key event (default: their last event)"))
	fs.Float64Var(&opt.MinScore, "min-score", segment.DefaultMinScore, i18n.T("list users scoring at least this, 0 to 1 (0 lists every scored user)"))
	fs.IntVar(&opt.Top, "top", 0, i18n.T("then show only the N riskiest (default all)"))
	if _, err := positional(fs, args, 0, i18n.T("no positional arguments (flags only)")); err != nil {
		return err
	}
	var err error
	if opt.WindowDays, err = wholeDays("window", *window); err != nil {
		return err
	}
	if *baseline != "" {
		if opt.BaselineDays, err = wholeDays("baseline", *baseline); err != nil {
			return err
		}
	}
	if !(opt.MinScore >= 0 && opt.MinScore <= 1) {
		return usagef("--min-score %s: use a number from 0 to 1", strconv.FormatFloat(opt.MinScore, 'g', -1, 64))
	}
	if opt.Top < 0 {
		return usagef("--top %s: use a positive number, or 0 for all", strconv.Itoa(opt.Top))
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	d, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	var rep *segment.ChurnReport
	switch e := d.(type) {
	case *chquery.Engine:
		loc, _ := query.ZoneOf(env.Ctx) // --tz, else the table's zone
		rep, err = e.Churn(env.Ctx, opt, loc)
	case *query.Dataset:
		rep, err = segment.Churn(env.Ctx, e, opt)
	}
	if err != nil {
		return err
	}
	return emit(env, *format, rep)
}
