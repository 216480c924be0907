package cli

import (
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("experiment", i18n.N("A/B test results: rate, interval, lift, p-value, sample-ratio check and a verdict per variant"), runExperiment)
}

// experimentUsage is the synopsis and, in the interface language, what it means.
func experimentUsage() string {
	return `--variant PROP (--goal EVENT | --steps a,b,c) [--control A] [--window 7d] [--weights 50,50] [--revenue PROP] [--from/--to/--last/--where/--segment/--by]` + "\n\n" + i18n.T(`Users are assigned by their first value of PROP (the earliest event carrying
it, over all their data; empty and null values are no assignment); that
event is the exposure, and the user is in the test when it falls in the
date range and passes --where. Users seen with more than one value are
excluded and counted. A user converts by doing the goal
(or completing the funnel, steps in order) at or after exposure, within the
window (inclusive; it may run past --to). Goal events must pass --where too,
and a goal or step may carry its own filters: 'buy where price > 10'.

Per variant: users, conversions, rate with its 95%% Wilson interval, lift
over the control (relative, with a log risk-ratio interval; absolute, with
Newcombe's hybrid score interval), two-sided p-value of the pooled z-test,
or of Fisher's exact test when any count of the 2x2 table is below 5, and a
sample-ratio-mismatch chi-square against an even split or --weights (in the
order control, then the other variants by name; or named: A=90,B=10).
With several variants the significance level is Bonferroni-corrected.
--revenue sums a numeric property over each user's goal events in the
window (0 for non-converters) and compares the means with Welch's t-test.
The verdict: a significant winner; no detectable difference (the test had
the users to detect a lift of --mde at 80%% power); or too few users (with
the users per variant needed to detect the observed lift).
--by PROP (or segment:NAME) also compares the variants within each group
(variant x group), a user's group being PROP on their exposure event; each
group is tested against the overall control on its own users (separate tests:
no correction for the number of groups).`)
}

func runExperiment(env *Env, args []string) error {
	fs := newFlags(env, "experiment", experimentUsage())
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q experiment.Query
	commonFlags(fs, &q.Common)
	fs.StringVar(&q.Variant, "variant", "", i18n.T("property that carries the variant (required)"))
	fs.StringVar(&q.Control, "control", "", i18n.T(`control variant (default: one named "control", else the first by name)`))
	fs.StringVar(&q.Goal, "goal", "", i18n.T("conversion event, optionally with filters: 'purchase where price > 100'"))
	steps := fs.String("steps", "", i18n.T("funnel goal: comma-separated steps, each optionally with filters"))
	fs.StringVar(&q.Window, "window", experiment.DefaultWindow, i18n.T("conversion window from exposure, e.g. 24h, 7d, 2w"))
	weights := fs.String("weights", "", i18n.T("intended split for the sample-ratio check, e.g. 50,50, 90/10 or A=90,B=10 (default even)"))
	fs.StringVar(&q.Revenue, "revenue", "", i18n.T("numeric property summed over goal events: compare means per user (Welch's t-test)"))
	fs.Float64Var(&q.Alpha, "alpha", 0.05, i18n.T("significance level (two-sided)"))
	mde := fs.String("mde", "10%", i18n.T("smallest relative lift worth detecting, e.g. 5%% or 0.05"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("experiment takes no arguments (got %q); see spoor experiment -h", fs.Arg(0))
	}
	if q.Variant == "" {
		return usagef("--variant PROP is required (the property that carries the variant)")
	}
	if (q.Goal == "") == (*steps == "") {
		return usagef("give either --goal EVENT or --steps a,b,c")
	}
	if *steps != "" {
		q.Steps = query.FunnelSteps(splitSteps(*steps))
	}
	var err error
	if q.Weights, err = experiment.ParseWeights(*weights); err != nil {
		return usagef("--weights: %v", err)
	}
	if q.MDE, err = experiment.ParseShare(*mde); err != nil || q.MDE <= 0 {
		return usagef("--mde: cannot read %q (use e.g. 10%% or 0.1)", *mde)
	}
	d, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	r, err := experiment.Evaluate(env.Ctx, d, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	return emit(env, *format, r)
}
