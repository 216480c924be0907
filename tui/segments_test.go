package tui

import (
	"context"
	"encoding/json"
	"github.com/spoorhq/spoor/output"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// naiveCount lists, by counting events one by one, the users with at
// least min events of name: the reference for "did NAME >= min".
func naiveCount(d *query.Dataset, name string, min int) []string {
	id, _ := d.EventID(name)
	var out []string
	for p := range d.Users {
		n := 0
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			if d.Event[i] == id {
				n++
			}
		}
		if n >= min {
			out = append(out, d.Users[p])
		}
	}
	return out
}

func segTab(h *harness) *segmentsTab { return h.m.tabs[tabSegments].a.(*segmentsTab) }

func TestSegmentWriteSaveApplyExportDelete(t *testing.T) {
	h := newHarness(t, 120, 40)
	ctx := context.Background()
	d := h.m.sh.d
	h.keys("7")
	h.contains("Preview", "none yet")

	// A parse error points at its column while typing; Enter keeps the
	// editor open until the expression parses.
	goRow(t, h, "expr")
	h.keys("<enter>", "did purchase >=")
	ed, ok := h.m.dlg.(*exprEditor)
	if !ok {
		t.Fatalf("Enter on expr opened %T", h.m.dlg)
	}
	var pe *segment.ParseError
	if ed.err == nil || !asParseError(ed.err, &pe) || pe.Col != 16 {
		t.Fatalf("error after a dangling >=: %v, want one at column 16", ed.err)
	}
	h.contains("column 16", "^")
	h.keys("<enter>")
	if h.m.dlg == nil {
		t.Fatal("Enter accepted an expression that does not parse")
	}
	h.keys(" 2", "<enter>")
	a := segTab(h)
	if a.Expr != "did purchase >= 2" || h.m.dlg != nil {
		t.Fatalf("expr %q, dialog %T", a.Expr, h.m.dlg)
	}
	want := naiveCount(d, "purchase", 2)
	r := h.m.tab().res.(*savedResult)
	if r.err != nil || r.users != len(want) || r.total != 400 {
		t.Fatalf("preview: %d of %d users (err %v), want %d of 400", r.users, r.total, r.err, len(want))
	}
	if last := r.trend[len(r.trend)-1]; len(r.trend) != previewDays || last.Users != len(want) {
		t.Fatalf("trend of %d days ends at %d users, want %d days ending at %d", len(r.trend), last.Users, previewDays, len(want))
	}
	h.contains(thousands(len(want))+" of 400 users ("+output.Percent(float64(len(want))/400)+") now", "members at the end of each of the last 30 days")

	// Name it and save it as a segment.
	goRow(t, h, "name")
	h.keys("<enter>", "buyers", "<enter>")
	goRow(t, h, "save")
	h.keys("<enter>", "<enter>")
	s, err := segment.Segments.Get(ctx, h.m.sh.db, "buyers")
	if err != nil || s.Expr != "did purchase >= 2" {
		t.Fatalf("saved %+v, %v (status %q)", s, err, h.m.status)
	}
	r = h.m.tab().res.(*savedResult)
	if len(r.entries) != 1 || !reflect.DeepEqual(r.entries[0].members, want) {
		t.Fatalf("saved list %+v, want buyers with %d members", r.entries, len(want))
	}
	// Saving again updates the entry just saved, but a new expression
	// (d clears expr) under an existing name is refused.
	goRow(t, h, "expr")
	h.keys("d", "<enter>", "did purchase >= 2", "<enter>")
	goRow(t, h, "save")
	h.keys("<enter>", "<enter>")
	if !h.m.isErr || !strings.Contains(h.m.status, "exists") {
		t.Fatalf("second save of buyers: status %q", h.m.status)
	}

	// Enter in the results lists the members.
	h.keys("l", "<enter>")
	p, ok := h.m.pages[len(h.m.pages)-1].(*listPage)
	if !ok || !reflect.DeepEqual(p.keys, want) {
		t.Fatalf("users page %T with %d users, want %d", h.m.pages[len(h.m.pages)-1], len(p.keys), len(want))
	}
	h.keys("<esc>", "<esc>")

	// Apply as a filter on the other tabs: the funnel counts only buyers.
	goRow(t, h, "seg")
	h.keys("<enter>", "as filter", "<enter>")
	if got := funnelQ(t, h).Segment; got != "buyers" {
		t.Fatalf("funnel segment %q after apply", got)
	}
	if !strings.Contains(h.m.status, "Funnel") {
		t.Fatalf("status %q does not name the tabs", h.m.status)
	}
	h.keys("2")
	fr := h.m.tab().res.(*funnelResult).r
	if fr.Steps[0].Users > len(want) || fr.Steps[0].Users == 0 {
		t.Fatalf("filtered funnel starts with %d users, buyers are %d", fr.Steps[0].Users, len(want))
	}
	h.contains("segment buyers")

	// Apply as a breakdown (after removing the filter): trends splits into
	// buyers and not buyers.
	h.keys("7")
	goRow(t, h, "seg")
	h.keys("<enter>", "remove segment", "<enter>")
	if q := funnelQ(t, h); q.Segment != "" {
		t.Fatalf("funnel segment %q after removing", q.Segment)
	}
	h.keys("<enter>", "as breakdown", "<enter>")
	h.keys("1")
	tq := h.m.tab().a.(*trends).q
	if tq.By != "segment:buyers" {
		t.Fatalf("trends by %q", tq.By)
	}
	var labels []string
	for _, s := range h.m.tab().res.(*trendsResult).full.Series {
		labels = append(labels, s.Label)
	}
	if !strings.Contains(strings.Join(labels, "|"), "not buyers") {
		t.Fatalf("trends series %v lack the segment split", labels)
	}
	// Clear both again.
	h.keys("7")
	goRow(t, h, "seg")
	h.keys("<enter>", "remove segment", "<enter>")
	if q := funnelQ(t, h); q.Segment != "" || h.m.tabs[tabTrends].a.(*trends).q.By != "" {
		t.Fatalf("after clearing: funnel segment %q, trends by %q", q.Segment, h.m.tabs[tabTrends].a.(*trends).q.By)
	}

	// Export the members as JSON, the way spoor segment users prints them.
	path := filepath.Join(t.TempDir(), "buyers.json")
	h.keys("<enter>", "export", "<enter>", "json", "<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys(path, "<enter>")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("export wrote nothing: %v (status %q)", err, h.m.status)
	}
	var objs []map[string]string
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o["user"])
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("exported %d users, want %d", len(got), len(want))
	}

	// Edit loads the entry; saving replaces it.
	h.keys("<enter>", "edit", "<enter>")
	goRow(t, h, "expr")
	h.keys("<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys("did purchase >= 3", "<enter>")
	goRow(t, h, "save")
	h.keys("<enter>", "<enter>")
	if s, _ := segment.Segments.Get(ctx, h.m.sh.db, "buyers"); s.Expr != "did purchase >= 3" {
		t.Fatalf("edited buyers is %q (status %q)", s.Expr, h.m.status)
	}
	if r := h.m.tab().res.(*savedResult); len(r.entries[0].members) != len(naiveCount(d, "purchase", 3)) {
		t.Fatalf("edited buyers has %d members, want %d", len(r.entries[0].members), len(naiveCount(d, "purchase", 3)))
	}

	// d on the entry deletes it.
	goRow(t, h, "seg")
	h.keys("d")
	if list, _ := segment.Segments.List(ctx, h.m.sh.db); len(list) != 0 {
		t.Fatalf("still saved after d: %+v", list)
	}
	if r := h.m.tab().res.(*savedResult); len(r.entries) != 0 {
		t.Fatal("the deleted segment is still listed")
	}
}

func asParseError(err error, pe **segment.ParseError) bool {
	p, ok := err.(*segment.ParseError)
	*pe = p
	return ok
}

// An audience rule saved from the tab is listed as aud: with its size.
func TestSaveAudienceRule(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("7")
	goRow(t, h, "expr")
	h.keys("<enter>", "did add_to_cart then not purchase within 24h", "<enter>")
	goRow(t, h, "name")
	h.keys("<enter>", "cart_left", "<enter>")
	goRow(t, h, "save")
	h.keys("<enter>", "audience", "<enter>")
	if _, err := segment.Audiences.Get(context.Background(), h.m.sh.db, "cart_left"); err != nil {
		t.Fatalf("audience not saved: %v (status %q)", err, h.m.status)
	}
	m, err := segment.Evaluate(context.Background(), h.m.sh.d, "did add_to_cart then not purchase within 24h")
	if err != nil {
		t.Fatal(err)
	}
	r := h.m.tab().res.(*savedResult)
	if len(r.entries) != 1 || r.entries[0].ref() != "audience:cart_left" || len(r.entries[0].members) != len(memberIDs(h.m.sh.d, m)) {
		t.Fatalf("entries %+v", r.entries)
	}
	before := len(r.entries[0].members)
	h.contains("aud:cart_left", thousands(before))
	ctx := context.Background()
	if s, _ := segment.Audiences.Get(ctx, h.m.sh.db, "cart_left"); s.LastCount == nil || *s.LastCount != int64(before) {
		t.Fatalf("size at save not recorded: %+v", s)
	}

	// An import from the workbench re-evaluates the rule: three new users
	// leave their carts, and the tab shows the size before.
	path := filepath.Join(t.TempDir(), "more.csv")
	csv := "user_id,event,time\nnew1,add_to_cart,2026-06-30T10:00:00Z\nnew2,add_to_cart,2026-06-30T11:00:00Z\nnew3,add_to_cart,2026-06-30T12:00:00Z\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	h.run(startImport(ctx, h.m.sh.db, path))
	if h.m.imp == nil || !h.m.imp.done || h.m.imp.err != nil {
		t.Fatalf("import did not finish: %+v (status %q)", h.m.imp, h.m.status)
	}
	s, _ := segment.Audiences.Get(ctx, h.m.sh.db, "cart_left")
	if s.PrevCount == nil || *s.PrevCount != int64(before) || s.LastCount == nil || *s.LastCount != int64(before+3) {
		t.Fatalf("after the import: last %v prev %v, want %d and %d", s.LastCount, s.PrevCount, before+3, before)
	}
	h.keys("<esc>", "7")
	h.contains("aud:cart_left", thousands(before+3), "was "+thousands(before))
}

// RFM tiers and lifecycle stages: counts add up to the users they cover,
// Enter on a group lists exactly its users.
func TestRFMAndStagesDrill(t *testing.T) {
	h := newHarness(t, 120, 40)
	d := h.m.sh.d
	h.keys("7", "<enter>", "rfm", "<enter>")
	r, ok := h.m.tab().res.(*groupResult)
	if !ok {
		t.Fatalf("rfm shows %T (err %v)", h.m.tab().res, h.m.tab().err)
	}
	// Customers: users with a purchase, the only events carrying revenue.
	buyers := naiveCount(d, "purchase", 1)
	sum := 0
	var all []string
	for i, g := range r.groups {
		sum += g.Users
		if len(r.users[i]) != g.Users {
			t.Fatalf("tier %s: %d users listed, %d counted", g.Name, len(r.users[i]), g.Users)
		}
		all = append(all, r.users[i]...)
	}
	sort.Strings(all)
	if sum != len(buyers) || !reflect.DeepEqual(all, buyers) {
		t.Fatalf("tiers cover %d users, %d bought", sum, len(buyers))
	}
	h.contains("RFM tiers by revenue", "champions")
	h.keys("l", "j", "<enter>")
	p := h.m.pages[len(h.m.pages)-1].(*listPage)
	if !reflect.DeepEqual(p.keys, r.users[1]) || !strings.Contains(p.title, r.groups[1].Name) {
		t.Fatalf("drill on tier 2 lists %d users titled %q", len(p.keys), p.title)
	}
	h.keys("<esc>", "<esc>")

	h.keys("k", "<enter>", "stages", "<enter>")
	sr := h.m.tab().res.(*groupResult)
	total := 0
	stages := segment.StagesIn(d, segment.DefaultStageWindow, nil)
	for i, g := range sr.groups {
		total += g.Users
		m := make([]bool, len(stages))
		for p, s := range stages {
			m[p] = s >= 0 && segment.StageNames[s] == g.Name
		}
		if !reflect.DeepEqual(sr.users[i], memberIDs(d, m)) {
			t.Fatalf("stage %s lists other users than its members", g.Name)
		}
	}
	if total != len(d.Users) {
		t.Fatalf("stages cover %d of %d users", total, len(d.Users))
	}
	// A typed window re-runs with it.
	goRow(t, h, "window")
	h.keys("<enter>", "<backspace>", "<backspace>", "7", "<enter>")
	if w := segTab(h).Window; w != 7 {
		t.Fatalf("window %d after typing 7", w)
	}
	h.contains("Lifecycle stage (7-day window)")
}

// TestByPickerOffersSegments saves a segment on tab 7, then picks
// segment:NAME in the funnel's by picker: the breakdown is the engine's
// for --by segment:NAME, members and the rest.
func TestByPickerOffersSegments(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("7")
	goRow(t, h, "expr")
	h.keys("<enter>", "did purchase", "<enter>")
	goRow(t, h, "name")
	h.keys("<enter>", "buyers", "<enter>")
	goRow(t, h, "save")
	h.keys("<enter>", "segment", "<enter>")
	h.contains("saved segment buyers")
	if len(h.m.sh.saved) != 1 {
		t.Fatalf("saved list %+v", h.m.sh.saved)
	}
	h.keys("2")
	goRow(t, h, "by")
	h.keys("<enter>", "segment:buy")
	h.contains("segment:buyers")
	h.keys("<enter>")
	q := funnelQ(t, h)
	if q.By != "segment:buyers" {
		t.Fatalf("by %q", q.By)
	}
	want, err := h.m.sh.d.Funnel(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	got := h.m.tab().res.(*funnelResult).r
	if !reflect.DeepEqual(got.Breakdown, want.Breakdown) || len(got.Breakdown) != 2 {
		t.Fatalf("breakdown %+v, want the engine's %+v (members and the rest)", got.Breakdown, want.Breakdown)
	}
	// Deleting it (d on its row, in the background) takes it off the list.
	h.keys("7")
	goRow(t, h, "seg")
	h.keys("d")
	if len(h.m.sh.saved) != 0 {
		t.Fatalf("saved list after d: %+v", h.m.sh.saved)
	}
	h.contains("deleted segment buyers")
}

// TestExprEditorCountsLive types an expression in the segment editor:
// once it parses, its size shows while typing goes on, equal to the
// naive count; a count for an older text is dropped.
func TestExprEditorCountsLive(t *testing.T) {
	h := newHarness(t, 100, 30)
	d := h.m.sh.d
	h.keys("7")
	goRow(t, h, "expr")
	h.keys("<enter>", "did purchase >= 2")
	e, ok := h.m.dlg.(*exprEditor)
	if !ok {
		t.Fatalf("editor not open: %T", h.m.dlg)
	}
	n := len(naiveCount(d, "purchase", 2))
	want := thousands(n) + " users (" + output.Percent(float64(n)/400) + " of 400)"
	if e.count != want {
		t.Fatalf("count %q, want %q", e.count, want)
	}
	h.contains("now: " + want)
	h.keys("0")
	if n := len(naiveCount(d, "purchase", 20)); e.count != thousands(n)+" users ("+output.Percent(float64(n)/400)+" of 400)" {
		t.Fatalf("after >= 20: count %q (naive %d)", e.count, n)
	}
	// A count that comes back for an older text is not shown.
	h.m.Update(exprCountMsg{seq: e.seq - 1, text: "stale"})
	if e.count == "stale" {
		t.Fatal("a stale count replaced the current one")
	}
	// Text that does not parse shows no count.
	h.keys(" in")
	if e.count != "" {
		t.Fatalf("count %q for an expression that does not parse", e.count)
	}
}

// TestExprEditorWaitsForAPause checks the debounce: keys typed within
// the delay start one count, for the last text.
func TestExprEditorWaitsForAPause(t *testing.T) {
	e := newExprEditor("", time.Hour, func(string) tea.Cmd { return nil })
	sh := &shared{keys: DefaultKeyMap()}
	var ticks int
	for _, r := range "did purchase" {
		_, cmd := e.update(sh, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		if cmd != nil {
			ticks++
		}
	}
	// Every key schedules a tick, but only the last one's seq is current.
	if e.seq != len("did purchase") || ticks == 0 {
		t.Fatalf("seq %d after %d keys", e.seq, len("did purchase"))
	}
	if cmd := e.message(context.Background(), sh, exprTickMsg{seq: e.seq - 1}); cmd != nil || e.count != "" {
		t.Fatal("an earlier pause started a count")
	}
}
