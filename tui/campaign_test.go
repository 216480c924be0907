package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// TestSegmentsShowCampaignLift: an audience exported with a 30% holdout
// shows its last export and lift under its bar. The groups are the ones
// TestHeldIsTheDocumentedRule checks (u1, u5, u17, u18, u20 held out);
// 4 of the 15 treated and 1 of the 5 held out bought after the export:
// lift (4/15)/(1/5) − 1 = +33.3%, interval e^(ln(4/3) ± 1.96·√(11/60 +
// 0.8)) − 1 = −80.9%..831.1%, Fisher p = 1, incremental 4 − 15·0.2 = 1.
func TestSegmentsShowCampaignLift(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	at := func(day int) int64 { return time.Date(2026, 3, day, 10, 0, 0, 0, time.UTC).UnixMilli() }
	var evs []store.Event
	var users []string
	for i := 1; i <= 20; i++ {
		u := fmt.Sprint("u", i)
		users = append(users, u)
		evs = append(evs, store.Event{User: u, Name: "add_to_cart", Time: at(1)})
	}
	for _, u := range []string{"u2", "u3", "u4", "u6", "u1"} {
		evs = append(evs, store.Event{User: u, Name: "purchase", Time: at(5)})
	}
	db := importedDB(t, path, evs)
	for _, a := range []string{"promo", "zplain"} {
		if err := segment.Audiences.Save(ctx, db, a, "did add_to_cart", false); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := segment.RecordExport(ctx, db, "promo", users, 0.3, "purchase", time.UnixMilli(at(2))); err != nil {
		t.Fatal(err)
	}
	db.Close()

	h := fileHarness(t, path, 160, 40)
	h.keys("7")
	h.contains("aud:promo", "aud:zplain",
		"lift +33.3% [-80.9–831.1%] p 1.000 (purchase, 14d) · 1.0 incremental · export 2026-03-02, 5 of 20 held",
		"Audience campaigns")
	// The audience without an export has no campaign line: the line under
	// aud:zplain is the next entry or blank.
	lines := strings.Split(h.screen(), "\n")
	for i, l := range lines {
		if strings.Contains(l, "aud:zplain") && i+1 < len(lines) && strings.Contains(lines[i+1], "lift") {
			t.Errorf("zplain shows a lift: %q", lines[i+1])
		}
	}
	// The selection is kept on screen by line: zplain, after promo's
	// campaign line, is one line further down.
	res := h.m.tabs[tabSegments].res.(*savedResult)
	chart := strings.Split(res.chart(h.m.sh, 100, 1), "\n")
	if at := res.line(h.m.sh, 100, 1); at >= len(chart) || !strings.Contains(chart[at], "aud:zplain") {
		t.Errorf("line(zplain) = %d: %q", at, chart)
	}
	// The table row, for export.
	c := res.campaigns()
	if len(c.Rows) != 1 || strings.Join(c.Rows[0], ",") != "promo,1,2026-03-02,15,5,purchase,26.7%,20.0%,33.3%,-80.9%,831.1%,1.000,1.0" {
		t.Errorf("campaigns table %v", c.Rows)
	}
}
