package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// TestSegmentsBacktest: b on a saved audience back-tests it against the
// goal typed in the prompt, with spoor audience backtest's defaults (60
// days, 7d). The timeline is segment's DST case moved to UTC, plus u5:
// "did view in 1d" counts who viewed that calendar day; the goal window
// is [next midnight, +7d).
//
//	03-01: u5 (new); buys 03-07, inside [03-02, 03-09): 1 of 1.
//	03-07: u1 (new); buys 03-08 22:00: 1 of 1.
//	03-08: u2 00:30, u3 23:59, both new; u3 buys 03-09 23:30, u2 03-10
//	       00:15, both inside [03-09, 03-16): 2 of 2.
//	03-09: u2 (not new: a member the day before), u4 00:30 (new); u2's
//	       buy is inside [03-10, 03-17): 1 of 2.
//	03-10: nobody viewed (zz pings): 0, rate undefined.
//
// The data ends 03-10 12:00, so only windows ending by then are complete:
// 03-01's (to 03-09) and 03-02's (to 03-10 00:00); from 03-03 on, open.
func TestSegmentsBacktest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "b.db")
	at := func(day, h, m int) int64 { return time.Date(2026, 3, day, h, m, 0, 0, time.UTC).UnixMilli() }
	evs := []store.Event{
		{User: "u5", Name: "view", Time: at(1, 10, 0)}, {User: "u5", Name: "buy", Time: at(7, 10, 0)},
		{User: "u1", Name: "view", Time: at(7, 23, 30)}, {User: "u1", Name: "buy", Time: at(8, 22, 0)},
		{User: "u2", Name: "view", Time: at(8, 0, 30)}, {User: "u2", Name: "view", Time: at(9, 12, 0)}, {User: "u2", Name: "buy", Time: at(10, 0, 15)},
		{User: "u3", Name: "view", Time: at(8, 23, 59)}, {User: "u3", Name: "buy", Time: at(9, 23, 30)},
		{User: "u4", Name: "view", Time: at(9, 0, 30)},
		{User: "zz", Name: "ping", Time: at(10, 12, 0)},
	}
	db := importedDB(t, path, evs)
	if err := segment.Segments.Save(ctx, db, "buyers", "did buy", false); err != nil {
		t.Fatal(err)
	}
	if err := segment.Audiences.Save(ctx, db, "viewers", "did view in 1d", false); err != nil {
		t.Fatal(err)
	}
	db.Close()

	h := fileHarness(t, path, 120, 90)
	h.keys("7", "<right>")
	h.contains("buyers", "aud:viewers")
	// Segments first: b on one says it back-tests audiences only.
	h.keys("b")
	h.contains("b back-tests audience rules; buyers is a segment")
	h.keys("<down>", "b")
	if _, ok := h.m.dlg.(*prompt); !ok {
		t.Fatalf("b on an audience opened %T, want the goal prompt", h.m.dlg)
	}
	// A goal the data lacks is refused in the prompt.
	h.keys("<ctrl+u>", "buyy", "<enter>")
	h.contains(`"buyy"`)
	h.keys("<backspace>", "<enter>")
	if h.m.dlg != nil || len(h.m.pages) != 1 {
		t.Fatalf("after the goal: dialog %T, %d pages", h.m.dlg, len(h.m.pages))
	}
	p := h.m.pages[0].(*backtestPage)
	if p.r == nil || p.err != nil || len(p.r.Days) != 60 || p.r.Days[0].Day != "2026-01-10" {
		t.Fatalf("back-test: %+v, err %v", p.r, p.err)
	}
	h.contains("Back-test of audience viewers: buy within 7d, last 60 days", "── members", "did view in 1d, then buy within 168h of the day's end")
	// The rendered rows, by their fields: day, members, new, converted,
	// rate, goal window.
	want := map[string]string{
		"2026-02-28": "0 0 0 - complete",
		"2026-03-01": "1 1 1 100.0% complete",
		"2026-03-02": "0 0 0 - complete",
		"2026-03-03": "0 0 0 - open",
		"2026-03-07": "1 1 1 100.0% open",
		"2026-03-08": "2 2 2 100.0% open",
		"2026-03-09": "2 1 1 50.0% open",
		"2026-03-10": "0 0 0 - open",
	}
	seen := 0
	for _, l := range strings.Split(h.screen(), "\n") {
		f := strings.Fields(l)
		if len(f) == 6 && want[f[0]] != "" {
			if got := strings.Join(f[1:], " "); got != want[f[0]] {
				t.Errorf("%s: %q, want %q", f[0], got, want[f[0]])
			}
			seen++
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d checked days on screen:\n%s", seen, len(want), h.screen())
	}
	// Esc goes back to the list.
	h.keys("<esc>")
	if len(h.m.pages) != 0 {
		t.Fatalf("esc left %d pages", len(h.m.pages))
	}
	h.contains("aud:viewers")
}

// TestBacktestCancelledOnEsc: Esc on a back-test still running cancels
// it; the run stops at its next check and leaves no error on the page.
func TestBacktestCancelledOnEsc(t *testing.T) {
	h := newHarness(t, 100, 30)
	ctx, cancel := context.WithCancel(context.Background())
	p := &backtestPage{title: "Back-test", cancel: cancel}
	h.send(pageMsg{p: p})
	h.contains("back-testing…")
	h.keys("<esc>")
	if len(h.m.pages) != 0 || ctx.Err() == nil {
		t.Fatalf("esc: %d pages left, run cancelled: %v", len(h.m.pages), ctx.Err() != nil)
	}
	n, _ := segment.Parse("did purchase")
	_, err := segment.Backtest(ctx, h.m.sh.d, n, backtestDays, "purchase", 7*86_400_000)
	h.send(backtestMsg{p: p, err: err})
	if err == nil || p.err != nil {
		t.Fatalf("cancelled run: err %v, page err %v", err, p.err)
	}
}
