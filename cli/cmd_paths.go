package cli

import (
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("paths", i18n.N("what users do after an event (--from) or did before it (--to)"), runPaths)
}

func runPaths(env *Env, args []string) error {
	fs := newFlags(env, "paths", "(--from EVENT | --to EVENT) [--depth 4] [--top 10] [--session-gap 30m] [--no-collapse] [--since DATE --until DATE | --last 30d] [--where ...] [--by PROP]\n\n"+i18n.T(
		"--from E follows each user from their first E in the range; --to E looks back from their first E.\n"+
			"Paths stay within a session (a gap longer than --session-gap ends it; 0 disables sessions),\n"+
			"show at most --depth steps besides the anchor, and collapse immediate repeats unless --no-collapse.\n"+
			"A path that stops early ends with (end), or starts with (start) for --to.\n"+
			"Here --from and --to name events, so the date range is --since and --until (inclusive days)."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var q query.PathsQuery
	fs.StringVar(&q.From, "from", "", i18n.T("anchor event: paths after the user's first one"))
	fs.StringVar(&q.To, "to", "", i18n.T("anchor event: paths before the user's first one"))
	fs.IntVar(&q.Depth, "depth", 4, i18n.T("steps after (before) the anchor, 1 to 15"))
	fs.IntVar(&q.Top, "top", 10, i18n.T("full paths, and transitions per step, to list"))
	fs.StringVar(&q.SessionGap, "session-gap", "30m", i18n.T("a longer gap between events ends the session (s, m, h, d); 0 disables sessions"))
	fs.BoolVar(&q.NoCollapse, "no-collapse", false, i18n.T("keep immediate repeats of the same event"))
	fs.StringVar(&q.Common.From, "since", "", i18n.T("first day, YYYY-MM-DD (inclusive, display timezone)"))
	fs.StringVar(&q.Common.To, "until", "", i18n.T("last day, YYYY-MM-DD (inclusive)"))
	fs.StringVar(&q.Last, "last", "", i18n.T("relative range anchored at the data's last event, e.g. 30d, 12w"))
	fs.Var((*stringList)(&q.Where), "where", i18n.T("event filter, repeatable and ANDed: 'country = CN'; other events are left out of paths"))
	segmentsFlag(fs)
	fs.StringVar(&q.Segment, "segment", "", i18n.T("only users in this saved segment"))
	fs.StringVar(&q.TZ, "tz", "", i18n.T("display timezone (IANA name), default the database's"))
	fs.StringVar(&q.By, "by", "", i18n.T("paths per value of this property on each user's anchor event (or segment:NAME)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("paths takes no arguments (got %q); name the anchor with --from EVENT or --to EVENT", fs.Arg(0))
	}
	for _, anchor := range []string{q.From, q.To} {
		if _, err := time.Parse("2006-01-02", anchor); err == nil {
			return usagef("for paths --from and --to name events, not dates (%s); give the date range with --since and --until", anchor)
		}
	}
	if (q.From == "") == (q.To == "") {
		return usagef("paths need exactly one of --from EVENT or --to EVENT (the date range is --since/--until)")
	}
	if q.Depth < 1 || q.Depth > query.MaxPathDepth {
		return usagef("--depth %d is out of range: paths support 1 to %d steps", q.Depth, query.MaxPathDepth)
	}
	if q.Top < 1 {
		return usagef("--top %d must be at least 1", q.Top)
	}
	if _, err := query.ParseDuration(q.SessionGap); err != nil {
		return usagef("--session-gap: %v", err)
	}
	d, closeData, err := openAnalysis(env, *dbPath, segmentNamed(q.Common))
	if err != nil {
		return err
	}
	defer closeData()
	r, err := d.Paths(env.Ctx, q)
	if err != nil {
		return err
	}
	noteEmpty(env, d, q.Common)
	return emit(env, *format, r)
}
