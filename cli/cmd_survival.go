package cli

import (
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/survival"
)

func init() {
	register("survival", i18n.N("time until users do something, counting the ones still waiting (Kaplan–Meier)"), runSurvival)
}

func runSurvival(env *Env, args []string) error {
	fs := newFlags(env, "survival", "--start EVENT --event EVENT [--by PROP] [--from D --to D | --last 30d] [--where F] [--segment S] [--tz Z]\n\n"+i18n.T(
		"Each user's clock starts at their first --start event in the range; the event is their first\n"+
			"--event at or after it (at the same instant counts, the start event itself does not). Users\n"+
			"without it are censored at the data's last event. Kaplan–Meier estimate with a 95%% log-log\n"+
			"(exponential Greenwood) band, the median with its interval, and with --by a log-rank test."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q survival.Query
	commonFlags(fs, &q.Common)
	fs.StringVar(&q.Start, "start", "", i18n.T("the event that starts each user's clock (required)"))
	fs.StringVar(&q.Event, "event", "", i18n.T("the event waited for (required)"))
	if _, err := positional(fs, args, 0, i18n.T("no arguments (give --start and --event)")); err != nil {
		return err
	}
	if q.Start == "" || q.Event == "" {
		return usagef("survival needs --start EVENT and --event EVENT")
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := survival.Analyze(env.Ctx, d, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	return emit(env, *format, r)
}
