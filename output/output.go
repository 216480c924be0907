// Package output renders results as an aligned table, CSV, JSON or
// Markdown. Analyses describe themselves as Tables for the text formats and
// marshal their own stable JSON shape.
package output

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/mattn/go-runewidth"
	"github.com/spoorhq/spoor/i18n"
)

// Table is one titled grid of cells.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
}

// Tabular is a result that can be shown as tables, titled and headed in
// the language l; it is also marshalled directly for --format json.
type Tabular interface {
	Tables(l i18n.Lang) []Table
}

// Formats lists the --format values.
var Formats = []string{"table", "csv", "json", "markdown"}

// Resolve picks the format: the flag when given, else table on a terminal
// and CSV when piped.
func Resolve(flagValue string, w io.Writer) (string, error) {
	switch flagValue {
	case "table", "csv", "json", "markdown":
		return flagValue, nil
	case "md":
		return "markdown", nil
	case "":
		if isTerminal(w) {
			return "table", nil
		}
		return "csv", nil
	}
	return "", i18n.Errorf("unknown --format %q (use table, csv, json or markdown)", flagValue)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// Options change how results are written.
type Options struct {
	// Raw writes CSV cells that a spreadsheet would run as formulas as
	// they are, without the leading ' that neutralises them (CSVWriter).
	Raw bool
}

// Write renders v in format. v is marshalled for json; for the other
// formats it must be Tabular.
func Write(w io.Writer, format string, v any) error {
	return WriteOptions(w, format, v, Options{})
}

// WriteOptions is Write with options.
//
// CSV and JSON are machine interfaces: they are written in English
// whatever the interface language, so a script reads the same bytes under
// --lang zh and --lang en. A result's Tables are asked for in English for
// CSV, and in the interface language for the table and Markdown forms a
// person reads. The language is given, not set: the workbench writes an
// export while its other goroutines render in the interface language.
func WriteOptions(w io.Writer, format string, v any, opt Options) error {
	if format == "json" {
		return writeJSON(w, v)
	}
	t, ok := v.(Tabular)
	if !ok {
		return i18n.Errorf("this result has no %s form; use --format json", format)
	}
	lang := i18n.Current()
	if format == "csv" {
		lang = i18n.English
	}
	tables := t.Tables(lang)
	for i, tb := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var err error
		switch format {
		case "csv":
			err = writeCSV(w, tb, len(tables) > 1, opt)
		case "markdown":
			err = writeMarkdown(w, tb)
		default:
			err = writeTable(w, tb)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, t Table, titled bool, opt Options) error {
	cw := NewCSVWriter(w, opt)
	if titled && t.Title != "" {
		fmt.Fprintf(w, "# %s\n", cw.text(t.Title))
	}
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes CSV records one at a time: every CSV spoor writes goes
// through it, the tables above and the rows spoor sql streams. Cells are
// untrusted (imported names and values), so:
//   - to a terminal, control characters are escaped as in the table
//     format (Visible); to a file or a pipe the data stays as it is, but
//     controls other than tab and newline are escaped (fileSafe);
//   - a cell (header or value) starting with =, +, -, @, tab or CR gets a
//     leading ', the OWASP advice against formula injection, unless
//     Options.Raw. A plain number (-5, +1.5e3, -12.5%) and a lone "-" are
//     left as they are: a spreadsheet reads them as values, no formula can
//     hide in them, and quoting would turn every negative number into text.
type CSVWriter struct {
	cw       *csv.Writer
	terminal bool
	raw      bool
	cells    []string
}

// NewCSVWriter writes CSV to w.
func NewCSVWriter(w io.Writer, opt Options) *CSVWriter {
	return &CSVWriter{cw: csv.NewWriter(w), terminal: isTerminal(w), raw: opt.Raw}
}

// Write writes one record.
func (c *CSVWriter) Write(record []string) error {
	c.cells = c.cells[:0]
	for _, s := range record {
		if !c.raw && formulaLike(s) {
			s = "'" + s
		}
		c.cells = append(c.cells, c.text(s))
	}
	return c.cw.Write(c.cells)
}

// text escapes s for where the CSV goes.
func (c *CSVWriter) text(s string) string {
	if c.terminal {
		return Visible(s)
	}
	return fileSafe(s)
}

// Flush writes what is buffered and reports any error writing so far.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
}

// formulaLike reports a cell a spreadsheet would evaluate: one starting
// with =, +, -, @, tab or CR, unless it is a plain number or a lone "-".
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return s != "-" && !plainNumber(s)
	}
	return false
}

// plainNumber: a sign, digits with an optional fraction, an optional
// exponent and an optional %; nothing a formula could be made of.
func plainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && s[i] == '%' {
		i++
	}
	return i == len(s)
}

func escapeMD(s string) string {
	return strings.ReplaceAll(Visible(s), "|", `\|`)
}

func writeMarkdown(w io.Writer, t Table) error {
	if t.Title != "" {
		fmt.Fprintf(w, "### %s\n\n", Visible(t.Title))
	}
	cols := make([]string, len(t.Columns))
	seps := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = escapeMD(c)
		seps[i] = "---"
		if numericColumn(t, i) {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(cols, " | "), strings.Join(seps, "|"))
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = escapeMD(c)
		}
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")); err != nil {
			return err
		}
	}
	return nil
}

// Width is the display width of s in a terminal (CJK counts two).
func Width(s string) int { return runewidth.StringWidth(s) }

// Pad pads s with spaces to display width n, on the left when right is set.
func Pad(s string, n int, right bool) string {
	gap := n - Width(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

func numericColumn(t Table, col int) bool {
	seen := false
	for _, r := range t.Rows {
		if col >= len(r) || r[col] == "" || r[col] == "-" {
			continue
		}
		if !looksNumeric(r[col]) {
			return false
		}
		seen = true
	}
	return seen
}

func looksNumeric(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "-"), "%")
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' && r != ',' {
			return false
		}
	}
	return true
}

func writeTable(w io.Writer, t Table) error {
	if t.Title != "" {
		fmt.Fprintln(w, Visible(t.Title))
	}
	t = visibleTable(t)
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = Width(c)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			if i < len(widths) && Width(c) > widths[i] {
				widths[i] = Width(c)
			}
		}
	}
	right := make([]bool, len(t.Columns))
	for i := range right {
		right[i] = numericColumn(t, i)
	}
	line := func(cells []string) error {
		parts := make([]string, len(widths))
		for i := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			parts[i] = Pad(c, widths[i], right[i])
		}
		_, err := fmt.Fprintln(w, strings.TrimRight(strings.Join(parts, "  "), " "))
		return err
	}
	if err := line(t.Columns); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := line(r); err != nil {
			return err
		}
	}
	return nil
}

// visibleTable is t with every cell made Visible; rows without anything
// to escape are shared, not copied.
func visibleTable(t Table) Table {
	t.Columns = visibleRow(t.Columns)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = visibleRow(r)
	}
	t.Rows = rows
	return t
}

func visibleRow(r []string) []string {
	for _, c := range r {
		if Visible(c) != c {
			out := make([]string, len(r))
			for j := range r {
				out[j] = Visible(r[j])
			}
			return out
		}
	}
	return r
}
