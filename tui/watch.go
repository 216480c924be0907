package tui

import (
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// watchEvery is how often the workbench looks for data that another
// process (spoor import in another terminal) added to its database file.
const watchEvery = 2 * time.Second

// watchTickMsg asks for a look at the database's data version.
type watchTickMsg struct{}

// versionMsg carries the data version read in the background.
type versionMsg struct {
	db  *store.DB
	v   int64
	err error
}

// startWatch begins the checks after the first load of a database file
// or a ClickHouse table; the in-memory sample changes only through the
// workbench itself.
func (m *Model) startWatch() tea.Cmd {
	if m.watching || m.watchEvery <= 0 || m.sh.remote == nil && (m.sh.db == nil || m.sh.db.Path == ":memory:") {
		return nil
	}
	m.watching = true
	return m.nextWatch()
}

func (m *Model) nextWatch() tea.Cmd {
	if m.watchEvery <= 0 {
		return nil
	}
	return tea.Tick(m.watchEvery, func(time.Time) tea.Msg { return watchTickMsg{} })
}

// watchTick reads the data version in a command: Update and View do no
// I/O. A reload in progress skips the look; it reads the version anyway.
func (m *Model) watchTick() tea.Cmd {
	if r := m.sh.remote; r != nil && !m.loading {
		return remoteFreshCmd(m.ctx, r)
	}
	if m.sh.db == nil || m.loading {
		return m.nextWatch()
	}
	ctx, db := m.ctx, m.sh.db
	return func() tea.Msg {
		if err := db.CheckSame(); err != nil {
			return versionMsg{db: db, err: err}
		}
		v, err := db.DataVersion(ctx)
		return versionMsg{db: db, v: v, err: err}
	}
}

// versionRead notes new data, or a file deleted or replaced, and
// schedules the next look. Versions only grow, so a look that started
// before a reload cannot flag the reloaded data as stale. Another failed
// look (the file busy) is not worth a message: the next one tries again.
func (m *Model) versionRead(msg versionMsg) tea.Cmd {
	if msg.db == m.sh.db && errors.Is(msg.err, store.ErrReplaced) {
		m.replaced = true
	}
	if msg.err == nil && msg.db == m.sh.db && m.sh.d != nil && msg.v > m.sh.d.Version {
		m.newData = true
	}
	if m.ctx.Err() != nil {
		return nil
	}
	return m.nextWatch()
}

// newDataHint is the footer's note while the screen shows older data.
func (m *Model) newDataHint() string {
	if m.replaced {
		return i18n.T("%s was deleted or replaced: imports and saves are refused; press %s to reopen", m.sh.db.Path, m.sh.keys.Reload.Help().Key)
	}
	if !m.newData {
		return ""
	}
	return i18n.T("new data: press %s to reload", m.sh.keys.Reload.Help().Key)
}
