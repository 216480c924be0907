package cli

import (
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("lifecycle", i18n.N("new, returning, resurrecting and dormant users per interval"), runLifecycle)
}

func runLifecycle(env *Env, args []string) error {
	fs := newFlags(env, "lifecycle", "[--event E] [--interval day|week|month] [--from D --to D | --last 30d] [--where F] [--segment S] [--by PROP] [--tz Z]\n\n"+i18n.T(
		"--by PROP groups each user by PROP on their first active event (the one that made them new);\n"+
			"--by segment:NAME by membership of a saved segment. The groups add up to the overall counts."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.LifecycleQuery
	commonFlags(fs, &q.Common)
	fs.StringVar(&q.Event, "event", "", i18n.T("what counts as active (default any event)"))
	fs.StringVar(&q.Interval, "interval", "day", i18n.T("interval: day, week (starting Monday) or month"))
	if err := parse(fs, args); err != nil {
		return err
	}
	switch strings.ToLower(q.Interval) {
	case "day", "week", "month":
	default:
		return usagef("unknown --interval %q (use day, week or month)", q.Interval)
	}
	d, closeData, err := openAnalysis(env, *dbPath, segmentNamed(q.Common))
	if err != nil {
		return err
	}
	defer closeData()
	r, err := d.Lifecycle(env.Ctx, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	return emit(env, *format, r)
}
