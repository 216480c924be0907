package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

func init() {
	register("sql", i18n.N("run a read-only SQL query on the database"), runSQL)
}

// Rows past these stop spoor sql (a recursive CTE can produce rows without
// end): CSV and JSON stream row by row, but the table and Markdown formats
// must hold every row to align the columns.
const (
	sqlMaxRows = 1_000_000
	sqlMaxMB   = 256
)

// sqlResult is what spoor sql returns for the text formats it cannot stream.
type sqlResult struct{ t output.Table }

func (r sqlResult) Tables(l i18n.Lang) []output.Table { return []output.Table{r.t} }

func sqlCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// sqlWriter writes the rows of spoor sql as they come: CSV and JSON
// ({"columns": [...], "rows": [[...], ...]}) straight to the output, the
// table and Markdown formats once the last row is in.
type sqlWriter struct {
	w        io.Writer
	format   string
	opt      output.Options
	maxRows  int
	maxBytes int64

	rows  int
	bytes int64
	csv   *output.CSVWriter
	json  *bufio.Writer
	table output.Table
}

func (s *sqlWriter) columns(cols []string) error {
	switch s.format {
	case "csv":
		s.csv = output.NewCSVWriter(s.w, s.opt)
		return s.csv.Write(cols)
	case "json":
		s.json = bufio.NewWriter(s.w)
		b, err := jsonIndent(cols, "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(s.json, "{\n  \"columns\": %s,\n  \"rows\": [", b)
		return nil
	}
	s.table.Columns = cols
	return nil
}

func (s *sqlWriter) row(vals []any) error {
	if s.rows >= s.maxRows {
		return i18n.Errorf("stopped after %d rows (--max-rows): add a LIMIT to the query, or raise --max-rows / --max-mb", s.maxRows)
	}
	for _, v := range vals {
		if str, ok := v.(string); ok {
			s.bytes += int64(len(str))
		} else {
			s.bytes += 8
		}
	}
	if s.bytes > s.maxBytes {
		return i18n.Errorf("stopped after %d rows and %d MB of values (--max-mb): add a LIMIT to the query, or raise --max-rows / --max-mb", s.rows, s.maxBytes>>20)
	}
	s.rows++
	if s.format == "json" {
		b, err := jsonIndent(vals, "    ")
		if err != nil {
			return err
		}
		if s.rows > 1 {
			s.json.WriteByte(',')
		}
		s.json.WriteString("\n    ")
		_, err = s.json.Write(b)
		return err
	}
	cells := make([]string, len(vals))
	for i, v := range vals {
		cells[i] = sqlCell(v)
	}
	if s.csv != nil {
		return s.csv.Write(cells)
	}
	s.table.Rows = append(s.table.Rows, cells)
	return nil
}

// close ends the output: what was written stays well-formed even when the
// query stopped early.
func (s *sqlWriter) close() error {
	switch {
	case s.csv != nil:
		return s.csv.Flush()
	case s.json != nil:
		if s.rows > 0 {
			s.json.WriteString("\n  ")
		}
		s.json.WriteString("]\n}\n")
		return s.json.Flush()
	case s.table.Columns != nil:
		return output.WriteOptions(s.w, s.format, sqlResult{s.table}, s.opt)
	}
	return nil
}

// jsonIndent is v as the JSON the other commands write (two-space indent,
// no HTML escaping), each line after the first starting with prefix.
func jsonIndent(v any, prefix string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func runSQL(env *Env, args []string) error {
	fs := newFlags(env, "sql", "QUERY [--db PATH] [--format F] [--max-rows N] [--max-mb N]\n\n"+i18n.T("Tables: events(id, user_id, event_id, time ms, props JSON, ...), event_names(id, name),\nusers(id, distinct_id), identities(anon_id, user_id), imports, settings.\nThe query runs read-only: statements that would write, ATTACH, VACUUM, BEGIN and\npragmas that set something are refused."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	maxRows := fs.Int("max-rows", sqlMaxRows, i18n.T("stop with an error after this many rows"))
	maxMB := fs.Int("max-mb", sqlMaxMB, i18n.T("stop with an error after this many megabytes of values"))
	if err := parse(fs, args); err != nil {
		return err
	}
	q := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if q == "" {
		return usagef("sql needs a query, e.g. spoor sql \"SELECT name FROM event_names\"")
	}
	if *maxRows <= 0 || *maxMB <= 0 {
		return usagef("--max-rows and --max-mb must be positive")
	}
	f, err := output.Resolve(*format, env.Stdout)
	if err != nil {
		return &UsageError{err.Error()}
	}
	w := &sqlWriter{w: env.Stdout, format: f, opt: env.outputOptions(), maxRows: *maxRows, maxBytes: int64(*maxMB) << 20}
	src, err := chSource(*dbPath)
	if err != nil {
		return err
	}
	if src != nil {
		err = chSQL(env, src, q, w)
	} else {
		// Read-only: rows a bulk import deferred are served from the
		// compact columns (store.QueryUser); the file is never written.
		db, oerr := openDB(*dbPath, true)
		if oerr != nil {
			return oerr
		}
		defer db.Close()
		err = db.QueryUser(env.Ctx, q, w.columns, w.row)
	}
	env.printed = w.rows > 0 // rows went out: a failed run is not run again
	if cerr := w.close(); err == nil {
		err = cerr
	}
	return err
}
