package cli

import (
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("forecast", i18n.N("a trends series continued into the future, with 80 and 95 percent intervals and a backtest"), runForecast)
}

func runForecast(env *Env, args []string) error {
	fs := newFlags(env, "forecast", "[--events a,b] [--measure M] [--interval hour|day|week|month] [--by PROP] [--from DATE --to DATE | --last 30d] [--where ...] [--horizon N] [--held-out]\n\n"+i18n.T(
		"Continues each trends series (the flags are trends') for --horizon intervals: the mean of the five\n"+
			"best of seasonal naive, naive with drift and exponential smoothing (ETS: none/additive/damped trend,\n"+
			"none/additive season of a week of days or a day of hours, on y or log(1+y)), ranked by rolling-origin\n"+
			"cross-validation on the series' past, with 80%% and 95%% intervals from the quantiles of those errors.\n"+
			"Past points far outside their one-step forecast (sales, outages) are reported as anomalies and left\n"+
			"out of the fit. Every series reports its rolling-origin backtest: MASE against seasonal naive and the\n"+
			"share of held-out points its intervals held. Under two seasons of history\n"+
			"(14 days, 48 hours) a series is refused."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.TrendsQuery
	check := trendsFlags(fs, &q)
	horizon := fs.Int("horizon", 0, i18n.T("intervals to forecast (default 14 days, 48 hours, 8 weeks or 6 months)"))
	top := fs.Int("top", 10, i18n.T("with --by: forecast the largest N values (the rest folded into other)"))
	heldOut := fs.Bool("held-out", false, i18n.T("in the backtest, score each held-out interval (held_out in JSON: where the errors and misses are)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	iv, _ := query.ParseInterval(q.Interval)
	if *horizon == 0 {
		*horizon = forecast.DefaultHorizon(iv)
	}
	if *horizon < 1 || *horizon > forecast.MaxHorizon {
		return usagef("--horizon %d is out of range (use 1 to %d)", *horizon, forecast.MaxHorizon)
	}
	if *top < 1 {
		return usagef("--top must be at least 1")
	}
	e, closeDB, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeDB()
	r, err := e.Trends(env.Ctx, q)
	if err == nil {
		r, err = r.Top(env.Ctx, *top)
	}
	if err != nil {
		return err
	}
	b, err := forecast.BoundsOn(env.Ctx, e, q.Common)
	if err != nil {
		return err
	}
	res, err := forecast.TrendsWithin(env.Ctx, b, q, r, *horizon, -1)
	if err != nil {
		return err
	}
	if !*heldOut {
		res.DropHeldOut()
	}
	if len(res.Series) == 1 && res.Series[0].Refused != "" {
		return i18n.Errorf("cannot forecast %s: %s", res.Series[0].Name, res.Series[0].RefusedText())
	}
	return emit(env, *format, res)
}
