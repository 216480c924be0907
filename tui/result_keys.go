package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// keyedResult is a result with keys of its own besides Enter (the
// funnel's p lists a step's in-progress users). The footer shows them
// while the chart has focus, so a key only one tab has is named only
// there.
type keyedResult interface {
	resultKeys(k KeyMap) []key.Binding
	// key acts on item sel; handled is false when msg is not its key.
	key(sh *shared, sel int, msg tea.KeyMsg) (cmd tea.Cmd, handled bool)
}

// resultKeys are the footer's extra keys for res, none for most results.
func resultKeys(k KeyMap, res result) []key.Binding {
	if kr, ok := res.(keyedResult); ok {
		return kr.resultKeys(k)
	}
	return nil
}
