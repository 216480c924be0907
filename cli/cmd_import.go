package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("import", i18n.N("load event files (CSV/TSV, JSON, JSON Lines, Parquet, vendor exports; gzip, zstd, zip) into the database"), runImport)
}

const importUsage = `[--db PATH] [flags] FILE...   (- reads standard input)

Formats are detected from content: CSV/TSV (delimiter sniffed), JSON array,
JSON Lines, Parquet, and Mixpanel, Amplitude, PostHog, Segment and GA4
exports in their shapes (PostHog API pages, ClickHouse rows, CSV export and
Parquet batch export, mixpanel-utils CSV, GA4 bq extract or client rows),
plain or compressed with gzip or zstd. A .zip (Amplitude's Export API
download) is read member after member, gzipped or not, as one import.
User, event and time columns are guessed from common names; name them with
--user/--event/--time. Times: ISO 8601 / RFC 3339, "YYYY-MM-DD HH:MM:SS[.fff]
[UTC]", "YYYY/MM/DD HH:MM[:SS]", "YYYY-MM-DD HH", "YYYY-MM-DD", YYYYMMDD, and
epoch numbers in s/ms/us/ns (told by magnitude). --time-format takes a Go
layout (2006-01-02 15:04), a strftime pattern (%d/%m/%Y %H:%M) or unix,
unix_ms, unix_us, unix_ns.

Examples:
  spoor import export.jsonl.gz                    # any supported export
  spoor import --columns user_id,item_id,category_id,behavior_type,timestamp UserBehavior.csv
  spoor import --user SessionId --event =click clicks.tsv
  spoor import --tz Asia/Shanghai --dry-run behavior.csv   # check the mapping first
  spoor import --event-map pv=view,cart=add_to_cart,fav=favorite,buy=purchase \
      --columns user_id,item_id,category_id,behavior_type,timestamp UserBehavior.csv
  spoor import --user session_id --event =view --time eventdate+timeframe:ms items.csv
  spoor import --source-tz America/Los_Angeles mixpanel-2019.json   # legacy Mixpanel project time

--time A+B:UNIT takes the time from two columns: A is a time or a date (read
like any time column, in --tz when it has no zone) and B is added to it: a
number in ms, s, us, min or h (Diginetica eventdate+timeframe:ms, GA360
visitId+time:ms), or a time of day HH:MM[:SS] with :clock (date+clock:clock).
--event-map maps codes to names (Tianchi 1=click,2=fav,3=cart,4=buy; GA360
eCommerceAction_type 0-6); a file holds one CODE=NAME per line.
--source-tz ZONE reads epoch numbers as ZONE's wall clock, not UTC: legacy
Mixpanel projects export "time" in the project's timezone. Times written
with a zone are not shifted.`

func runImport(env *Env, args []string) error {
	fs := newFlags(env, "import", importUsage)
	dbPath := dbFlag(fs)
	var opt importers.Options
	var columns, rejects string
	fs.StringVar(&opt.Format, "format", "", "input format: "+strings.Join(importers.Formats, ", ")+" (default: detect)")
	fs.StringVar(&opt.Encoding, "encoding", "", "text encoding: utf-8, utf-16, utf-16le, utf-16be, gb18030 (default: detect)")
	fs.StringVar(&opt.User, "user", "", "user id column (default: guessed)")
	fs.StringVar(&opt.Event, "event", "", "event name column, or =NAME for one name for every row (default: guessed)")
	fs.StringVar(&opt.Time, "time", "", "time column (default: guessed), or A+B:UNIT for column A plus an offset column B in UNIT (ms, s, us, min, h; clock for HH:MM[:SS])")
	fs.StringVar(&opt.EventMap, "event-map", "", "rename coded events: CODE=NAME,... or a file of CODE=NAME lines (codes not in the map are kept)")
	fs.StringVar(&opt.SourceTZ, "source-tz", "", "zone whose wall clock the file's epoch times were written in (legacy Mixpanel projects), instead of UTC")
	fs.StringVar(&columns, "columns", "", "comma-separated column names for a file without a header row")
	fs.StringVar(&opt.TimeFormat, "time-format", "", "explicit time layout (Go layout, strftime %-pattern, or unix/unix_ms/unix_us/unix_ns)")
	fs.StringVar(&opt.TZ, "tz", "", "timezone of times written without one (IANA name, default UTC); also becomes the display timezone of a database that has none")
	fs.BoolVar(&opt.Strict, "strict", false, "stop at the first bad row and import nothing from that file")
	fs.BoolVar(&opt.DryRun, "dry-run", false, "show the detected encoding, format, column mapping and first events; write nothing")
	fs.StringVar(&rejects, "rejects", "", "write every rejected line with its reason to this file")
	quiet := fs.Bool("quiet", false, "no progress display")
	maxExpand := fs.Int("max-expand", importers.DefaultMaxExpand, "refuse a file that grows to more than this many times its size on disk as it is decompressed (0: no limit)")
	if err := parse(fs, args); err != nil {
		return err
	}
	imported := false // some file was committed
	files := fs.Args()
	if len(files) == 0 {
		return usagef("import needs at least one FILE (or - for standard input); see spoor import -h")
	}
	switch {
	case *maxExpand < 0:
		return usagef("--max-expand %d: give a ratio of 1 or more, or 0 for no limit", *maxExpand)
	case *maxExpand == 0:
		opt.MaxExpand = -1
	default:
		opt.MaxExpand = *maxExpand
	}
	if err := importers.CheckShaping(opt); err != nil {
		var ue *importers.UsageError
		if errors.As(err, &ue) {
			return &UsageError{ue.Msg}
		}
		return err
	}
	if columns != "" {
		for _, c := range strings.Split(columns, ",") {
			opt.Columns = append(opt.Columns, strings.TrimSpace(c))
		}
	}
	opt.Stdin = env.Stdin
	if rejects != "" {
		f, err := os.Create(rejects)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.Rejects = f
	}
	if opt.DryRun {
		opt.Preview = 5
		return dryRun(env, files, opt)
	}
	path := store.ResolvePath(*dbPath)
	src, err := chSource(*dbPath)
	if err != nil {
		return err
	}
	if src != nil {
		// Into ClickHouse through a local copy kept for the table: the
		// copy de-duplicates and stitches identities across imports as a
		// local database does, and push sends what is new.
		if path, err = mirrorPath(src); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "spoor: importing into the local copy %s, then pushing it to %s\n", path, src)
	}
	if err := dirMissing(path); err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		return err
	}
	defer func() {
		db.Close()
		if created && !imported {
			// Nothing went into the file this run created: an empty
			// database would hide the workbench's built-in sample.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
	}()
	prog := newProgress(env.Stderr, *quiet)
	opt.Progress = prog.update
	opt.Waiting = func() { waitingNote(env, path) }
	failed := 0
	var firstErr error
	for _, f := range files {
		res, err := importers.ImportFile(env.Ctx, db, f, opt)
		prog.clear()
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			fmt.Fprintln(env.Stderr, "spoor:", importError(err))
			continue
		}
		imported = imported || res.Imported > 0 || res.Links > 0
		printSummary(env.Stderr, res)
		if opt.TZ != "" {
			if err := adoptTimezone(env, db, opt.TZ); err != nil {
				return err
			}
		}
	}
	refreshAudiences(env, db, failed < len(files))
	if src != nil && failed < len(files) {
		if err := pushTo(env, db, src, 0, *quiet); err != nil {
			return err
		}
	}
	if failed > 0 {
		if len(files) == 1 {
			return &quietError{firstErr}
		}
		return &quietError{fmt.Errorf("%d of %d files not imported", failed, len(files))}
	}
	return nil
}

// adoptTimezone makes --tz the display timezone of a database that has none
// yet: the analyst who reads naive times as Shanghai time wants Shanghai days.
func adoptTimezone(env *Env, db *store.DB, tz string) error {
	cur, err := db.Setting(env.Ctx, "timezone", "")
	if err != nil || cur != "" {
		return err
	}
	if err := db.SetSetting(env.Ctx, "timezone", tz); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "  note: display timezone of %s set to %s (from --tz)\n", db.Path, tz)
	return nil
}

// quietError has been reported already; Run prints it once more briefly.
type quietError struct{ err error }

func (e *quietError) Error() string {
	var ne *importers.NotEventsError
	if errors.As(e.err, &ne) {
		return "nothing imported; the database is unchanged"
	}
	return "import failed; the database is unchanged for the failed file"
}

func importError(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted; the file was not imported and the database is unchanged"
	}
	msg := err.Error()
	if strings.Contains(msg, "disk I/O error") || strings.Contains(msg, "disk is full") || strings.Contains(msg, "file too large") {
		return msg + " — is the disk full (or a file size limit reached)? Free space and import the file again; nothing of it was kept"
	}
	return msg
}

func printSummary(w io.Writer, r *importers.Result) {
	rate := 0.0
	if s := r.Elapsed.Seconds(); s > 0 {
		rate = float64(r.RowsRead) / s
	}
	fmt.Fprintf(w, "%s: %s, %s: %d rows read, %d imported, %d duplicates, %d rejected", r.File, r.Format, r.Encoding, r.RowsRead, r.Imported, r.Duplicates, r.Rejected)
	if r.Links > 0 {
		fmt.Fprintf(w, ", %d identity links", r.Links)
	}
	fmt.Fprintf(w, " in %s (%.0f rows/s)\n", r.Elapsed.Round(time.Millisecond), rate)
	printRejects(w, r)
	q := r.Quality
	var notes []string
	if q.Future > 0 {
		notes = append(notes, fmt.Sprintf("%d events in the future", q.Future))
	}
	if q.Before2000 > 0 {
		n := fmt.Sprintf("%d events before 2000", q.Before2000)
		if q.Before2000*2 > r.Imported {
			// Most of the file: the time column is likely an offset or a
			// duration, not a timestamp.
			n += " — most of the file; is the time column really a timestamp? (" + r.Mapping + ")"
		}
		notes = append(notes, n)
	}
	for _, g := range q.NameVariants {
		notes = append(notes, "event names that differ only in case or spacing: "+strings.Join(quoteAll(g), ", "))
	}
	if q.IdentityConflicts > 0 {
		notes = append(notes, fmt.Sprintf("%d identity conflicts (an anonymous id linked to several users)", q.IdentityConflicts))
	}
	if q.NaiveTimes > 0 {
		notes = append(notes, fmt.Sprintf("%d times had no zone and were read in %s", q.NaiveTimes, q.Timezone))
	}
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
}

func printRejects(w io.Writer, r *importers.Result) {
	if r.Rejected == 0 {
		return
	}
	reasons := make([]string, 0, len(r.Reasons))
	for k := range r.Reasons {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Fprintf(w, "  rejected %d: %s", r.Reasons[k], k)
		sep := " — e.g. "
		for _, e := range r.Examples {
			if e.Reason == k {
				fmt.Fprintf(w, "%s%s:%d %s", sep, r.File, e.Line, strings.TrimPrefix(strings.TrimPrefix(e.Detail, k), ": "))
				sep = "; "
			}
		}
		fmt.Fprintln(w)
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

func dryRun(env *Env, files []string, opt importers.Options) error {
	for _, f := range files {
		res, err := importers.ImportFile(env.Ctx, nil, f, opt)
		if err != nil {
			return err
		}
		w := env.Stdout
		fmt.Fprintf(w, "file:      %s\n", res.File)
		fmt.Fprintf(w, "encoding:  %s", res.Encoding)
		if res.Compression != "" {
			fmt.Fprint(w, ", "+res.Compression)
		}
		fmt.Fprintf(w, "\nformat:    %s\nmapping:   %s\ntimezone:  %s (for times without a zone)\n", res.Format, res.Mapping, res.Quality.Timezone)
		if res.SourceTZ != "" {
			fmt.Fprintf(w, "source tz: epoch times read as %s wall clock (--source-tz)\n", res.SourceTZ)
		}
		if res.EventMap != "" {
			fmt.Fprintf(w, "event map: %s\n", res.EventMap)
			if len(res.Unmapped) > 0 {
				fmt.Fprintf(w, "           not in the map, kept as they are: %s\n", strings.Join(quoteAll(res.Unmapped[:min(len(res.Unmapped), 10)]), ", "))
			}
		}
		scope := "whole file"
		if res.Truncated {
			scope = fmt.Sprintf("first %d rows", res.RowsRead)
		}
		fmt.Fprintf(w, "checked:   %s: %d rows, %d events, %d rejected\n", scope, res.RowsRead, res.Imported, res.Rejected)
		for _, warn := range timeWarnings(res) {
			fmt.Fprintln(w, "warning:  ", warn)
		}
		printRejects(w, res)
		fmt.Fprintln(w, "first events:")
		for _, e := range res.Preview {
			fmt.Fprintf(w, "  %s  user=%s  event=%s", time.UnixMilli(e.Time).UTC().Format("2006-01-02T15:04:05.000Z"), e.User, e.Name)
			if e.InsertID != "" {
				fmt.Fprintf(w, "  insert_id=%s", e.InsertID)
			}
			fmt.Fprintf(w, "  %s\n", store.EncodeProps(nil, e.Props))
		}
		fmt.Fprintln(w, "(dry run: nothing written)")
	}
	return nil
}

// timeWarnings are the signs, in the rows --dry-run checked, that the time
// column was guessed or read wrong: events in 1970 or in the future, or a
// few events far from the rest.
func timeWarnings(res *importers.Result) []string {
	q := res.Quality
	ts := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05Z") }
	var out []string
	if q.Before2000 > 0 {
		out = append(out, fmt.Sprintf("%d of %d events are before 2000 (earliest %s): is the time column a timestamp, and in the unit guessed? Name it with --time COL, the unit with --time-format unix|unix_ms|unix_us|unix_ns (%s)",
			q.Before2000, res.Imported, ts(res.TimeMin), res.Mapping))
	}
	if q.Future > 0 {
		out = append(out, fmt.Sprintf("%d of %d events are in the future (latest %s): is the time column a timestamp, and in the unit guessed? (%s)",
			q.Future, res.Imported, ts(res.TimeMax), res.Mapping))
	}
	if q.Outliers != nil {
		out = append(out, q.Outliers.Text())
	}
	return out
}

// progress redraws one status line on a terminal, at most ten times a second.
type progress struct {
	w   io.Writer
	tty bool
	n   int
}

func newProgress(w io.Writer, quiet bool) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: !quiet && ok && isatty.IsTerminal(f.Fd())}
}

func (p *progress) update(s importers.Progress) {
	if !p.tty {
		return
	}
	secs := s.Elapsed.Seconds()
	line := fmt.Sprintf("%s  %s", s.File, mb(s.Bytes))
	if s.Size > 0 {
		line += " / " + mb(s.Size)
	}
	if s.Committing {
		line += fmt.Sprintf("  %d rows  committing…", s.Rows)
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.n++
		return
	}
	if secs > 0 {
		line += fmt.Sprintf("  %d rows  %.0f rows/s", s.Rows, float64(s.Rows)/secs)
		if s.Size > 0 && s.Bytes > 0 && s.Bytes < s.Size {
			eta := time.Duration(float64(s.Elapsed) * float64(s.Size-s.Bytes) / float64(s.Bytes))
			line += "  ETA " + eta.Round(time.Second).String()
		}
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.n++
}

func (p *progress) clear() {
	if p.tty && p.n > 0 {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.n = 0
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
