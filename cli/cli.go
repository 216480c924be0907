// Package cli is spoor's command line: one small file per command, each
// registering itself here. main calls Run; only main calls os.Exit. It
// imports the engine and the packages built on it (query, segment,
// experiment, alert), importers, sample, store and output, but not tui:
// the workbench's flags are parsed here (cmd_workbench.go) and main passes
// tui.Run in as the Workbench.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// Env is what a command may touch: its streams and a context that is
// cancelled on Ctrl-C.
type Env struct {
	Ctx    context.Context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	workbench Workbench // nil in tests: the workbench is not built in

	printed bool               // emit wrote a result: a failed run is not run again
	flags   *flag.FlagSet      // the command's flags (newFlags), where emit finds --raw
	timing  func(phase string) // set by SPOOR_TIMING: prints the time since start
	// keepLang: --lang or $SPOOR_LANG chose the language, which the
	// workbench then keeps over the one its database remembers.
	keepLang bool
}

// mark reports the time a phase ended when SPOOR_TIMING is set.
func (env *Env) mark(phase string) {
	if env.timing != nil {
		env.timing(phase)
	}
}

type command struct {
	name    string
	summary string
	run     func(env *Env, args []string) error
}

var commands = map[string]command{}

// register adds a command; each cmd_*.go file calls it from init.
// summary is a key marked with i18n.N: help shows it in the interface language.
func register(name, summary string, run func(env *Env, args []string) error) {
	commands[name] = command{name, summary, run}
}

// UsageError marks a mistake in how the command was called (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// usagef's format is a message key: the text is the catalog's.
func usagef(format string, a ...any) error { return &UsageError{i18n.T(format, a...)} }

// ExitStatus lets a command end with its own status after its output, and
// an optional message on stderr (spoor alerts exits 3 when an alert fires).
type ExitStatus struct {
	Code int
	Msg  string
}

func (e *ExitStatus) Error() string { return e.Msg }

// fileErrorText is err's text with the system's complaint about a file
// (open x.csv: no such file or directory), which Go gives in English
// wherever it is wrapped, said in the interface language.
func fileErrorText(err error) string {
	msg := err.Error()
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return msg
	}
	var said string
	switch {
	case errors.Is(pe.Err, fs.ErrNotExist):
		said = i18n.T("%s %s: no such file or directory", pe.Op, pe.Path)
	case errors.Is(pe.Err, fs.ErrPermission):
		said = i18n.T("%s %s: permission denied", pe.Op, pe.Path)
	default:
		return msg
	}
	return strings.Replace(msg, pe.Error(), said, 1)
}

// Run executes one spoor command line and returns the exit status:
// 0 success, 1 runtime error, 2 usage error, or a command's ExitStatus.
// wb opens the workbench (nil where it is not built in).
func Run(ctx context.Context, wb Workbench, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, workbench: wb}
	if path := os.Getenv("SPOOR_CPUPROFILE"); path != "" {
		// For performance work: profile any command (go tool pprof).
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if os.Getenv("SPOOR_TIMING") != "" {
		// For performance work: where a command's wall time goes.
		start := time.Now()
		env.timing = func(phase string) {
			fmt.Fprintf(stderr, "spoor: %-8s %6.1f ms\n", phase, float64(time.Since(start).Microseconds())/1000)
		}
		defer env.timing("done")
	}
	args, langFlag := langArg(args)
	lang, err := i18n.Detect(langFlag, os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "spoor:", err)
		return 2
	}
	i18n.Set(lang)
	env.keepLang = langFlag != "" || os.Getenv("SPOOR_LANG") != ""
	err = dispatch(env, args)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var es *ExitStatus
	if errors.As(err, &es) {
		if es.Msg != "" {
			fmt.Fprintln(stderr, "spoor:", es.Msg)
		}
		return es.Code
	}
	if store.IsBusy(err) {
		// Imports wait for each other, but any other write gives up after
		// the busy timeout while an import holds the database for a file.
		err = i18n.Errorf("%w — another process (an import?) is writing to the database and held it too long; run this again when it has finished", err)
	}
	fmt.Fprintln(stderr, "spoor:", fileErrorText(err))
	var ue *UsageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func dispatch(env *Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
		return runWorkbench(env, args)
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(env, []string{"-h"})
			}
		}
		printHelp(env.Stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usagef("unknown command %q%s; run spoor help for the list", name, suggest(name, commandNames()))
	}
	// An import committed by another process between reading the events
	// and a property column fails the read with store.ErrChanged; run
	// again from the start, unless a result was already printed.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = c.run(env, args[1:]); !errors.Is(err, store.ErrChanged) || env.printed {
			break
		}
	}
	return err
}

func commandNames() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, i18n.T("spoor — a terminal workbench for product analytics"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, i18n.T("usage:"))
	fmt.Fprintf(w, "  spoor %-20s %s\n", "[--db PATH]", i18n.T("open the workbench (./spoor.db if present, else the built-in sample)"))
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  spoor %-20s %s\n", n, i18n.Text(commands[n].summary))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, i18n.T("Every command takes -h and --lang zh|en. The database is --db PATH, else $SPOOR_DB, else ./spoor.db."))
	fmt.Fprintln(w, i18n.T("The interface language is --lang zh|en, else $SPOOR_LANG, else the locale (LC_ALL, LC_MESSAGES or LANG starting with zh means Chinese); English otherwise.\nJSON and CSV output, flag names and spec-file keys are the same in every language."))
}

// newFlags makes a command's flag set; -h prints its usage to stdout. A
// mistake prints nothing here: parse returns it as one usage error.
func newFlags(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	env.flags = fs
	// The flag package writes its error to Output and then calls Usage,
	// for -h too but with nothing written: that tells the two apart.
	failed := &flagFailure{}
	fs.SetOutput(failed)
	fs.Usage = func() {
		if failed.seen {
			failed.seen = false
			return
		}
		fmt.Fprintf(env.Stdout, "%s\n\n", i18n.T("usage: spoor %s %s", name, usage))
		printDefaults(env.Stdout, fs)
		fs.SetOutput(failed)
	}
	return fs
}

// printDefaults is the flag package's list of flags, its "(default x)"
// in the interface language, and --lang, which every command takes
// (Run reads it before the command's flags are parsed).
func printDefaults(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if _, hint := f.Value.(hintOnly); !hint {
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue // not what a flag before -h set
		}
	})
	shown.SetOutput(&b)
	shown.PrintDefaults()
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if m := defaultNote().FindStringSubmatchIndex(line); m != nil {
			line = line[:m[0]] + i18n.T(" (default %s)", line[m[2]:m[3]]) + line[m[4]:]
		}
		io.WriteString(w, line)
	}
	langHelp(w)
}

// hintOnly marks a flag a command accepts only to answer it with what to
// give instead (why --from, attribution --by): -h does not list it. Only
// for flags that take a value (it hides a bool flag's IsBoolFlag).
type hintOnly struct{ flag.Value }

// hideFlag keeps the flag name of fs out of -h; giving it still reaches
// the command, which says what to use instead.
func hideFlag(fs *flag.FlagSet, name string) {
	f := fs.Lookup(name)
	f.Value = hintOnly{f.Value}
}

// langHelp describes --lang as the flag list describes a flag.
func langHelp(w io.Writer) {
	fmt.Fprintf(w, "  -lang zh|en\n    \t%s\n", i18n.T("interface language: zh (中文) or en; default $SPOOR_LANG, else the locale (spoor help says more)"))
}

// defaultNote is the flag package's " (default x)" at the end of a line.
// The patterns here are compiled on first use: every command runs every
// package's init, and a fresh process's start is part of each analysis.
var defaultNote = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` \(default (.*)\)(\n?)$`) })

// flagFailure swallows the flag package's own error text (parse words it).
type flagFailure struct{ seen bool }

func (f *flagFailure) Write(p []byte) (int, error) { f.seen = true; return len(p), nil }

// parse parses flags, turning flag errors into usage errors. Flags may
// come after positional arguments too (spoor user ID --format json).
// "--" ends the flags, and an argument that starts with "-" but cannot
// be a flag (its name would hold a space: spoor sql "-- note\nselect 1")
// is positional.
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		name, ok := flagName(a)
		if !ok {
			pos = append(pos, a)
			args = args[1:]
			continue
		}
		n := 1 // this flag, and its value when it takes one and has no =
		if f := fs.Lookup(name); f != nil && !strings.Contains(a, "=") && !isBool(f) && len(args) > 1 {
			n = 2
		}
		if err := fs.Parse(args[:n]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return flagError(fs, name, err)
		}
		args = args[n:]
	}
	fs.Parse(append([]string{"--"}, pos...))
	if f := fs.Lookup("tz"); f != nil {
		// A zone no one has is a mistake in the command line (exit 2),
		// found before any data is read.
		if _, err := zoneNamed(f.Value.String()); err != nil {
			return err
		}
	}
	return nil
}

// flagName is the name of a flag argument (-x, --name, --name=value); ok
// is false for "-" and for text no flag could be called.
func flagName(a string) (string, bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", false
	}
	name := strings.TrimPrefix(a[1:], "-")
	name, _, _ = strings.Cut(name, "=")
	if name == "" || name[0] == '-' || strings.ContainsFunc(name, unicode.IsSpace) {
		return "", false
	}
	return name, true
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagError words a flag mistake: an unknown flag names the closest known
// ones; flags are written --name, as the usage shows them.
func flagError(fs *flag.FlagSet, name string, err error) error {
	if fs.Lookup(name) == nil {
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, "--"+f.Name) })
		return usagef("unknown flag --%s for spoor %s%s; spoor %s -h lists its flags", name, fs.Name(), suggest("--"+name, known), fs.Name())
	}
	msg := err.Error()
	if m := invalidValue().FindStringSubmatch(msg); m != nil {
		// The value's own error (m[2]) is in the interface language, but
		// for the flag package's two words about numbers and booleans.
		why := m[2]
		switch why {
		case "parse error":
			why = i18n.T("parse error")
		case "value out of range":
			why = i18n.T("value out of range")
		}
		return usagef("invalid value %s for flag --%s: %s", m[1], name, why)
	}
	if strings.HasPrefix(msg, "flag needs an argument:") {
		return usagef("flag needs an argument: --%s", name)
	}
	return &UsageError{strings.Replace(msg, " -"+name, " --"+name, 1)}
}

// invalidValue is the flag package's error for a value its flag refused.
var invalidValue = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-[^:]+: (.*)$`)
})

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// dbFlag adds --db to fs.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", i18n.T("database file (default $SPOOR_DB, else ./spoor.db)"))
}

// formatFlag adds --format to fs. The value is checked as it is parsed, so
// a wrong format is refused even by a command that ends up printing nothing.
func formatFlag(fs *flag.FlagSet) *string {
	s := new(string)
	fs.Var(formatValue{s}, "format", i18n.T("output `format`: table, csv, json or markdown (default table on a terminal, csv when piped)"))
	rawFlag(fs)
	return s
}

// rawFlag adds --raw, which every command with CSV output takes.
func rawFlag(fs *flag.FlagSet) {
	fs.Bool("raw", false, i18n.T("CSV: write cells starting with = + - @ as they are (by default they get a leading ' so a spreadsheet does not run them as formulas)"))
}

// outputOptions are the options --raw sets.
func (env *Env) outputOptions() output.Options {
	var opt output.Options
	if env.flags != nil {
		if f := env.flags.Lookup("raw"); f != nil {
			opt.Raw = f.Value.String() == "true"
		}
	}
	return opt
}

type formatValue struct{ s *string }

func (f formatValue) String() string {
	if f.s == nil {
		return ""
	}
	return *f.s
}

func (f formatValue) Set(v string) error {
	if _, err := output.Resolve(v, nil); err != nil {
		return err
	}
	*f.s = v
	return nil
}

// commonFlags adds the options every analysis takes (docs/semantics.md#common-options).
func commonFlags(fs *flag.FlagSet, c *query.Common) {
	fs.StringVar(&c.From, "from", "", i18n.T("first day, YYYY-MM-DD (inclusive, display timezone)"))
	fs.StringVar(&c.To, "to", "", i18n.T("last day, YYYY-MM-DD (inclusive)"))
	fs.StringVar(&c.Last, "last", "", i18n.T("relative range anchored at the data's last event, e.g. 30d, 12w"))
	fs.Var((*stringList)(&c.Where), "where", i18n.T("property filter, repeatable and ANDed: 'country = CN', 'price > 100', 'device in (ios, android)'"))
	segmentsFlag(fs)
	fs.StringVar(&c.Segment, "segment", "", i18n.T("only users in this saved segment"))
	fs.StringVar(&c.By, "by", "", i18n.T("break down by this property"))
	fs.StringVar(&c.TZ, "tz", "", i18n.T("display timezone (IANA name), default the database's"))
}

// openDB opens an existing database with a message that says what to do.
func openDB(flagValue string, readOnly bool) (*store.DB, error) {
	return openWith(flagValue, store.Options{ReadOnly: readOnly})
}

// openWith is openDB with the store's options.
func openWith(flagValue string, opt store.Options) (*store.DB, error) {
	path := store.ResolvePath(flagValue)
	if src, err := chSource(flagValue); err != nil || src != nil {
		if err != nil {
			return nil, err
		}
		return nil, i18n.Errorf("this command does not run on ClickHouse yet: --db names the table %s; give it a local spoor database file (on ClickHouse: info, events, props, user, sql)", src)
	}
	db, err := store.Open(path, opt)
	if errors.Is(err, store.ErrNoDatabase) {
		if err := dirMissing(path); err != nil {
			return nil, i18n.Errorf("no database at %s: %w", path, err)
		}
		return nil, i18n.Errorf("no database at %s — run `spoor import FILE` to load events, or `spoor demo` to explore the sample", path)
	}
	// No fallback to a writable open: a command that only reads never
	// migrates or otherwise changes a file (store.Open says what to run).
	return db, err
}

// openWrite opens the database for a command that writes to it; a write
// that has to wait for an import in another process says so, as import does.
func openWrite(env *Env, flagValue string) (*store.DB, error) {
	db, err := openDB(flagValue, false)
	if err != nil {
		return nil, err
	}
	db.Waiting = func() { waitingNote(env, db.Path) }
	return db, nil
}

// waitingNote tells that another import holds the database's write lock.
func waitingNote(env *Env, path string) {
	fmt.Fprintln(env.Stderr, "spoor:", i18n.T("another import is writing to %s; waiting for it to finish (Ctrl-C stops)", path))
}

// dirMissing says so when the directory that would hold the database
// file path does not exist (a mistyped --db), which opening it would
// otherwise report as a read-only or missing file.
func dirMissing(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return i18n.Errorf("the directory %s does not exist (check --db, or create the directory first)", dir)
	}
	return nil
}

// langArg takes --lang out of args, wherever it stands before a "--", so
// every command accepts it: the interface language is chosen before any
// command parses its flags or prints its help.
func langArg(args []string) (rest []string, lang string) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "lang="); ok && strings.HasPrefix(a, "-") {
			lang = v
			continue
		}
		if (a == "--lang" || a == "-lang") && i+1 < len(args) {
			lang = args[i+1]
			i++
			continue
		}
		rest = append(rest, a)
	}
	return rest, lang
}

// loadDataset opens the database read-only and loads its events.
func loadDataset(env *Env, flagValue string) (*store.DB, *query.Dataset, error) {
	return loadEvents(env, flagValue, true)
}

// loadEvents is loadDataset, leaving the users' ids out without names.
func loadEvents(env *Env, flagValue string, names bool) (*store.DB, *query.Dataset, error) {
	db, err := openWith(flagValue, store.Options{ReadOnly: true, Warm: true})
	if err != nil {
		return nil, nil, err
	}
	env.mark("opened")
	load := query.LoadWithoutNames
	if names {
		load = query.Load
	}
	d, err := load(env.Ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	d.Segments = segment.Resolver{DB: db} // --segment NAME resolves saved segments of this database
	env.mark("loaded")
	return db, d, nil
}

// openEngine opens the data source --db names for a command that only
// runs analyses: the database's events loaded into memory, or a ClickHouse
// table the analyses are compiled for. close releases it once the command
// is done.
func openEngine(env *Env, flagValue string) (e query.Engine, close func() error, err error) {
	return openAnalysis(env, flagValue, true)
}

// openAnalysis is openEngine for an analysis that, without names, prints,
// lists and hashes no user id: local events load without them.
func openAnalysis(env *Env, flagValue string, names bool) (e query.Engine, close func() error, err error) {
	src, err := chSource(flagValue)
	if err != nil {
		return nil, nil, err
	}
	if src != nil {
		c, t, err := openClickHouse(env, src)
		if err != nil {
			return nil, nil, err
		}
		path, err := segmentsPath(env, src)
		if err != nil {
			return nil, nil, err
		}
		// A ClickHouse table's display zone is UTC, as spoor info says.
		return chquery.New(c, t, time.UTC).WithRules(segment.SavedAt(path, src.String())), func() error { return nil }, nil
	}
	db, d, err := loadEvents(env, flagValue, names)
	if err != nil {
		return nil, nil, err
	}
	return d, db.Close, nil
}

// segmentNamed reports whether an analysis's flags name a saved segment
// (--segment, --by segment:NAME), whose members may be matched by user id
// (an audience's exports, a holdout's hash): it needs the users' ids.
func segmentNamed(c query.Common) bool {
	return c.Segment != "" || strings.HasPrefix(c.By, "segment:")
}

// localOnly returns the in-memory Dataset behind e, or an error naming
// what needs one (a per-user explanation reads the person's events).
func localOnly(e query.Engine, what string) (*query.Dataset, error) {
	d, ok := e.(*query.Dataset)
	if !ok {
		return nil, i18n.Errorf("%s needs a local spoor database for now", what)
	}
	return d, nil
}

// noteEmpty says on stderr why a result may be empty: a --where value no
// event has, a date range outside the data (query.Engine.EmptyNotes).
func noteEmpty(env *Env, d query.Engine, c query.Common) {
	for _, n := range d.EmptyNotes(env.Ctx, c) {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", n))
	}
}

// emit writes v in the resolved format.
func emit(env *Env, format string, v any) error {
	f, err := output.Resolve(format, env.Stdout)
	if err != nil {
		return &UsageError{err.Error()}
	}
	env.mark("computed")
	env.printed = true
	return output.WriteOptions(env.Stdout, f, v, env.outputOptions())
}

// suggest returns ", did you mean X?" for the names closest to s.
func suggest(s string, known []string) string {
	best := query.Closest(s, known, 3)
	if len(best) == 0 {
		return ""
	}
	return i18n.T(" (did you mean %s?)", strings.Join(best, ", "))
}
