package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("import", i18n.N("load event files (CSV/TSV, JSON, JSON Lines, Parquet, vendor exports; gzip, zstd, zip) into the database"), runImport)
}

// importUsage is the synopsis and, in the interface language, what it means.
func importUsage() string {
	return `[--db PATH] [flags] FILE...   (- reads standard input)` + "\n\n" + i18n.T(`Formats are detected from content: CSV/TSV (delimiter sniffed), JSON array,
JSON Lines, Parquet, and Mixpanel, Amplitude, PostHog, Segment and GA4
exports in their shapes (PostHog API pages, ClickHouse rows, CSV export and
Parquet batch export, mixpanel-utils CSV, GA4 bq extract or client rows),
plain or compressed with gzip or zstd. A .zip (Amplitude's Export API
download) is read member after member, gzipped or not, as one import.
User, event and time columns are guessed from common names; name them with
--user/--event/--time. Times: ISO 8601 / RFC 3339, "YYYY-MM-DD HH:MM:SS[.fff]
[UTC]", "YYYY/MM/DD HH:MM[:SS]", "YYYY-MM-DD HH", "YYYY-MM-DD", YYYYMMDD, and
epoch numbers in s/ms/us/ns (told by magnitude). --time-format takes a Go
layout (2006-01-02 15:04), a strftime pattern (%%d/%%m/%%Y %%H:%%M) or unix,
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
with a zone are not shifted.`)
}

func runImport(env *Env, args []string) error {
	fs := newFlags(env, "import", importUsage())
	dbPath := dbFlag(fs)
	var opt importers.Options
	var columns, rejects string
	fs.StringVar(&opt.Format, "format", "", i18n.T("input format: %s (default: detect)", strings.Join(importers.Formats, ", ")))
	fs.StringVar(&opt.Encoding, "encoding", "", i18n.T("text encoding: utf-8, utf-16, utf-16le, utf-16be, gb18030 (default: detect)"))
	fs.StringVar(&opt.User, "user", "", i18n.T("user id column (default: guessed)"))
	fs.StringVar(&opt.Event, "event", "", i18n.T("event name column, or =NAME for one name for every row (default: guessed)"))
	fs.StringVar(&opt.Time, "time", "", i18n.T("time column (default: guessed), or A+B:UNIT for column A plus an offset column B in UNIT (ms, s, us, min, h; clock for HH:MM[:SS])"))
	fs.StringVar(&opt.EventMap, "event-map", "", i18n.T("rename coded events: CODE=NAME,... or a file of CODE=NAME lines (codes not in the map are kept)"))
	fs.StringVar(&opt.SourceTZ, "source-tz", "", i18n.T("zone whose wall clock the file's epoch times were written in (legacy Mixpanel projects), instead of UTC"))
	fs.StringVar(&columns, "columns", "", i18n.T("comma-separated column names for a file without a header row"))
	fs.StringVar(&opt.TimeFormat, "time-format", "", i18n.T("explicit time layout (Go layout, strftime %%-pattern, or unix/unix_ms/unix_us/unix_ns)"))
	fs.StringVar(&opt.TZ, "tz", "", i18n.T("timezone of times written without one (IANA name, default UTC); also becomes the display timezone of a database that has none"))
	fs.BoolVar(&opt.Strict, "strict", false, i18n.T("stop at the first bad row and import nothing from that file"))
	fs.BoolVar(&opt.DryRun, "dry-run", false, i18n.T("show the detected encoding, format, column mapping and first events; write nothing"))
	fs.StringVar(&rejects, "rejects", "", i18n.T("write every rejected line with its reason to this file"))
	quiet := fs.Bool("quiet", false, i18n.T("no progress display"))
	maxExpand := fs.Int("max-expand", importers.DefaultMaxExpand, i18n.T("refuse a file that grows to more than this many times its size on disk as it is decompressed (0: no limit)"))
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
		if path, err = src.LocalCopy(); err != nil {
			return err
		}
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("importing into the local copy %s, then pushing it to %s", path, src))
	}
	if err := dirMissing(path); err != nil {
		return i18n.Errorf("cannot create %s: %w", path, err)
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
		return &quietError{i18n.Errorf("%d of %d files not imported", failed, len(files))}
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
	fmt.Fprintln(env.Stderr, " ", i18n.T("note: %s", i18n.T("display timezone of %s set to %s (from --tz)", db.Path, tz)))
	return nil
}

// quietError has been reported already; Run prints it once more briefly.
type quietError struct{ err error }

func (e *quietError) Error() string {
	var ne *importers.NotEventsError
	if errors.As(e.err, &ne) {
		return i18n.T("nothing imported; the database is unchanged")
	}
	return i18n.T("import failed; the database is unchanged for the failed file")
}

func importError(err error) string {
	if errors.Is(err, context.Canceled) {
		return i18n.T("interrupted; the file was not imported and the database is unchanged")
	}
	msg := fileErrorText(err)
	if strings.Contains(msg, "disk I/O error") || strings.Contains(msg, "disk is full") || strings.Contains(msg, "file too large") {
		return i18n.T("%s — is the disk full (or a file size limit reached)? Free space and import the file again; nothing of it was kept", msg)
	}
	return msg
}

func printSummary(w io.Writer, r *importers.Result) {
	rate := 0.0
	if s := r.Elapsed.Seconds(); s > 0 {
		rate = float64(r.RowsRead) / s
	}
	fmt.Fprint(w, i18n.T("%s: %s, %s: %d rows read, %d imported, %d duplicates, %d rejected", r.File, r.Format, r.Encoding, r.RowsRead, r.Imported, r.Duplicates, r.Rejected))
	if r.Links > 0 {
		fmt.Fprint(w, i18n.T(", %d identity links", r.Links))
	}
	fmt.Fprintln(w, i18n.T(" in %s (%d rows/s)", output.Duration(r.Elapsed.Seconds()), int64(math.Round(rate))))
	printRejects(w, r)
	q := r.Quality
	var notes []string
	if q.Future > 0 {
		notes = append(notes, i18n.T("%d events in the future", q.Future))
	}
	if q.Before2000 > 0 {
		n := i18n.T("%d events before %s", q.Before2000, "2000")
		if q.Before2000*2 > r.Imported {
			// Most of the file: the time column is likely an offset or a
			// duration, not a timestamp.
			n += i18n.T(" — most of the file; is the time column really a timestamp? (%s)", r.Mapping)
		}
		notes = append(notes, n)
	}
	for _, g := range q.NameVariants {
		notes = append(notes, i18n.T("event names that differ only in case or spacing: %s", strings.Join(quoteAll(g), ", ")))
	}
	if q.IdentityConflicts > 0 {
		notes = append(notes, i18n.T("%d identity conflicts (an anonymous id linked to several users)", q.IdentityConflicts))
	}
	if q.NaiveTimes > 0 {
		notes = append(notes, i18n.T("%d times had no zone and were read in %s", q.NaiveTimes, q.Timezone))
	}
	for _, n := range notes {
		fmt.Fprintln(w, " ", i18n.T("note: %s", n))
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
		fmt.Fprint(w, "  ", i18n.T("rejected %d: %s", r.Reasons[k], i18n.Text(k))) // the reason is a catalog key (importers.Reason*)
		sep := i18n.T(" — e.g. ")
		for _, e := range r.Examples {
			if e.Reason == k {
				fmt.Fprintf(w, "%s%s:%d %s", sep, r.File, e.Line, strings.TrimPrefix(strings.TrimPrefix(e.Detail, k), ": "))
				sep = i18n.T("; ")
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
		// Labels padded to one display width, so the values line up in
		// Chinese (two columns a character) as in English.
		const labelWidth = 10 // "source tz:", the longest
		label := func(s string) string { return output.Pad(s, labelWidth, false) + " " }
		fmt.Fprintln(w, label(i18n.T("file:"))+res.File)
		encoding := res.Encoding
		if res.Compression != "" {
			encoding += ", " + res.Compression
		}
		fmt.Fprintln(w, label(i18n.T("encoding:"))+encoding)
		fmt.Fprintln(w, label(i18n.T("format:"))+res.Format)
		fmt.Fprintln(w, label(i18n.T("mapping:"))+res.Mapping)
		fmt.Fprintln(w, label(i18n.T("timezone:"))+i18n.T("%s (for times without a zone)", res.Quality.Timezone))
		if res.SourceTZ != "" {
			fmt.Fprintln(w, label(i18n.T("source tz:"))+i18n.T("epoch times read as %s wall clock (--source-tz)", res.SourceTZ))
		}
		if res.EventMap != "" {
			fmt.Fprintln(w, label(i18n.T("event map:"))+res.EventMap)
			if len(res.Unmapped) > 0 {
				fmt.Fprintln(w, label("")+i18n.T("not in the map, kept as they are: %s", strings.Join(quoteAll(res.Unmapped[:min(len(res.Unmapped), 10)]), ", ")))
			}
		}
		checked := i18n.T("whole file: %d rows, %d events, %d rejected", res.RowsRead, res.Imported, res.Rejected)
		if res.Truncated {
			checked = i18n.T("first %d rows: %d rows, %d events, %d rejected", res.RowsRead, res.RowsRead, res.Imported, res.Rejected)
		}
		fmt.Fprintln(w, label(i18n.T("checked:"))+checked)
		for _, warn := range timeWarnings(res) {
			fmt.Fprintln(w, label(i18n.T("warning:"))+warn)
		}
		printRejects(w, res)
		fmt.Fprintln(w, i18n.T("first events:"))
		for _, e := range res.Preview {
			fmt.Fprintf(w, "  %s  user=%s  event=%s", time.UnixMilli(e.Time).UTC().Format("2006-01-02T15:04:05.000Z"), e.User, e.Name)
			if e.InsertID != "" {
				fmt.Fprintf(w, "  insert_id=%s", e.InsertID)
			}
			fmt.Fprintf(w, "  %s\n", store.EncodeProps(nil, e.Props))
		}
		fmt.Fprintln(w, i18n.T("(dry run: nothing written)"))
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
		out = append(out, i18n.T("%d of %d events are before %s (earliest %s): is the time column a timestamp, and in the unit guessed? Name it with --time COL, the unit with --time-format unix|unix_ms|unix_us|unix_ns (%s)",
			q.Before2000, res.Imported, "2000", ts(res.TimeMin), res.Mapping))
	}
	if q.Future > 0 {
		out = append(out, i18n.T("%d of %d events are in the future (latest %s): is the time column a timestamp, and in the unit guessed? (%s)",
			q.Future, res.Imported, ts(res.TimeMax), res.Mapping))
	}
	if q.Outliers != nil {
		out = append(out, q.Outliers.Text(i18n.Current()))
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
		line += "  " + i18n.T("%d rows  committing…", s.Rows)
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.n++
		return
	}
	if secs > 0 {
		line += "  " + i18n.T("%d rows  %d rows/s", s.Rows, int64(float64(s.Rows)/secs))
		if s.Size > 0 && s.Bytes > 0 && s.Bytes < s.Size {
			eta := time.Duration(float64(s.Elapsed) * float64(s.Size-s.Bytes) / float64(s.Bytes))
			line += "  " + i18n.T("ETA %s", output.Duration(eta.Seconds()))
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
