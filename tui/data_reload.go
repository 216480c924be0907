package tui

import (
	"errors"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// reload reads the database again (after an import from another
// terminal, say) and re-runs the tabs. When the path no longer names the
// file that was opened (deleted, or a backup restored over it), it opens
// what the path holds now.
func (m *Model) reload() tea.Cmd {
	if m.sh.remote != nil && !m.loading {
		// A new engine: the table's counts and names are read again.
		m.loading = true
		return tea.Batch(remoteLoadCmd(m.ctx, m.sh.remote.src, m.sh.since), m.spin.Tick)
	}
	if m.sh.db == nil || m.loading {
		return nil
	}
	m.loading = true
	m.setStatus(i18n.T("reloading…"), false)
	db := m.sh.db
	if errors.Is(db.CheckSame(), store.ErrReplaced) {
		// Close the old file before opening the new one: its -wal and -shm
		// still sit at the path, and its last close removes them; shared
		// with the file now there, they would mix two databases' pages.
		if m.cancel != nil {
			m.cancel()
		}
		db.Close()
		db = nil
	}
	return tea.Batch(loadCmd(m.ctx, m.open, db, m.sh.source, m.sh.since, m.sh.tm), m.spin.Tick)
}
