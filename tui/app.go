// Package tui is the workbench: an interactive terminal UI over the
// analyses of packages query, segment, experiment and alert, importing
// files through importers. The root model routes keys and lays out the
// screen; each tab's query, chart and table live in their own files. It
// does not import cli: package cli parses the workbench's flags and main
// hands them to Run.
package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// tabState is one tab: its query, the panel cursor and its last result.
type tabState struct {
	a      analysis // nil on tabs whose engine is not in this build
	row    int      // query panel cursor
	res    result
	err    error
	sel    int // selected chart item (funnel step, retention cell)
	scroll int // first line of the results shown
	xoff   int // first column of the tables shown (← → on wide tables)
	// key is the query (runKey) that res or err answers, so an unchanged
	// query is not run again and an edited one's old result is not drawn
	// as its answer; want is the query of this tab's run in flight.
	key, want string
	ms        int64
}

// Model is the root of the workbench.
type Model struct {
	sh      *shared
	ctx     context.Context
	open    opener
	tabs    [8]*tabState
	active  int
	focus   int // 0 query panel, 1 results
	loading bool
	spin    spinner.Model
	dlg     dialog
	pages   []page
	status  string
	isErr   bool
	seq     int         // newest run; older results are dropped
	cache   resultCache // results of earlier queries on this data
	// filling is the result whose later work (later.go) is in flight;
	// fillCancel cancels it, fillSeq tells its message from older ones.
	filling    result
	fillCancel context.CancelFunc
	fillSeq    int
	warmed     bool               // the property columns the tabs read are loading (warmCmd)
	running    int                // tab whose run is in flight, -1 when idle
	cancel     context.CancelFunc // cancels the run in flight
	imp        *importPage        // the import in progress or last finished
	// watchEvery > 0 looks for new data in the database file that often
	// (run sets it; tests drive the looks by hand); newData is set when a
	// look finds data newer than the screen's; replaced when it finds the
	// path names another file, or none (watch.go).
	watchEvery time.Duration
	watching   bool
	newData    bool
	// fresh is set when another database replaces the open one (after an
	// import from the sample): the next load starts every tab over.
	fresh    bool
	replaced bool
	// keepLang is set when --lang or $SPOOR_LANG chose the language: the
	// one remembered in the database does not replace it.
	keepLang bool
	// src, when set, is the ClickHouse table to show instead of open's database.
	src *clickhouse.Source
	// ticked is set while the last message was a spinner tick, which
	// changes nothing on screen but the spinner; stale is the old result's
	// text the last frame drew (staleText).
	ticked bool
	stale  staleFrame
}

// New builds the workbench; open is called in the background by Init.
func New(ctx context.Context, open opener, color bool) *Model {
	sh := &shared{st: DefaultStyles(color), keys: DefaultKeyMap(), since: time.Since, countDelay: countDelay}
	m := &Model{sh: sh, ctx: ctx, open: open, loading: true, running: -1, active: tabFunnel}
	m.spin = spinner.New(spinner.WithSpinner(spinner.Dot))
	for i := range m.tabs {
		m.tabs[i] = &tabState{a: newAnalysis(i, sh)}
	}
	return m
}

// Init starts loading the data.
func (m *Model) Init() tea.Cmd {
	if m.src != nil {
		return tea.Batch(remoteLoadCmd(m.ctx, m.src, m.sh.since), m.spin.Tick)
	}
	return tea.Batch(loadCmd(m.ctx, m.open, nil, "", m.sh.since, m.sh.tm), m.spin.Tick)
}

func (m *Model) tab() *tabState { return m.tabs[m.active] }

// Update routes a message, then starts the later work of the result it
// leaves on screen, if any (later.go).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(spinner.TickMsg); ok {
		m.ticked = true
		return m.update(msg)
	}
	m.ticked = false
	_, cmd := m.update(msg)
	return m, tea.Batch(cmd, m.fillActive())
}

// update routes a message: global keys first, then the dialog, the page
// on top, or the active tab.
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sh.width, m.sh.height = msg.Width, msg.Height
		m.followResults(m.tab())
		return m, nil
	case spinner.TickMsg:
		if !m.loading && m.running < 0 && (m.imp == nil || m.imp.done) {
			return m, nil // let the tick chain stop while idle
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case loadedMsg:
		return m, m.loaded(msg)
	case watchTickMsg:
		return m, m.watchTick()
	case versionMsg:
		return m, m.versionRead(msg)
	case freshMsg:
		return m, m.freshRead(msg)
	case exprTickMsg, exprCountMsg:
		if e, ok := m.dlg.(*exprEditor); ok {
			return m, e.message(m.ctx, m.sh, msg)
		}
		return m, nil
	case applySegmentMsg:
		m.setStatus(applySegment(m.tabs[:], msg), false)
		return m, nil
	case savedMsg:
		return m, m.savedRead(msg)
	case resultMsg:
		return m, m.finished(msg)
	case filledMsg:
		return m, m.filled(msg)
	case rangePickedMsg:
		next, err := applyRange(msg.c, msg.value)
		if err != nil {
			m.setStatus(err.Error(), true)
		}
		if next != nil {
			m.dlg = next
			return m, nil
		}
		return m, m.rerun()
	case dialogMsg:
		m.dlg = msg.d
		return m, nil
	case selectMsg:
		if t := m.tab(); t.res != nil && msg.item < t.res.items() {
			t.sel = msg.item
		}
		return m, nil
	case statusMsg:
		m.setStatus(msg.text, msg.err)
		return m, nil
	case pageMsg:
		m.pages = append(m.pages, msg.p)
		return m, nil
	case backtestMsg:
		msg.p.finish(msg)
		return m, nil
	case importStartedMsg, importProgressMsg, importDoneMsg:
		return m, m.importMsg(msg)
	case openSpecMsg:
		return m, m.openSpec(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// setStatus puts a line in the footer; errors may quote the data, so its
// control characters are shown as escapes.
func (m *Model) setStatus(text string, isErr bool) { m.status, m.isErr = output.Visible(text), isErr }

func (m *Model) loaded(msg loadedMsg) tea.Cmd {
	m.loading = false
	if msg.err != nil {
		m.setStatus(msg.err.Error(), true)
		return nil
	}
	first := (m.sh.d == nil && m.sh.remote == nil) || m.fresh
	if m.sh.db != nil && m.sh.db != msg.db {
		m.sh.db.Close() // another database now, or the file now at the path
	}
	if m.fresh {
		for i, t := range m.tabs {
			*t = tabState{a: newAnalysis(i, m.sh)}
		}
		m.fresh = false
	}
	m.sh.db, m.sh.d, m.sh.source, m.sh.events, m.sh.funnelSeed, m.sh.picks = msg.db, msg.d, msg.source, msg.events, msg.funnel, msg.picks
	m.sh.props = msg.props
	m.sh.eng, m.sh.remote = msg.d, msg.remote
	if msg.remote != nil {
		m.sh.eng = msg.remote.eng
	}
	if first && !m.keepLang && msg.lang != "" && msg.lang != i18n.Current() {
		i18n.Set(msg.lang)
		m.sh.keys = DefaultKeyMap()
	}
	m.stop()
	m.cache.clear()
	m.warmed = false
	for _, t := range m.tabs {
		t.key = ""
		if first && t.a != nil {
			t.a.seed(m.sh)
		}
	}
	m.newData, m.replaced = false, false
	if msg.remote != nil {
		m.setStatus(i18n.T("opened %s events on ClickHouse in %d ms", thousands(msg.remote.over.Events), msg.ms), false)
	} else {
		m.setStatus(i18n.T("loaded %s events in %d ms", thousands(msg.d.Len()), msg.ms), false)
	}
	if msg.propsErr != nil {
		m.setStatus(i18n.T("property keys: %s", msg.propsErr.Error()), true)
	}
	if msg.remote != nil {
		return tea.Batch(m.rerun(), savedListCmd(savedStore{rem: msg.remote}, ""), m.startWatch())
	}
	return tea.Batch(m.rerun(), savedListCmd(savedStore{db: msg.db}, ""), m.startWatch())
}

// savedRead keeps the saved segments the by pickers and the Segments tab
// list, and re-runs that tab, whose sizes come from them. After a save or
// a delete (a status says which) every query may name what changed
// (--segment, by segment:NAME): none of the results kept answers it now.
func (m *Model) savedRead(msg savedMsg) tea.Cmd {
	m.sh.saved, m.sh.savedErr = msg.entries, msg.err
	if msg.saved != nil {
		for _, t := range m.tabs {
			if t.a != nil {
				t.a.stored(msg.saved)
			}
		}
	}
	if msg.status != "" {
		m.setStatus(msg.status, false)
	}
	if msg.status != "" || msg.saved != nil {
		m.cache.clear()
		for _, t := range m.tabs {
			t.key = ""
		}
	} else {
		m.cache.drop(tabSegments)
		m.tabs[tabSegments].key = ""
	}
	if m.active == tabSegments || m.tab().key == "" {
		return m.rerun()
	}
	return nil
}

// rerun shows the active tab's result for its query: the one on screen
// when the query is unchanged, a cached one when it ran before on this
// data, or else a run started in the background, cancelling whatever ran
// before.
func (m *Model) rerun() tea.Cmd {
	t := m.tab()
	if t.a == nil || (m.sh.d == nil && m.sh.remote == nil) {
		return nil
	}
	spec, err := t.a.spec()
	if err != nil {
		m.stop()
		t.res, t.err, t.key = nil, err, ""
		return nil
	}
	key := runKey(spec)
	if key == t.key {
		// What is on screen answers the query (an edit undone before its
		// run finished): a run for anything else is no longer wanted.
		m.stop()
		return nil
	}
	if key == t.want && m.running == m.active {
		return nil // its run is in flight
	}
	if c, ok := m.cache.get(m.active, key); ok {
		m.stop()
		m.sh.tm.mark("cached " + tabNames[m.active])
		m.show(m.active, key, c.res, c.ms)
		return nil
	}
	fn, err := t.a.runner(m.sh)
	if err != nil {
		m.stop()
		t.res, t.err, t.key = nil, err, ""
		return nil
	}
	m.stop()
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.seq++
	seq, tab, d, since := m.seq, m.active, m.sh.d, m.sh.since
	wasIdle := m.running < 0
	m.running, t.want = tab, key
	end := m.sh.tm.runSpan("run " + tabNames[tab])
	run := func() (msg tea.Msg) {
		start := time.Now()
		defer end()
		defer func() {
			// An engine panic becomes an error in the status line, not a
			// dead terminal.
			if r := recover(); r != nil {
				msg = resultMsg{tab: tab, seq: seq, key: key, err: i18n.Errorf("the query crashed: %v", r)}
			}
		}()
		res, err := fn(ctx, d)
		return resultMsg{tab: tab, seq: seq, key: key, res: res, err: err, ms: since(start).Milliseconds()}
	}
	if wasIdle {
		return tea.Batch(run, m.spin.Tick)
	}
	return run
}

// stop cancels the run in flight, whose result is no longer wanted: the
// next run's sequence number, or the one bumped here, drops it if it
// arrives all the same.
func (m *Model) stop() {
	if m.running < 0 {
		return
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.tabs[m.running].want = ""
	m.running = -1
	m.seq++
}

// finished keeps a run's result unless a newer run has started since; the
// first result on new data also starts loading what other tabs will read.
func (m *Model) finished(msg resultMsg) tea.Cmd {
	if msg.seq != m.seq {
		return nil // stale: its query was changed or cancelled
	}
	m.running = -1
	t := m.tabs[msg.tab]
	t.want = ""
	if msg.err != nil {
		if m.ctx.Err() == nil {
			// The error takes the old result's place: a result left on
			// screen would pass for the answer to the query that failed.
			t.res, t.err, t.key = nil, msg.err, msg.key
			t.a.shown(nil)
			m.setStatus(i18n.T("%s: %s", i18n.Text(tabNames[msg.tab]), msg.err.Error()), true)
		}
		return nil
	}
	m.cache.put(cached{tab: msg.tab, key: msg.key, res: msg.res, ms: msg.ms})
	m.show(msg.tab, msg.key, msg.res, msg.ms)
	m.sh.tm.mark("shown " + tabNames[msg.tab])
	if !m.warmed {
		m.warmed = true
		return m.warmCmd()
	}
	return nil
}

// show puts the result of query key on tab i.
func (m *Model) show(i int, key string, res result, ms int64) {
	t := m.tabs[i]
	t.res, t.err, t.ms, t.key = res, nil, ms, key
	t.a.shown(res)
	t.sel = min(t.sel, max(res.items()-1, 0))
	if m.isErr {
		m.setStatus("", false)
	}
}

// switchTab shows tab i and runs its query if it changed.
func (m *Model) switchTab(i int) tea.Cmd {
	m.active = (i + len(m.tabs)) % len(m.tabs)
	for _, p := range m.pages {
		if c, ok := p.(interface{ close() }); ok {
			c.close() // a back-test still running is stale now
		}
	}
	m.pages = nil
	m.focus = 0 // a new tab starts in its query panel
	return m.rerun()
}

// key handles a key press: Ctrl-C always quits; a dialog or page gets keys
// before the global ones, so q types into text inputs.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.sh.keys
	if key.Matches(msg, k.ForceQuit) {
		return m.quit()
	}
	// Information lasts until the next key; errors until a run succeeds.
	if !m.isErr {
		m.status = ""
	}
	// Keys typed faster than the terminal is read arrive as one message
	// ("jjj"); outside a text input each is a command of its own.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
		var cmds []tea.Cmd
		for _, r := range msg.Runes {
			cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
		return tea.Batch(cmds...)
	}
	if m.dlg != nil {
		d := m.dlg
		done, cmd := d.update(m.sh, msg)
		if done {
			if m.dlg == d {
				m.dlg = nil
			}
			return tea.Batch(cmd, m.rerunAfter(cmd))
		}
		return cmd
	}
	if n := len(m.pages); n > 0 {
		p := m.pages[n-1]
		if !p.typing() && key.Matches(msg, k.Quit) {
			return m.quit()
		}
		closed, cmd := p.update(m.sh, msg)
		if closed {
			m.pages = m.pages[:n-1]
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.pages = append(m.pages, &helpPage{})
		return nil
	case key.Matches(msg, k.Lang):
		return m.switchLang()
	case key.Matches(msg, k.NextTab):
		return m.switchTab(m.active + 1)
	case key.Matches(msg, k.PrevTab):
		return m.switchTab(m.active - 1)
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Open):
		return openListCmd()
	case key.Matches(msg, k.Export):
		return m.export()
	case key.Matches(msg, k.Copy):
		return m.copyResult()
	case key.Matches(msg, k.Import):
		return m.importFile()
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Back) && m.focus == 1:
		m.focus = 0
		return nil
	}
	for i, b := range k.Tabs {
		if key.Matches(msg, b) {
			return m.switchTab(i)
		}
	}
	if m.tab().a == nil {
		return nil
	}
	if m.focus == 0 {
		return m.panelKey(msg)
	}
	return m.resultsKey(msg)
}

// typing reports whether keys go to a text input.
func (m *Model) typing() bool {
	if m.dlg != nil {
		return true
	}
	n := len(m.pages)
	return n > 0 && m.pages[n-1].typing()
}

// rerunAfter re-runs the query once a dialog's edit has been applied. A
// dialog that chains into another (property, then value) returns a
// command first; its edit arrives later and triggers the run then.
func (m *Model) rerunAfter(cmd tea.Cmd) tea.Cmd {
	if cmd != nil {
		return nil
	}
	return m.rerun()
}

func (m *Model) quit() tea.Cmd {
	m.stop()
	return tea.Quit
}

// View draws header, tab bar, body and footer; the body gets whatever
// height the measured chrome leaves.
func (m *Model) View() string {
	if m.sh.width == 0 {
		return i18n.T("starting spoor…")
	}
	defer m.sh.tm.drawn()()
	defer m.sh.tm.frame()()
	header := m.header()
	tabs := tabBar(m.sh, m.active)
	footer := m.footer()
	h := m.sh.height - lipgloss.Height(header) - lipgloss.Height(tabs) - lipgloss.Height(footer)
	body := m.body(m.sh.width, max(h, 1))
	body = m.sh.st.Box.Width(m.sh.width).Height(max(h, 1)).MaxHeight(max(h, 1)).Render(body)
	if m.dlg != nil {
		body = overlay(body, m.dlg.view(m.sh), m.sh.width, max(h, 1))
	}
	return lipgloss.JoinVertical(lipgloss.Left, header, tabs, body, footer)
}

func (m *Model) body(w, h int) string {
	if n := len(m.pages); n > 0 {
		return m.pages[n-1].view(m.sh, w, h)
	}
	if m.loading {
		return "\n  " + m.spin.View() + " " + i18n.T("loading %s…", m.sh.source)
	}
	if m.sh.d == nil && m.sh.remote == nil {
		return "\n  " + m.sh.st.Error.Render(i18n.T("could not open the data")) + "\n  " + m.status
	}
	return m.analysisView(m.tab(), w, h)
}
