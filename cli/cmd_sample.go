package cli

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("sample", i18n.N("write a generated sample dataset to a CSV / JSON Lines file or a database"), runSample)
}

func runSample(env *Env, args []string) error {
	usage := "[--scenario S] [--users N | --events N] [--days D] [--seed K] [--to DATE] (--out FILE.csv|FILE.jsonl[.gz]|- | --db PATH)\n\n" + i18n.T("Scenarios:")
	for _, sc := range sample.Scenarios {
		usage += fmt.Sprintf("\n  %-10s %s", sc.Name, i18n.Text(sc.Summary))
	}
	usage += "\n\n" + i18n.T("The same flags always give the same data. Files import with spoor import and no flags.")
	fs := newFlags(env, "sample", usage)
	scenario := fs.String("scenario", sample.Scenarios[0].Name, i18n.T("scenario: %s", strings.Join(sample.Names(), ", ")))
	users := fs.Int("users", sample.DefaultUsers, i18n.T("number of users"))
	days := fs.Int("days", sample.DefaultDays, i18n.T("length of the date range in days"))
	seed := fs.Int64("seed", 1, i18n.T("random seed: the same seed gives the same data"))
	events := fs.Int64("events", 0, i18n.T("stop after exactly this many events (users unlimited unless --users is given)"))
	to := fs.String("to", "2026-06-30", i18n.T("last day of the data, YYYY-MM-DD"))
	tz := fs.String("tz", "", i18n.T("timezone of the daily and weekly rhythms (default the scenario's)"))
	out := fs.String("out", "", i18n.T("write a file: .csv or .jsonl (optionally .gz); - writes CSV to standard output"))
	dbPath := fs.String("db", "", i18n.T("write into this database (created if missing)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sample takes no arguments (got %q); see spoor sample -h", fs.Arg(0))
	}
	if (*out == "") == (*dbPath == "") {
		return usagef("give one of --out FILE.csv|FILE.jsonl or --db PATH")
	}
	cfg := sample.Config{Scenario: *scenario, Users: *users, Days: *days, Seed: *seed, TZ: *tz, MaxEvents: *events}
	if *events > 0 && !sampleFlagGiven(fs, "users") {
		cfg.Users = 0
	}
	r, err := sample.Resolve(cfg)
	if err != nil {
		return &UsageError{err.Error()}
	}
	last, err := time.ParseInLocation("2006-01-02", *to, r.Loc)
	if err != nil {
		return usagef("--to %q: use YYYY-MM-DD", *to)
	}
	cfg.End = last.AddDate(0, 0, 1)
	began := time.Now()
	if *dbPath != "" {
		return sampleToDB(env, cfg, *dbPath, began)
	}
	return sampleToFile(env, cfg, r.Scenario, *out, began)
}

func sampleFlagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func sampleToDB(env *Env, cfg sample.Config, path string, began time.Time) error {
	if err := dirMissing(path); err != nil {
		return i18n.Errorf("cannot create %s: %w", path, err)
	}
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		return err
	}
	defer db.Close()
	// A sample for benchmarks can be large: store the columns only and
	// leave the SQL rows unwritten, as bulk imports do.
	n, err := sample.Import(env.Ctx, db, cfg, true)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, i18n.T("stored %d %s events in %s (%s)", n, cfg.Scenario, path, sampleRate(n, began)))
	return nil
}

func sampleToFile(env *Env, cfg sample.Config, sc *sample.Scenario, path string, began time.Time) (err error) {
	format := "csv"
	var w io.Writer = env.Stdout
	if path != "-" {
		if format, err = sample.FormatOf(path); err != nil {
			return &UsageError{err.Error()}
		}
		var f *os.File
		if f, err = os.Create(path); err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
		if strings.HasSuffix(strings.ToLower(path), ".gz") {
			// Speed over size: the file is for a benchmark or a demo.
			zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed) // the level is valid
			defer func() {
				if cerr := zw.Close(); err == nil {
					err = cerr
				}
			}()
			w = zw
		}
	}
	fw, err := sample.NewWriter(w, format, sc.Keys)
	if err != nil {
		return err
	}
	var n, users int64
	last := ""
	err = sample.Generate(env.Ctx, cfg, func(e *store.Event) error {
		n++
		if e.User != last {
			users++ // each user's events are contiguous
			last = e.User
		}
		return fw.Write(e)
	})
	if err != nil {
		return err
	}
	if err := fw.Flush(); err != nil {
		return err
	}
	if path != "-" {
		fmt.Fprintln(env.Stderr, i18n.T("wrote %d events of %d users to %s (%s)", n, users, path, sampleRate(n, began)))
	}
	return nil
}

func sampleRate(n int64, began time.Time) string {
	el := time.Since(began)
	return i18n.T("%s, %d events/s", output.Duration(el.Seconds()), int64(float64(n)/max(el.Seconds(), 1e-9)))
}
