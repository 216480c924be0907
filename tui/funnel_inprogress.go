package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
)

// A funnel step's users whose window is still open at the data's end are
// counted apart from those who dropped off (docs/semantics.md#funnels), so they are listed
// apart too: Enter keeps opening the drop-off, p opens these.

func (r *funnelResult) resultKeys(k KeyMap) []key.Binding { return []key.Binding{k.InProgress} }

func (r *funnelResult) key(sh *shared, sel int, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, sh.keys.InProgress) {
		return nil, false
	}
	return r.inProgress(sh, sel), true
}

// inProgress opens the in-progress users of step sel, from the same
// per-user result as the table's "in progress" column; Enter on one
// explains them, as on the drop-off list. With no such user it says why
// in the status line rather than opening an empty page.
func (r *funnelResult) inProgress(sh *shared, sel int) tea.Cmd {
	if sel < 0 || sel >= len(r.r.Steps) {
		return nil
	}
	s := r.r.Steps[sel]
	if sel == len(r.r.Steps)-1 {
		return statusCmd(i18n.T("step %d %s is the last: its users converted, enter lists them", sel+1, s.Event), false)
	}
	users := r.r.InProgressAt(sel)
	if len(users) == 0 {
		return statusCmd(i18n.T("nobody is in progress at step %d %s", sel+1, s.Event), false)
	}
	p := usersPage(sh, "funnel", i18n.T("In progress at step %d %s", sel+1, s.Event)+r.overall(), users)
	if sh.remote == nil { // on ClickHouse, Enter shows the user's timeline
		d, db := sh.d, sh.db
		p.onEnter = func(u string) tea.Cmd { return explainCmd(r, d, db, u) }
	}
	return func() tea.Msg { return pageMsg{p: p} }
}
