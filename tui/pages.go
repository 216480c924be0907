package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"
	"github.com/spoorhq/spoor/i18n"
)

// page covers the tab body until Esc: a users list, a timeline, the saved
// analyses. update reports closed when the page should be popped.
type page interface {
	update(sh *shared, msg tea.KeyMsg) (closed bool, cmd tea.Cmd)
	view(sh *shared, w, h int) string
	// typing reports whether a text input has focus, so q types.
	typing() bool
}

// listPage is a scrollable list that / filters; Enter acts on the row.
type listPage struct {
	title   string
	header  string   // column heading line, may be empty
	lines   []string // preformatted rows
	keys    []string // what Enter is given for each row
	shown   []int    // rows passing the filter
	cursor  int
	filter  textinput.Model
	onEnter func(key string) tea.Cmd
	// users is set when the rows are users: e exports them, y copies them.
	users *userList
}

func newListPage(title, header string, lines, keys []string, onEnter func(string) tea.Cmd) *listPage {
	in := newInput("/")
	p := &listPage{title: title, header: header, lines: lines, keys: keys, filter: in, onEnter: onEnter}
	p.refilter()
	return p
}

func (p *listPage) typing() bool { return p.filter.Focused() }

func (p *listPage) refilter() {
	p.shown = p.shown[:0]
	if q := p.filter.Value(); q != "" {
		for _, m := range fuzzy.Find(q, p.lines) {
			p.shown = append(p.shown, m.Index)
		}
	} else {
		for i := range p.lines {
			p.shown = append(p.shown, i)
		}
	}
	p.cursor = min(p.cursor, max(len(p.shown)-1, 0))
}

func (p *listPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	if p.filter.Focused() {
		switch msg.String() {
		case "esc":
			p.filter.Blur()
			p.filter.SetValue("")
			p.refilter()
			return false, nil
		case "enter", "down", "up":
			p.filter.Blur()
		default:
			var cmd tea.Cmd
			p.filter, cmd = p.filter.Update(msg)
			p.refilter()
			return false, cmd
		}
	}
	k := sh.keys
	switch {
	case key.Matches(msg, k.Back):
		return true, nil
	case key.Matches(msg, k.Filter):
		return false, p.filter.Focus()
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
	case msg.String() == "pgdown" || msg.String() == "ctrl+d":
		p.cursor = min(p.cursor+10, max(len(p.shown)-1, 0))
	case msg.String() == "pgup" || msg.String() == "ctrl+u":
		p.cursor = max(p.cursor-10, 0)
	case key.Matches(msg, k.Enter):
		if len(p.shown) > 0 && p.onEnter != nil {
			return false, p.onEnter(p.keys[p.shown[p.cursor]])
		}
	case key.Matches(msg, k.Export) && p.users != nil:
		l := p.users
		return false, func() tea.Msg { return dialogMsg{l.exportDialog()} }
	case key.Matches(msg, k.Copy) && p.users != nil:
		return false, p.users.copy()
	}
	return false, nil
}

func (p *listPage) view(sh *shared, w, h int) string {
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(p.title, w)) + "\n")
	used := 1
	if p.header != "" {
		b.WriteString(sh.st.Label.Render(truncate("  "+p.header, w)) + "\n")
		used++
	}
	foot := sh.st.Dim.Render(i18n.T("%d of %d", len(p.shown), len(p.lines)))
	if p.filter.Focused() || p.filter.Value() != "" {
		// The input is styled (its cursor): clip, not truncate, keeps its
		// escapes working rather than printing them.
		foot = p.filter.View() + "  " + foot
	} else {
		more := i18n.T(" · / filter · enter open")
		if p.users != nil {
			more += i18n.T(" · e export · y copy")
		}
		foot += sh.st.Dim.Render(more + i18n.T(" · esc back"))
	}
	rows := max(h-used-1, 1)
	start := max(0, min(p.cursor-rows/2, len(p.shown)-rows))
	for i := start; i < len(p.shown) && i < start+rows; i++ {
		line := truncate(p.lines[p.shown[i]], w-2)
		if i == p.cursor {
			b.WriteString(sh.st.Cursor.Render("▸ ") + sh.st.Selected.Render(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	for i := len(p.shown) - start; i < rows; i++ {
		b.WriteString("\n")
	}
	b.WriteString(clip(foot, w))
	return b.String()
}

// textPage shows read-only text (a timeline, an explanation) that scrolls.
type textPage struct {
	title string
	lines []string
	top   int
}

func (p *textPage) typing() bool { return false }

func (p *textPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	k := sh.keys
	switch {
	case key.Matches(msg, k.Back):
		return true, nil
	case key.Matches(msg, k.Up):
		p.top = max(p.top-1, 0)
	case key.Matches(msg, k.Down):
		p.top = min(p.top+1, max(len(p.lines)-1, 0))
	case msg.String() == "pgdown" || msg.String() == "ctrl+d" || msg.String() == " ":
		p.top = min(p.top+10, max(len(p.lines)-1, 0))
	case msg.String() == "pgup" || msg.String() == "ctrl+u":
		p.top = max(p.top-10, 0)
	}
	return false, nil
}

func (p *textPage) view(sh *shared, w, h int) string {
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(p.title, w)) + "\n")
	rows := max(h-2, 1)
	end := min(p.top+rows, len(p.lines))
	for _, l := range p.lines[p.top:end] {
		b.WriteString(truncate(l, w) + "\n")
	}
	for i := end - p.top; i < rows; i++ {
		b.WriteString("\n")
	}
	b.WriteString(sh.st.Dim.Render(truncate(i18n.T("lines %d-%d of %d · ↑↓ scroll · esc back", min(p.top+1, end), end, len(p.lines)), w)))
	return b.String()
}
