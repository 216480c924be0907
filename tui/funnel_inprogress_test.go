package tui

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// naiveInProgress is a deliberately plain reading of docs/semantics.md#funnels for an
// ordered funnel without filters or exclusions over all time: every step-1
// event starts an attempt that takes the steps greedily, in order, each
// from a later event within the inclusive window; a person's level is the
// deepest attempt, the latest such attempt counts, and it is in progress
// when it stopped before the last step with its window reaching past the
// data's last event. It returns, per 0-based step, the users in progress
// there, in the dataset's person order.
func naiveInProgress(d *query.Dataset, steps []string, window time.Duration) [][]string {
	out := make([][]string, len(steps))
	win := window.Milliseconds()
	for u := range d.Users {
		lo, hi := int(d.Start[u]), int(d.Start[u+1])
		level, start := -1, int64(0)
		for i := lo; i < hi; i++ {
			if d.Names[d.Event[i]] != steps[0] {
				continue
			}
			t0, next := d.Time[i], 1
			for j := i + 1; j < hi && next < len(steps) && d.Time[j] <= t0+win; j++ {
				if d.Names[d.Event[j]] == steps[next] {
					next++
				}
			}
			if next-1 >= level { // >=: the latest attempt wins a tie
				level, start = next-1, t0
			}
		}
		if level >= 0 && level < len(steps)-1 && start+win > d.MaxTime {
			out[level] = append(out[level], d.Users[u])
		}
	}
	return out
}

// tableInProgress reads step k's "in progress" column from the table the
// results pane prints under the chart.
func tableInProgress(t *testing.T, h *harness, k int) int {
	t.Helper()
	tab := h.m.tab().res.Tables(i18n.English)[0]
	for c, name := range tab.Columns {
		if name == "in progress" {
			n, err := strconv.Atoi(tab.Rows[k][c])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("the funnel table has no in progress column: %v", tab.Columns)
	return 0
}

// selectStep focuses the chart and selects 0-based step k.
func selectStep(h *harness, k int) {
	h.keys("l")
	for h.m.tab().sel > 0 {
		h.keys("k")
	}
	for range k {
		h.keys("j")
	}
}

func TestFunnelInProgressUsers(t *testing.T) {
	h := newHarness(t, 100, 30)
	ctx := context.Background()
	q := funnelQ(t, h)
	r, err := h.m.sh.d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	naive := naiveInProgress(h.m.sh.d, stepNames(q), 7*24*time.Hour)
	selectStep(h, 1)
	// The footer names the key while the funnel's chart has focus.
	h.contains("enter list users p in progress")
	h.keys("p")
	p, ok := topPage(t, h).(*listPage)
	if !ok {
		t.Fatalf("p on step 2 opened %T", topPage(t, h))
	}
	want := r.InProgressAt(1)
	if len(want) == 0 {
		t.Fatal("the fixture has nobody in progress at step 2: nothing to check")
	}
	if !reflect.DeepEqual(p.lines, want) || !reflect.DeepEqual(p.keys, want) || !reflect.DeepEqual(naive[1], want) {
		t.Fatalf("listed %d users from %.20q, engine InProgressAt %d from %.20q, naive %d", len(p.lines), p.lines, len(want), want, len(naive[1]))
	}
	if n := tableInProgress(t, h, 1); n != len(want) {
		t.Fatalf("the table says %d in progress at step 2, the list holds %d", n, len(want))
	}
	title := fmt.Sprintf("In progress at step 2 view_item — %d users", len(want))
	if p.title != title {
		t.Fatalf("title %q, want %q", p.title, title)
	}
	// The page shows them in the list's order, cursor on the first.
	h.contains(title, "▸ "+want[0], fmt.Sprintf("%d of %d", len(want), len(want)))
	if s := h.screen(); strings.Index(s, want[0]) > strings.Index(s, want[len(want)-1]) {
		t.Fatalf("the page does not show the users in order:\n%s", s)
	}
	// They are apart from those who dropped: together they are the users
	// who reached step 2 and not step 3.
	stopped := map[string]bool{}
	for _, u := range r.UsersAt(1) {
		stopped[u] = true
	}
	for _, u := range r.UsersAt(2) {
		delete(stopped, u)
	}
	for _, u := range append(r.DroppedAt(1), want...) {
		if !stopped[u] {
			t.Fatalf("%s is listed twice or did not stop at step 2", u)
		}
		delete(stopped, u)
	}
	if len(stopped) != 0 {
		t.Fatalf("%d users stopped at step 2 but are neither dropped nor in progress", len(stopped))
	}

	// Enter on a user explains them, as on the drop-off list.
	user := want[len(want)-1]
	h.keys("/", user, "<enter>", "<enter>")
	ex, ok := topPage(t, h).(*textPage)
	if !ok {
		t.Fatalf("enter on %s opened %T (status %q)", user, topPage(t, h), h.m.status)
	}
	text, err := h.m.sh.d.ExplainFunnel(ctx, q, user)
	if err != nil {
		t.Fatal(err)
	}
	if ex.title != "Why "+user+" counts as they do" || strings.Join(ex.lines, "\n") != strings.TrimRight(text, "\n") {
		t.Fatalf("%q:\n%s\nwant the explanation:\n%s", ex.title, strings.Join(ex.lines, "\n"), text)
	}
	x, err := h.m.sh.d.FunnelExplanation(ctx, q, user)
	if err != nil || x.Status != query.ExplainInProgress || x.StepsReached != 2 {
		t.Fatalf("the explanation of %s says %q after %d steps (%v), want in progress after 2", user, x.Status, x.StepsReached, err)
	}
	h.contains("in progress")

	// Esc goes back to the list, then to the chart on the same step.
	h.keys("<esc>")
	if topPage(t, h) != page(p) {
		t.Fatalf("esc from the explanation shows %T", topPage(t, h))
	}
	h.keys("<esc>")
	if len(h.m.pages) != 0 || h.m.focus != 1 || h.m.tab().sel != 1 {
		t.Fatalf("esc left %d pages, focus %d, step %d", len(h.m.pages), h.m.focus, h.m.tab().sel)
	}

	// e and y export and copy it as on every users list.
	h.keys("p")
	checkUserList(t, h, "In progress at step 2 view_item", "funnel-in-progress-at-step-2-view-item-users", want)
}

// Step 1 of the fixture has nobody in progress and the last step never
// has: p says so in the status line and opens nothing.
func TestFunnelInProgressNone(t *testing.T) {
	h := newHarness(t, 100, 30)
	r := h.m.tab().res.(*funnelResult).r
	last := len(r.Steps) - 1
	for _, c := range []struct {
		k    int
		want string
	}{
		{0, "nobody is in progress at step 1 page_view"},
		{last, fmt.Sprintf("step %d %s is the last: its users converted, enter lists them", last+1, r.Steps[last].Event)},
	} {
		if r.Steps[c.k].InProgress != 0 {
			t.Fatalf("step %d has %d in progress", c.k+1, r.Steps[c.k].InProgress)
		}
		selectStep(h, c.k)
		h.keys("p")
		if len(h.m.pages) != 0 || h.m.status != c.want || h.m.isErr {
			t.Fatalf("p on step %d: %d pages, status %q (error %v)", c.k+1, len(h.m.pages), h.m.status, h.m.isErr)
		}
		h.contains(c.want)
	}
	// In the query panel p is no key, and other tabs neither take nor
	// offer it.
	h.keys("h", "p")
	if len(h.m.pages) != 0 || h.m.dlg != nil {
		t.Fatal("p in the query panel opened something")
	}
	h.keys("1", "l")
	if strings.Contains(h.screen(), "p in progress") {
		t.Fatal("the Trends footer offers p")
	}
	h.keys("p")
	if len(h.m.pages) != 0 || h.m.dlg != nil {
		t.Fatal("p on Trends opened something")
	}
}

// With a breakdown the chart shows the top values, but the lists are the
// step's users over every value, and their titles say so.
func TestFunnelInProgressWithBreakdown(t *testing.T) {
	h := newHarness(t, 100, 30)
	ctx := context.Background()
	plain, err := h.m.sh.d.Funnel(ctx, funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	goRow(t, h, "by")
	h.keys("<enter>", "country", "<enter>")
	q := funnelQ(t, h)
	if q.By != "country" {
		t.Fatalf("by is %q", q.By)
	}
	r, err := h.m.sh.d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	selectStep(h, 2)
	h.keys("p")
	p := topPage(t, h).(*listPage)
	want := r.InProgressAt(2)
	if len(want) == 0 || !reflect.DeepEqual(p.lines, want) || !reflect.DeepEqual(want, plain.InProgressAt(2)) {
		t.Fatalf("listed %d users; with --by %d, without %d", len(p.lines), len(want), len(plain.InProgressAt(2)))
	}
	if n := tableInProgress(t, h, 2); n != len(want) {
		t.Fatalf("table %d, list %d", n, len(want))
	}
	name := "In progress at step 3 add_to_cart (overall, every country)"
	if title := fmt.Sprintf("%s — %d users", name, len(want)); p.title != title {
		t.Fatalf("title %q, want %q", p.title, title)
	}
	if p.users.name != name {
		t.Fatalf("the export is named %q", p.users.name)
	}
	h.keys("<esc>", "<enter>")
	if d := topPage(t, h).(*listPage); !strings.HasPrefix(d.title, "Dropped off after step 3 add_to_cart (overall, every country) — ") ||
		!reflect.DeepEqual(d.lines, r.DroppedAt(2)) {
		t.Fatalf("the drop-off list is %q with %d users", d.title, len(d.lines))
	}
}

// On other samples and windows, every step's in-progress list equals the
// engine's and the naive reading's, and its count the table's.
func TestFunnelInProgressRandomized(t *testing.T) {
	for _, c := range []struct {
		users  int
		seed   int64
		window string
	}{{150, 2, "14d"}, {300, 3, "1d"}, {250, 4, "30d"}, {200, 5, "7d"}} {
		t.Run(fmt.Sprintf("seed%d_%s", c.seed, c.window), func(t *testing.T) {
			h := harnessOn(t, 100, 30, c.users, c.seed)
			goRow(t, h, "window")
			h.keys("<enter>", c.window, "<enter>")
			q := funnelQ(t, h)
			win, err := query.ParseDuration(q.Window)
			if err != nil || q.Window != c.window {
				t.Fatalf("window %q (%v)", q.Window, err)
			}
			naive := naiveInProgress(h.m.sh.d, stepNames(q), time.Duration(win)*time.Millisecond)
			r, err := h.m.sh.d.Funnel(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for k := range q.Steps {
				selectStep(h, k)
				h.keys("p")
				var got []string
				if len(h.m.pages) > 0 {
					got = topPage(t, h).(*listPage).lines
					h.keys("<esc>")
				}
				if !reflect.DeepEqual(got, nilIfEmpty(r.InProgressAt(k))) || !reflect.DeepEqual(got, naive[k]) {
					t.Fatalf("step %d: listed %d, engine %d, naive %d", k+1, len(got), len(r.InProgressAt(k)), len(naive[k]))
				}
				if n := tableInProgress(t, h, k); n != len(got) {
					t.Fatalf("step %d: table %d, list %d", k+1, n, len(got))
				}
				total += len(got)
			}
			if total == 0 {
				t.Fatal("nobody in progress at any step: the case checks nothing")
			}
		})
	}
}

// In strict and any modes, whose levels and windows count differently,
// the page still lists exactly the engine's in-progress users, as many as
// the table says.
func TestFunnelInProgressOtherModes(t *testing.T) {
	for _, mode := range []string{"strict", "any"} {
		t.Run(mode, func(t *testing.T) {
			h := harnessOn(t, 100, 30, 300, 6)
			goRow(t, h, "window")
			h.keys("<enter>", "30d", "<enter>")
			goRow(t, h, "mode")
			h.keys("<enter>", mode, "<enter>")
			q := funnelQ(t, h)
			if q.Mode != mode || q.Window != "30d" {
				t.Fatalf("mode %q window %q", q.Mode, q.Window)
			}
			r, err := h.m.sh.d.Funnel(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for k := range q.Steps {
				selectStep(h, k)
				h.keys("p")
				var got []string
				if len(h.m.pages) > 0 {
					got = topPage(t, h).(*listPage).lines
					h.keys("<esc>")
				}
				if !reflect.DeepEqual(got, nilIfEmpty(r.InProgressAt(k))) || tableInProgress(t, h, k) != len(got) {
					t.Fatalf("step %d: listed %d, engine %d, table %d", k+1, len(got), len(r.InProgressAt(k)), tableInProgress(t, h, k))
				}
				total += len(got)
			}
			if total == 0 {
				t.Fatal("nobody in progress at any step: the case checks nothing")
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// harnessOn is newHarness on a fixture of another size and seed.
func harnessOn(t *testing.T, w, h, users int, seed int64) *harness {
	t.Helper()
	open := func(ctx context.Context) (*store.DB, string, error) {
		db, err := fixtureDB(ctx, users, seed)
		return db, "fixture", err
	}
	m := New(context.Background(), open, false)
	m.sh.since = func(time.Time) time.Duration { return 0 }
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	t.Cleanup(func() {
		if m.sh.db != nil {
			m.sh.db.Close()
		}
	})
	if m.sh.d == nil {
		t.Fatalf("the fixture did not load: %s", m.status)
	}
	return hs
}
