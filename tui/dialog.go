package tui

import (
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"
	"github.com/spoorhq/spoor/i18n"
)

// dialog is a modal on top of the tab: a picker or a prompt. update
// reports done when the dialog should close; picking calls the dialog's
// callback, which changes the query and may return a follow-up command.
type dialog interface {
	update(sh *shared, msg tea.KeyMsg) (done bool, cmd tea.Cmd)
	view(sh *shared) string
}

// pickerWidth is the widest a picker or prompt grows, in columns.
const pickerWidth = 64

// dialogWidth is the width of a dialog's text on sh's screen, at most most.
func dialogWidth(sh *shared, most int) int { return max(min(most, sh.width-6), 12) }

// inputView draws a text input at width w without changing it: View only
// reads, and update sets the same width before the input handles a key.
func inputView(in textinput.Model, w int) string {
	in.Width = w
	return in.View()
}

// picker fuzzy-filters a list of names as you type. Matching runs on
// runes, so Chinese names filter like any other; counts sit right-aligned
// by display width. A name typed exactly comes first.
//
// A picker that also reads typed values (typed is set: a window, a range,
// a filter value) puts what was typed on a row of its own above the
// suggestions, with what it will do, and that row is picked unless the
// arrows move to a suggestion: typing 3d gives 3d, never the 30d it
// happens to match.
type picker struct {
	title    string
	items    []named
	input    textinput.Model
	matches  []fuzzy.Match // nil when the filter is empty: all items in order
	cursor   int           // -1: the typed row
	freeText bool          // enter with no match picks what was typed
	onPick   func(string) tea.Cmd
	// typed reads text that is no item, saying what it will do; onTyped
	// (onPick when nil) is given it.
	typed   func(string) (string, error)
	onTyped func(string) tea.Cmd
}

// newInput is a text input with a steady cursor: a blinking one would
// redraw the screen twice a second for nothing.
func newInput(prompt string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

func newPicker(title string, items []named, freeText bool, onPick func(string) tea.Cmd) *picker {
	in := newInput("› ")
	in.Placeholder = i18n.T("type to filter")
	in.Focus()
	return &picker{title: title, items: items, input: in, freeText: freeText, onPick: onPick}
}

// namedSource is the items as fuzzy reads them: what they show, or with
// names set, their names.
type namedSource struct {
	items []named
	names bool
}

func (s namedSource) String(i int) string {
	if s.names {
		return s.items[i].name
	}
	return s.items[i].shown()
}
func (s namedSource) Len() int { return len(s.items) }

// pickerMatches fuzzy-matches q against what each item shows and against
// its name where the two differ, best score first: under Chinese, typing
// ordered finds 有序 as typing 有序 does. A match on the name alone marks
// no characters, the name not being what is drawn.
func pickerMatches(q string, items []named) []fuzzy.Match {
	out := fuzzy.FindFrom(q, namedSource{items: items})
	at := make(map[int]int, len(out)) // item -> its match in out
	for i, m := range out {
		at[m.Index] = i
	}
	for _, m := range fuzzy.FindFrom(q, namedSource{items: items, names: true}) {
		it := items[m.Index]
		if it.shown() == it.name {
			continue // matched above
		}
		if i, ok := at[m.Index]; ok {
			out[i].Score = max(out[i].Score, m.Score)
			continue
		}
		m.Str, m.MatchedIndexes = it.shown(), nil
		at[m.Index] = len(out)
		out = append(out, m)
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Score != out[b].Score {
			return out[a].Score > out[b].Score
		}
		return out[a].Index < out[b].Index
	})
	return out
}

func (p *picker) refilter() {
	q := p.input.Value()
	p.matches = nil
	if q != "" {
		p.matches = pickerMatches(q, p.items)
		if p.matches == nil {
			p.matches = []fuzzy.Match{}
		}
		// An exact name leads, however the fuzzy score ranks it.
		for i, m := range p.matches {
			if it := p.items[m.Index]; it.name == q || it.shown() == q {
				copy(p.matches[1:i+1], p.matches[:i])
				p.matches[0] = m
				break
			}
		}
	}
	p.cursor = 0
	if p.typedRow() {
		p.cursor = -1
	}
}

// typedRow reports whether the typed text has a row of its own: the
// picker reads typed values and no item has that exact name.
func (p *picker) typedRow() bool {
	v := strings.TrimSpace(p.input.Value())
	if p.typed == nil || v == "" {
		return false
	}
	if p.visible() == 0 {
		return true
	}
	first := p.itemAt(0)
	return first.name != v && first.shown() != v
}

func (p *picker) visible() int {
	if p.matches != nil {
		return len(p.matches)
	}
	return len(p.items)
}

func (p *picker) itemAt(i int) named {
	it, _ := p.at(i)
	return it
}

func (p *picker) at(i int) (named, []int) {
	if p.matches != nil {
		m := p.matches[i]
		return p.items[m.Index], m.MatchedIndexes
	}
	return p.items[i], nil
}

func (p *picker) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	top := 0
	if p.typedRow() {
		top = -1
	}
	switch msg.String() {
	case "esc":
		return true, nil
	case "up", "ctrl+p", "ctrl+k":
		p.cursor = max(p.cursor-1, top)
		return false, nil
	case "down", "ctrl+n", "ctrl+j":
		p.cursor = min(p.cursor+1, max(p.visible()-1, top))
		return false, nil
	case "enter":
		v := strings.TrimSpace(p.input.Value())
		switch {
		case p.cursor < 0:
			if _, err := p.typed(v); err != nil {
				return false, nil // the typed row says why
			}
			if p.onTyped != nil {
				return true, p.onTyped(v)
			}
			return true, p.onPick(v)
		case p.visible() > 0:
			return true, p.onPick(p.itemAt(p.cursor).name)
		case p.freeText && v != "":
			return true, p.onPick(v)
		}
		return false, nil
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input.Width = dialogWidth(sh, pickerWidth) - 3 // the input scrolls at the width it is drawn at
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		p.refilter()
	}
	return false, cmd
}

func (p *picker) view(sh *shared) string {
	w := dialogWidth(sh, pickerWidth)
	rows := max(3, min(12, sh.height-10))
	var b strings.Builder
	b.WriteString(sh.st.DialogTitle.Render(truncate(p.title, w)) + "\n")
	b.WriteString(inputView(p.input, w-3) + "\n")
	if p.typedRow() {
		// What Enter does with the typed text, or why it cannot.
		line := ""
		if what, err := p.typed(strings.TrimSpace(p.input.Value())); err != nil {
			line = sh.st.Error.Render(truncate(err.Error(), w-2))
		} else {
			line = truncate(i18n.T("enter → %s", what), w-2)
		}
		if p.cursor < 0 {
			b.WriteString(sh.st.Cursor.Render("▸ ") + line + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
		rows--
	}
	n := p.visible()
	start := max(0, min(p.cursor-rows/2, n-rows))
	for i := start; i < n && i < start+rows; i++ {
		it, hit := p.at(i)
		count := ""
		if it.count > 0 {
			count = thousands(it.count)
		}
		name := highlight(sh, truncate(it.shown(), w-2-len(count)-1), hit)
		line := name + strings.Repeat(" ", max(1, w-2-lipgloss.Width(name)-len(count))) + sh.st.Dim.Render(count)
		if i == p.cursor {
			b.WriteString(sh.st.Cursor.Render("▸ ") + line + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	switch {
	case n == 0 && p.typed != nil:
	case n == 0 && p.freeText:
		b.WriteString(sh.st.Dim.Render("  "+i18n.T("no match — enter uses what you typed")) + "\n")
	case n == 0:
		b.WriteString(sh.st.Dim.Render("  "+i18n.T("no match")) + "\n")
	case n > rows:
		b.WriteString(sh.st.Dim.Render("  "+i18n.T("%d of %d", min(rows, n), n)) + "\n")
	}
	b.WriteString(sh.st.Dim.Render(i18n.T("enter pick · esc cancel")))
	return sh.st.Dialog.Width(w + 2).Render(b.String())
}

// highlight underlines the matched characters; hit holds byte offsets of
// s, which truncation never moves because it only cuts the tail (a name
// with control characters, shown escaped, may get the wrong ones marked).
func highlight(sh *shared, s string, hit []int) string {
	if len(hit) == 0 {
		return s
	}
	marked := make(map[int]bool, len(hit))
	for _, i := range hit {
		marked[i] = true
	}
	var b strings.Builder
	for i, r := range s {
		if marked[i] {
			b.WriteString(sh.st.Match.Render(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// prompt asks for one line of text, checks it, and hands it on.
type prompt struct {
	title, hint string
	input       textinput.Model
	check       func(string) error
	onSubmit    func(string) tea.Cmd
	err         error
}

func newPrompt(title, hint, value string, check func(string) error, onSubmit func(string) tea.Cmd) *prompt {
	in := newInput("› ")
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	return &prompt{title: title, hint: hint, input: in, check: check, onSubmit: onSubmit}
}

func (p *prompt) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	switch {
	case key.Matches(msg, sh.keys.Back):
		return true, nil
	case msg.String() == "enter":
		v := strings.TrimSpace(p.input.Value())
		if p.check != nil {
			if p.err = p.check(v); p.err != nil {
				return false, nil
			}
		}
		return true, p.onSubmit(v)
	}
	var cmd tea.Cmd
	p.input.Width = dialogWidth(sh, pickerWidth) - 3
	p.input, cmd = p.input.Update(msg)
	p.err = nil
	return false, cmd
}

func (p *prompt) view(sh *shared) string {
	w := dialogWidth(sh, pickerWidth)
	var b strings.Builder
	b.WriteString(sh.st.DialogTitle.Render(truncate(p.title, w)) + "\n")
	b.WriteString(inputView(p.input, w-3) + "\n")
	if p.err != nil {
		b.WriteString(sh.st.Error.Render(fitLines(visibleLines(p.err.Error()), w, 3)) + "\n")
	} else if p.hint != "" {
		b.WriteString(sh.st.Dim.Render(fitLines(p.hint, w, 3)) + "\n")
	}
	b.WriteString(sh.st.Dim.Render(i18n.T("enter ok · esc cancel")))
	return sh.st.Dialog.Width(w + 2).Render(b.String())
}

// overlay draws the dialog fg centred over the screen bg (w x h cells),
// which stays visible around it: the dialog edits what is behind it.
func overlay(bg, fg string, w, h int) string {
	lines := strings.Split(bg, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	box := strings.Split(fg, "\n")
	bw := lipgloss.Width(fg)
	top, left := max((h-len(box))/2, 0), max((w-bw)/2, 0)
	for i, l := range box {
		y := top + i
		if y >= len(lines) {
			break
		}
		under := lines[y]
		before := ansi.Truncate(under, left, "")
		if gap := left - ansi.StringWidth(before); gap > 0 {
			before += strings.Repeat(" ", gap)
		}
		after := ansi.TruncateLeft(under, left+bw, "")
		if ansi.StringWidth(under) <= left+bw {
			after = ""
		}
		// Reset around the box so no style runs into or out of it.
		lines[y] = clip(before+reset(before)+l+strings.Repeat(" ", max(bw-ansi.StringWidth(l), 0))+reset(l)+after, w)
	}
	return strings.Join(lines, "\n")
}

// reset is the SGR reset after styled text, nothing after plain text.
func reset(s string) string {
	if strings.Contains(s, "\x1b[") {
		return "\x1b[0m"
	}
	return ""
}
