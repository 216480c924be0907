package importers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// Options are the import flags (docs/semantics.md#import).
type Options struct {
	Format     string   // "" detects; else one of Formats
	Encoding   string   // "" detects; utf-8, utf-16[le|be], gb18030
	User       string   // user column ("" guesses)
	Event      string   // event column, or "=NAME" for a constant name
	Time       string   // time column, or A+B:UNIT (see parseTimeFlag)
	EventMap   string   // --event-map: CODE=NAME,... or a file of them
	SourceTZ   string   // --source-tz: zone whose wall clock epoch times are in
	Columns    []string // names for a file without a header row
	TimeFormat string   // see NewTimeParser
	TZ         string   // IANA zone for naive times; "" is UTC
	Strict     bool     // the first bad row refuses the file
	DryRun     bool     // parse and show, write nothing
	Preview    int      // events kept in Result.Preview
	Rejects    io.Writer
	Stdin      io.Reader
	// Progress, when set, is called about ten times a second while a file
	// is read.
	Progress func(Progress)
	// Waiting, when set, is called if the import must wait for another
	// process's import to the same database to finish.
	Waiting func()
	// MaxExpand bounds how many times its compressed size a gzip, zstd or
	// zip file may grow as it is read (past 256 MB): 0 is
	// DefaultMaxExpand, negative is no limit. Past it the file is refused
	// whole as a decompression bomb.
	MaxExpand int
}

// Progress is a snapshot of one file's import.
type Progress struct {
	File    string
	Bytes   int64 // read from disk so far (compressed bytes for gzip)
	Size    int64 // -1 when unknown (stdin)
	Rows    int64
	Elapsed time.Duration
	// Committing is set on the last call, made when every row is read and
	// the transaction is being committed.
	Committing bool
}

// Example is one rejected row, for the summary.
type Example struct {
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Result describes one imported (or dry-run) file.
type Result struct {
	File     string `json:"file"`
	SHA256   string `json:"sha256"`
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	Gzip     bool   `json:"gzip"`
	// Compression is "gzip", "zstd" or empty (for a zip: its first member's).
	Compression string           `json:"compression,omitempty"`
	Mapping     string           `json:"mapping"`
	Bytes       int64            `json:"bytes"`
	RowsRead    int64            `json:"rows_read"`
	Imported    int64            `json:"imported"`
	Duplicates  int64            `json:"duplicates"`
	Rejected    int64            `json:"rejected"`
	Links       int64            `json:"identity_links"`
	Reasons     map[string]int64 `json:"rejects_by_reason"`
	Examples    []Example        `json:"reject_examples"`
	Quality     Quality          `json:"quality"`
	Preview     []store.Event    `json:"-"`
	Elapsed     time.Duration    `json:"-"`
	DryRun      bool             `json:"dry_run"`
	Truncated   bool             `json:"dry_run_truncated,omitempty"`
	// Shaping flags as applied: the --event-map entries, the event names
	// it did not cover (kept as they are), and --source-tz.
	EventMap string   `json:"event_map,omitempty"`
	Unmapped []string `json:"event_map_unmapped,omitempty"`
	SourceTZ string   `json:"source_tz,omitempty"`
	// The earliest and latest time checked by --dry-run, epoch ms.
	TimeMin, TimeMax int64 `json:"-"`
}

// dryRunRows bounds how much of a file --dry-run reads.
const dryRunRows = 10000

// examplesPerReason bounds the examples kept per reject reason.
const examplesPerReason = 3

// RowError names the row that stopped a --strict import.
type RowError struct {
	File   string
	Line   int64
	Reason string
	Detail string
}

func (e *RowError) Error() string {
	return i18n.T("%s:%s: %s (--strict: nothing imported from this file)", e.File, strconv.FormatInt(e.Line, 10), e.Detail)
}

// NotEventsError is a file refused whole: not an event table at all.
type NotEventsError struct {
	File string
	Msg  string
}

func (e *NotEventsError) Error() string { return e.File + ": " + e.Msg }

// ImportFile imports one file (path "-" reads opt.Stdin) in one transaction.
// With opt.DryRun db may be nil and nothing is written.
func ImportFile(ctx context.Context, db *store.DB, path string, opt Options) (*Result, error) {
	start := time.Now()
	loc := time.UTC
	if opt.TZ != "" {
		var err error
		if loc, err = time.LoadLocation(opt.TZ); err != nil {
			return nil, i18n.Errorf("--tz %s: unknown timezone (use an IANA name such as Asia/Shanghai)", opt.TZ)
		}
	}
	tp, err := NewTimeParser(opt.TimeFormat, loc)
	if err != nil {
		return nil, err
	}
	sh, err := parseShaping(&opt, tp)
	if err != nil {
		return nil, err
	}
	src, err := openSource(path, opt.Stdin, opt.Encoding, opt.MaxExpand)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	res := &Result{File: src.name, Reasons: map[string]int64{}, DryRun: opt.DryRun}
	res.Quality.Timezone = loc.String()
	refuse := func(err error) (*Result, error) {
		var ne *notEventsError
		if errors.As(err, &ne) {
			return res, &NotEventsError{File: src.name, Msg: ne.msg}
		}
		return res, i18n.Errorf("%s: %w", src.name, err)
	}
	rd, format, err := openReader(src, opt, tp)
	if err != nil {
		return refuse(err)
	}
	if sh.sum != nil {
		if err := checkOffsetColumn(rd, sh.sum); err != nil {
			rd.close()
			return res, err
		}
	}
	if sh.names != nil || sh.sum != nil {
		sh.rowReader = rd
		rd = sh
	}
	defer rd.close()
	res.Format, res.Mapping = format, rd.describe()
	if sh.names != nil {
		res.EventMap = describeEventMap(sh.names)
	}
	if tp.epochLoc != nil {
		res.SourceTZ = tp.epochLoc.String()
	}
	res.Encoding, res.Compression, res.Gzip = src.encoding, src.compression, src.compression == "gzip"

	var w *writer
	if !opt.DryRun {
		// Bulk imports write the compact columns only; the store fills in the
		// SQL rows when SQL first needs them.
		info := store.ImportInfo{File: src.name, Size: src.size, Format: format, Timezone: loc.String(), DeferRows: true, Waiting: opt.Waiting}
		if w, err = newWriter(ctx, db, info); err != nil {
			return nil, err
		}
	}
	pending := true
	defer func() {
		if pending && w != nil {
			w.tx.Rollback()
		}
	}()
	p := &pump{rd: rd}
	batches := p.start(ctx)
	defer p.stop()
	var lastProgress time.Time
	dryLinks := map[[2]string]bool{}
	var times []int64 // --dry-run: the times checked, for the warnings
	for b := range batches {
		if b.err != nil {
			p.stop()
			return refuse(readError(b.err, b.line))
		}
		for i := range b.items {
			it := &b.items[i]
			res.RowsRead++
			if it.rej != nil {
				if err := res.reject(it.rej, opt); err != nil {
					return res, i18n.Errorf("write rejects: %w", err)
				}
				if opt.Strict {
					return res, &RowError{File: src.name, Line: it.rej.line, Reason: it.rej.reason, Detail: it.rej.Error()}
				}
				continue
			}
			r := &it.row
			if w != nil {
				if err := w.add(ctx, r, &res.Quality); err != nil {
					return res, i18n.Errorf("%s:%s: %w", src.name, strconv.FormatInt(r.line, 10), err)
				}
			} else {
				// --dry-run counts the distinct links rows reveal (at most
				// dryRunRows rows are read), not those already stored.
				for _, l := range r.links {
					if l[0] != "" && l[1] != "" && l[0] != l[1] && !dryLinks[l] {
						dryLinks[l] = true
						res.Links++
					}
				}
				for _, m := range r.members {
					if l := [2]string{m.id, m.node}; m.id != "" && !dryLinks[l] {
						dryLinks[l] = true
						res.Links++
					}
				}
				if !r.noEvt {
					res.Imported++
					res.Quality.observe(r.ev.Time, start)
					times = append(times, r.ev.Time)
				}
			}
			if !r.noEvt && len(res.Preview) < opt.Preview {
				ev := r.ev
				ev.Props = append([]store.Prop(nil), r.ev.Props...)
				res.Preview = append(res.Preview, ev)
			}
		}
		p.recycle(b)
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if opt.DryRun && res.RowsRead >= dryRunRows {
			res.Truncated = true
			break
		}
		if opt.Progress != nil && time.Since(lastProgress) >= 100*time.Millisecond {
			lastProgress = time.Now()
			opt.Progress(Progress{File: src.name, Bytes: src.bytesRead(), Size: src.size, Rows: res.RowsRead, Elapsed: time.Since(start)})
		}
	}
	p.stop() // the reader goroutine is done with the source and tp
	store.Phase("read")
	// Said again now that the rows are read: a reader may have learnt how
	// its fields came (PostHog properties as JSON text, unpacked or not).
	res.Mapping = rd.describe()
	res.Bytes = src.bytesRead()
	res.SHA256 = src.sha256()
	res.Elapsed = time.Since(start)
	if w != nil {
		var err error
		res.Imported, res.Duplicates, err = w.tx.Counts(ctx)
		res.Links = w.links
		if err != nil && ctx.Err() == nil {
			return res, err
		}
		store.Phase("held events")
	}
	if err := ctx.Err(); err != nil {
		return res, err // the reader may have stopped early: never commit a part
	}
	res.Quality.NaiveTimes = tp.naive
	if sh.names != nil {
		res.Unmapped = sh.unmappedNames()
	}
	if len(times) > 0 {
		slices.Sort(times)
		res.TimeMin, res.TimeMax = times[0], times[len(times)-1]
		res.Quality.Outliers = FindOutliers(times, loc)
	}
	if err := res.checkUseful(); err != nil {
		return refuse(err)
	}
	res.Quality.Rejected = res.Reasons
	res.Quality.Duplicates = res.Duplicates
	if w == nil {
		return res, nil
	}
	res.Quality.NameVariants = nameVariants(w.names)
	res.Quality.IdentityConflicts = w.conflicts
	if opt.Progress != nil {
		opt.Progress(Progress{File: src.name, Bytes: src.bytesRead(), Size: src.size, Rows: res.RowsRead, Elapsed: time.Since(start), Committing: true})
	}
	pending = false
	if err := w.tx.Commit(ctx, store.ImportStats{RowsRead: res.RowsRead, Rejected: res.Rejected, Report: res, SHA256: res.SHA256}); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// checkUseful refuses a file from which nothing at all could be read as an
// event: header only, or every row rejected.
func (res *Result) checkUseful() error {
	if res.Imported+res.Duplicates+res.Links > 0 {
		return nil
	}
	if res.RowsRead == 0 {
		return &notEventsError{msg: i18n.T("no rows: expected events after the header, found none (%s)", res.Mapping)}
	}
	if len(res.Examples) > 0 {
		e := res.Examples[0]
		return &notEventsError{msg: i18n.T("no row could be read as an event: all %d rows rejected (%s); first at line %d: %s; mapping: %s", res.Rejected, res.reasonList(), e.Line, e.Detail, res.Mapping)}
	}
	return &notEventsError{msg: i18n.T("no row could be read as an event: all %d rows rejected (%s); mapping: %s", res.Rejected, res.reasonList(), res.Mapping)}
}

func (res *Result) reasonList() string {
	keys := make([]string, 0, len(res.Reasons))
	for k := range res.Reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return res.Reasons[keys[i]] > res.Reasons[keys[j]] || res.Reasons[keys[i]] == res.Reasons[keys[j]] && keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = i18n.T("%s %d", i18n.Text(k), res.Reasons[k])
	}
	return strings.Join(parts, i18n.T(", "))
}

func (res *Result) reject(rej *rejectError, opt Options) error {
	res.Rejected++
	res.Reasons[rej.reason]++
	if res.Reasons[rej.reason] <= examplesPerReason {
		res.Examples = append(res.Examples, Example{Line: rej.line, Reason: rej.reason, Detail: rej.Error()})
	}
	if opt.Rejects != nil {
		raw := strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(rej.raw)
		_, err := fmt.Fprintf(opt.Rejects, "%s:%d\t%s\t%s\n", res.File, rej.line, rej.Error(), raw)
		return err
	}
	return nil
}

// readError words a failure that stops reading a file.
func readError(err error, line int64) error {
	var ne *notEventsError
	if errors.As(err, &ne) {
		return err
	}
	if line > 0 {
		return i18n.Errorf("reading stopped near line %d: %w; nothing imported from this file", line, err)
	}
	return i18n.Errorf("%w; nothing imported from this file", err)
}

// openReader detects the format and builds its reader.
func openReader(src *source, opt Options, tp *TimeParser) (rowReader, string, error) {
	if src.zip != nil {
		return newZipReader(src, opt.Encoding, func(member *source) (rowReader, string, error) {
			return openTextReader(member, opt, tp)
		})
	}
	if src.parquet != nil {
		return openParquetReader(src, opt, tp)
	}
	return openTextReader(src, opt, tp)
}

// openTextReader detects the format of decoded text and builds its reader.
func openTextReader(src *source, opt Options, tp *TimeParser) (rowReader, string, error) {
	head, err := src.text.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", err
	}
	format, err := detectFormat(head, opt.Format)
	if err != nil {
		var ne *notEventsError
		if errors.As(err, &ne) && ne.kind == notEventsBinary {
			if c := compressionByName(src.name); c != "" {
				return nil, "", &notEventsError{msg: c}
			}
		}
		return nil, "", err
	}
	table := format == "csv" || format == "tsv"
	cm := func(fields []string) (columnMap, error) {
		return pickColumns(fields, !table, opt.User, opt.Event, opt.Time)
	}
	switch format {
	case "csv", "tsv":
		var delim byte
		if format == "tsv" {
			delim = '\t'
		}
		// Columns named by flags ask for the table mapping.
		vendors := opt.User == "" && opt.Event == "" && opt.Time == ""
		r, err := newCSVReader(src.text, head, delim, opt.Columns, vendors, cm, tp)
		if err != nil {
			return nil, "", err
		}
		if r.layout != "" {
			o, err := newObjectReader(newCSVObjects(r, r.layout), r.layout, tp, cm)
			if err != nil {
				return nil, "", err
			}
			o.shape = r.shape
			return o, o.layout, nil
		}
		if r.delim == '\t' {
			format = "tsv"
		}
		return r, format, nil
	}
	var objs jsonObjects
	trimmed := strings.TrimLeft(string(head[:min(len(head), 64)]), " \t\r\n")
	shape := ""
	switch {
	case isPage(head):
		objs, shape = newPageObjects(src.text), `events from the "results" array of API pages`
	case isStream(head):
		objs, shape = newStreamObjects(src.text), "pretty-printed JSON objects, one after another"
	case format == "json" || (format != "jsonl" && strings.HasPrefix(trimmed, "[")):
		objs = newArrayObjects(src.text)
	default:
		objs = newParallelLines(&jsonlObjects{r: src.text})
	}
	r, err := newObjectReader(objs, format, tp, cm)
	if err != nil {
		objs.close()
		return nil, "", err
	}
	r.shape = shape
	if _, isJSONL := objs.(*parallelLines); !isJSONL && r.layout == "json" {
		return r, "json", nil
	}
	if r.layout == "json" {
		return r, "jsonl", nil
	}
	return r, r.layout, nil
}
