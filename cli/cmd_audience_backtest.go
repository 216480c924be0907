package cli

import (
	"fmt"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

func init() {
	audienceCommands["backtest"] = audienceBacktest
}

// audienceBacktest replays a saved rule over the last days: members,
// new members and how many reached the goal anyway, per day.
func audienceBacktest(env *Env, args []string) error {
	fs := newFlags(env, "audience backtest", "NAME --goal EVENT [--days 60] [--within 7d] [--db PATH] [--format F] [--tz ZONE]\n\n"+i18n.T(
		"Evaluates the saved rule as of the end of each of the last --days days (the last is the day of the\n"+
			"data's last event): the rule sees only the events before the next midnight, and its windows end\n"+
			"there. Per day: members, new members (not members the day before), and the members who did the\n"+
			"goal within --within of that midnight — the baseline an intervention must beat."))
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	segmentsFlag(fs)
	days := fs.Int("days", 60, i18n.T("days to replay, ending with the day of the data's last event"))
	goal := fs.String("goal", "", i18n.T("the event that counts as converting (required)"))
	within := fs.String("within", "7d", i18n.T("how long after each day's end a goal event counts"))
	pos, err := positional(fs, args, 1, i18n.T("an audience NAME"))
	if err != nil {
		return err
	}
	if *goal == "" {
		return usagef("audience backtest needs --goal EVENT")
	}
	if *days < 1 || *days > segment.MaxBacktestDays {
		return usagef("--days must be from 1 to %d", segment.MaxBacktestDays)
	}
	w, err := query.ParseDuration(*within)
	if err != nil || w <= 0 {
		return usagef("--within %q: use a positive duration such as 24h or 7d", *within)
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		return chBacktest(env, cs, pos[0], *days, *goal, w, *format)
	}
	db, d, a, err := loadSaved(env, segment.Audiences, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := segment.Parse(a.Expr)
	if err != nil {
		return err
	}
	ev, err := segment.Compile(env.Ctx, d, n)
	if err != nil {
		return err
	}
	warnUnknown(env, ev)
	r, err := segment.Backtest(env.Ctx, d, n, *days, *goal, w)
	if err != nil {
		return err
	}
	r.Rule = a.Expr
	return emit(env, *format, r)
}

// chBacktest is audience backtest on a ClickHouse --db: the saved rule is
// replayed on the server, in the zone of --tz (else UTC, the table's).
func chBacktest(env *Env, cs *chSaved, name string, days int, goal string, within int64, format string) error {
	a, err := cs.get(env, segment.Audiences, name)
	if err != nil {
		return err
	}
	n, err := segment.Parse(a.Expr)
	if err != nil {
		return err
	}
	eng, err := cs.engine(env)
	if err != nil {
		return err
	}
	loc, _ := query.ZoneOf(env.Ctx)
	r, unknown, err := eng.Backtest(env.Ctx, n, days, goal, within, loc)
	if err != nil {
		return err
	}
	for _, name := range unknown {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("warning: %s", eng.CheckEvent(env.Ctx, name)))
	}
	r.Rule = a.Expr
	return emit(env, format, r)
}
