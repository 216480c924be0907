package tui

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// The tab contract. Each tab is an analysis (its query, edited through the
// panel's rows) whose runs produce results (a chart, exact tables and
// what the keys of the results focus do). Both interfaces list every
// method the root calls; the optional ones have a do-nothing form in
// analysisBase and resultBase, which a tab or result embeds unless it has
// every optional method of its own (the Experiments tab). A tab
// that lacks a required method, or overrides an optional one with the
// wrong signature, fails to compile rather than silently losing a key.
//
// Tabs never change each other: an effect on other tabs (a segment
// applied as their filter) is a message the root handles.

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

	// seed picks a first query from newly loaded data (analysisBase: none).
	seed(sh *shared)
	// shown is told the tab's result each time one arrives (nil after an
	// error), for checks that compare an edit with what is on screen.
	shown(res result)
	// stored is told that a saved segment or audience was written (the
	// Segments tab goes on editing what it saved).
	stored(e *savedEntry)
}

// analysisBase is the do-nothing form of an analysis' optional methods.
type analysisBase struct{}

func (analysisBase) seed(*shared)       {}
func (analysisBase) shown(result)       {}
func (analysisBase) stored(*savedEntry) {}

// result is what a run produced: exact tables (for the table under the
// chart and for export), a chart, and what its items open.
type result interface {
	output.Tabular
	// chart draws the picture for width w; sel is the selected item.
	chart(sh *shared, w, sel int) string
	json() any // what JSON export writes

	items() int // selectable items (funnel steps, retention cells); 0 for none
	// drill returns the users behind item sel, with a title.
	drill(sel int) (title string, users []string, ok bool)
	// open acts on Enter on item sel when it is not a users list (a
	// variant's table); nil lets drill list the users.
	open(sh *shared, sel int) tea.Cmd
	// enter names what Enter does on an item, for the footer ("users":
	// drill lists them); "" when Enter does nothing there.
	enter() string
	// move walks items laid out as a grid (retention's cells): grid is
	// false for a list, which ↑↓ step through; ok is false at the left
	// edge, where focus goes back to the panel.
	move(sel int, dir string) (next int, ok, grid bool)
	// resultKeys are keys of the result's own besides Enter (the funnel's
	// p), named in the footer while the results have focus; key acts on
	// item sel, handled false when msg is none of them.
	resultKeys(k KeyMap) []key.Binding
	key(sh *shared, sel int, msg tea.KeyMsg) (cmd tea.Cmd, handled bool)
	// explain says why a user of a drilled list counts as they do (the
	// funnel's steps); "" shows their timeline instead.
	explain(ctx context.Context, d *query.Dataset, user string) (string, error)
	// after is drawn under the tables (the funnel's conversion trend).
	after(sh *shared, w int) string
	// line is the chart line of item sel at width w, kept on screen while
	// it is selected; -1 when items are not lines of the chart.
	line(sh *shared, w, sel int) int
}

// resultBase is the do-nothing form of a result's optional methods.
type resultBase struct{}

func (resultBase) items() int                                   { return 0 }
func (resultBase) drill(int) (string, []string, bool)           { return "", nil, false }
func (resultBase) open(*shared, int) tea.Cmd                    { return nil }
func (resultBase) enter() string                                { return i18n.T("list users") }
func (resultBase) move(sel int, _ string) (int, bool, bool)     { return sel, true, false }
func (resultBase) resultKeys(KeyMap) []key.Binding              { return nil }
func (resultBase) key(*shared, int, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (resultBase) explain(context.Context, *query.Dataset, string) (string, error) {
	return "", nil
}
func (resultBase) after(*shared, int) string  { return "" }
func (resultBase) line(*shared, int, int) int { return -1 }
