package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("segment", "saved user segments (create, list, show, delete, users, preview), RFM tiers and lifecycle stages", runSegment)
}

const segmentUsage = `create NAME 'EXPR' [--replace] | list | show NAME [--trend 30d] | delete NAME |
       users NAME | preview 'EXPR' [--users | --trend 30d] | rfm --revenue PROP [--event E] [--users] [--tier T] |
       stages [--window 30d] [--users] [--stage S]      (each takes --db and --format;
       all but delete take --tz ZONE)

An expression combines, with not, and, or and parentheses:
  did EVENT [where PROP OP VALUE [and ...]] [>= N | <= N | = N] [in 30d | between DATE and DATE]
  first_seen | last_seen  before DATE | after DATE | within 7d | between DATE and DATE
  PROP OP VALUE            the latest value of a property on the user's events
  did A then [not] B [within 24h]   streak EVENT [by PROP] >= 3 days [without EVENT]
  active in 30d            silent for 14d
Windows: d and w are calendar days ending with the day of the data's last event
(display timezone, or --tz); h and m (minutes) are that long before the last event.
--tz moves calendar days, dates and streaks only; durations (within 24h, in 6h) stay absolute.
Examples: 'did purchase >= 2 in 30d and not did refund'   'first_seen within 7d'
          'country = CN'   'did view_item where category = shoes >= 3 in 14d'
Any analysis takes --segment NAME (also audience:NAME and stage:new|active|returning|dormant|churned)
and --by segment:NAME (members labelled NAME, the others "not NAME").`

// segmentCommands are the subcommands of spoor segment.
var segmentCommands = map[string]func(env *Env, args []string) error{
	"create":  segmentCreate,
	"list":    segmentList,
	"show":    segmentShow,
	"delete":  segmentDelete,
	"users":   segmentUsers,
	"preview": segmentPreview,
	"rfm":     segmentRFM,
	"stages":  segmentStages,
}

func runSegment(env *Env, args []string) error {
	return runSubcommand(env, "segment", segmentUsage, segmentCommands, args)
}

// runSubcommand dispatches "spoor NOUN VERB ...".
func runSubcommand(env *Env, noun, usage string, cmds map[string]func(*Env, []string) error, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.Stdout, "usage: spoor %s %s\n", noun, usage)
		if len(args) == 0 {
			return usagef("spoor %s needs a subcommand", noun)
		}
		return flag.ErrHelp
	}
	run, ok := cmds[args[0]]
	if !ok {
		var names []string
		for n := range cmds {
			names = append(names, n)
		}
		return usagef("unknown subcommand %q of spoor %s%s", args[0], noun, suggest(args[0], names))
	}
	return run(env, args[1:])
}

// positional parses flags and requires exactly n positional arguments.
func positional(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() != n {
		return nil, usagef("spoor %s needs %s", fs.Name(), what)
	}
	return fs.Args(), nil
}

// tzFlag adds --tz to a command that evaluates rules or built-ins.
func tzFlag(fs *flag.FlagSet) *string {
	return fs.String("tz", "", "display timezone (IANA name) for calendar days, dates, streaks and evidence times; default the database's")
}

// useTZ makes env.Ctx carry the zone tz names (nothing for ""), so every
// rule, stage, RFM recency or churn day evaluated for this command counts
// calendar days in it. An unknown zone is a usage error.
func useTZ(env *Env, tz string) error {
	loc, err := zoneNamed(tz)
	env.Ctx = segment.WithZone(env.Ctx, loc)
	return err
}

// zoneNamed loads a --tz zone: nil for "", a usage error for an unknown name.
func zoneNamed(tz string) (*time.Location, error) {
	if tz == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usagef("unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)", tz)
	}
	return loc, nil
}

// warnUnknown names the events and properties an expression uses that the
// data lacks; they are allowed (they may arrive later) but are often typos.
func warnUnknown(env *Env, ev *segment.Evaluator) {
	d := ev.Dataset()
	for _, n := range ev.Unknown {
		fmt.Fprintln(env.Stderr, "spoor: warning:", d.CheckEvent(n))
	}
	for _, p := range ev.Unset {
		fmt.Fprintf(env.Stderr, "spoor: warning: no event has a property %q; spoor props lists the known ones\n", p)
	}
}

// Size is how many users an expression matches.
type Size struct {
	Name  string  `json:"name,omitempty"`
	Expr  string  `json:"expr"`
	Users int     `json:"users"`
	Total int     `json:"total"`
	Share float64 `json:"share"`
	// With --trend: the size as of the end of each of the last days.
	Trend []segment.SizePoint `json:"trend,omitempty"`
}

func (s Size) Tables() []output.Table {
	t := output.Table{Columns: []string{"key", "value"}}
	if s.Name != "" {
		t.Rows = append(t.Rows, []string{"name", s.Name})
	}
	t.Rows = append(t.Rows, []string{"expression", s.Expr}, []string{"users", strconv.Itoa(s.Users)},
		[]string{"of", strconv.Itoa(s.Total)}, []string{"share", strconv.FormatFloat(100*s.Share, 'f', 1, 64) + "%"})
	if s.Trend != nil {
		return []output.Table{t, segment.TrendTable(s.Trend)}
	}
	return []output.Table{t}
}

// trendFlag adds --trend, the number of days of size history to show.
func trendFlag(fs *flag.FlagSet) *string {
	return fs.String("trend", "", "also show the size as of the end of each of the last N days, e.g. 30d")
}

// addTrend fills s.Trend when --trend was given.
func addTrend(env *Env, d *query.Dataset, s *Size, flagValue string) error {
	if flagValue == "" {
		return nil
	}
	days, err := wholeDays("trend", flagValue)
	if err != nil {
		return err
	}
	n, err := segment.Parse(s.Expr)
	if err != nil {
		return err
	}
	s.Trend, err = segment.Trend(env.Ctx, d, n, days)
	return err
}

// measure evaluates expr and returns its members and size.
func measure(env *Env, d *query.Dataset, name, expr string) ([]bool, Size, error) {
	n, err := segment.Parse(expr)
	if err != nil {
		return nil, Size{}, &UsageError{err.Error()}
	}
	ev, err := segment.Compile(env.Ctx, d, n)
	if err != nil {
		return nil, Size{}, err
	}
	warnUnknown(env, ev)
	m, err := ev.Members(env.Ctx)
	if err != nil {
		return nil, Size{}, err
	}
	s := Size{Name: name, Expr: expr, Total: len(m)}
	for _, ok := range m {
		if ok {
			s.Users++
		}
	}
	if s.Total > 0 {
		s.Share = float64(s.Users) / float64(s.Total)
	}
	return m, s, nil
}

// UserRow is one exported user.
type UserRow struct {
	User string `json:"user"`
}

// UserList is an exported user list: a JSON array of {"user": ...}.
type UserList []UserRow

func (l UserList) Tables() []output.Table {
	t := output.Table{Columns: []string{"user"}}
	for _, u := range l {
		t.Rows = append(t.Rows, []string{u.User})
	}
	return []output.Table{t}
}

func memberList(d *query.Dataset, m []bool) UserList {
	out := UserList{}
	for p, ok := range m {
		if ok {
			out = append(out, UserRow{d.Users[p]})
		}
	}
	return out
}

// saveExpr stores a segment or audience and reports its size now.
func saveExpr(env *Env, k segment.Kind, args []string) error {
	fs := newFlags(env, k.Noun+" create", "NAME 'EXPR' [--replace] [--db PATH] [--tz ZONE]")
	dbPath, tz := dbFlag(fs), tzFlag(fs)
	replace := fs.Bool("replace", false, "replace a saved "+k.Noun+" of the same name")
	pos, err := positional(fs, args, 2, "a NAME and an expression in quotes")
	if err != nil {
		return err
	}
	dbCtx := env.Ctx // before --tz: the database's own zone
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	if _, err := segment.Parse(pos[1]); err != nil {
		return &UsageError{err.Error()}
	}
	db, err := openDB(*dbPath, false)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := query.Load(env.Ctx, db)
	if err != nil {
		return err
	}
	_, size, err := measure(env, d, pos[0], pos[1])
	if err != nil {
		return err
	}
	if err := k.Save(env.Ctx, db, pos[0], pos[1], *replace); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "saved %s %s: %d of %d users\n", k.Noun, pos[0], size.Users, size.Total)
	if k != segment.Audiences {
		return nil
	}
	recorded := size.Users
	if dbLoc := segment.Zone(dbCtx, d); segment.Zone(env.Ctx, d).String() != dbLoc.String() {
		// audience list compares sizes taken after each import in the
		// database's zone (segment.RefreshAudiences): record one of those.
		m, err := segment.Evaluate(dbCtx, d, pos[1])
		if err != nil {
			return err
		}
		recorded = len(memberList(d, m))
		fmt.Fprintf(env.Stderr, "  %d users in the database's timezone %s, the size audience list tracks\n", recorded, dbLoc)
	}
	return segment.RecordAudience(env.Ctx, db, pos[0], recorded)
}

func segmentCreate(env *Env, args []string) error { return saveExpr(env, segment.Segments, args) }

// SavedList is spoor segment list.
type SavedList []segment.Saved

func (l SavedList) Tables() []output.Table {
	t := output.Table{Columns: []string{"name", "expression", "created_at"}}
	for _, s := range l {
		t.Rows = append(t.Rows, []string{s.Name, s.Expr, s.CreatedAt})
	}
	return []output.Table{t}
}

func segmentList(env *Env, args []string) error {
	return listSaved(env, segment.Segments, args, func(l []segment.Saved) any { return append(SavedList{}, l...) })
}

// listSaved prints the saved segments or audiences; table gives the
// output's shape (audiences show their counts too).
func listSaved(env *Env, k segment.Kind, args []string, table func([]segment.Saved) any) error {
	fs := newFlags(env, k.Noun+" list", "[--db PATH] [--format F] [--tz ZONE]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	tz := fs.String("tz", "", "show the created_at and evaluated_at times in this timezone (IANA name), default UTC")
	if _, err := positional(fs, args, 0, "no arguments"); err != nil {
		return err
	}
	loc, err := zoneNamed(*tz)
	if err != nil {
		return err
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := k.List(env.Ctx, db)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].CreatedAt, list[i].EvaluatedAt = inZone(list[i].CreatedAt, loc), inZone(list[i].EvaluatedAt, loc)
	}
	return emit(env, *format, table(list))
}

// inZone rewrites a stored RFC 3339 time in loc (unchanged when loc is
// nil or the text is not such a time).
func inZone(stamp string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, stamp)
	if loc == nil || err != nil {
		return stamp
	}
	return t.In(loc).Format(time.RFC3339)
}

// loadSaved opens the data and looks up a saved segment or audience.
func loadSaved(env *Env, k segment.Kind, dbPath, name string) (*store.DB, *query.Dataset, segment.Saved, error) {
	db, d, err := loadDataset(env, dbPath)
	if err != nil {
		return nil, nil, segment.Saved{}, err
	}
	s, err := k.Get(env.Ctx, db, name)
	if err != nil {
		db.Close()
		return nil, nil, s, err
	}
	return db, d, s, nil
}

func segmentShow(env *Env, args []string) error   { return showSaved(env, segment.Segments, args) }
func segmentDelete(env *Env, args []string) error { return deleteSaved(env, segment.Segments, args) }

// article is "a segment" or "an audience".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// showSaved prints a saved segment's or audience's size (and its trend).
func showSaved(env *Env, k segment.Kind, args []string) error {
	fs := newFlags(env, k.Noun+" show", "NAME [--trend 30d] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, trend, tz := dbFlag(fs), formatFlag(fs), trendFlag(fs), tzFlag(fs)
	pos, err := positional(fs, args, 1, article(k.Noun)+" NAME")
	if err != nil {
		return err
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	db, d, s, err := loadSaved(env, k, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	_, size, err := measure(env, d, s.Name, s.Expr)
	if err != nil {
		return err
	}
	if err := addTrend(env, d, &size, *trend); err != nil {
		return err
	}
	return emit(env, *format, size)
}

// deleteSaved removes a saved segment or audience.
func deleteSaved(env *Env, k segment.Kind, args []string) error {
	fs := newFlags(env, k.Noun+" delete", "NAME [--db PATH]")
	dbPath := dbFlag(fs)
	pos, err := positional(fs, args, 1, article(k.Noun)+" NAME")
	if err != nil {
		return err
	}
	db, err := openDB(*dbPath, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := k.Delete(env.Ctx, db, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "deleted %s %s\n", k.Noun, pos[0])
	return nil
}

func segmentUsers(env *Env, args []string) error {
	fs := newFlags(env, "segment users", "NAME [--db PATH] [--format csv|json|table|markdown] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	pos, err := positional(fs, args, 1, "a segment NAME")
	if err != nil {
		return err
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	db, d, s, err := loadSaved(env, segment.Segments, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	m, _, err := measure(env, d, s.Name, s.Expr)
	if err != nil {
		return err
	}
	return emit(env, *format, memberList(d, m))
}

func segmentPreview(env *Env, args []string) error {
	fs := newFlags(env, "segment preview", "'EXPR' [--users | --trend 30d] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, trend, tz := dbFlag(fs), formatFlag(fs), trendFlag(fs), tzFlag(fs)
	users := fs.Bool("users", false, "list the matching users instead of the size")
	pos, err := positional(fs, args, 1, "an expression in quotes")
	if err != nil {
		return err
	}
	if _, err := segment.Parse(pos[0]); err != nil {
		return &UsageError{err.Error()}
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	m, size, err := measure(env, d, "", pos[0])
	if err != nil {
		return err
	}
	if *users {
		return emit(env, *format, memberList(d, m))
	}
	if err := addTrend(env, d, &size, *trend); err != nil {
		return err
	}
	return emit(env, *format, size)
}

func segmentRFM(env *Env, args []string) error {
	fs := newFlags(env, "segment rfm", "--revenue PROP [--event E] [--users] [--tier T] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	var opt segment.RFMOptions
	fs.StringVar(&opt.Revenue, "revenue", "", "numeric property holding the revenue of a purchase (required)")
	fs.StringVar(&opt.Event, "event", "", "purchase event: every such event counts (revenue 0 when missing); default every event with a numeric revenue")
	users := fs.Bool("users", false, "list each customer's scores and tier")
	tier := fs.String("tier", "", "with --users, only this tier: "+strings.Join(segment.TierNames, ", "))
	if _, err := positional(fs, args, 0, "no positional arguments (flags only)"); err != nil {
		return err
	}
	if opt.Revenue == "" {
		return usagef("spoor segment rfm needs --revenue PROP, the numeric property holding revenue (spoor props lists them)")
	}
	if *tier != "" && !oneOf(segment.TierNames, *tier) {
		return usagef("unknown --tier %q (use %s)", *tier, strings.Join(segment.TierNames, ", "))
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, list, err := segment.RFM(env.Ctx, d, opt)
	if err != nil {
		return err
	}
	if *users || *tier != "" {
		rep.Users = []segment.RFMUser{}
		for _, u := range list {
			if *tier == "" || u.Tier == *tier {
				rep.Users = append(rep.Users, u)
			}
		}
	}
	return emit(env, *format, rep)
}

func oneOf(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// wholeDays reads a whole number of days such as 30d or 4w.
func wholeDays(flagName, v string) (int, error) {
	ms, err := query.ParseDuration(v)
	if err != nil || ms <= 0 || ms%86_400_000 != 0 {
		return 0, usagef("--%s %q: use whole days or weeks, e.g. 14d or 2w", flagName, v)
	}
	return int(ms / 86_400_000), nil
}

func segmentStages(env *Env, args []string) error {
	fs := newFlags(env, "segment stages", "[--window 30d] [--users] [--stage S] [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format, tz := dbFlag(fs), formatFlag(fs), tzFlag(fs)
	window := fs.String("window", strconv.Itoa(segment.DefaultStageWindow)+"d",
		"stage window: new = first seen in it; active = seen in it and the one before; returning = seen in it, not the one before; dormant = last seen in the one before; churned = earlier")
	users := fs.Bool("users", false, "list each user's stage")
	stage := fs.String("stage", "", "with --users, only this stage: "+strings.Join(segment.StageNames, ", "))
	if _, err := positional(fs, args, 0, "no positional arguments (flags only)"); err != nil {
		return err
	}
	w, err := wholeDays("window", *window)
	if err != nil {
		return err
	}
	if *stage != "" && !oneOf(segment.StageNames, *stage) {
		return usagef("unknown --stage %q (use %s)", *stage, strings.Join(segment.StageNames, ", "))
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := segment.StageSummaryIn(d, segment.Zone(env.Ctx, d), w, *users || *stage != "", *stage)
	if err != nil {
		return err
	}
	if rep.Users == nil && (*users || *stage != "") {
		rep.Users = []segment.UserGroup{}
	}
	return emit(env, *format, rep)
}
