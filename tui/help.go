package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/spoorhq/spoor/i18n"
)

// helpPage is the ? screen: every binding of the keymap, by group, then
// how the screens fit together. It scrolls when the terminal is too short
// for it.
type helpPage struct{ top int }

// helpText is how the screens fit together, shown under the keys.
var helpText = i18n.N("In the query panel, Enter edits the row under the cursor with a picker that filters as you type; a adds a step or filter, d removes it, K/J move it. In the results, ↑↓ select a funnel step, retention cell or experiment variant and Enter lists its users (a variant's with converted yes/no and when). On a funnel step p lists those still in progress. On any list of users, e exports it (CSV, Markdown or JSON) and y copies it as Markdown; Enter on a user shows their timeline. On Segments, b back-tests the selected audience against a goal over 60 days. Esc goes back. On Experiments, the weights row sets the intended split for the sample-ratio check: 90/10, 50,25,25, A=90,B=10 or even.")

func (p *helpPage) typing() bool { return false }

func (p *helpPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	k := sh.keys
	last := len(helpLines(sh, sh.width)) - 1
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Help):
		return true, nil
	case key.Matches(msg, k.Up):
		p.top = max(p.top-1, 0)
	case key.Matches(msg, k.Down):
		p.top = min(p.top+1, last)
	case msg.String() == "pgdown" || msg.String() == "ctrl+d" || msg.String() == " ":
		p.top = min(p.top+10, last)
	case msg.String() == "pgup" || msg.String() == "ctrl+u":
		p.top = max(p.top-10, 0)
	}
	return false, nil
}

// helpLines lays the key groups out side by side as far as the width
// allows (all, then two rows of columns, then one group a row), then the
// text.
func helpLines(sh *shared, w int) []string {
	hm := help.New()
	hm.Width = 0 // measure whole columns; bubbles cuts them with … otherwise
	groups := sh.keys.FullHelp()
	var cols string
	for _, per := range []int{len(groups), (len(groups) + 1) / 2, 1} {
		var rows []string
		for i := 0; i < len(groups); i += per {
			rows = append(rows, hm.FullHelpView(groups[i:min(i+per, len(groups))]))
		}
		cols = strings.Join(rows, "\n\n")
		if lipgloss.Width(cols) <= w {
			break
		}
	}
	body := sh.st.Title.Render(i18n.T("Keys")) + "\n\n" + cols + "\n\n" + sh.st.Dim.Render(wrap(i18n.Text(helpText), w))
	return strings.Split(body, "\n")
}

func (p *helpPage) view(sh *shared, w, h int) string {
	lines := helpLines(sh, w)
	if len(lines) <= h {
		return fitLines(strings.Join(lines, "\n"), w, h)
	}
	rows := max(h-1, 1)
	top := min(p.top, len(lines)-rows)
	end := top + rows
	foot := sh.st.Dim.Render(truncate(i18n.T("lines %d-%d of %d · ↑↓ scroll · esc back", top+1, end, len(lines)), w))
	return fitLines(strings.Join(lines[top:end], "\n"), w, rows) + "\n" + foot
}
