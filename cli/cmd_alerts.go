package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// AlertFired is the exit status of spoor alerts when an alert fires, so a
// cron job after an import can act on it; 1 still means an error.
const AlertFired = 3

func init() {
	register("alerts", i18n.N("check saved alerts on the latest data (exit status 3 when one fires); alerts add|list|remove"), runAlerts)
}

// alertsUsage is the synopsis and, in the interface language, what it means.
func alertsUsage() string {
	return `[run] [NAME...] | add NAME --metric 'TRENDS ARGS' [--threshold Z] [--window N] [--points N] | list | remove NAME` + "\n\n" + i18n.T(`An alert watches a trends series (the arguments of spoor trends, e.g.
--metric '--events purchase --measure users') and fires when one of its
latest complete points (--points, default 1) lies outside its expected
band: more than --threshold (default 3.5) robust standard deviations from
its one-step forecast. This is the one detector of spoor forecast's
anomalies, spoor trends --alerts and the workbench's markers: an
exponential-smoothing model with the weekly (daily) season, fitted with
the anomalies left out. A series too short to forecast (under two seasons:
14 days, 48 hours) is judged instead by robust z against the median of its
trailing --window points (default 14). A partly covered last interval
(today so far) is not judged: its count is not comparable yet.

spoor alerts evaluates every saved alert (or the named ones) and exits
with status 3 when at least one fires, 1 when one could not be computed,
0 otherwise, so it can run from cron after an import.`)
}

// alertsCommands are the subcommands of spoor alerts; without one it runs
// the alerts named, or all.
var alertsCommands = map[string]func(env *Env, args []string) error{
	"":       alertsRun,
	"run":    alertsRun,
	"add":    alertsAdd,
	"list":   alertsList,
	"ls":     alertsList,
	"remove": alertsRemove,
	"rm":     alertsRemove,
}

func runAlerts(env *Env, args []string) error {
	return runSubcommand(env, "alerts", alertsUsage(), alertsCommands, args)
}

func alertsAdd(env *Env, args []string) error {
	fs := newFlags(env, "alerts add", "NAME --metric 'TRENDS ARGS' [--threshold Z] [--window N] [--points N] [--replace]")
	dbPath := dbFlag(fs)
	var d alert.Definition
	fs.StringVar(&d.Metric, "metric", "", i18n.T("the arguments of spoor trends that give the series, e.g. '--events purchase --measure users'"))
	fs.Float64Var(&d.Threshold, "threshold", alert.DefaultThreshold, i18n.T("robust standard deviations from the expected value beyond which a point is anomalous"))
	fs.IntVar(&d.Window, "window", alert.DefaultWindow, i18n.T("trailing points forming the baseline of a series too short to forecast"))
	fs.IntVar(&d.Points, "points", 1, i18n.T("latest points of each series to check"))
	replace := fs.Bool("replace", false, i18n.T("replace an alert of the same name"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("alerts add takes one name (spoor alerts add NAME --metric '...')")
	}
	d.Name = fs.Arg(0)
	if err := d.Normalize(); err != nil {
		return &UsageError{err.Error()}
	}
	metric, err := metricArgs(d.Metric)
	if err != nil {
		return usagef("--metric: %v", err)
	}
	db, err := openWrite(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// Computing the metric once now catches a typo before cron does.
	if _, _, err := metricSeries(env, db.Path, metric, d.Window, d.Threshold); err != nil {
		return usagef("--metric %q does not run: %v", d.Metric, err)
	}
	if err := alert.Save(env.Ctx, db, d, *replace); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, i18n.T("saved alert %q: fires when the latest %d complete point(s) of spoor trends %s lie more than %v robust standard deviations from their expected value",
		d.Name, d.Points, d.Metric, strconv.FormatFloat(d.Threshold, 'g', -1, 64)))
	return nil
}

func alertsList(env *Env, args []string) error {
	fs := newFlags(env, "alerts list", "[--db PATH] [--format F]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	defs, err := alert.List(env.Ctx, db)
	if err != nil {
		return err
	}
	if defs == nil {
		defs = []alert.Definition{}
	}
	return emit(env, *format, alert.Definitions(defs))
}

func alertsRemove(env *Env, args []string) error {
	fs := newFlags(env, "alerts remove", "NAME [--db PATH]")
	dbPath := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("alerts remove takes one name")
	}
	db, err := openWrite(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	err = alert.Remove(env.Ctx, db, fs.Arg(0))
	if errors.Is(err, alert.ErrNotFound) {
		return usagef("%v%s", err, suggest(fs.Arg(0), alertNames(env, db)))
	}
	return err
}

func alertsRun(env *Env, args []string) error {
	fs := newFlags(env, "alerts", alertsUsage())
	dbPath, format := dbFlag(fs), formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	defs, err := alert.List(env.Ctx, db)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		byName := map[string]alert.Definition{}
		for _, d := range defs {
			byName[d.Name] = d
		}
		defs = nil
		for _, n := range fs.Args() {
			d, ok := byName[n]
			if !ok {
				return usagef("no alert named %q%s; spoor alerts list shows them", n, suggest(n, alertNames(env, db)))
			}
			defs = append(defs, d)
		}
	}
	if len(defs) == 0 {
		fmt.Fprintln(env.Stderr, i18n.T("no alerts saved; add one with spoor alerts add NAME --metric '--events purchase'"))
		return nil
	}
	res := &alert.Outcomes{Alerts: []alert.Outcome{}}
	for _, d := range defs {
		metric, err := metricArgs(d.Metric)
		var r *query.TrendsResult
		var js [][]forecast.Judgement
		if err == nil {
			r, js, err = metricSeries(env, db.Path, metric, d.Window, d.Threshold)
		}
		if err != nil {
			res.Add(alert.Outcome{Name: d.Name, Metric: d.Metric, Error: i18n.InEnglish(err), Points: []alert.Point{}, Latest: []alert.Point{}})
			continue
		}
		res.Add(alert.Evaluate(d, r, js))
	}
	if err := emit(env, *format, res); err != nil {
		return err
	}
	switch {
	case res.Fired > 0:
		return &ExitStatus{Code: AlertFired, Msg: fmt.Sprintf("%d of %d alerts fired", res.Fired, len(defs))}
	case res.Failed > 0:
		return &ExitStatus{Code: 1, Msg: fmt.Sprintf("%d of %d alerts could not be computed", res.Failed, len(defs))}
	}
	return nil
}

func alertNames(env *Env, db *store.DB) []string {
	defs, _ := alert.List(env.Ctx, db)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	return names
}

// metricArgs splits a metric the way a shell would (quotes and
// backslashes), and refuses the options the alert itself sets.
func metricArgs(metric string) ([]string, error) {
	args, err := splitWords(metric)
	if err != nil {
		return nil, err
	}
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "db" || name == "format") {
			return nil, i18n.Errorf("leave %s out of the metric: the alert sets it", a)
		}
	}
	return args, nil
}

// metricSeries computes an alert's metric — the arguments of spoor
// trends — and judges its points as spoor trends --alerts does, with the
// alert's window and threshold.
func metricSeries(env *Env, dbPath string, metric []string, window int, threshold float64) (*query.TrendsResult, [][]forecast.Judgement, error) {
	var out, errOut bytes.Buffer
	sub := &Env{Ctx: env.Ctx, Stdin: env.Stdin, Stdout: &out, Stderr: &errOut}
	fs := newFlags(sub, "trends", "")
	var q query.TrendsQuery
	check := trendsFlags(fs, &q)
	trendAlertFlags(fs) // the metric may say --alerts: the alert judges anyway
	if err := parse(fs, metric); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, i18n.Errorf("the metric asks for help, not a series")
		}
		return nil, nil, err
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	e, closeData, err := openEngine(sub, dbPath)
	if err != nil {
		return nil, nil, err
	}
	defer closeData()
	r, err := e.Trends(env.Ctx, q)
	if err != nil {
		return nil, nil, err
	}
	d, _ := e.(*query.Dataset)
	js, err := forecast.DetectTrends(env.Ctx, d, q, r, threshold, window)
	return r, js, err
}

// splitWords splits s into words on spaces, honouring '...' and "..."
// quotes and backslash escapes outside single quotes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote != 0:
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' {
				escaped = true
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, i18n.Errorf("unclosed %c quote in %q", quote, s)
	}
	if escaped {
		return nil, i18n.Errorf("trailing backslash in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// trendAlertFlags adds --alerts, --alert-window and --alert-threshold to
// the trends command's flags. mark returns the trends result itself, or,
// with --alerts, the result with its anomalous points listed (JSON key
// "anomalies"; an extra table in the text formats), judged by the one
// detector (forecast.DetectTrends).
func trendAlertFlags(fs *flag.FlagSet) (mark func(context.Context, query.Engine, query.TrendsQuery, *query.TrendsResult) (any, error)) {
	on := fs.Bool("alerts", false, i18n.T("list the points outside their expected band (the forecast's anomalies)"))
	window := fs.Int("alert-window", alert.DefaultWindow, i18n.T("with --alerts: trailing points forming the baseline of a series too short to forecast"))
	threshold := fs.Float64("alert-threshold", alert.DefaultThreshold, i18n.T("with --alerts: robust standard deviations beyond which a point is anomalous"))
	return func(ctx context.Context, e query.Engine, q query.TrendsQuery, r *query.TrendsResult) (any, error) {
		if !*on {
			return r, nil
		}
		if *window < 1 || *threshold <= 0 {
			return nil, usagef("--alert-window and --alert-threshold must be positive")
		}
		d, _ := e.(*query.Dataset) // another engine has every interval judged
		js, err := forecast.DetectTrends(ctx, d, q, r, *threshold, *window)
		if err != nil {
			return nil, err
		}
		return alert.ForTrends(r, js, *window, *threshold), nil
	}
}
