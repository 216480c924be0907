package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
)

// panelKey edits the query: move between rows, Enter edits, a adds, d
// removes, K/J reorder.
func (m *Model) panelKey(msg tea.KeyMsg) tea.Cmd {
	k, t := m.sh.keys, m.tab()
	rows := t.a.rows(m.sh)
	t.row = min(t.row, len(rows)-1)
	r := rows[t.row]
	switch {
	case key.Matches(msg, k.Up):
		t.row = max(t.row-1, 0)
	case key.Matches(msg, k.Down):
		t.row = min(t.row+1, len(rows)-1)
	case key.Matches(msg, k.Right):
		m.focus = 1
	case key.Matches(msg, k.Enter):
		if r.edit != nil {
			m.dlg = r.edit(m.sh)
		}
	case key.Matches(msg, k.Add):
		if r.add != nil {
			m.dlg = r.add(m.sh)
		} else if add := firstAdd(rows); add != nil {
			m.dlg = add(m.sh)
		}
	case key.Matches(msg, k.Delete):
		if r.drop != nil {
			return r.drop(m.sh)
		}
		if r.remove != nil {
			r.remove()
			return m.rerun()
		}
	case key.Matches(msg, k.MoveUp), key.Matches(msg, k.MoveDown):
		d := 1
		if key.Matches(msg, k.MoveUp) {
			d = -1
		}
		if r.move != nil && r.move(d) {
			t.row += d
			return m.rerun()
		}
	case key.Matches(msg, k.Range):
		m.dlg = rangeDialog(t.a.common())
	case key.Matches(msg, k.StepFilter):
		if r.filter != nil {
			m.dlg = r.filter(m.sh)
		} else {
			m.dlg = filterDialog(m.sh, &t.a.common().Where)
		}
	}
	return nil
}

// firstAdd is what a on a row without a list of its own adds: the tab's
// main list (steps, events).
func firstAdd(rows []row) func(*shared) dialog {
	for _, r := range rows {
		if r.add != nil {
			return r.add
		}
	}
	return nil
}

// resultsKey moves the selection in the chart, scrolls, and drills down;
// then the scroll follows.
func (m *Model) resultsKey(msg tea.KeyMsg) tea.Cmd {
	defer m.followResults(m.tab())
	return m.resultsAction(msg)
}

func (m *Model) resultsAction(msg tea.KeyMsg) tea.Cmd {
	k, t := m.sh.keys, m.tab()
	n := 0
	if t.res != nil {
		n = t.res.items()
	}
	if t.res != nil && n > 0 {
		for _, dir := range []struct {
			b key.Binding
			d string
		}{{k.Up, "up"}, {k.Down, "down"}, {k.Left, "left"}, {k.Right, "right"}} {
			if !key.Matches(msg, dir.b) {
				continue
			}
			if sel, ok, grid := t.res.move(t.sel, dir.d); grid {
				if !ok {
					m.focus = 0
				}
				t.sel = sel
				return nil
			}
		}
	}
	// A result's own keys work with no item too (F shows the trends
	// forecast before it has anomalies to select).
	if t.res != nil {
		if cmd, handled := t.res.key(m.sh, t.sel, msg); handled {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.ScrollLeft):
		m.scrollTable(t, -scrollStep)
	case key.Matches(msg, k.ScrollRight):
		m.scrollTable(t, scrollStep)
	case key.Matches(msg, k.Right):
		m.scrollTable(t, scrollStep)
	case key.Matches(msg, k.Left):
		if !m.scrollTable(t, -scrollStep) {
			m.focus = 0
		}
	case key.Matches(msg, k.Up):
		if n > 0 {
			t.sel = max(t.sel-1, 0)
		} else {
			t.scroll = max(t.scroll-1, 0)
		}
	case key.Matches(msg, k.Down):
		if n > 0 {
			t.sel = min(t.sel+1, n-1)
		} else {
			t.scroll++
		}
	case msg.String() == "pgdown" || msg.String() == "ctrl+d":
		t.scroll += 10
	case msg.String() == "pgup" || msg.String() == "ctrl+u":
		t.scroll = max(t.scroll-10, 0)
	case key.Matches(msg, k.Range):
		m.dlg = rangeDialog(t.a.common())
	case key.Matches(msg, k.Enter):
		if t.res == nil || n == 0 {
			return nil
		}
		if !current(t) {
			m.setStatus(i18n.T("the result is not yet updated for your last edit: try again once it is"), true)
			return nil
		}
		if cmd := t.res.open(m.sh, t.sel); cmd != nil {
			return cmd
		}
		title, users, ok := t.res.drill(t.sel)
		if !ok {
			return nil
		}
		p := usersPage(m.sh, t.a.kind(), title, users)
		if m.sh.remote == nil { // on ClickHouse, Enter shows the user's timeline
			res, d, db := t.res, m.sh.d, m.sh.db
			p.onEnter = func(u string) tea.Cmd { return explainCmd(res, d, db, u) }
		}
		m.pages = append(m.pages, p)
	}
	return nil
}
