package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// explore is tab 6: the event list, property keys with their
// values, one user's timeline, and read-only SQL.
type explore struct {
	analysisBase
	Show string `json:"show"` // events, properties, sql or sequence
	SQL  string `json:"sql,omitempty"`
	// Conditions and Pattern are the sequence view's (tui/sequence.go).
	Conditions string `json:"conditions,omitempty"`
	Pattern    string `json:"pattern,omitempty"`
	c          query.Common
}

func (e *explore) kind() string          { return "explore" }
func (e *explore) common() *query.Common { return &e.c }
func (e *explore) spec() ([]byte, error) { return json.Marshal(e) }
func (e *explore) load(raw []byte) error { return json.Unmarshal(raw, e) }

func (e *explore) rows(sh *shared) []row {
	return append([]row{
		{label: i18n.T("show"), value: valueLabel(e.Show), edit: func(sh *shared) dialog {
			return choiceDialog(i18n.T("Show"), []string{"events", "properties", "sql", "sequence"}, func(v string) { e.Show = v })
		}},
		{label: i18n.T("user"), value: i18n.T("find a user…"), edit: func(sh *shared) dialog { return userDialog(sh) }},
		{label: "sql", value: orDash(e.SQL), edit: func(sh *shared) dialog {
			hint := i18n.T("tables: events(user_id, event_id, time, props), event_names(id, name), users(id, distinct_id), identities, imports, settings")
			if sh.remote != nil {
				hint = i18n.T("ClickHouse SQL, statements that read: the table is %s.%s", sh.remote.src.Database, sh.remote.src.Table)
			}
			return newPrompt(i18n.T("Read-only SQL"), hint, e.SQL, nil, func(v string) tea.Cmd { e.SQL, e.Show = v, "sql"; return nil })
		}},
	}, e.sequenceRows()...)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// userDialog picks a user id; Enter shows their timeline. On a ClickHouse
// table, whose users are not loaded, the id is typed.
func userDialog(sh *shared) dialog {
	if rem := sh.remote; rem != nil {
		return newPrompt(i18n.T("User"), i18n.T("a user's id or distinct id: their events are read from the server"), "", nil,
			func(u string) tea.Cmd { return remoteTimelineCmd(rem, strings.TrimSpace(u)) })
	}
	items := make([]named, len(sh.d.Users))
	for i, u := range sh.d.Users {
		items[i] = named{name: u, count: int(sh.d.Start[i+1] - sh.d.Start[i])}
	}
	db := sh.db
	return newPicker(i18n.T("User (events shown right)"), items, true, func(u string) tea.Cmd { return timelineCmd(db, u) })
}

func (e *explore) runner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	switch {
	case e.Show == "properties":
		// The keys were read with the data, on either backend.
		props := sh.props
		return func(ctx context.Context, d *query.Dataset) (result, error) { return propsResult(props), nil }, nil
	case e.Show == "sql" && strings.TrimSpace(e.SQL) == "":
		return nil, i18n.Errorf("no SQL yet: press Enter on the sql row and type a query")
	case e.Show == "sequence":
		return e.sequenceRunner(sh)
	case sh.remote != nil:
		return e.remoteRunner(sh)
	}
	switch e.Show {
	case "sql":
		db, q := sh.db, e.SQL
		return func(ctx context.Context, d *query.Dataset) (result, error) { return runSQL(ctx, db, q) }, nil
	}
	return func(ctx context.Context, d *query.Dataset) (result, error) { return eventsResult(ctx, d) }, nil
}

// listResult is a plain table result with one selectable item per row.
type listResult struct {
	resultBase
	t    output.Table
	bars []int // counts drawn as bars in the chart; nil for none
	// head titles the table and names its columns (nil: t's own) when it
	// is written, in the language of the moment: the screen's, or English
	// for CSV and JSON exports (output.Write).
	head    func(l i18n.Lang) (title string, cols []string)
	onEnter func(sh *shared, sel int) tea.Cmd
	does    string // what onEnter shows, named in the footer (a catalog key)
}

// Footer names of what Enter does on a list's row.
var (
	listUsers    = i18n.N("list users")
	listValues   = i18n.N("show values")
	listTimeline = i18n.N("show timeline")
)

func (r *listResult) table(l i18n.Lang) output.Table {
	t := r.t
	if r.head != nil {
		title, cols := r.head(l)
		t.Title = title
		if cols != nil {
			t.Columns = cols
		}
	}
	return t
}

func (r *listResult) Tables(l i18n.Lang) []output.Table { return []output.Table{r.table(l)} }
func (r *listResult) items() int                        { return len(r.t.Rows) }
func (r *listResult) json() any                         { return listJSON{r} }

// listJSON marshals the table when it is written, in the export's
// language.
type listJSON struct{ r *listResult }

func (l listJSON) MarshalJSON() ([]byte, error) { return json.Marshal(l.r.table(i18n.English)) }

// resultKeys: / jumps to the row picked by a fuzzy filter.
func (r *listResult) resultKeys(k KeyMap) []key.Binding { return []key.Binding{k.Filter} }

func (r *listResult) key(sh *shared, _ int, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, sh.keys.Filter) || len(r.t.Rows) == 0 {
		return nil, false
	}
	items := make([]named, len(r.t.Rows))
	for i, row := range r.t.Rows {
		items[i] = named{name: row[0]}
	}
	find := newPicker(i18n.T("Find a row"), items, false, func(v string) tea.Cmd {
		for i, row := range r.t.Rows {
			if row[0] == v {
				return func() tea.Msg { return selectMsg{i} }
			}
		}
		return nil
	})
	return func() tea.Msg { return dialogMsg{find} }, true
}

// line is where row sel sits in the chart (after the title).
func (r *listResult) line(_ *shared, w, sel int) int { return sel + 1 }

// open acts on Enter, where a plain list has something to show.
func (r *listResult) enter() string {
	if r.onEnter == nil {
		return ""
	}
	return i18n.Text(r.does)
}

func (r *listResult) open(sh *shared, sel int) tea.Cmd {
	if r.onEnter == nil || sel >= len(r.t.Rows) {
		return nil
	}
	return r.onEnter(sh, sel)
}

func (r *listResult) chart(sh *shared, w, sel int) string {
	if r.bars == nil {
		return "" // the table under the chart is the whole result
	}
	top := 1
	for _, v := range r.bars {
		top = max(top, v)
	}
	nameW := min(24, w/3)
	barW := max(w-nameW-12, 4)
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(r.table(i18n.Current()).Title, w)) + "\n")
	for i, v := range r.bars {
		name := padRight(r.t.Rows[i][0], nameW)
		if i == sel {
			if sh.st.Plain {
				name = padRight("▸ "+r.t.Rows[i][0], nameW)
			}
			name = sh.st.Selected.Render(name)
		}
		bar := sh.st.Bar.Render(strings.Repeat("█", max(1, v*barW/top)))
		b.WriteString(name + " " + bar + " " + thousands(v) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// eventsResult counts events and users per name with first and last seen.
func eventsResult(ctx context.Context, d *query.Dataset) (result, error) {
	n := len(d.Names)
	events, users := make([]int, n), make([]int, n)
	first, last := make([]int64, n), make([]int64, n)
	seen := make([]int, n) // person+1 who last counted as a user of each name
	for p := 0; p+1 < len(d.Start); p++ {
		if p%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			e, t := d.Event[i], d.Time[i]
			if events[e] == 0 || t < first[e] {
				first[e] = t
			}
			if t > last[e] {
				last[e] = t
			}
			events[e]++
			if seen[e] != p+1 {
				seen[e] = p + 1
				users[e]++
			}
		}
	}
	var stats []chquery.EventStat
	for _, o := range eventCounts(d) {
		id, _ := d.EventID(o.name)
		stats = append(stats, chquery.EventStat{Name: o.name, Events: events[id], Users: users[id], First: first[id], Last: last[id]})
	}
	return eventsList(stats, d.Loc, func(_ context.Context, name string) ([]string, error) { return usersWhoDid(d, name), nil }), nil
}

// eventsList lists event names, most events first; Enter lists the users
// who did one (usersOf, in the background).
func eventsList(stats []chquery.EventStat, loc *time.Location, usersOf func(ctx context.Context, name string) ([]string, error)) result {
	r := &listResult{does: listUsers, head: func(l i18n.Lang) (string, []string) {
		return l.T("Events"), []string{l.T("event"), l.T("events"), l.T("users"), l.T("first seen"), l.T("last seen")}
	}}
	for _, e := range stats {
		r.t.Rows = append(r.t.Rows, []string{e.Name, strconv.Itoa(e.Events), strconv.Itoa(e.Users), day(e.First, loc), day(e.Last, loc)})
		r.bars = append(r.bars, e.Events)
	}
	r.onEnter = func(sh *shared, sel int) tea.Cmd {
		name := r.t.Rows[sel][0]
		return func() tea.Msg {
			users, err := usersOf(context.Background(), name)
			if err != nil {
				return statusMsg{text: err.Error(), err: true}
			}
			return pageMsg{p: usersPage(sh, "explore", i18n.T("Users who did %s", name), users)}
		}
	}
	return r
}

// usersWhoDid lists the persons with at least one event of that name.
func usersWhoDid(d *query.Dataset, name string) []string {
	id, ok := d.EventID(name)
	if !ok {
		return nil
	}
	var out []string
	for p := 0; p+1 < len(d.Start); p++ {
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			if d.Event[i] == id {
				out = append(out, d.Users[p])
				break
			}
		}
	}
	return out
}

// propsResult lists property keys; Enter shows a key's values.
func propsResult(props []named) result {
	r := &listResult{does: listValues, head: func(l i18n.Lang) (string, []string) {
		return l.T("Properties"), []string{l.T("property"), l.T("events")}
	}}
	for _, p := range props {
		r.t.Rows = append(r.t.Rows, []string{p.name, strconv.Itoa(p.count)})
		r.bars = append(r.bars, p.count)
	}
	r.onEnter = func(sh *shared, sel int) tea.Cmd {
		return loadValues(sh, r.t.Rows[sel][0], func(k string, vals []named) tea.Msg {
			lines := make([]string, len(vals))
			for i, v := range vals {
				lines[i] = padRight(v.name, 40) + " " + padLeft(thousands(v.count), 12)
			}
			return pageMsg{p: newListPage(i18n.T("Values of %s (%d)", k, len(vals)), "", lines, lines, nil)}
		})
	}
	return r
}

// The SQL box shows at most this many rows and bytes of values: they are
// all held for the table.
const (
	sqlMaxRows  = 10_000
	sqlMaxBytes = 64 << 20
)

// sqlRows keeps what the SQL box shows of a query's rows, on a local
// database or a ClickHouse table: at most sqlMaxRows rows and sqlMaxBytes
// of values, and then a title that says so.
type sqlRows struct {
	r    *listResult
	q    string
	size int
}

var errSQLFull = errors.New("full")

func newSQLRows(q string) *sqlRows {
	return &sqlRows{r: &listResult{t: output.Table{Title: "SQL: " + q}}, q: q}
}

func (s *sqlRows) columns(names []string) error {
	s.r.t.Columns = names
	return nil
}

func (s *sqlRows) add(row []string) error {
	for _, v := range row {
		s.size += len(v)
	}
	if len(s.r.t.Rows) == sqlMaxRows || s.size > sqlMaxBytes {
		return errSQLFull
	}
	s.r.t.Rows = append(s.r.t.Rows, row)
	return nil
}

// done is the result once the query returned err.
func (s *sqlRows) done(err error) (result, error) {
	if err == errSQLFull {
		n, q := len(s.r.t.Rows), s.q
		s.r.head = func(l i18n.Lang) (string, []string) {
			return l.T("SQL (first %d rows only; add a LIMIT): %s", n, q), nil
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return s.r, nil
}

// runSQL runs typed SQL through the store's guard, the one spoor sql uses:
// a read-only connection on which nothing typed here can write.
func runSQL(ctx context.Context, db *store.DB, q string) (result, error) {
	// Rows a bulk import deferred are served from the compact columns:
	// the SQL box writes nothing.
	rows := newSQLRows(q)
	return rows.done(db.QueryUser(ctx, q, rows.columns, func(vals []any) error {
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = fmt.Sprint(v)
			}
		}
		return rows.add(row)
	}))
}
