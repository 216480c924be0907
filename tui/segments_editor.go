package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/segment"
)

// exprEditor is a prompt for a segment expression that parses it on every
// key, pointing at the column of the first error; Enter accepts only an
// expression that parses, and the tab then previews its size.
type exprEditor struct {
	input    textinput.Model
	err      error
	onSubmit func(string) tea.Cmd
	// The size of the expression as typed is counted in the background
	// once typing pauses (countDelay); a newer expression cancels the
	// count in flight. seq tells the current one apart.
	seq    int
	delay  time.Duration
	cancel context.CancelFunc
	count  string // "123 users (4.5%)", "counting…" or why not
}

// countDelay is the pause in typing after which the size is counted
// (shared.countDelay; tests shorten it).
const countDelay = 300 * time.Millisecond

// exprTickMsg says typing paused on expression seq; exprCountMsg brings
// its size.
type exprTickMsg struct{ seq int }
type exprCountMsg struct {
	seq  int
	text string
}

// exprHint is the expression language by example (a catalog key).
var exprHint = i18n.N("did EVENT [where P = V] [>= N] [in 30d] · first_seen within 7d · country = CN · and / or / not · ( )")

func newExprEditor(value string, delay time.Duration, onSubmit func(string) tea.Cmd) *exprEditor {
	in := newInput("› ")
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	e := &exprEditor{input: in, onSubmit: onSubmit, delay: delay}
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
		e.close()
		return true, nil
	case msg.String() == "enter":
		if e.err != nil {
			return false, nil
		}
		e.close()
		return true, e.onSubmit(strings.TrimSpace(e.input.Value()))
	}
	before := e.input.Value()
	var cmd tea.Cmd
	e.input.Width = dialogWidth(sh, exprWidth) - 3
	e.input, cmd = e.input.Update(msg)
	if e.input.Value() == before {
		return false, cmd
	}
	e.check()
	return false, tea.Batch(cmd, e.recount())
}

// recount drops the count in flight and, when the expression parses,
// asks for a new one after the pause.
func (e *exprEditor) recount() tea.Cmd {
	e.seq++
	if e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
	e.count = ""
	if e.err != nil || strings.TrimSpace(e.input.Value()) == "" {
		return nil
	}
	seq := e.seq
	return tea.Tick(e.delay, func(time.Time) tea.Msg { return exprTickMsg{seq} })
}

// message handles the count's messages (the root routes them here).
func (e *exprEditor) message(ctx context.Context, sh *shared, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case exprTickMsg:
		if msg.seq != e.seq || sh.d == nil && sh.remote == nil {
			return nil
		}
		ctx, cancel := context.WithCancel(ctx)
		e.cancel, e.count = cancel, i18n.T("counting…")
		src, expr, seq := segmentsOf(sh.remote, sh.d), strings.TrimSpace(e.input.Value()), e.seq
		return func() tea.Msg {
			defer cancel()
			n, err := src.count(ctx, expr)
			switch {
			case ctx.Err() != nil:
				return nil // a newer expression or a closed editor
			case err != nil:
				return exprCountMsg{seq, err.Error()}
			}
			total := src.total()
			return exprCountMsg{seq, i18n.T("%d users (%s of %d)", n, output.Percent(float64(n)/float64(max(total, 1))), total)}
		}
	case exprCountMsg:
		if msg.seq == e.seq {
			e.count = msg.text
		}
	}
	return nil
}

// close stops a count in flight when the editor goes away.
func (e *exprEditor) close() {
	if e.cancel != nil {
		e.cancel()
	}
}

// exprWidth is the widest the segment expression editor grows.
const exprWidth = 76

func (e *exprEditor) view(sh *shared) string {
	w := dialogWidth(sh, exprWidth)
	var b strings.Builder
	b.WriteString(sh.st.DialogTitle.Render(i18n.T("Segment expression")) + "\n")
	b.WriteString(inputView(e.input, w-3) + "\n")
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
		if e.count != "" {
			b.WriteString(sh.st.Status.Render(truncate(i18n.T("now: %s", e.count), w)) + "\n")
		}
		b.WriteString(sh.st.Dim.Render(fitLines(wrap(i18n.Text(exprHint), w), w, 3)) + "\n")
	}
	b.WriteString(sh.st.Dim.Render(i18n.T("enter preview · esc cancel")))
	return sh.st.Dialog.Width(w + 2).Render(b.String())
}
