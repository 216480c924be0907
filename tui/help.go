package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// helpPage is the ? screen: every binding of the keymap, by group.
type helpPage struct{}

func (p *helpPage) typing() bool { return false }

func (p *helpPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	return key.Matches(msg, sh.keys.Back) || key.Matches(msg, sh.keys.Help), nil
}

func (p *helpPage) view(sh *shared, w, h int) string {
	hm := help.New()
	hm.Width = w
	groups := sh.keys.FullHelp()
	cols := hm.FullHelpView(groups)
	if lipgloss.Width(cols) > w {
		// Too narrow for every column side by side: two rows of columns.
		half := (len(groups) + 1) / 2
		cols = hm.FullHelpView(groups[:half]) + "\n\n" + hm.FullHelpView(groups[half:])
	}
	body := sh.st.Title.Render("Keys") + "\n\n" + cols +
		"\n\n" + sh.st.Dim.Render(wrap("In the query panel, Enter edits the row under the cursor with a picker that filters as you type; a adds a step or filter, d removes it, K/J move it. In the results, ↑↓ select a funnel step, retention cell or experiment variant and Enter lists its users (a variant's with converted yes/no and when). On a funnel step p lists those still in progress. On any list of users, e exports it (CSV, Markdown or JSON) and y copies it as Markdown; Enter on a user shows their timeline. Esc goes back. On Experiments, the weights row sets the intended split for the sample-ratio check: 90/10, 50,25,25, A=90,B=10 or even.", w))
	return fitLines(body, w, h)
}
