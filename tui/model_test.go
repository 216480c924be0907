package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/specfile"
	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/store/storetest"
)

func funnelQ(t *testing.T, h *harness) query.FunnelQuery {
	t.Helper()
	return h.m.tabs[tabFunnel].a.(*funnel).q
}

func stepNames(q query.FunnelQuery) []string {
	var out []string
	for _, s := range q.Steps {
		out = append(out, s.Event)
	}
	return out
}

func TestStartsOnSeededFunnel(t *testing.T) {
	h := newHarness(t, 100, 30)
	if h.m.active != tabFunnel {
		t.Fatalf("starts on tab %d, want the funnel", h.m.active)
	}
	// The fixture's journey, in the order users first do the four most
	// common events.
	want := []string{"page_view", "view_item", "add_to_cart", "领取优惠券"}
	if got := stepNames(funnelQ(t, h)); !reflect.DeepEqual(got, want) {
		t.Fatalf("seeded steps %v, want %v", got, want)
	}
	if h.m.tab().res == nil {
		t.Fatal("no funnel result after loading")
	}
	h.contains("fixture", "2,822 events", "400 users", "2026-06-01 → 2026-06-30", "UTC", "Funnel ·")
}

func TestEditStepThroughPicker(t *testing.T) {
	h := newHarness(t, 100, 30)
	// Down to step 4, Enter opens the picker, type a fuzzy filter, pick.
	h.keys("j", "j", "j", "<enter>", "purch", "<enter>")
	if got := stepNames(funnelQ(t, h)); got[3] != "purchase" {
		t.Fatalf("step 4 is %q after picking purchase", got[3])
	}
	res := h.m.tab().res.(*funnelResult).r
	want, err := h.m.sh.d.Funnel(context.Background(), funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps[3].Event != "purchase" || res.Steps[3].Users != want.Steps[3].Users {
		t.Fatalf("result step 4 = %s %d users, want purchase %d", res.Steps[3].Event, res.Steps[3].Users, want.Steps[3].Users)
	}
	h.contains("4 purchase", thousands(want.Steps[3].Users))
}

func TestPickerFiltersChineseNames(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("j", "<enter>", "优惠")
	p := h.m.dlg.(*picker)
	if p.visible() != 1 {
		t.Fatalf("filter 优惠 leaves %d names, want 1", p.visible())
	}
	if it, _ := p.at(0); it.name != "领取优惠券" {
		t.Fatalf("filter 优惠 matched %q", it.name)
	}
	// Every line of the dialog has the same display width, CJK included.
	lines := strings.Split(p.view(h.m.sh), "\n")
	for _, l := range lines[1:] {
		if lipgloss.Width(l) != lipgloss.Width(lines[0]) {
			t.Fatalf("picker line %q is %d cells wide, want %d", l, lipgloss.Width(l), lipgloss.Width(lines[0]))
		}
	}
	h.keys("<enter>")
	if got := stepNames(funnelQ(t, h))[1]; got != "领取优惠券" {
		t.Fatalf("step 2 = %q", got)
	}
}

func TestAddRemoveReorderSteps(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("a", "purchase", "<enter>")
	want := []string{"page_view", "view_item", "add_to_cart", "领取优惠券", "purchase"}
	if got := stepNames(funnelQ(t, h)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after add: %v", got)
	}
	// Step 4 (the coupon) down one, then remove the new step 5.
	h.keys("j", "j", "j", "J")
	want = []string{"page_view", "view_item", "add_to_cart", "purchase", "领取优惠券"}
	if got := stepNames(funnelQ(t, h)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after move: %v", got)
	}
	if h.m.tab().row != 4 {
		t.Fatalf("cursor at row %d, want it to follow the moved step to 4", h.m.tab().row)
	}
	h.keys("d")
	want = want[:4]
	if got := stepNames(funnelQ(t, h)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after remove: %v", got)
	}
	if n := len(h.m.tab().res.(*funnelResult).r.Steps); n != 4 {
		t.Fatalf("result has %d steps after the edit", n)
	}
}

func TestWindowModeRangeAndFilter(t *testing.T) {
	h := newHarness(t, 100, 30)
	rows := h.m.tab().a.rows(h.m.sh)
	at := func(label string) int {
		for i, r := range rows {
			if r.label == label {
				return i
			}
		}
		t.Fatalf("no %s row", label)
		return 0
	}
	goTo := func(i int) {
		for h.m.tab().row > i {
			h.keys("k")
		}
		for h.m.tab().row < i {
			h.keys("j")
		}
	}
	goTo(at("window"))
	h.keys("<enter>", "1d", "<enter>")
	goTo(at("mode"))
	h.keys("<enter>", "strict", "<enter>")
	h.keys("t", "7d", "<enter>")
	h.keys("f", "country", "<enter>", "CN", "<enter>")
	q := funnelQ(t, h)
	if q.Window != "1d" || q.Mode != "strict" || q.Last != "7d" || !reflect.DeepEqual(q.Where, []string{"country = CN"}) {
		t.Fatalf("query after edits: window %q mode %q last %q where %v", q.Window, q.Mode, q.Last, q.Where)
	}
	got := h.m.tab().res.(*funnelResult).r
	want, err := h.m.sh.d.Funnel(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != "strict" || got.Steps[0].Users != want.Steps[0].Users || got.Steps[1].Users != want.Steps[1].Users {
		t.Fatalf("shown result is not the edited query's")
	}
	h.contains("2026-06-24 → 2026-06-30")
	// A typed date range.
	h.keys("t", "custom…", "<enter>", "<backspace>", "<backspace>", "2026-06-02..2026-06-03", "<enter>")
	q = funnelQ(t, h)
	if q.From != "2026-06-02" || q.To != "2026-06-03" || q.Last != "" {
		t.Fatalf("typed range: from %q to %q last %q", q.From, q.To, q.Last)
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	h := newHarness(t, 100, 30)
	t1 := h.m.tab()
	old := t1.res
	// A result from an older run arrives after a newer run started.
	h.m.seq = 7
	h.send(resultMsg{tab: tabFunnel, seq: 6, res: &funnelResult{r: &query.FunnelResult{}}})
	if t1.res != old {
		t.Fatal("a stale result replaced the current one")
	}
	// Editing starts a run with a new sequence number and cancels the old.
	before := h.m.seq
	h.keys("j", "j", "j", "<enter>", "purchase", "<enter>")
	if h.m.seq <= before {
		t.Fatalf("edit did not start a new run (seq %d -> %d)", before, h.m.seq)
	}
	// An unchanged query is not re-run.
	seq := h.m.seq
	h.keys("2")
	if h.m.seq != seq {
		t.Fatal("switching to the same unchanged tab re-ran the query")
	}
}

func TestTabsKeysAndQuit(t *testing.T) {
	h := newHarness(t, 100, 30)
	for i := 0; i < 8; i++ {
		h.keys(string(rune('1' + i)))
		if h.m.active != i {
			t.Fatalf("key %d shows tab %d", i+1, h.m.active)
		}
	}
	h.keys("<tab>")
	if h.m.active != 0 {
		t.Fatalf("tab after the last goes to %d", h.m.active)
	}
	h.keys("<shift+tab>")
	if h.m.active != 7 {
		t.Fatalf("shift+tab from the first goes to %d", h.m.active)
	}
	// q types into a picker; Esc closes it; then q quits.
	h.keys("2", "<enter>")
	if h.m.dlg == nil {
		t.Fatal("enter did not open the step picker")
	}
	_, cmd := h.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q quit while typing in a picker")
		}
	}
	if p := h.m.dlg.(*picker); p.input.Value() != "q" {
		t.Fatalf("picker input %q, want q", p.input.Value())
	}
	h.keys("<esc>")
	if h.m.dlg != nil {
		t.Fatal("esc did not close the picker")
	}
	_, cmd = h.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if cmd == nil {
		t.Fatal("q did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	_, cmd = h.m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestDrillDownFunnelAndTimeline(t *testing.T) {
	h := newHarness(t, 100, 30)
	res := h.m.tab().res.(*funnelResult).r
	h.keys("l", "j", "<enter>")
	p, ok := h.m.pages[len(h.m.pages)-1].(*listPage)
	if !ok {
		t.Fatal("enter on step 2 did not list users")
	}
	if want := res.DroppedAt(1); !reflect.DeepEqual(p.lines, want) || len(want) != res.Steps[1].DropOff {
		t.Fatalf("listed %d users, want the %d who dropped after step 2", len(p.lines), res.Steps[1].DropOff)
	}
	h.contains("Dropped off after step 2 view_item")
	// / filters the list; Enter explains the first match: their timeline
	// and where they stopped.
	user := p.lines[0]
	h.keys("/", user, "<enter>", "<enter>")
	ex, ok := h.m.pages[len(h.m.pages)-1].(*textPage)
	if !ok {
		t.Fatalf("enter on a user did not explain them; status %q", h.m.status)
	}
	want, err := h.m.sh.d.ExplainFunnel(context.Background(), funnelQ(t, h), user)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ex.lines, "\n"); got != strings.TrimRight(want, "\n") || !strings.Contains(got, "view_item") {
		t.Fatalf("explanation of %s:\n%s\nwant:\n%s", user, got, want)
	}
	h.keys("<esc>", "<esc>")
	if len(h.m.pages) != 0 {
		t.Fatal("esc did not go back to the chart")
	}
	// Enter on a retention cell's user shows their timeline.
	h.keys("4", "l", "<enter>")
	cell := h.m.pages[len(h.m.pages)-1].(*listPage)
	user = cell.lines[0]
	h.keys("<enter>")
	tl, ok := h.m.pages[len(h.m.pages)-1].(*textPage)
	if !ok {
		t.Fatalf("enter on a user did not open the timeline; status %q", h.m.status)
	}
	if tl.title != "Timeline of "+user || len(tl.lines) == 0 || !strings.Contains(tl.lines[0], "page_view") {
		t.Fatalf("timeline %q starts %q", tl.title, tl.lines)
	}
	h.keys("<esc>", "<esc>")
	if len(h.m.pages) != 0 {
		t.Fatal("esc did not go back to the chart")
	}
}

func TestDrillDownRetentionCell(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("4", "l", "j", "l")
	r := h.m.tab().res.(*retentionResult).r
	h.keys("<enter>")
	p := h.m.pages[len(h.m.pages)-1].(*listPage)
	want := r.CellUsers(1, 1)
	if !reflect.DeepEqual(p.lines, want) || len(want) != r.Cohorts[1].Retained[1] {
		t.Fatalf("cell (1,1) lists %d users, want %d", len(p.lines), r.Cohorts[1].Retained[1])
	}
}

func TestSaveAndReopenSpec(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	h := newHarness(t, 100, 30)
	h.keys("s", "<enter>")
	b, err := os.ReadFile(filepath.Join(dir, "analyses", "funnel.json"))
	if err != nil {
		t.Fatalf("save wrote nothing: %v (status %q)", err, h.m.status)
	}
	spec, err := specfile.Parse(b)
	if err != nil {
		t.Fatalf("saved spec does not parse: %v\n%s", err, b)
	}
	if got := spec.Query.(*query.FunnelQuery); !reflect.DeepEqual(stepNames(*got), stepNames(funnelQ(t, h))) {
		t.Fatalf("saved steps %v", stepNames(*got))
	}
	// Change the query, then reopen the saved one from the list.
	h.keys("d")
	h.keys("o", "<enter>")
	if len(funnelQ(t, h).Steps) != 4 {
		t.Fatalf("reopened funnel has %d steps; status %q", len(funnelQ(t, h).Steps), h.m.status)
	}
	// Export as CSV.
	h.keys("e", "<enter>", "<enter>")
	csv, err := os.ReadFile(filepath.Join(dir, "funnel-result.csv"))
	if err != nil || !strings.HasPrefix(string(csv), "step,") && !strings.Contains(string(csv), "page_view") {
		t.Fatalf("export: %v\n%s", err, csv)
	}
	var js struct {
		Query  map[string]any `json:"query"`
		Result map[string]any `json:"result"`
	}
	h.keys("e", "json", "<enter>", "<enter>")
	b, _ = os.ReadFile(filepath.Join(dir, "funnel-result.json"))
	if err := json.Unmarshal(b, &js); err != nil || js.Result["steps"] == nil || js.Query["analysis"] != "funnel" {
		t.Fatalf("json export: %v\n%s", err, b)
	}
	// With a filter, a range and a breakdown, exporting again keeps the
	// first file, writes -2 beside it, and its header says the query.
	goRow(t, h, "where")
	h.keys("<enter>", "country", "<enter>", "!= US", "<enter>", "t", "7d", "<enter>")
	goRow(t, h, "by")
	h.keys("<enter>", "device", "<enter>")
	h.keys("e", "<enter>", "<enter>")
	again, err := os.ReadFile(filepath.Join(dir, "funnel-result-2.csv"))
	if err != nil {
		t.Fatalf("second export: %v (status %q)", err, h.m.status)
	}
	if first, _ := os.ReadFile(filepath.Join(dir, "funnel-result.csv")); !bytes.Equal(first, csv) {
		t.Fatal("the second export overwrote the first")
	}
	head := "# spoor funnel · range last 7d (2026-06-24 → 2026-06-30) · where country != US · by device\n"
	if !strings.HasPrefix(string(again), head) {
		t.Fatalf("export header:\n%s\nwant %q", again, head)
	}
	h.contains("funnel-result-2.csv (funnel-result.csv exists)")
}

func TestResizeRelayout(t *testing.T) {
	h := newHarness(t, 120, 40)
	for _, size := range [][2]int{{80, 24}, {60, 20}, {160, 50}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for tab := 0; tab < 8; tab++ {
			h.keys(string(rune('1' + tab)))
			lines := strings.Split(h.screen(), "\n")
			if len(lines) != size[1] {
				t.Fatalf("%dx%d tab %d: %d lines", size[0], size[1], tab+1, len(lines))
			}
			for _, l := range lines {
				if w := lipgloss.Width(l); w > size[0] {
					t.Fatalf("%dx%d tab %d: line %d cells wide: %q", size[0], size[1], tab+1, w, l)
				}
			}
			// Every tab name (or its short form) stays on the tab bar.
			for i := range tabNames {
				if !strings.Contains(lines[1], tabNames[i]) && !strings.Contains(lines[1], tabShort[i]) &&
					!strings.Contains(lines[1], tabShort2[i]) && !strings.Contains(lines[1], tabTiny[i]) {
					t.Fatalf("%dx%d: tab bar %q lacks tab %d", size[0], size[1], lines[1], i+1)
				}
			}
		}
	}
}

func TestBurstOfKeysActsKeyByKey(t *testing.T) {
	h := newHarness(t, 100, 30)
	// A terminal read can deliver "jjj" as one message.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	if h.m.tab().row != 3 {
		t.Fatalf("cursor on row %d after jjj, want 3", h.m.tab().row)
	}
	// Inside a picker the same burst is text.
	h.keys("<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("pur")})
	if v := h.m.dlg.(*picker).input.Value(); v != "pur" {
		t.Fatalf("picker input %q, want pur", v)
	}
}

func TestExploreSQLIsReadOnly(t *testing.T) {
	h := newHarness(t, 100, 30)
	ctx := context.Background()
	for _, q := range storetest.SQLAttacks(t.TempDir()) {
		if _, err := runSQL(ctx, h.m.sh.db, q); !errors.Is(err, store.ErrSQLWrite) {
			t.Fatalf("%q: %v, want it refused", q, err)
		}
	}
	r, err := runSQL(ctx, h.m.sh.db, "select count(*) from events")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Tables(i18n.English)[0].Rows[0][0]; got != "2822" {
		t.Fatalf("events after refused writes: %s, want 2822", got)
	}
	// A query of more rows than the box holds keeps the first sqlMaxRows,
	// and its title says so.
	many := "with recursive c(x) as (select 1 union all select x + 1 from c limit 10005) select x, null as y from c"
	r, err = runSQL(ctx, h.m.sh.db, many)
	if err != nil {
		t.Fatal(err)
	}
	tb := r.Tables(i18n.English)[0]
	if len(tb.Rows) != sqlMaxRows || tb.Rows[sqlMaxRows-1][0] != "10000" || tb.Rows[0][1] != "NULL" || !strings.HasPrefix(tb.Title, "SQL (first 10,000 rows only; add a LIMIT)") {
		t.Fatalf("%d rows, last %v, title %q", len(tb.Rows), tb.Rows[len(tb.Rows)-1], tb.Title)
	}
	// Through the panel: the sql row's prompt runs the query.
	h.keys("6", "j", "j", "<enter>", "select count(*) as n from users", "<enter>")
	h.contains("n", "400")
	if e := h.m.tab().a.(*explore); e.Show != "sql" {
		t.Fatalf("explore shows %q after a query", e.Show)
	}
}

// TestExploreSQLOnAFile runs the attacks through the workbench's SQL box on
// a database file opened as the workbench opens it (writable, so it can
// import): the file's events stay, no file appears beside it, and an import
// after the attacks gets the write lock (BEGIN IMMEDIATE left nothing open).
func TestExploreSQLOnAFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "spoor.db")
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sample.Import(ctx, db, sample.Config{Users: 20, Days: 5, Seed: 1}, false); err != nil {
		t.Fatal(err)
	}
	db.Close()
	h := fileHarness(t, path, 100, 30)
	m := h.m
	if m.sh.d == nil || m.sh.db.ReadOnly {
		t.Fatalf("not opened writable: %s", m.status)
	}
	count := func() string {
		r, err := runSQL(ctx, m.sh.db, "select count(*) from events")
		if err != nil {
			t.Fatal(err)
		}
		return r.Tables(i18n.English)[0].Rows[0][0]
	}
	before := count()
	attacks := t.TempDir()
	for _, q := range storetest.SQLAttacks(attacks) {
		if _, err := runSQL(ctx, m.sh.db, q); !errors.Is(err, store.ErrSQLWrite) {
			t.Errorf("%q: %v, want it refused", q, err)
		}
	}
	if after := count(); after != before || before == "0" {
		t.Fatalf("events %s -> %s", before, after)
	}
	if left, _ := os.ReadDir(attacks); len(left) > 0 {
		t.Fatalf("files created: %v", left)
	}
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tx, err := m.sh.db.BeginImport(c, store.ImportInfo{File: "x", Format: "jsonl"})
	if err != nil {
		t.Fatalf("import after the attacks: %v", err)
	}
	tx.Rollback()
	// The panel says what was refused, in place.
	h.keys("6", "j", "j", "<enter>", "PRAGMA journal_mode=DELETE", "<enter>")
	h.contains("PRAGMA journal_mode = DELETE")
}

func TestHeaderFitsNarrowWidths(t *testing.T) {
	h := newHarness(t, 120, 40)
	for _, w := range []int{120, 80, 60} {
		h.send(tea.WindowSizeMsg{Width: w, Height: 24})
		head := strings.Split(h.screen(), "\n")[0]
		if lipgloss.Width(head) > w || !strings.Contains(head, "UTC") {
			t.Fatalf("header at width %d: %q", w, head)
		}
	}
}

func TestPanicIsRecordedForTheCrashLog(t *testing.T) {
	c := &crash{}
	g := guarded{m: &Model{}, c: c} // no shared state: View dereferences nil
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed; bubbletea must see it to restore the terminal")
			}
		}()
		g.View()
	}()
	if c.value == nil || !strings.Contains(string(c.stack), "View") {
		t.Fatalf("crash not recorded: %v\n%s", c.value, c.stack)
	}
}

func TestQueryErrorsGoToTheStatusLine(t *testing.T) {
	h := newHarness(t, 100, 30)
	// A filter on a property no event has is valid but a typo in the
	// operator is not; the typed expression is checked before it runs.
	h.keys("5", "t", "custom…", "<enter>", "2026-07-01..2026-06-01", "<enter>")
	if h.m.dlg == nil {
		t.Fatal("a reversed range was accepted")
	}
	h.keys("<esc>")
	// An engine error (unknown event in a loaded spec) reaches the footer.
	if err := h.m.tabs[tabFunnel].a.load([]byte(`{"steps":[{"event":"nope"},{"event":"purchase"}]}`)); err != nil {
		t.Fatal(err)
	}
	h.keys("2")
	if !h.m.isErr || !strings.Contains(h.m.status, "unknown event") {
		t.Fatalf("status %q", h.m.status)
	}
	h.contains("unknown event")
}

func TestExploreEventsFilterAndUsers(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("6", "l", "/", "优惠", "<enter>")
	lr := h.m.tab().res.(*listResult)
	if got := lr.t.Rows[h.m.tab().sel][0]; got != "领取优惠券" {
		t.Fatalf("/ 优惠 selected %q", got)
	}
	h.keys("<enter>")
	p := h.m.pages[len(h.m.pages)-1].(*listPage)
	if want := lr.t.Rows[h.m.tab().sel][2]; fmt.Sprint(len(p.lines)) != want {
		t.Fatalf("users who did 领取优惠券: %d listed, the table says %s", len(p.lines), want)
	}
}

func TestEmptyDatabaseAndTinyTerminals(t *testing.T) {
	open := func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(":memory:", store.Options{Create: true})
		return db, "empty", err
	}
	m := New(context.Background(), open, false)
	h := &harness{t: t, m: m}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.run(m.Init())
	defer m.sh.db.Close()
	if m.sh.d == nil || m.sh.d.Len() != 0 {
		t.Fatalf("empty database did not load: %s", m.status)
	}
	for _, size := range [][2]int{{100, 30}, {30, 8}, {12, 4}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for tab := 0; tab < 8; tab++ {
			h.keys(string(rune('1' + tab)))
			for _, l := range strings.Split(h.screen(), "\n") {
				if lipgloss.Width(l) > size[0] {
					t.Fatalf("%dx%d tab %d: line wider than the terminal: %q", size[0], size[1], tab+1, l)
				}
			}
		}
	}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.keys("2")
	h.contains("a funnel needs at least two steps")
}

func TestOpenTOMLSpec(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	spec := "analysis = \"retention\"\nperiod = \"day\"\nperiods = 5\nstart = \"page_view\"\n"
	if err := os.WriteFile("weekly.toml", []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	// A broken spec is offered (the list reads only each file's head) and
	// says what is wrong when opened.
	os.WriteFile("broken.json", []byte(`{"analysis":"funnel","stepz":[]}`), 0o644)
	h := newHarness(t, 100, 30)
	h.keys("o")
	p := h.m.pages[len(h.m.pages)-1].(*listPage)
	if len(p.lines) != 2 || !strings.Contains(p.lines[0], "broken.json") || !strings.Contains(p.lines[1], "weekly.toml") {
		t.Fatalf("open list %q", p.lines)
	}
	h.keys("<enter>")
	h.contains(`broken.json: funnel spec: json: unknown field "stepz"`)
	h.keys("o", "j", "<enter>")
	if h.m.active != tabRetention {
		t.Fatalf("opened spec shows tab %d", h.m.active)
	}
	q := h.m.tab().a.(*retention).q
	if q.Period != "day" || q.Periods != 5 || q.Start != "page_view" {
		t.Fatalf("opened query %+v", q)
	}
	if r := h.m.tab().res.(*retentionResult).r; r.Periods != 5 || r.Period != "day" {
		t.Fatalf("result of the opened spec: %d %s periods", r.Periods, r.Period)
	}
}

func TestStepFilterAndTypedWindow(t *testing.T) {
	h := newHarness(t, 100, 30)
	// f on step 2 filters that step only.
	h.keys("j", "f", "device", "<enter>", "ios", "<enter>")
	q := funnelQ(t, h)
	if !reflect.DeepEqual(q.Steps[1].Where, []string{"device = ios"}) || len(q.Where) != 0 {
		t.Fatalf("step filters %v, query filters %v", q.Steps[1].Where, q.Where)
	}
	// The filter shows as its own row under the step; d removes it.
	rows := h.m.tab().a.rows(h.m.sh)
	if rows[2].label != "  where" || rows[2].value != "device = ios" {
		t.Fatalf("row 3 is %q %q", rows[2].label, rows[2].value)
	}
	want, err := h.m.sh.d.Funnel(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.m.tab().res.(*funnelResult).r; got.Steps[1].Users != want.Steps[1].Users {
		t.Fatalf("step 2 shows %d users, want %d", got.Steps[1].Users, want.Steps[1].Users)
	}
	h.keys("j", "d")
	if q := funnelQ(t, h); len(q.Steps[1].Where) != 0 {
		t.Fatalf("step filter not removed: %v", q.Steps[1].Where)
	}
	// A typed window is checked in the picker: a bad one keeps it open
	// and says why.
	for h.m.tab().a.rows(h.m.sh)[h.m.tab().row].label != "window" {
		h.keys("j")
	}
	h.keys("<enter>", "36x", "<enter>")
	if _, ok := h.m.dlg.(*picker); !ok {
		t.Fatal("a bad window was accepted")
	}
	h.contains("36x")
	h.keys("<backspace>", "h", "<enter>")
	if q := funnelQ(t, h); q.Window != "36h" {
		t.Fatalf("window %q, want 36h", q.Window)
	}
	if got := h.m.tab().res.(*funnelResult).r.WindowSeconds; got != 36*3600 {
		t.Fatalf("result window %v s", got)
	}
}

func TestExclusionRange(t *testing.T) {
	h := newHarness(t, 100, 30)
	goRow := func(label string) {
		for i := 0; i < 30 && h.m.tab().a.rows(h.m.sh)[h.m.tab().row].label != label; i++ {
			h.keys("j")
		}
	}
	goRow("not")
	h.keys("<enter>", "purchase", "<enter>")
	q := funnelQ(t, h)
	if len(q.Exclude) != 1 || q.Exclude[0] != (query.Exclusion{Event: "purchase", From: 0, To: 3}) {
		t.Fatalf("exclusion %+v, want purchase over the whole funnel", q.Exclude)
	}
	h.keys("<enter>", "<backspace>", "<backspace>", "<backspace>", "3-1", "<enter>")
	if p, ok := h.m.dlg.(*prompt); !ok || p.err == nil {
		t.Fatal("a reversed step range was accepted")
	}
	h.keys("<backspace>", "<backspace>", "<backspace>", "2-3", "<enter>")
	if q := funnelQ(t, h); q.Exclude[0].From != 1 || q.Exclude[0].To != 2 {
		t.Fatalf("exclusion range %+v, want steps 2-3 (1-2 zero-based)", q.Exclude[0])
	}
	want, err := h.m.sh.d.Funnel(context.Background(), funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.m.tab().res.(*funnelResult).r; got.Steps[2].Users != want.Steps[2].Users {
		t.Fatalf("shown step 3 %d users, want %d", got.Steps[2].Users, want.Steps[2].Users)
	}
}

// goRow moves the panel cursor to the first row with this label.
func goRow(t *testing.T, h *harness, label string) {
	t.Helper()
	h.keys("<esc>") // results focus back to the panel, if there
	for h.m.tab().row > 0 {
		h.keys("k")
	}
	for i := 0; h.m.tab().a.rows(h.m.sh)[h.m.tab().row].label != label; i++ {
		if i > 40 {
			t.Fatalf("no %q row", label)
		}
		h.keys("j")
	}
}

func TestEveryTabsEditsReachTheEngine(t *testing.T) {
	h := newHarness(t, 120, 40)
	ctx := context.Background()
	d := h.m.sh.d

	h.keys("1")
	goRow(t, h, "measure")
	h.keys("<enter>", "wau", "<enter>")
	goRow(t, h, "event1")
	h.keys("d")
	goRow(t, h, "every")
	h.keys("<enter>", "week", "<enter>")
	tq := h.m.tab().a.(*trends).q
	if tq.Measure != "wau" || tq.Interval != "week" || !reflect.DeepEqual(tq.Events, []string{"view_item"}) {
		t.Fatalf("trends query %+v", tq)
	}
	tw, _ := d.Trends(ctx, tq)
	if got := h.m.tab().res.(*trendsResult).full; !reflect.DeepEqual(got.Series, tw.Series) {
		t.Fatal("trends shows another result than its query's")
	}

	h.keys("3")
	goRow(t, h, "paths")
	h.keys("<enter>", "before", "<enter>")
	goRow(t, h, "depth")
	h.keys("<enter>", "2", "<enter>")
	pq := h.m.tab().a.(*paths).q
	if pq.From != "" || pq.To != "view_item" || pq.Depth != 2 {
		t.Fatalf("paths query %+v", pq)
	}
	pw, _ := d.Paths(ctx, pq)
	if got := h.m.tab().res.(*pathsResult).r; got.Direction != "to" || !reflect.DeepEqual(got.Paths, pw.Paths) {
		t.Fatal("paths shows another result than its query's")
	}
	h.contains("Paths leading to view_item")

	h.keys("4")
	goRow(t, h, "start")
	h.keys("<enter>", "add_to_cart", "<enter>")
	goRow(t, h, "returns")
	h.keys("<enter>", "later", "<enter>")
	goRow(t, h, "period")
	h.keys("<enter>", "day", "<enter>")
	rq := h.m.tab().a.(*retention).q
	if rq.Start != "add_to_cart" || !rq.Unbounded || rq.Period != "day" {
		t.Fatalf("retention query %+v", rq)
	}
	rw, _ := d.Retention(ctx, rq)
	if got := h.m.tab().res.(*retentionResult).r; !reflect.DeepEqual(got.Cohorts, rw.Cohorts) || !reflect.DeepEqual(got.Average, rw.Average) {
		t.Fatal("retention shows another result than its query's")
	}

	h.keys("5")
	goRow(t, h, "active")
	h.keys("<enter>", "purchase", "<enter>")
	lq := h.m.tab().a.(*lifecycle).q
	lw, _ := d.Lifecycle(ctx, lq)
	if got := h.m.tab().res.(*lifecycleResult).r; lq.Event != "purchase" || !reflect.DeepEqual(got.Points, lw.Points) {
		t.Fatalf("lifecycle query %+v shows another result", lq)
	}
	h.contains("active = did purchase")
}

// With a breakdown on, a retention cell's list is the overall table's and
// its title says so (the heat map stays the overall table).
func TestRetentionDrillWithBreakdownSaysOverall(t *testing.T) {
	h := newHarness(t, 100, 30)
	r, err := h.m.sh.d.Retention(context.Background(), query.RetentionQuery{Common: query.Common{By: "device"}})
	if err != nil {
		t.Fatal(err)
	}
	title, users, ok := (&retentionResult{r: r}).drill(max(r.Periods, 1) + 1)
	if !ok || !strings.HasSuffix(title, "(overall, every device)") || !reflect.DeepEqual(users, r.CellUsers(1, 1)) {
		t.Fatalf("drill with --by: %q, %d users (want %d)", title, len(users), len(r.CellUsers(1, 1)))
	}
}

// TestErrorReplacesTheResult types a bad query on Explore: its error
// shows where the results were (not only in the footer beside the old
// table), and a good query brings a table back.
func TestErrorReplacesTheResult(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("6")
	h.contains("first seen") // the events table
	goRow(t, h, "sql")
	h.keys("<enter>", "select nope from nowhere", "<enter>")
	scr := h.screen()
	if strings.Contains(scr, "first seen") {
		t.Fatalf("the events table stayed beside the SQL error:\n%s", scr)
	}
	body := strings.Join(strings.Split(scr, "\n")[2:28], "\n") // above the footer
	if !strings.Contains(body, "no such table") {
		t.Fatalf("the error is not in the results:\n%s", scr)
	}
	goRow(t, h, "sql")
	h.keys("<enter>", "<ctrl+u>", "select 41 + 1 as answer", "<enter>")
	h.contains("answer", "42")
	if h.m.isErr {
		t.Fatalf("status still an error: %q", h.m.status)
	}
}
