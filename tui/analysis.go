package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// row is one line of the query panel. Enter calls edit; the list rows
// (steps, filters) can also be removed and moved.
type row struct {
	label, value string
	edit         func(sh *shared) dialog
	remove       func()
	drop         func(sh *shared) tea.Cmd // d on a stored item (a saved segment): deletes it in the background
	move         func(delta int) bool
	add          func(sh *shared) dialog // 'a' on this row appends an item of its list
	filter       func(sh *shared) dialog // 'f' adds a property filter to this item
}

// filterHint is the filter language by example (catalog key).
var filterHint = i18n.N("key = value, key != v, key > 100, key in (a, b), key contains x, key is set")

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
// anchored at the data's last event (docs/semantics.md#common-options).
var rangePresets = []string{i18n.N("all"), "7d", "30d", "90d", i18n.N("custom…")}

func rangeLabel(c *query.Common) string {
	switch {
	case c.Last != "":
		return i18n.T("last %s", c.Last)
	case c.From != "" || c.To != "":
		return c.From + ".." + c.To
	}
	return i18n.T("all")
}

// commonRows are the rows every analysis has: date range, filters and
// breakdown.
func commonRows(sh *shared, c *query.Common, breakdown bool) []row {
	rs := []row{{label: i18n.T("range"), value: rangeLabel(c), edit: func(sh *shared) dialog { return rangeDialog(c) }}}
	for i := range c.Where {
		i := i
		rs = append(rs, row{label: i18n.T("where"), value: c.Where[i],
			edit: func(sh *shared) dialog {
				return newPrompt(i18n.T("Edit filter"), i18n.Text(filterHint), c.Where[i], checkFilter,
					func(v string) tea.Cmd { c.Where[i] = v; return nil })
			},
			remove: func() { c.Where = append(c.Where[:i], c.Where[i+1:]...) },
			move:   func(d int) bool { return swap(c.Where, i, i+d) },
			add:    func(sh *shared) dialog { return filterDialog(sh, &c.Where) },
		})
	}
	rs = append(rs, row{label: i18n.T("where"), value: i18n.T("+ filter"), edit: func(sh *shared) dialog { return filterDialog(sh, &c.Where) },
		add: func(sh *shared) dialog { return filterDialog(sh, &c.Where) }})
	// A segment applied from the Segments tab shows here; d removes it.
	if c.Segment != "" {
		rs = append(rs, row{label: i18n.T("segment"), value: c.Segment, remove: func() { c.Segment = "" }})
	}
	if breakdown {
		by := c.By
		if by == "" {
			by = i18n.Text(noneChoice)
		}
		rs = append(rs, row{label: i18n.T("by"), value: by, edit: func(sh *shared) dialog {
			// Saved segments split users into members and the rest, as
			// --by segment:NAME does.
			items := []named{choice(noneChoice)}
			for _, e := range sh.saved {
				items = append(items, named{name: "segment:" + e.ref()})
			}
			items = append(items, sh.props...)
			return newPicker(i18n.T("Break down by property or saved segment"), items, false, func(v string) tea.Cmd {
				if v == noneChoice {
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
	p := newPicker(i18n.T("Date range (relative ranges end at the data's last event)"), choices(rangePresets), true, func(v string) tea.Cmd {
		return func() tea.Msg { return rangePickedMsg{c: c, value: v} }
	})
	p.typed = func(v string) (string, error) {
		var probe query.Common
		if _, err := applyRange(&probe, v); err != nil {
			return "", err
		}
		return i18n.T("range %s", rangeLabel(&probe)), nil
	}
	return p
}

// windowPresets are the durations a window picker offers; any other
// can be typed.
var windowPresets = []string{"1h", "1d", "7d", "14d", "30d"}

// windowDialog picks a duration from the presets or a typed one.
func windowDialog(title string, w *string) dialog {
	p := newPicker(i18n.T("%s (or type one: 90m, 36h, 10d, 2w)", title), namedList(windowPresets), true, func(v string) tea.Cmd {
		*w = v
		return nil
	})
	p.typed = func(v string) (string, error) {
		if err := checkDuration(v); err != nil {
			return "", err
		}
		return i18n.T("window %s", v), nil
	}
	return p
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
		return newPrompt(i18n.T("Date range"), i18n.T("YYYY-MM-DD..YYYY-MM-DD (either side may be empty)"), cur, checkDates,
			func(v string) tea.Cmd { return func() tea.Msg { return rangePickedMsg{c: c, value: v} } }), nil
	case strings.Contains(v, ".."):
		if err := checkDates(v); err != nil {
			return nil, err
		}
		from, to, _ := strings.Cut(v, "..")
		c.Last, c.From, c.To = "", strings.TrimSpace(from), strings.TrimSpace(to)
	default:
		if _, err := query.ParseDuration(v); err != nil || !strings.HasSuffix(v, "d") && !strings.HasSuffix(v, "w") {
			return nil, i18n.Errorf("range %q: use all, 7d, 30d, 90d, 12w or FROM..TO dates", v)
		}
		c.Last, c.From, c.To = v, "", ""
	}
	return nil, nil
}

func checkDates(v string) error {
	from, to, ok := strings.Cut(v, "..")
	if !ok {
		return i18n.Errorf("write the range as FROM..TO, e.g. 2026-06-01..2026-06-30")
	}
	probe := query.NewDataset(nil, nil)
	_, err := probe.Resolve(context.Background(), query.Common{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
	return err
}

// filterDialog picks a property, then one of its top values (loaded in
// the background) or a typed condition, and adds it to where.
func filterDialog(sh *shared, where *[]string) dialog {
	return newPicker(i18n.T("Filter on property"), sh.props, true, func(k string) tea.Cmd {
		return loadValues(sh, k, func(k string, values []named) tea.Msg {
			return dialogMsg{filterValueDialog(k, values, func(expr string) { *where = append(*where, expr) })}
		})
	})
}

// filterValueDialog picks a value of property k, filtering k = value, or
// reads a typed condition in the filter language (> 100, != US,
// in (a, b), contains x, is set), showing the filter it makes.
func filterValueDialog(k string, values []named, add func(expr string)) dialog {
	p := newPicker(i18n.T("Value of %s (or type > 100, != US, in (a, b), contains x, is set)", k), values, true, func(v string) tea.Cmd {
		add(quoteWord(k) + " = " + quoteWord(v))
		return nil
	})
	p.typed = func(v string) (string, error) {
		expr, err := typedFilter(k, v)
		if err != nil {
			return "", err
		}
		f, _ := query.ParseFilter(expr)
		what := i18n.T("filter %s", expr)
		if (f.Op == "=" || f.Op == "!=") && !slices.ContainsFunc(values, func(n named) bool { return n.name == f.Values[0] }) {
			what = i18n.T("filter %s (no event has this value)", expr)
		}
		return what, nil
	}
	p.onTyped = func(v string) tea.Cmd {
		expr, _ := typedFilter(k, v)
		add(expr)
		return nil
	}
	return p
}

// operatorStart is how a typed condition begins, as opposed to a value.
var operatorStart = []string{"=", "!", "<", ">", "in (", "in(", "not in", "contains ", "is set", "is not set"}

// typedFilter reads what was typed for property k: a condition that
// starts with an operator, or else a value to equal.
func typedFilter(k, v string) (string, error) {
	expr := quoteWord(k) + " " + v
	_, err := query.ParseFilter(expr)
	if err == nil {
		return expr, nil
	}
	low := strings.ToLower(v)
	for _, op := range operatorStart {
		if strings.HasPrefix(low, op) {
			// Point at the typed text, not at the property put before it.
			var fe *query.FilterError
			if errors.As(err, &fe) {
				return "", i18n.Errorf("column %d: %s", max(fe.Col-len([]rune(quoteWord(k)))-1, 1), fe.Msg)
			}
			return "", err
		}
	}
	return quoteWord(k) + " = " + quoteWord(v), nil
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
	return append([]named{choice(anyEvent)}, sh.events...)
}

// anyEvent and noneChoice are picker choices that name no event or
// property; they are what picking them gives, shown translated.
var (
	anyEvent   = i18n.N("(any event)")
	noneChoice = i18n.N("(none)")
)

// choices are fixed options of a picker (catalog keys), shown translated.
func choices(keys []string) []named {
	out := make([]named, len(keys))
	for i, k := range keys {
		out[i] = choice(k)
	}
	return out
}

// choiceDialog picks one of a fixed set of values, shown as valueLabel
// writes them.
func choiceDialog(title string, values []string, set func(string)) *picker {
	items := make([]named, len(values))
	for i, v := range values {
		items[i] = named{name: v, label: valueLabel(v)}
	}
	return newPicker(title, items, false, func(v string) tea.Cmd { set(v); return nil })
}

// valueLabel is a query's keyword value (a mode, an interval, a measure,
// a view) as the panel and the pickers show it: the spec keeps the
// keyword, a person reads it in the interface language. Other values
// (names, durations, product names) are shown as they are.
func valueLabel(v string) string { return valueIn(i18n.Current(), v) }

// valueIn is valueLabel in l, for a table also exported in English.
func valueIn(l i18n.Lang, v string) string {
	switch v {
	case query.FunnelOrdered, query.FunnelStrict, query.FunnelAny:
		return query.ModeMsg(v).In(l)
	case "hour", "day", "week", "month":
		return query.PeriodMsg(v).In(l)
	case query.MeasureTotal, query.MeasureUsers, query.MeasureAvg, query.MeasureDAU, query.MeasureWAU, query.MeasureMAU, query.MeasureStickiness:
		return query.MeasureMsg(v).In(l)
	case "after":
		return l.T("after")
	case "before":
		return l.T("before")
	case "yes":
		return l.T("yes")
	case "no":
		return l.T("no")
	case "on":
		return l.T("on")
	case "off":
		return l.T("off")
	case "cohorts":
		return l.T("cohorts")
	case "survival":
		return l.T("survival")
	case "in period k":
		return l.T("in period k")
	case "in k or later":
		return l.T("in k or later")
	case "first time":
		return l.T("first time")
	case "recurring":
		return l.T("recurring")
	case "funnel":
		return l.T("funnel")
	case "attribution":
		return l.T("attribution")
	case "events":
		return l.T("events")
	case "properties":
		return l.T("properties")
	case "sequence":
		return l.T("sequence")
	case "saved":
		return l.T("saved")
	case "stages":
		return l.T("stages")
	case "rfm":
		return "RFM"
	case "csv":
		return "CSV"
	case "markdown":
		return "Markdown"
	case "json":
		return "JSON"
	case "segment":
		return l.T("segment")
	case "audience":
		return l.T("audience")
	case "audience rule":
		return l.T("audience rule")
	}
	return v
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
