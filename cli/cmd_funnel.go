package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("funnel", i18n.N("conversion funnel: per step users, conversion, drop-off, time to convert"), runFunnel)
}

// FunnelUsers is the JSON shape of spoor funnel --dropped-at and
// --in-progress-at: the users behind one count of the funnel.
type FunnelUsers struct {
	Step  int      `json:"step"` // 1-based
	Event string   `json:"event"`
	State string   `json:"state"` // dropped or in_progress
	Users []string `json:"users"`
}

func (f FunnelUsers) Tables(l i18n.Lang) []output.Table {
	title := l.T("reached step %d (%s), did not reach the next, window closed: %d users", f.Step, f.Event, len(f.Users))
	if f.State == "in_progress" {
		title = l.T("reached step %d (%s), window still open: %d users", f.Step, f.Event, len(f.Users))
	}
	t := output.Table{Title: title, Columns: []string{l.T("user")}}
	for _, u := range f.Users {
		t.Rows = append(t.Rows, []string{u})
	}
	return []output.Table{t}
}

func runFunnel(env *Env, args []string) error {
	fs := newFlags(env, "funnel", "--steps a,b,c [--window 7d] [--mode ordered|strict|any] [--exclude E[:FROM-TO]] [--interval day|week|month] [--semantics spoor|posthog|mixpanel|amplitude|clickhouse] [--option NAME] [--dropped-at K | --in-progress-at K | --explain USER | --compare | --explain-diff A,B] [--from D --to D | --last 30d] [--where F] [--segment S] [--by PROP] [--tz Z]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.FunnelQuery
	commonFlags(fs, &q.Common)
	stepsFlag := fs.String("steps", "", i18n.T("steps in order, comma-separated; a step may carry filters: 'view,purchase where price > 100'"))
	var stepList, excludes stringList
	fs.Var(&stepList, "step", i18n.T("one step, repeatable (for names holding commas): --step 'add, to cart' --step buy"))
	fs.StringVar(&q.Window, "window", query.DefaultFunnelWindow, i18n.T("conversion window from step 1: s, m, h, d or w, e.g. 30m, 7d"))
	fs.StringVar(&q.Mode, "mode", query.FunnelOrdered, i18n.T("ordered (others allowed between steps), strict (steps back to back) or any (any order)"))
	fs.Var(&excludes, "exclude", i18n.T("exclusion event, repeatable: E between step 1 and the last, or E:FROM-TO between two steps (1-based)"))
	fs.StringVar(&q.Interval, "interval", "", i18n.T("show the conversion trend by day, week or month of step 1"))
	droppedAt := fs.Int("dropped-at", 0, i18n.T("list the users who reached step K (1-based) but not K+1, window closed"))
	inProgressAt := fs.Int("in-progress-at", 0, i18n.T("list the users at step K (1-based) whose window is still open"))
	explain := fs.String("explain", "", i18n.T("show one user's timeline, the events that matched each step, the window and why they stopped"))
	fs.StringVar(&q.Semantics, "semantics", query.SemSpoor, i18n.T("count as spoor, posthog, mixpanel, amplitude or clickhouse does (docs/semantics.md#vendor-semantics)"))
	var options stringList
	fs.Var(&options, "option", i18n.T("a ClickHouse windowFunnel option, repeatable: strict_order, strict_deduplication, strict_increase, strict_once, allow_reentry"))
	compare := fs.Bool("compare", false, i18n.T("count the funnel under every semantics, one row each"))
	explainDiff := fs.String("explain-diff", "", i18n.T("A,B: list the users semantics A and B count differently, with each one's reason"))
	if err := parse(fs, args); err != nil {
		return err
	}
	specs := splitSteps(*stepsFlag)
	specs = append(specs, stepList...)
	if len(specs) == 0 {
		return usagef("give the steps: --steps view,cart,purchase (or --step repeated)")
	}
	q.Steps = query.FunnelSteps(specs)
	q.Options = options
	for _, x := range excludes {
		ex, err := parseExclusion(x, len(q.Steps))
		if err != nil {
			return err
		}
		q.Exclude = append(q.Exclude, ex)
	}
	asks := 0
	for _, set := range []bool{*droppedAt != 0, *inProgressAt != 0, *explain != "", *compare, *explainDiff != ""} {
		if set {
			asks++
		}
	}
	if asks > 1 {
		return usagef("--dropped-at, --in-progress-at, --explain, --compare and --explain-diff are separate questions; use one")
	}
	var diffA, diffB string
	if *explainDiff != "" {
		a, b, ok := strings.Cut(*explainDiff, ",")
		if diffA, diffB = strings.TrimSpace(a), strings.TrimSpace(b); !ok || diffA == "" || diffB == "" || strings.Contains(diffB, ",") {
			return usagef("--explain-diff takes two semantics, e.g. --explain-diff posthog,mixpanel (of %s)", strings.Join(query.Semantics, ", "))
		}
	}
	if (*compare || *explainDiff != "") && q.Semantics != query.SemSpoor {
		return usagef("--semantics picks one product's rules; --compare and --explain-diff name their own")
	}
	for _, k := range []int{*droppedAt, *inProgressAt} {
		if k < 0 || k > len(q.Steps) {
			return usagef("step %d is not a step of this %d-step funnel (steps count from 1)", k, len(q.Steps))
		}
	}
	if *droppedAt == len(q.Steps) {
		return usagef("step %d is the last step: users there converted, nobody drops after it", *droppedAt)
	}
	// The user lists, --explain and the diff name users; clickhouse's
	// semantics names one in its error on a person of too many chains
	// (--compare counts under it too).
	names := segmentNamed(q.Common) || asks > 0 || strings.EqualFold(strings.TrimSpace(q.Semantics), query.SemClickHouse)
	d, closeData, err := openAnalysis(env, *dbPath, names)
	if err != nil {
		return err
	}
	defer closeData()
	if *explain != "" {
		local, err := localOnly(d, "--explain")
		if err != nil {
			return err
		}
		return explainFunnel(env, *format, local, q, *explain)
	}
	if *compare {
		local, err := localOnly(d, "--compare")
		if err != nil {
			return err
		}
		c, err := local.CompareFunnel(env.Ctx, q)
		if err != nil {
			return err
		}
		noteEmpty(env, d, q.Common)
		return emit(env, *format, c)
	}
	if *explainDiff != "" {
		local, err := localOnly(d, "--explain-diff")
		if err != nil {
			return err
		}
		x, err := local.DiffFunnel(env.Ctx, q, diffA, diffB)
		if err != nil {
			return err
		}
		noteEmpty(env, d, q.Common)
		return emit(env, *format, x)
	}
	r, err := d.Funnel(env.Ctx, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	switch {
	case *droppedAt > 0:
		k := *droppedAt - 1
		return emit(env, *format, FunnelUsers{Step: *droppedAt, Event: q.Steps[k].Event, State: "dropped", Users: r.DroppedAt(k)})
	case *inProgressAt > 0:
		k := *inProgressAt - 1
		return emit(env, *format, FunnelUsers{Step: *inProgressAt, Event: q.Steps[k].Event, State: "in_progress", Users: r.InProgressAt(k)})
	}
	return emit(env, *format, r)
}

// explainFunnel prints why one user counts where they do: the narrative
// text on a terminal (table format), the same facts as JSON, CSV or
// Markdown otherwise.
func explainFunnel(env *Env, format string, d *query.Dataset, q query.FunnelQuery, user string) error {
	f, err := output.Resolve(format, env.Stdout)
	if err != nil {
		return &UsageError{err.Error()}
	}
	x, err := d.FunnelExplanation(env.Ctx, q, user)
	if err != nil {
		return err
	}
	if f != "table" {
		return emit(env, f, x)
	}
	env.printed = true
	_, err = fmt.Fprint(env.Stdout, x.Text())
	return err
}

// splitSteps splits a --steps list on commas outside parentheses and
// quotes, so that a step filter may say "device in (ios, android)".
func splitSteps(s string) []string {
	var out []string
	depth, quote, start := 0, rune(0), 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth = max(0, depth-1)
		case r == ',' && depth == 0:
			out = appendStep(out, s[start:i])
			start = i + 1
		}
	}
	return appendStep(out, s[start:])
}

func appendStep(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// Compiled on first use, not in a fresh process's init.
var exclusionRange = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.*):(\d+)-(\d+)$`) })

// parseExclusion reads E or E:FROM-TO (1-based steps) into the 0-based
// query form.
func parseExclusion(v string, steps int) (query.Exclusion, error) {
	m := exclusionRange().FindStringSubmatch(v)
	if m == nil {
		if strings.TrimSpace(v) == "" {
			return query.Exclusion{}, usagef("--exclude needs an event name")
		}
		return query.Exclusion{Event: strings.TrimSpace(v)}, nil
	}
	from, _ := strconv.Atoi(m[2])
	to, _ := strconv.Atoi(m[3])
	if from < 1 || to <= from || to > steps {
		return query.Exclusion{}, usagef("--exclude %s: FROM-TO must be two steps of this %d-step funnel, first before second, counted from 1 (e.g. %s:1-%d)", v, steps, m[1], steps)
	}
	return query.Exclusion{Event: strings.TrimSpace(m[1]), From: from - 1, To: to - 1}, nil
}
