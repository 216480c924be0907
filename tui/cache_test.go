package tui

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/store"
)

// press sends one key to the model without running the commands it
// returns: a run it starts stays in flight until the test runs them.
func press(h *harness, k string) tea.Cmd {
	_, cmd := h.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	return cmd
}

// funnelSteps is the funnel tab's result's steps, as events.
func funnelSteps(t *testing.T, h *harness) []string {
	t.Helper()
	r, ok := h.m.tabs[tabFunnel].res.(*funnelResult)
	if !ok {
		t.Fatalf("funnel result %T", h.m.tabs[tabFunnel].res)
	}
	var out []string
	for _, s := range r.r.Steps {
		out = append(out, s.Event)
	}
	return out
}

const staleLine = "below, the result before your last edit"

// Going back to a query that ran before on the same data, by undoing an
// edit or by returning to a tab, shows its result again without a run.
func TestCachedResultOnGoingBack(t *testing.T) {
	h := newHarness(t, 100, 30)
	first := h.m.tab().res
	steps := stepNames(funnelQ(t, h))
	h.keys("J") // step 1 moves down: another query, run
	moved := h.m.tab().res
	if moved == first || !slices.Equal(funnelSteps(t, h), stepNames(funnelQ(t, h))) {
		t.Fatalf("moving a step showed steps %v for query %v", funnelSteps(t, h), stepNames(funnelQ(t, h)))
	}
	seq := h.m.seq
	h.keys("K") // and back up: the first query again
	if h.m.seq != seq || h.m.tab().res != first || !slices.Equal(funnelSteps(t, h), steps) {
		t.Fatalf("undoing the move ran again (seq %d -> %d) or showed another result", seq, h.m.seq)
	}
	h.keys("J")
	if h.m.seq != seq || h.m.tab().res != moved {
		t.Fatal("redoing the move did not show its cached result")
	}
	h.keys("1")
	trends := h.m.tabs[tabTrends].res
	seq = h.m.seq
	h.keys("2", "1")
	if h.m.seq != seq || h.m.tabs[tabTrends].res != trends {
		t.Fatal("going back to a tab ran its unchanged query again")
	}
	h.contains("query 0 ms")
}

// While an edited query runs, the result before the edit stays in view
// under a line that says so, and nothing treats it as the new answer: no
// run time in the footer, no export, copy or drill-down; a result that
// arrives for an older run is dropped; the new one then shows as usual.
func TestEditedResultNeverShownAsCurrent(t *testing.T) {
	h := newHarness(t, 100, 30)
	before := h.m.tab().res
	run := press(h, "J")
	if run == nil || h.m.running != tabFunnel {
		t.Fatal("the edit started no run")
	}
	if current(h.m.tab()) {
		t.Fatal("the result before the edit counts as the edited query's")
	}
	s := h.screen()
	if !strings.Contains(s, staleLine) || strings.Contains(s, "query 0 ms") {
		t.Fatalf("the old result is not marked as such:\n%s", s)
	}
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	if h.m.dlg != nil || !strings.Contains(h.m.status, "not yet updated") {
		t.Fatalf("export of the old result: dialog %v, status %q", h.m.dlg != nil, h.m.status)
	}
	// A result of an older run (the query before the edit) arrives late.
	h.send(resultMsg{tab: tabFunnel, seq: h.m.seq - 1, key: h.m.tab().key, res: before})
	if current(h.m.tab()) || h.m.running != tabFunnel {
		t.Fatal("a late result of an older run was taken for the edited query's")
	}
	h.run(run)
	if !current(h.m.tab()) || h.m.tab().res == before || !slices.Equal(funnelSteps(t, h), stepNames(funnelQ(t, h))) {
		t.Fatalf("after the run: current %v, steps %v for query %v", current(h.m.tab()), funnelSteps(t, h), stepNames(funnelQ(t, h)))
	}
	if s := h.screen(); strings.Contains(s, staleLine) || !strings.Contains(s, "query 0 ms") {
		t.Fatalf("the new result is not shown as current:\n%s", s)
	}
}

// An edit undone before its run finishes cancels the run: the result on
// screen answers the query again, and the run's late result is dropped.
func TestEditUndoneBeforeItsRunEnds(t *testing.T) {
	h := newHarness(t, 100, 30)
	before := h.m.tab().res
	run := press(h, "J")
	h.run(press(h, "K"))
	if h.m.running >= 0 || !current(h.m.tab()) || h.m.tab().res != before {
		t.Fatalf("after undoing: running %d, current %v", h.m.running, current(h.m.tab()))
	}
	h.run(run) // cancelled: whatever it returns is stale
	if h.m.tab().res != before || !current(h.m.tab()) {
		t.Fatal("the cancelled run's result replaced the current one")
	}
}

// Leaving a tab while its run is in flight cancels the run; coming back
// runs the edited query again rather than showing the result before it.
func TestTabLeftDuringItsRunRunsAgain(t *testing.T) {
	h := newHarness(t, 100, 30)
	run := press(h, "J")
	h.keys("1")
	h.run(run)
	if t2 := h.m.tabs[tabFunnel]; current(t2) {
		t.Fatal("the cancelled run's result was kept")
	}
	seq := h.m.seq
	h.keys("2")
	if h.m.seq == seq || !current(h.m.tab()) || !slices.Equal(funnelSteps(t, h), stepNames(funnelQ(t, h))) {
		t.Fatalf("back on the funnel: seq %d -> %d, steps %v for query %v", seq, h.m.seq, funnelSteps(t, h), stepNames(funnelQ(t, h)))
	}
}

// New data empties the cache: after a reload every query, the one on
// screen and one that ran before it, runs again on the new data.
func TestCacheEmptiedWhenDataReloads(t *testing.T) {
	ctx := context.Background()
	path := seededDB(t, 1000)
	h := fileHarness(t, path, 100, 30)
	users := func() int { return h.m.tabs[tabFunnel].res.(*funnelResult).r.Steps[0].Users }
	if users() != 250 {
		t.Fatalf("%d users at step 1 before the import, want 250", users())
	}
	h.keys("J") // a second query on the old data, cached
	w, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = addEvents(ctx, w, "more", 300) // 300 new users, half of them at step 1
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	seq := h.m.seq
	h.send(tea.KeyMsg{Type: tea.KeyCtrlR})
	if h.m.seq == seq || users() != 400 || !current(h.m.tab()) {
		t.Fatalf("after the reload: %d users at step 1, want 400 (seq %d -> %d)", users(), seq, h.m.seq)
	}
	seq = h.m.seq
	h.keys("K") // the first query, cached on the old data
	if h.m.seq == seq || users() != 400 {
		t.Fatalf("the first query again: %d users at step 1, want 400 (seq %d -> %d)", users(), seq, h.m.seq)
	}
}

// A saved segment changes what queries naming it answer: the cache is
// emptied and the tabs run again when shown.
func TestCacheEmptiedWhenSegmentsChange(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("J")
	if len(h.m.cache.entries) < 2 {
		t.Fatalf("%d results cached", len(h.m.cache.entries))
	}
	h.send(savedMsg{entries: h.m.sh.saved, status: "saved segment buyers"})
	if len(h.m.cache.entries) != 1 || h.m.cache.entries[0].key != h.m.tab().key {
		t.Fatalf("after a save, %d results cached (only the funnel's run again should be)", len(h.m.cache.entries))
	}
}

// The cache keeps the most recently used results, up to its size and up
// to cachePerTab of one tab.
func TestResultCacheKeepsRecent(t *testing.T) {
	var c resultCache
	for i := 0; i < cacheSize+3; i++ { // one result of each of many tabs
		c.put(cached{tab: i, key: "k"})
	}
	if len(c.entries) != cacheSize {
		t.Fatalf("%d entries, want %d", len(c.entries), cacheSize)
	}
	if _, ok := c.get(0, "k"); ok {
		t.Fatal("the oldest entry was kept")
	}
	oldest := c.entries[0]
	if _, ok := c.get(oldest.tab, "k"); !ok {
		t.Fatal("an entry within the size was dropped")
	}
	c.put(cached{tab: 100, key: "k"}) // drops the least recently used, not the one just read
	if _, ok := c.get(oldest.tab, "k"); !ok {
		t.Fatal("a read did not make the entry recent")
	}
	if _, ok := c.get(oldest.tab, "other"); ok {
		t.Fatal("another key of the tab matched")
	}
	// Of one tab, the latest cachePerTab.
	c.clear()
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put(cached{tab: 1, key: k})
	}
	c.put(cached{tab: 2, key: "a"})
	if _, ok := c.get(1, "a"); ok || len(c.entries) != cachePerTab+1 {
		t.Fatalf("%d entries after 4 results of a tab and 1 of another; the tab's first kept: %v", len(c.entries), ok)
	}
	c.drop(1)
	if len(c.entries) != 1 || c.entries[0].tab != 2 {
		t.Fatalf("drop kept %+v", c.entries)
	}
}

// The first result on new data starts loading, in the background and
// once per load, the Experiments tab's variant column and the property
// columns the by and filter pickers list first.
func TestFirstScreenWarmsTheVariantColumn(t *testing.T) {
	h := newHarness(t, 100, 30)
	if !h.m.warmed {
		t.Fatal("the first result started no warming")
	}
	if h.m.warmCmd() == nil {
		t.Fatal("the seeded experiment's variant is not warmed")
	}
	// The variant first, then the pickers' top keys (most common
	// first), each once.
	var top []string
	for _, p := range h.m.sh.props[:warmProps] {
		top = append(top, p.name)
	}
	if !slices.Contains(top, "exp_checkout") || !slices.Contains(top, "country") {
		t.Fatalf("the fixture's keys set on every event are not the most common: %v", top)
	}
	want := append([]string{"exp_checkout"}, slices.DeleteFunc(slices.Clone(top), func(k string) bool { return k == "exp_checkout" })...)
	if got := h.m.warmKeys(); !slices.Equal(got, want) {
		t.Fatalf("warmed %v, want %v", got, want)
	}
	before := h.m.seq
	h.keys("J") // a later result warms nothing more
	if h.m.seq == before || !h.m.warmed {
		t.Fatal("the edit did not run")
	}
	h.m.tabs[tabExperiments].a.(*experimentTab).q.Variant = ""
	if got := h.m.warmKeys(); !slices.Equal(got, top) {
		t.Fatalf("with no variant chosen, warmed %v, want %v", got, top)
	}
	// Above warmPropsEvents the pickers' keys are left to the runs.
	defer func(n int) { warmPropsEvents = n }(warmPropsEvents)
	warmPropsEvents = h.m.sh.d.Len() - 1
	if got := h.m.warmKeys(); len(got) != 0 {
		t.Fatalf("above warmPropsEvents, warmed %v, want none", got)
	}
	warmPropsEvents = h.m.sh.d.Len()
	if got := h.m.warmKeys(); !slices.Equal(got, top) {
		t.Fatalf("at warmPropsEvents, warmed %v, want %v", got, top)
	}
	h.m.sh.props = nil
	if h.m.warmCmd() != nil {
		t.Fatal("warming with no variant chosen and no property keys")
	}
}

// The trends run leaves the forecast out while it is hidden; F fits it in
// the background, once, without a run, and the cached result keeps it.
func TestForecastFittedOnlyWhenShown(t *testing.T) {
	h := newHarness(t, 110, 50)
	h.keys("1")
	r := h.m.tab().res.(*trendsResult)
	if r.fcDone || r.fc != nil {
		t.Fatal("the run fitted the hidden forecast")
	}
	seq := h.m.seq
	h.keys("l", "F")
	if !r.fcDone || r.fc == nil || h.m.seq != seq {
		t.Fatalf("F: forecast done %v, seq %d -> %d", r.fcDone, seq, h.m.seq)
	}
	h.contains("forecast 14 ahead")
	fc := r.fc
	h.keys("2", "1")
	if h.m.tab().res != r || r.fc != fc {
		t.Fatal("going back to Trends lost or refitted the forecast")
	}
}
