// Package output renders results as an aligned table, CSV, JSON or
// Markdown. Analyses describe themselves as Tables for the text formats and
// marshal their own stable JSON shape.
package output

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/mattn/go-runewidth"
)

// Table is one titled grid of cells.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
}

// Tabular is a result that can be shown as tables; it is also marshalled
// directly for --format json.
type Tabular interface {
	Tables() []Table
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
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			return "table", nil
		}
		return "csv", nil
	}
	return "", fmt.Errorf("unknown --format %q (use table, csv, json or markdown)", flagValue)
}

// Write renders v in format. v is marshalled for json; for the other
// formats it must be Tabular.
func Write(w io.Writer, format string, v any) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	t, ok := v.(Tabular)
	if !ok {
		return fmt.Errorf("this result has no %s form; use --format json", format)
	}
	tables := t.Tables()
	for i, tb := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var err error
		switch format {
		case "csv":
			err = writeCSV(w, tb, len(tables) > 1)
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

func writeCSV(w io.Writer, t Table, titled bool) error {
	if titled && t.Title != "" {
		fmt.Fprintf(w, "# %s\n", t.Title)
	}
	cw := NewCSVWriter(w)
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
// through it, the tables above and the rows spoor sql streams.
type CSVWriter struct{ cw *csv.Writer }

// NewCSVWriter writes CSV to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{cw: csv.NewWriter(w)} }

// Write writes one record.
func (c *CSVWriter) Write(record []string) error { return c.cw.Write(record) }

// Flush writes what is buffered and reports any error writing so far.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
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
