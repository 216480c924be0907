package cli

import (
	"flag"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("trends", i18n.N("events, users, averages or active users per day, week or month"), runTrends)
}

func runTrends(env *Env, args []string) error {
	fs := newFlags(env, "trends", "[--events a,b] [--measure M] [--interval day|week|month] [--by PROP] [--from DATE --to DATE | --last 30d] [--where ...]\n\n"+i18n.T(
		"Without --events every event counts, so --measure users --interval day is daily active users.\n"+
			"Measures: total events; users (unique per interval); avg (events per active user);\n"+
			"dau, wau, mau (users active in the trailing 1, 7, 30 calendar days, reported on each interval's last day);\n"+
			"stickiness (mean DAU/MAU per interval, and users by number of days active in the range).\n"+
			"--by gives one series per event and property value; every value is listed."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.TrendsQuery
	check := trendsFlags(fs, &q)
	mark := trendAlertFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	d, closeData, err := openAnalysis(env, *dbPath, segmentNamed(q.Common))
	if err != nil {
		return err
	}
	defer closeData()
	r, err := d.Trends(env.Ctx, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	out, err := mark(env.Ctx, d, q, r)
	if err != nil {
		return err
	}
	return emit(env, *format, out)
}

// trendsFlags adds the flags of a trends query (trends, forecast) to fs;
// check, once fs is parsed, fills q's events and says what is wrong with
// it as a usage error.
func trendsFlags(fs *flag.FlagSet, q *query.TrendsQuery) (check func() error) {
	commonFlags(fs, &q.Common)
	events := fs.String("events", "", i18n.T("comma-separated event names (default: any event)"))
	fs.StringVar(&q.Measure, "measure", "total", i18n.T("total, users, avg, dau, wau, mau or stickiness"))
	fs.StringVar(&q.Interval, "interval", "day", i18n.T("day, week (starting Monday), month or hour"))
	return func() error {
		if fs.NArg() > 0 {
			return usagef("%s takes no arguments (got %q); name events with --events a,b", fs.Name(), fs.Arg(0))
		}
		q.Events = trendsEventNames(*events)
		if err := q.Check(); err != nil {
			return &UsageError{err.Error()}
		}
		return nil
	}
}

// trendsEventNames reads "a, b,c" as [a b c]; event names may hold spaces inside.
func trendsEventNames(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
