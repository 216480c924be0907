package tui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/segment"
)

// exprEditor is a prompt for a segment expression that parses it on every
// key, pointing at the column of the first error; Enter accepts only an
// expression that parses, and the tab then previews its size.
type exprEditor struct {
	input    textinput.Model
	err      error
	onSubmit func(string) tea.Cmd
}

const exprHint = "did EVENT [where P = V] [>= N] [in 30d] · first_seen within 7d · country = CN · and / or / not · ( )"

func newExprEditor(value string, onSubmit func(string) tea.Cmd) *exprEditor {
	in := newInput("› ")
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	e := &exprEditor{input: in, onSubmit: onSubmit}
	e.check()
	return e
}

func (e *exprEditor) check() {
	e.err = nil
	if v := strings.TrimSpace(e.input.Value()); v != "" {
		_, e.err = segment.Parse(v)
	}
}

func (e *exprEditor) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	switch {
	case key.Matches(msg, sh.keys.Back):
		return true, nil
	case msg.String() == "enter":
		if e.err != nil {
			return false, nil
		}
		return true, e.onSubmit(strings.TrimSpace(e.input.Value()))
	}
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	e.check()
	return false, cmd
}

func (e *exprEditor) view(sh *shared) string {
	w := max(min(76, sh.width-6), 12)
	e.input.Width = w - 3
	var b strings.Builder
	b.WriteString(sh.st.DialogTitle.Render("Segment expression") + "\n")
	b.WriteString(e.input.View() + "\n")
	var pe *segment.ParseError
	switch {
	case errors.As(e.err, &pe):
		// The caret sits under the column when the text is not scrolled.
		v := []rune(e.input.Value())
		at := 2 + ansi.StringWidth(string(v[:min(max(pe.Col-1, 0), len(v))]))
		if at < w {
			b.WriteString(sh.st.Error.Render(strings.Repeat(" ", at)+"^") + "\n")
		}
		b.WriteString(sh.st.Error.Render(fitLines(wrap(e.err.Error(), w), w, 3)) + "\n")
	case e.err != nil:
		b.WriteString(sh.st.Error.Render(fitLines(wrap(e.err.Error(), w), w, 3)) + "\n")
	default:
		b.WriteString(sh.st.Dim.Render(fitLines(wrap(exprHint, w), w, 3)) + "\n")
	}
	b.WriteString(sh.st.Dim.Render("enter preview · esc cancel"))
	return sh.st.Dialog.Width(w + 2).Render(b.String())
}
