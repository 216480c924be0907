package cli

import (
	"fmt"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sequence"
)

func init() {
	register("match", i18n.N("which users did A, then B within an hour, with no C between: ClickHouse's sequence patterns"), runMatch)
}

func runMatch(env *Env, args []string) error {
	fs := newFlags(env, "match", "--conditions a,b,c --pattern '(?1).*(?2)(?t<=3600)(?3)' [--from D --to D | --last 30d] [--where F] [--segment S] [--tz Z]\n\n"+i18n.T(
		"ClickHouse's sequenceMatch, sequenceCount and sequenceMatchEvents for every user: (?N) is an\n"+
			"event meeting condition N, . any one event, .* any number, (?t<=S) the seconds between the two\n"+
			"matched events around it (also <, >=, >, ==). Events meeting no condition are dropped first, so\n"+
			"(?1)(?2) means no other condition's event between. A condition is an event name, or\n"+
			"'event where filter'. See docs/semantics.md#sequence-patterns."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q sequence.Query
	commonFlags(fs, &q.Common)
	condsFlag := fs.String("conditions", "", i18n.T("the conditions, comma-separated, numbered from 1: 'view,purchase where price > 100,refund'"))
	var condList stringList
	fs.Var(&condList, "condition", i18n.T("one condition, repeatable (for names holding commas)"))
	fs.StringVar(&q.Pattern, "pattern", "", i18n.T("the pattern over the conditions, e.g. '(?1).*(?2)'"))
	if _, err := positional(fs, args, 0, i18n.T("no arguments (give --conditions and --pattern)")); err != nil {
		return err
	}
	q.Conditions = append(splitSteps(*condsFlag), condList...)
	if len(q.Conditions) == 0 || q.Pattern == "" {
		return usagef("match needs --conditions a,b and --pattern, e.g. --conditions view,buy --pattern '(?1).*(?2)'")
	}
	if len(q.Conditions) > sequence.MaxConditions {
		return usagef("a pattern takes at most %d conditions, got %d", sequence.MaxConditions, len(q.Conditions))
	}
	if _, err := sequence.Parse(q.Pattern, len(q.Conditions)); err != nil {
		return &UsageError{err.Error()}
	}
	e, closeDB, err := openEngine(env, *dbPath)
	if err != nil {
		return err
	}
	defer closeDB()
	r, err := sequence.Evaluate(env.Ctx, e, q)
	if err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", n))
	}
	noteEmpty(env, e, q.Common)
	return emit(env, *format, r)
}
