package tui

import tea "github.com/charmbracelet/bubbletea"

// reload reads the database again (after an import from another
// terminal, say) and re-runs the tabs.
func (m *Model) reload() tea.Cmd {
	if m.sh.db == nil || m.loading {
		return nil
	}
	m.loading = true
	m.setStatus("reloading…", false)
	return tea.Batch(loadCmd(m.ctx, m.open, m.sh.db, m.sh.source, m.sh.since), m.spin.Tick)
}
