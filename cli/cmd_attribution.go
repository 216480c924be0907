package cli

import (
	"fmt"
	"os"

	"github.com/spoorhq/spoor/attribution"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("attribution", i18n.N("credit conversions to the touchpoints before them (first, last, linear, time decay, position), with ROI from a spend file"), runAttribution)
}

func runAttribution(env *Env, args []string) error {
	fs := newFlags(env, "attribution", "--conversion EVENT --touch PROP [--model first|last|linear|time_decay|position] [--window 30d] [--half-life 7d] [--revenue PROP] [--spend FILE] [--from D --to D | --last 30d] [--where ...] [--segment NAME]\n\n"+i18n.T(
		"Credits each conversion in the range to the touches before it: events other than the\n"+
			"conversion, at or before its time and inside the lookback --window, whose --touch property\n"+
			"is set. Each conversion is worth 1, split by the model; conversions without a touch are\n"+
			"(direct). Touches at one instant keep the order they were stored in (first touch: the\n"+
			"earliest stored; last touch: the latest). --where filters the conversion events.\n"+
			"--spend FILE: CSV of touch value, date (YYYY-MM-DD), cost; the days in range count."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q attribution.Query
	commonFlags(fs, &q.Common)
	hideFlag(fs, "by")
	fs.StringVar(&q.Conversion, "conversion", "", i18n.T("the conversion event (required)"))
	fs.StringVar(&q.Touch, "touch", "", i18n.T("the touch property, e.g. utm_source, campaign, channel (required)"))
	fs.StringVar(&q.Model, "model", attribution.Last, i18n.T("first, last, linear, time_decay or position"))
	window := fs.String("window", "30d", i18n.T("lookback before each conversion"))
	halfLife := fs.String("half-life", "7d", i18n.T("time_decay: a touch this much older than another weighs half"))
	fs.StringVar(&q.Revenue, "revenue", "", i18n.T("numeric property of the conversion to credit the same way"))
	spend := fs.String("spend", "", i18n.T("CSV of touch value, date, cost: adds cost, cost per conversion, ROAS and ROI"))
	if _, err := positional(fs, args, 0, i18n.T("no positional arguments (flags only)")); err != nil {
		return err
	}
	if q.Conversion == "" || q.Touch == "" {
		return usagef("give --conversion EVENT and --touch PROP (spoor attribution -h)")
	}
	if err := attribution.CheckModel(q.Model); err != nil {
		return usagef("--model: %v", err)
	}
	if q.By != "" {
		return usagef("attribution takes no --by: the touch property is the breakdown")
	}
	for name, v := range map[string]string{"window": *window, "half-life": *halfLife} {
		if _, err := positiveDuration(name, v); err != nil {
			return err
		}
	}
	q.Window, q.HalfLife = *window, *halfLife
	if *spend != "" {
		f, err := os.Open(*spend)
		if err != nil {
			return i18n.Errorf("--spend: %w", err)
		}
		q.Spend, err = attribution.ReadSpend(f, *spend)
		f.Close()
		if err != nil {
			return err
		}
	}
	d, closeData, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeData()
	r, err := attribution.Evaluate(env.Ctx, d, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	if r.SpendOutside > 0 {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", i18n.T("%d spend rows fall outside %s..%s and are not counted", r.SpendOutside, r.From, r.To)))
	}
	return emit(env, *format, r)
}

// positiveDuration reads a duration flag that must be above zero.
func positiveDuration(name, v string) (int64, error) {
	ms, err := query.ParseDuration(v)
	if err != nil || ms <= 0 {
		return 0, usagef("--%s %q: use a positive duration such as 12h or 7d", name, v)
	}
	return ms, nil
}
