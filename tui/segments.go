package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// segmentsTab is tab 7 (SPEC 4.6, 4.9): the saved segments and audience
// rules with their sizes, an expression being written (previewed with its
// size, share and trend of size), RFM tiers and lifecycle stages.
//
// The saved entries are kept here as well as in the database so the panel
// can list them; they are re-read after every change made from this tab,
// and they are part of the spec, so a change re-runs the tab.
type segmentsTab struct {
	Show    string   `json:"show"` // saved, rfm or stages
	Expr    string   `json:"expr,omitempty"`
	Name    string   `json:"name,omitempty"`
	Revenue string   `json:"revenue,omitempty"`
	Window  int      `json:"window_days,omitempty"`
	Saved   []string `json:"saved,omitempty"` // "kind name = expr" of every saved entry, as listed
	entries []savedEntry
	editing *savedEntry // the entry loaded into expr/name, replaced on save
	c       query.Common
	// others are the analyses of the other tabs, which "apply" edits.
	others func() []analysis
	err    error // reading the saved entries failed
}

// savedEntry is a saved segment or audience rule.
type savedEntry struct {
	kind segment.Kind
	segment.Saved
}

// ref is how --segment names the entry: NAME or audience:NAME.
func (e savedEntry) ref() string {
	if e.kind == segment.Audiences {
		return "audience:" + e.Name
	}
	return e.Name
}

var segmentViews = []string{"saved", "rfm", "stages"}

func newSegmentsTab() *segmentsTab { return &segmentsTab{Show: "saved", Revenue: "revenue"} }

func (a *segmentsTab) kind() string          { return "segments" }
func (a *segmentsTab) common() *query.Common { return &a.c }
func (a *segmentsTab) spec() ([]byte, error) { return specJSON(a, a) }
func (a *segmentsTab) load(raw []byte) error {
	b := newSegmentsTab()
	if err := json.Unmarshal(raw, b); err != nil {
		return err
	}
	a.Show, a.Expr, a.Name, a.Revenue, a.Window = b.Show, b.Expr, b.Name, b.Revenue, b.Window
	return nil
}

// seed reads the saved entries; the segments and audiences tables are
// small, so this does not hold the screen up.
func (a *segmentsTab) seed(sh *shared) { a.reread(sh) }

func (a *segmentsTab) reread(sh *shared) {
	a.entries, a.Saved, a.err = nil, nil, nil
	if sh.db == nil {
		return
	}
	for _, k := range []segment.Kind{segment.Segments, segment.Audiences} {
		list, err := k.List(context.Background(), sh.db)
		if err != nil {
			a.err = err
			return
		}
		for _, s := range list {
			a.entries = append(a.entries, savedEntry{k, s})
			a.Saved = append(a.Saved, k.Noun+" "+s.Name+" = "+s.Expr)
		}
	}
}

func (a *segmentsTab) window() int {
	if a.Window > 0 {
		return a.Window
	}
	return segment.DefaultStageWindow
}

func (a *segmentsTab) rows(sh *shared) []row {
	rs := []row{{label: "show", value: a.Show, edit: func(sh *shared) dialog {
		return choiceDialog("Show", segmentViews, func(v string) { a.Show = v })
	}}}
	switch a.Show {
	case "rfm":
		return append(rs, row{label: "revenue", value: a.Revenue, edit: func(sh *shared) dialog {
			return newPicker("Revenue property (numeric; each event with it is a purchase)", sh.props, true, func(v string) tea.Cmd {
				a.Revenue = v
				return nil
			})
		}})
	case "stages":
		return append(rs, row{label: "window", value: strconv.Itoa(a.window()) + "d", edit: func(sh *shared) dialog {
			return newPrompt("Stage window", "days: new = first seen in the last N days, dormant = seen only in the N before", strconv.Itoa(a.window()),
				checkDays, func(v string) tea.Cmd { a.Window, _ = strconv.Atoi(strings.TrimSuffix(v, "d")); return nil })
		}})
	}
	name := orDefault(a.Name, "(type a name)")
	rs = append(rs,
		row{label: "expr", value: orDefault(a.Expr, "(type an expression)"), edit: func(sh *shared) dialog {
			return newExprEditor(a.Expr, func(v string) tea.Cmd { a.Expr = v; return nil })
		}, remove: func() { a.Expr, a.editing = "", nil }},
		row{label: "name", value: name, edit: func(sh *shared) dialog {
			return newPrompt("Name", "letters, digits, _ - and .", a.Name, segment.CheckName,
				func(v string) tea.Cmd { a.Name = v; return nil })
		}},
		row{label: "save", value: "as " + name, edit: func(sh *shared) dialog { return a.saveDialog(sh) }},
	)
	for i := range a.entries {
		e := a.entries[i]
		label := "seg"
		if e.kind == segment.Audiences {
			label = "aud"
		}
		rs = append(rs, row{label: label, value: e.Name,
			edit:   func(sh *shared) dialog { return a.actions(sh, e) },
			remove: func() { a.delete(sh, e) },
		})
	}
	if a.err != nil {
		rs = append(rs, row{label: "error", value: a.err.Error()})
	}
	return rs
}

func checkDays(v string) error {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || n < 1 {
		return fmt.Errorf("a number of days, at least 1")
	}
	return nil
}

// saveDialog saves expr under name as a segment or an audience rule. An
// entry opened with edit is replaced; any other existing name is refused.
func (a *segmentsTab) saveDialog(sh *shared) dialog {
	return newPicker("Save "+orDefault(a.Name, "?")+" as", namedList([]string{"segment", "audience rule"}), false, func(v string) tea.Cmd {
		k := segment.Segments
		if v != "segment" {
			k = segment.Audiences
		}
		if err := a.save(sh, k); err != nil {
			return func() tea.Msg { return statusMsg{text: err.Error(), err: true} }
		}
		if k == segment.Audiences {
			return recordAudienceCmd(sh, a.Name, a.Expr, &a.c)
		}
		return nil
	})
}

// recordAudienceCmd stores a new audience rule's size, as spoor audience
// create does, so the first import after it shows how the size changed.
// It evaluates in the background, then re-runs the tab through a range
// message on the tab's own Common, which nothing else here reads: the
// root model re-runs after every range change.
func recordAudienceCmd(sh *shared, name, expr string, c *query.Common) tea.Cmd {
	db, d := sh.db, sh.d
	return func() tea.Msg {
		ctx := context.Background()
		m, err := segment.Evaluate(ctx, d, expr)
		if err == nil {
			err = segment.RecordAudience(ctx, db, name, len(memberIDs(d, m)))
		}
		if err != nil {
			return statusMsg{text: "audience " + name + " saved, but its size was not recorded: " + err.Error(), err: true}
		}
		return rangePickedMsg{c: c, value: "all"}
	}
}

func (a *segmentsTab) save(sh *shared, k segment.Kind) error {
	switch {
	case a.Name == "":
		return errors.New("type a name first (Enter on the name row)")
	case strings.TrimSpace(a.Expr) == "":
		return errors.New("type an expression first (Enter on the expr row)")
	}
	replace := a.editing != nil && a.editing.Name == a.Name && a.editing.kind == k
	if err := k.Save(context.Background(), sh.db, a.Name, a.Expr, replace); err != nil {
		return err
	}
	a.reread(sh)
	for i := range a.entries {
		if a.entries[i].kind == k && a.entries[i].Name == a.Name {
			a.editing = &a.entries[i]
		}
	}
	return nil
}

func (a *segmentsTab) delete(sh *shared, e savedEntry) {
	if err := e.kind.Delete(context.Background(), sh.db, e.Name); err != nil {
		a.err = err
		return
	}
	if a.editing != nil && a.editing.Name == e.Name && a.editing.kind == e.kind {
		a.editing = nil
	}
	a.reread(sh)
}

const (
	actEdit      = "edit (load into expr and name)"
	actUsers     = "users"
	actExport    = "export users (CSV, Markdown or JSON)"
	actFilter    = "apply as filter (--segment) on the other tabs"
	actBreakdown = "apply as breakdown (by segment:NAME) on the other tabs"
	actClear     = "remove segment filters and breakdowns from the other tabs"
	actDelete    = "delete"
)

// actions is what Enter on a saved entry offers.
func (a *segmentsTab) actions(sh *shared, e savedEntry) dialog {
	acts := []string{actEdit, actUsers, actExport, actFilter, actBreakdown, actClear, actDelete}
	return newPicker(e.kind.Noun+" "+e.Name+": "+e.Expr, namedList(acts), false, func(v string) tea.Cmd {
		switch v {
		case actEdit:
			a.Expr, a.Name = e.Expr, e.Name
			a.editing = &e
		case actUsers:
			return membersCmd(sh, e.ref(), func(users []string) tea.Msg {
				return pageMsg{p: usersPage(sh, a.kind(), e.kind.Noun+" "+e.Name, users)}
			})
		case actExport:
			return membersCmd(sh, e.ref(), func(users []string) tea.Msg {
				return dialogMsg{newUserList(a.kind(), e.kind.Noun+" "+e.Name, users).exportDialog()}
			})
		case actFilter, actBreakdown, actClear:
			return a.apply(e, v)
		case actDelete:
			a.delete(sh, e)
		}
		return nil
	})
}

// apply sets the entry as every other tab's --segment, or as the
// breakdown of those that break down, or clears both.
func (a *segmentsTab) apply(e savedEntry, how string) tea.Cmd {
	if a.others == nil {
		return nil
	}
	var names []string
	for _, o := range a.others() {
		c := o.common()
		switch how {
		case actFilter:
			c.Segment = e.ref()
		case actBreakdown:
			if !breaksDown(o) {
				continue
			}
			c.By = "segment:" + e.ref()
		case actClear:
			c.Segment = ""
			if strings.HasPrefix(c.By, "segment:") {
				c.By = ""
			}
		}
		names = append(names, o.kind())
	}
	text := map[string]string{
		actFilter:    "only " + e.ref() + " members now on: ",
		actBreakdown: "broken down by " + e.ref() + " on: ",
		actClear:     "segment filters and breakdowns removed from: ",
	}[how] + strings.Join(names, ", ")
	return func() tea.Msg { return statusMsg{text: text} }
}

// breaksDown reports whether an analysis has a breakdown row.
func breaksDown(a analysis) bool {
	for _, r := range a.rows(&shared{}) {
		if r.label == "by" {
			return true
		}
	}
	return false
}

// membersCmd resolves a --segment name in the background, then hands the
// members' ids on.
func membersCmd(sh *shared, ref string, then func([]string) tea.Msg) tea.Cmd {
	d := sh.d
	return func() tea.Msg {
		if query.Segments == nil {
			return statusMsg{text: "segments are not available on this data", err: true}
		}
		m, err := query.Segments(context.Background(), d, ref)
		if err != nil {
			return statusMsg{text: ref + ": " + err.Error(), err: true}
		}
		return then(memberIDs(d, m))
	}
}

func memberIDs(d *query.Dataset, m []bool) []string {
	var out []string
	for p, in := range m {
		if in {
			out = append(out, d.Users[p])
		}
	}
	return out
}
