package tui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// segmentsTab is tab 7 (docs/semantics.md#segments-and-audiences): the saved segments and audience
// rules with their sizes, an expression being written (previewed with its
// size, share and trend of size), RFM tiers and lifecycle stages.
//
// The saved entries live in the database; the root keeps the list in
// shared (sh.saved), read in the background after a load and after every
// save or delete, and re-runs this tab when it changes.
type segmentsTab struct {
	analysisBase
	Show    string `json:"show"` // saved, rfm or stages
	Expr    string `json:"expr,omitempty"`
	Name    string `json:"name,omitempty"`
	Revenue string `json:"revenue,omitempty"`
	Window  int    `json:"window_days,omitempty"`
	// editing is the entry loaded into expr/name, replaced on save.
	editing *savedEntry
	c       query.Common
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

// savedMsg carries the saved segments and audience rules, read again
// after a load and after every save or delete; status says what changed.
type savedMsg struct {
	entries []savedEntry
	err     error
	status  string
	saved   *savedEntry // the entry just saved, edited from now on
}

// savedListCmd reads the saved entries in the background; status is the
// footer's line once they are read (the save or delete that led here).
func savedListCmd(s savedStore, status string) tea.Cmd {
	return func() tea.Msg {
		msg := savedMsg{status: status}
		msg.entries, msg.err = s.list(context.Background())
		return msg
	}
}

func listSaved(ctx context.Context, db *store.DB) ([]savedEntry, error) {
	var out []savedEntry
	for _, k := range []segment.Kind{segment.Segments, segment.Audiences} {
		list, err := k.List(ctx, db)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			out = append(out, savedEntry{k, s})
		}
	}
	return out, nil
}

func (a *segmentsTab) window() int {
	if a.Window > 0 {
		return a.Window
	}
	return segment.DefaultStageWindow
}

func (a *segmentsTab) rows(sh *shared) []row {
	rs := []row{{label: i18n.T("show"), value: valueLabel(a.Show), edit: func(sh *shared) dialog {
		return choiceDialog(i18n.T("Show"), segmentViews, func(v string) { a.Show = v })
	}}}
	switch a.Show {
	case "rfm":
		return append(rs, row{label: i18n.T("revenue"), value: a.Revenue, edit: func(sh *shared) dialog {
			return newPicker(i18n.T("Revenue property (numeric; each event with it is a purchase)"), sh.props, true, func(v string) tea.Cmd {
				a.Revenue = v
				return nil
			})
		}})
	case "stages":
		return append(rs, row{label: i18n.T("window"), value: strconv.Itoa(a.window()) + "d", edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Stage window"), i18n.T("days: new = first seen in the last N days, dormant = seen only in the N before"), strconv.Itoa(a.window()),
				checkDays, func(v string) tea.Cmd { a.Window, _ = strconv.Atoi(strings.TrimSuffix(v, "d")); return nil })
		}})
	}
	name := orDefault(a.Name, i18n.T("(type a name)"))
	rs = append(rs,
		row{label: i18n.T("expr"), value: orDefault(a.Expr, i18n.T("(type an expression)")), edit: func(sh *shared) dialog {
			return newExprEditor(a.Expr, sh.countDelay, func(v string) tea.Cmd { a.Expr = v; return nil })
		}, remove: func() { a.Expr, a.editing = "", nil }},
		row{label: i18n.T("name"), value: name, edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Name"), i18n.T("letters, digits, _ - and ."), a.Name, segment.CheckName,
				func(v string) tea.Cmd { a.Name = v; return nil })
		}},
		row{label: i18n.T("save"), value: i18n.T("as %s", name), edit: func(sh *shared) dialog { return a.saveDialog(sh) }},
	)
	for _, e := range sh.saved {
		label := i18n.T("seg")
		if e.kind == segment.Audiences {
			label = i18n.T("aud")
		}
		rs = append(rs, row{label: label, value: e.Name,
			edit: func(sh *shared) dialog { return a.actions(sh, e) },
			drop: func(sh *shared) tea.Cmd { return a.delete(sh, e) },
		})
	}
	if sh.savedErr != nil {
		rs = append(rs, row{label: i18n.T("error"), value: sh.savedErr.Error()})
	}
	return rs
}

func checkDays(v string) error {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || n < 1 {
		return i18n.Errorf("a number of days, at least 1")
	}
	return nil
}

// saveDialog saves expr under name as a segment or an audience rule. An
// entry opened with edit is replaced; any other existing name is refused.
func (a *segmentsTab) saveDialog(sh *shared) dialog {
	return newPicker(i18n.T("Save %s as", orDefault(a.Name, "?")), []named{choice(saveSegment), choice(saveAudience)}, false, func(v string) tea.Cmd {
		k := segment.Segments
		if v != saveSegment {
			k = segment.Audiences
		}
		return a.save(sh, k)
	})
}

// save writes the entry in the background (another process may hold the
// database for an import) and then lists the entries again. A new
// audience rule's size is recorded too, as spoor audience create does, so
// the first import after it shows how the size changed.
func (a *segmentsTab) save(sh *shared, k segment.Kind) tea.Cmd {
	switch {
	case a.Name == "":
		return statusCmd(i18n.T("type a name first (Enter on the name row)"), true)
	case strings.TrimSpace(a.Expr) == "":
		return statusCmd(i18n.T("type an expression first (Enter on the expr row)"), true)
	}
	replace := a.editing != nil && a.editing.Name == a.Name && a.editing.kind == k
	saved, src, name, expr := savedOf(sh), segmentsOf(sh.remote, sh.d), a.Name, a.Expr
	return func() tea.Msg {
		ctx := context.Background()
		status := i18n.T("saved %s %s", valueLabel(k.Noun), name)
		err := saved.with(true, func(db *store.DB) error {
			if err := k.Save(ctx, db, name, expr, replace); err != nil {
				return err
			}
			if k == segment.Audiences {
				n, err := src.count(ctx, expr)
				if err == nil {
					err = segment.RecordAudience(ctx, db, name, n)
				}
				if err != nil {
					status = i18n.T("audience %s saved, but its size was not recorded: %v", name, err)
				}
			}
			return nil
		})
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		msg := savedListCmd(saved, status)().(savedMsg)
		msg.saved = &savedEntry{kind: k, Saved: segment.Saved{Name: name, Expr: expr}}
		return msg
	}
}

// delete removes a saved entry in the background, then lists them again.
func (a *segmentsTab) delete(sh *shared, e savedEntry) tea.Cmd {
	if a.editing != nil && a.editing.Name == e.Name && a.editing.kind == e.kind {
		a.editing = nil
	}
	saved := savedOf(sh)
	return func() tea.Msg {
		err := saved.with(true, func(db *store.DB) error { return e.kind.Delete(context.Background(), db, e.Name) })
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		return savedListCmd(saved, i18n.T("deleted %s %s", valueLabel(e.kind.Noun), e.Name))()
	}
}

// What Enter on a saved entry offers (catalog keys, shown translated).
var (
	actEdit      = i18n.N("edit (load into expr and name)")
	actUsers     = i18n.N("list users")
	actExport    = i18n.N("export users (CSV, Markdown or JSON)")
	actFilter    = i18n.N("apply as filter (--segment) on the other tabs")
	actBreakdown = i18n.N("apply as breakdown (by segment:NAME) on the other tabs")
	actClear     = i18n.N("remove segment filters and breakdowns from the other tabs")
	actDelete    = i18n.N("delete")
)

// The kinds a saveDialog offers (catalog keys).
var (
	saveSegment  = i18n.N("segment")
	saveAudience = i18n.N("audience rule")
)

// actions is what Enter on a saved entry offers.
func (a *segmentsTab) actions(sh *shared, e savedEntry) dialog {
	acts := []string{actEdit, actUsers, actExport, actFilter, actBreakdown, actClear, actDelete}
	return newPicker(i18n.T("%s %s: %s", valueLabel(e.kind.Noun), e.Name, e.Expr), choices(acts), false, func(v string) tea.Cmd {
		switch v {
		case actEdit:
			a.Expr, a.Name = e.Expr, e.Name
			a.editing = &e
		case actUsers:
			return membersCmd(sh, e, func(users []string) tea.Msg {
				return pageMsg{p: usersPage(sh, a.kind(), valueLabel(e.kind.Noun)+" "+e.Name, users)}
			})
		case actExport:
			return membersCmd(sh, e, func(users []string) tea.Msg {
				return dialogMsg{newUserList(a.kind(), valueLabel(e.kind.Noun)+" "+e.Name, users).exportDialog()}
			})
		case actFilter, actBreakdown, actClear:
			ref, how := e.ref(), v
			return func() tea.Msg { return applySegmentMsg{ref: ref, how: how} }
		case actDelete:
			return a.delete(sh, e)
		}
		return nil
	})
}

// applySegmentMsg sets a saved entry as the --segment of every other
// analysis tab, or as the breakdown of those that break down, or clears
// both (how is the action picked); the root applies it.
type applySegmentMsg struct{ ref, how string }

// applySegment applies msg to the analyses of the tabs other than
// Segments and Explore, and says which changed.
// stored keeps editing the entry just saved, so saving it again replaces it.
func (a *segmentsTab) stored(e *savedEntry) { a.editing = e }

func applySegment(tabs []*tabState, msg applySegmentMsg) string {
	var names []string
	for i, t := range tabs {
		if i == tabSegments || t.a == nil || t.a.kind() == "explore" {
			continue
		}
		c := t.a.common()
		switch msg.how {
		case actFilter:
			c.Segment = msg.ref
		case actBreakdown:
			if !breaksDown(t.a) {
				continue
			}
			c.By = "segment:" + msg.ref
		case actClear:
			c.Segment = ""
			if strings.HasPrefix(c.By, "segment:") {
				c.By = ""
			}
		}
		names = append(names, i18n.Text(tabNames[i]))
	}
	on := strings.Join(names, i18n.T(", "))
	switch msg.how {
	case actFilter:
		return i18n.T("only %s members now on: %s", msg.ref, on)
	case actBreakdown:
		return i18n.T("broken down by %s on: %s", msg.ref, on)
	}
	return i18n.T("segment filters and breakdowns removed from: %s", on)
}

// breaksDown reports whether an analysis has a breakdown row.
func breaksDown(a analysis) bool {
	for _, r := range a.rows(&shared{}) {
		if r.label == i18n.T("by") {
			return true
		}
	}
	return false
}

// membersCmd resolves a saved entry's --segment name in the background
// (on a ClickHouse table, its expression on the server), then hands the
// members' ids on.
func membersCmd(sh *shared, e savedEntry, then func([]string) tea.Msg) tea.Cmd {
	d, ref := sh.d, e.ref()
	if sh.remote != nil {
		src := segmentsOf(sh.remote, nil)
		return func() tea.Msg {
			users, err := src.members(context.Background(), e.Expr)
			if err != nil {
				return statusMsg{text: i18n.T("%s: %s", ref, err.Error()), err: true}
			}
			return then(users)
		}
	}
	return func() tea.Msg {
		if d.Segments == nil {
			return statusMsg{text: i18n.T("segments are not available on this data"), err: true}
		}
		m, err := d.Segments.Members(context.Background(), d, ref)
		if err != nil {
			return statusMsg{text: i18n.T("%s: %s", ref, err.Error()), err: true}
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
