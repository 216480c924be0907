package cli

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// Shared by the commands over saved expressions (segment, audience, churn)
// and by the analyses that measure an expression: the sub-command
// dispatcher, the --tz and --trend flags, and saving, listing, showing
// and deleting a saved expression.

// runSubcommand dispatches "spoor NOUN VERB ...". A noun with a default
// verb, cmds[""], runs it on arguments that name no verb, help included
// (spoor alerts [NAME...] checks alerts).
func runSubcommand(env *Env, noun, usage string, cmds map[string]func(*Env, []string) error, args []string) error {
	if def, ok := cmds[""]; ok {
		if len(args) == 0 || args[0] == "" || cmds[args[0]] == nil {
			return def(env, args)
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.Stdout, "%s\n\n", i18n.T("usage: spoor %s %s", noun, usage))
		langHelp(env.Stdout)
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
	return fs.String("tz", "", i18n.T("display timezone (IANA name) for calendar days, dates, streaks and evidence times; default the database's"))
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
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("warning: %s", d.CheckEvent(n)))
	}
	for _, p := range ev.Unset {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("warning: %s", i18n.T("no event has a property %q; spoor props lists the known ones", p)))
	}
}

// Size is how many users an expression matches.
type Size struct {
	Name  string    `json:"name,omitempty"`
	Expr  string    `json:"expr"`
	Users int       `json:"users"`
	Total int       `json:"total"`
	Share query.Num `json:"share"` // null when the data has no user
	// With --trend: the size as of the end of each of the last days.
	Trend []segment.SizePoint `json:"trend,omitempty"`
}

func (s Size) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("key"), l.T("value")}}
	if s.Name != "" {
		t.Rows = append(t.Rows, []string{l.T("name"), s.Name})
	}
	t.Rows = append(t.Rows, []string{l.T("expression"), s.Expr}, []string{l.T("users"), strconv.Itoa(s.Users)},
		[]string{l.T("of (total users)"), strconv.Itoa(s.Total)}, []string{l.T("share"), query.Percent(s.Share)})
	if s.Trend != nil {
		return []output.Table{t, segment.TrendTable(l, s.Trend)}
	}
	return []output.Table{t}
}

// trendFlag adds --trend, the number of days of size history to show.
func trendFlag(fs *flag.FlagSet) *string {
	return fs.String("trend", "", i18n.T("also show the size as of the end of each of the last N days, e.g. 30d"))
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
	s.Share = query.Ratio(s.Users, s.Total)
	return m, s, nil
}

// UserRow is one exported user.
type UserRow struct {
	User string `json:"user"`
}

// UserList is an exported user list: a JSON array of {"user": ...}.
type UserList []UserRow

func (ls UserList) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("user")}}
	for _, u := range ls {
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
	segmentsFlag(fs)
	replace := fs.Bool("replace", false, kindText(k, i18n.T("replace a saved segment of the same name"), i18n.T("replace a saved audience of the same name")))
	pos, err := positional(fs, args, 2, i18n.T("a NAME and an expression in quotes"))
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
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		return cs.save(env, k, pos[0], pos[1], *replace)
	}
	db, err := openWrite(env, *dbPath)
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
	fmt.Fprintln(env.Stderr, kindText(k, i18n.T("saved segment %s: %d of %d users", pos[0], size.Users, size.Total), i18n.T("saved audience %s: %d of %d users", pos[0], size.Users, size.Total)))
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
		fmt.Fprintln(env.Stderr, " ", i18n.T("%d users in the database's timezone %s, the size audience list tracks", recorded, dbLoc))
	}
	return segment.RecordAudience(env.Ctx, db, pos[0], recorded)
}

// listSaved prints the saved segments or audiences; table gives the
// output's shape (audiences show their counts too).
func listSaved(env *Env, k segment.Kind, args []string, table func([]segment.Saved) any) error {
	fs := newFlags(env, k.Noun+" list", "[--db PATH] [--format F] [--tz ZONE]")
	segmentsFlag(fs)
	dbPath, format := dbFlag(fs), formatFlag(fs)
	tz := fs.String("tz", "", i18n.T("show the created_at and evaluated_at times in this timezone (IANA name), default UTC"))
	if _, err := positional(fs, args, 0, i18n.T("no arguments")); err != nil {
		return err
	}
	loc, err := zoneNamed(*tz)
	if err != nil {
		return err
	}
	list, err := savedList(env, k, *dbPath)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].CreatedAt, list[i].EvaluatedAt = inZone(list[i].CreatedAt, loc), inZone(list[i].EvaluatedAt, loc)
	}
	return emit(env, *format, table(list))
}

// savedList reads the saved entries of the database, or of a ClickHouse
// table's local database.
func savedList(env *Env, k segment.Kind, dbPath string) ([]segment.Saved, error) {
	cs, err := chSavedFor(env, dbPath)
	if err != nil {
		return nil, err
	}
	if cs != nil {
		return cs.list(env, k)
	}
	db, err := openDB(dbPath, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return k.List(env.Ctx, db)
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

// kindText picks the text about a segment or about an audience: each is
// a whole sentence in the catalog, as languages word them differently.
func kindText(k segment.Kind, aboutSegment, aboutAudience string) string {
	if k.Noun == segment.Audiences.Noun {
		return aboutAudience
	}
	return aboutSegment
}

// showSaved prints a saved segment's or audience's size (and its trend).
func showSaved(env *Env, k segment.Kind, args []string) error {
	fs := newFlags(env, k.Noun+" show", "NAME [--trend 30d] [--db PATH] [--format F] [--tz ZONE]")
	segmentsFlag(fs)
	dbPath, format, trend, tz := dbFlag(fs), formatFlag(fs), trendFlag(fs), tzFlag(fs)
	pos, err := positional(fs, args, 1, kindText(k, i18n.T("a segment NAME"), i18n.T("an audience NAME")))
	if err != nil {
		return err
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		s, err := cs.get(env, k, pos[0])
		if err != nil {
			return err
		}
		size, _, err := cs.measure(env, s.Name, s.Expr, false)
		if err != nil {
			return err
		}
		if err := cs.addTrend(env, &size, *trend); err != nil {
			return err
		}
		return emit(env, *format, size)
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
	segmentsFlag(fs)
	pos, err := positional(fs, args, 1, kindText(k, i18n.T("a segment NAME"), i18n.T("an audience NAME")))
	if err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	var db *store.DB
	if cs != nil {
		if _, err := cs.get(env, k, pos[0]); err != nil {
			return err
		}
		db, err = cs.open(env, true)
	} else {
		db, err = openWrite(env, *dbPath)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if err := k.Delete(env.Ctx, db, pos[0]); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, kindText(k, i18n.T("deleted segment %s", pos[0]), i18n.T("deleted audience %s", pos[0])))
	return nil
}

// wholeDays reads a whole number of days such as 30d or 4w.
func wholeDays(flagName, v string) (int, error) {
	ms, err := query.ParseDuration(v)
	if err != nil || ms <= 0 || ms%86_400_000 != 0 {
		return 0, usagef("--%s %q: use whole days or weeks, e.g. 14d or 2w", flagName, v)
	}
	return int(ms / 86_400_000), nil
}
