package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// analysis is one tab's query. The tab edits it through its rows; a run
// snapshots it (runner copies everything it needs) so the background query
// never reads state that Update is changing.
type analysis interface {
	kind() string // the spec file's "analysis" value
	common() *query.Common
	rows(sh *shared) []row
	// spec is the query as a spec file; equal specs give equal results.
	spec() ([]byte, error)
	// load replaces the query with a spec file's fields.
	load(raw []byte) error
	// runner returns the query to run in the background, or an error
	// saying why it cannot run yet (no steps chosen).
	runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error)
}

// result is what a run produced: exact tables (for the table under the
// chart and for export), a chart, and drill-down targets.
type result interface {
	output.Tabular
	// chart draws the picture for width w; sel is the selected item.
	chart(sh *shared, w, sel int) string
	items() int // selectable items (funnel steps, retention cells); 0 for none
	// drill returns the users behind item sel, with a title.
	drill(sel int) (title string, users []string, ok bool)
	json() any // what JSON export writes
}

// row is one line of the query panel. Enter calls edit; the list rows
// (steps, filters) can also be removed and moved.
type row struct {
	label, value string
	edit         func(sh *shared) dialog
	remove       func()
	move         func(delta int) bool
	add          func(sh *shared) dialog // 'a' on this row appends an item of its list
	filter       func(sh *shared) dialog // 'f' adds a property filter to this item
}

const filterHint = "key = value, key != v, key > 100, key in (a, b), key contains x, key is set"

// specJSON is an analysis as a spec file (query.Spec): {"analysis": kind,
// ...the query's own JSON fields}, the file spoor run executes.
func specJSON(a analysis, q any) ([]byte, error) {
	b, err := json.Marshal(query.Spec{Analysis: a.kind(), Query: q})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	return append(out.Bytes(), '\n'), nil
}

// rangePresets are the date ranges offered first; relative ranges are
// anchored at the data's last event (SPEC 4).
var rangePresets = []string{"all", "7d", "30d", "90d", "custom…"}

func rangeLabel(c *query.Common) string {
	switch {
	case c.Last != "":
		return "last " + c.Last
	case c.From != "" || c.To != "":
		return c.From + ".." + c.To
	}
	return "all"
}

// commonRows are the rows every analysis has: date range, filters and
// breakdown.
func commonRows(sh *shared, c *query.Common, breakdown bool) []row {
	rs := []row{{label: "range", value: rangeLabel(c), edit: func(sh *shared) dialog { return rangeDialog(c) }}}
	for i := range c.Where {
		i := i
		rs = append(rs, row{label: "where", value: c.Where[i],
			edit: func(sh *shared) dialog {
				return newPrompt("Edit filter", filterHint, c.Where[i], checkFilter,
					func(v string) tea.Cmd { c.Where[i] = v; return nil })
			},
			remove: func() { c.Where = append(c.Where[:i], c.Where[i+1:]...) },
			move:   func(d int) bool { return swap(c.Where, i, i+d) },
			add:    func(sh *shared) dialog { return filterDialog(sh, &c.Where) },
		})
	}
	rs = append(rs, row{label: "where", value: "+ filter", edit: func(sh *shared) dialog { return filterDialog(sh, &c.Where) },
		add: func(sh *shared) dialog { return filterDialog(sh, &c.Where) }})
	// A segment applied from the Segments tab shows here; d removes it.
	if c.Segment != "" {
		rs = append(rs, row{label: "segment", value: c.Segment, remove: func() { c.Segment = "" }})
	}
	if breakdown {
		by := c.By
		if by == "" {
			by = "(none)"
		}
		rs = append(rs, row{label: "by", value: by, edit: func(sh *shared) dialog {
			items := append([]named{{name: "(none)"}}, sh.props...)
			return newPicker("Break down by property", items, false, func(v string) tea.Cmd {
				if v == "(none)" {
					v = ""
				}
				c.By = v
				return nil
			})
		}, remove: func() { c.By = "" }})
	}
	return rs
}

func checkFilter(v string) error {
	_, err := query.ParseFilter(v)
	return err
}

func rangeDialog(c *query.Common) dialog {
	items := make([]named, len(rangePresets))
	for i, p := range rangePresets {
		items[i] = named{name: p}
	}
	return newPicker("Date range (relative ranges end at the data's last event)", items, true, func(v string) tea.Cmd {
		return func() tea.Msg { return rangePickedMsg{c: c, value: v} }
	})
}

// applyRange sets the range from a preset, a relative span (45d, 12w) or
// typed dates FROM..TO; "custom…" asks for dates.
func applyRange(c *query.Common, v string) (dialog, error) {
	switch {
	case v == "all":
		c.Last, c.From, c.To = "", "", ""
	case v == "custom…":
		cur := c.From + ".." + c.To
		if cur == ".." {
			cur = ""
		}
		return newPrompt("Date range", "YYYY-MM-DD..YYYY-MM-DD (either side may be empty)", cur, checkDates,
			func(v string) tea.Cmd { return func() tea.Msg { return rangePickedMsg{c: c, value: v} } }), nil
	case strings.Contains(v, ".."):
		if err := checkDates(v); err != nil {
			return nil, err
		}
		from, to, _ := strings.Cut(v, "..")
		c.Last, c.From, c.To = "", strings.TrimSpace(from), strings.TrimSpace(to)
	default:
		if _, err := query.ParseDuration(v); err != nil || !strings.HasSuffix(v, "d") && !strings.HasSuffix(v, "w") {
			return nil, fmt.Errorf("range %q: use all, 7d, 30d, 90d, 12w or FROM..TO dates", v)
		}
		c.Last, c.From, c.To = v, "", ""
	}
	return nil, nil
}

func checkDates(v string) error {
	from, to, ok := strings.Cut(v, "..")
	if !ok {
		return fmt.Errorf("write the range as FROM..TO, e.g. 2026-06-01..2026-06-30")
	}
	probe := query.NewDataset(nil, nil)
	_, err := probe.Resolve(context.Background(), query.Common{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
	return err
}

// filterDialog picks a property, then one of its top values (loaded in
// the background), and adds "key = value" to where.
func filterDialog(sh *shared, where *[]string) dialog {
	return newPicker("Filter on property", sh.props, true, func(k string) tea.Cmd {
		return loadValues(sh, k, func(v string) tea.Cmd {
			*where = append(*where, quoteWord(k)+" = "+quoteWord(v))
			return nil
		})
	})
}

func swap[T any](s []T, i, j int) bool {
	if i < 0 || j < 0 || i >= len(s) || j >= len(s) {
		return false
	}
	s[i], s[j] = s[j], s[i]
	return true
}

// eventItems lists the event names for a picker, optionally led by
// "(any event)".
func eventItems(sh *shared, any bool) []named {
	if !any {
		return sh.events
	}
	return append([]named{{name: anyEvent}}, sh.events...)
}

const anyEvent = "(any event)"

// choiceDialog picks one of a fixed set of values.
func choiceDialog(title string, values []string, set func(string)) dialog {
	items := make([]named, len(values))
	for i, v := range values {
		items[i] = named{name: v}
	}
	return newPicker(title, items, false, func(v string) tea.Cmd { set(v); return nil })
}

// quoteWord quotes a filter name or value that holds spaces or operator
// characters, with a quote character it does not contain.
func quoteWord(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t=!<>(),'\"`") {
		return v
	}
	for _, q := range []string{"'", "\"", "`"} {
		if !strings.Contains(v, q) {
			return q + v + q
		}
	}
	return v
}
