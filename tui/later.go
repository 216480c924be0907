package tui

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
)

// laterWork is a result drawn before all it may show is computed: work
// that only some views need (the trends forecast, while shown) runs in
// the background once the result is on screen, so a run and the first
// screen wait for none of it.
type laterWork interface {
	// later returns what is left to compute for the result as it is
	// drawn now, or nil when nothing is. The func runs in the background
	// and returns the func that fills the result in, which Update calls;
	// it returns nil when ctx ended first.
	later() func(ctx context.Context) func()
}

// filledMsg brings back a result's later work.
type filledMsg struct {
	seq  int
	fill func()
}

// fillActive starts the later work of the active tab's result when it is
// current and has some left, and cancels later work for any other result:
// only what is on screen is worth the CPU.
func (m *Model) fillActive() tea.Cmd {
	t := m.tab()
	if m.filling != nil && m.filling != t.res {
		m.fillCancel()
		m.filling = nil
	}
	if m.filling != nil || !current(t) {
		return nil
	}
	lw, ok := t.res.(laterWork)
	if !ok {
		return nil
	}
	work := lw.later()
	if work == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.fillSeq++
	m.filling, m.fillCancel = t.res, cancel
	seq, end := m.fillSeq, m.sh.tm.span("later "+tabNames[m.active])
	return func() tea.Msg {
		defer end()
		return filledMsg{seq: seq, fill: work(ctx)}
	}
}

// filled fills the result in unless its work was cancelled since, then
// starts whatever is left.
func (m *Model) filled(msg filledMsg) tea.Cmd {
	if msg.seq != m.fillSeq || m.filling == nil {
		return nil
	}
	m.filling = nil
	if msg.fill != nil {
		msg.fill()
	}
	return m.fillActive()
}

// warmer is a tab whose first query reads property columns, which take a
// while to load the first time (a quarter second at 10M events): once the
// first screen is up they load in the background, so the tab's first run
// finds them loaded.
type warmer interface {
	warm() []string
}

// warmProps is how many of the most common property keys load in the
// background too: the top of the by and filter pickers' lists (most
// common first), which a breakdown or a filter most likely picks. At 10M
// events the Funnel tab's first "by country" read its column in the run
// (a third of a second quiet, over the 100 ms an edit may take); from the
// column cache a column loads in ~30 ms of CPU at 10M, on the core the
// first screen leaves idle.
const warmProps = 4

// warmPropsEvents is the most events at which the pickers' keys are
// warmed. Above it a column not yet in the column cache is decoded from
// the database, which competes with the first screen and the first edits
// on a 2-core laptop (first screen 4.0 -> 8.4 s at 100M when a decode
// took 7-12 s of CPU under load); a column the cache holds maps in a run
// anyway. A decode now takes ~0.9 s of CPU at 100M (1.6 s before; trends
// --by country with the column not cached less cached, load 8), but each
// warmed column stays in memory, 4 bytes an event: the 4 keys at 100M
// would hold 1.6 GB the edits may never use.
var warmPropsEvents = 20_000_000

// warmKeys are the property columns warmCmd loads: the tabs' first
// queries' (needed soonest), then the pickers' first ones.
func (m *Model) warmKeys() []string {
	var keys []string
	for _, t := range m.tabs {
		if w, ok := t.a.(warmer); ok {
			keys = append(keys, w.warm()...)
		}
	}
	if m.sh.d == nil || m.sh.d.Len() > warmPropsEvents {
		return keys
	}
	for _, p := range m.sh.props[:min(warmProps, len(m.sh.props))] {
		if !slices.Contains(keys, p.name) {
			keys = append(keys, p.name)
		}
	}
	return keys
}

// warmCmd loads the property columns of warmKeys, after the first result
// of newly loaded data is on screen; nil when there are none.
func (m *Model) warmCmd() tea.Cmd {
	d := m.sh.d
	if d == nil {
		return nil
	}
	keys := m.warmKeys()
	if len(keys) == 0 {
		return nil
	}
	ctx, tm := m.ctx, m.sh.tm
	return func() tea.Msg {
		for _, k := range keys {
			end := tm.span("  warm property " + k)
			d.Prop(ctx, k) // an error shows when a run reads the column
			end()
		}
		return nil
	}
}
