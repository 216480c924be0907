package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// attrDB: u1 touched by ads then mail (same day) before buying 90; u2 by
// ads alone, buying 30 twice; u3 buys 10 with no touch.
func attrDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "attr.db", file: "attr.csv", content: `user_id,event,time,src,rev
u1,visit,2026-03-01T09:00:00Z,ads,
u1,visit,2026-03-01T10:00:00Z,mail,
u1,buy,2026-03-02T09:00:00Z,,90
u2,visit,2026-03-03T09:00:00Z,ads,
u2,buy,2026-03-03T10:00:00Z,,30
u2,buy,2026-03-04T10:00:00Z,,30
u3,buy,2026-03-05T10:00:00Z,,10
`})
}

// TestAttributionGolden: the numbers are checked by hand. Linear: u1's
// buy is half ads, half mail (90 → 45 each), u2's two are ads: ads 2.5,
// mail 0.5, (direct) 1. Time decay at a 1h half-life: u1's touches are
// 24h and 23h old, weights 1/2 and 1, so ads 1/3 (30) and mail 2/3 (60);
// ads' 40 of spend in range (April's 100 is outside) over 2.333
// conversions, its 90 of revenue returning 2.25x.
func TestAttributionGolden(t *testing.T) {
	db := attrDB(t)
	dir := t.TempDir()
	spend := filepath.Join(dir, "spend.csv")
	os.WriteFile(spend, []byte("touch,date,cost\nads,2026-03-01,40\nmail,2026-03-02,15\nads,2026-04-01,100\n"), 0o644)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("ads,2026-03-01,40\nmail,March 2,15\n"), 0o644)
	base := []string{"attribution", "--db", db, "--conversion", "buy", "--touch", "src", "--revenue", "rev"}
	for _, c := range []struct {
		name string
		code int
		args []string
	}{
		{"attribution_linear_table", 0, []string{"--model", "linear", "--format", "table"}},
		{"attribution_position_csv", 0, []string{"--model", "position", "--format", "csv"}},
		{"attribution_first_markdown", 0, []string{"--model", "first", "--format", "markdown"}},
		{"attribution_decay_spend_json", 0, []string{"--model", "time_decay", "--half-life", "1h", "--spend", spend, "--format", "json"}},
		{"attribution_err_model", 2, []string{"--model", "u_shaped"}},
		{"attribution_err_window", 2, []string{"--window", "0d"}},
	} {
		fnGolden(t, c.name, c.code, append(append([]string{}, base...), c.args...)...)
	}
	code, _, errs := runCLI(t, "", append(base, "--spend", bad)...)
	if code != 1 || !strings.Contains(errs, "bad.csv line 2: date \"March 2\": use YYYY-MM-DD") {
		t.Errorf("bad spend file: %d %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "attribution", "--db", db, "--conversion", "buy")
	if code != 2 || !strings.Contains(errs, "--touch") {
		t.Errorf("missing --touch: %d %s", code, errs)
	}
}

// TestAttributionTotals: whatever the model, the rows add up to the
// conversions and the revenue (u1's 90 split by the model).
func TestAttributionTotals(t *testing.T) {
	db := attrDB(t)
	for _, m := range []string{"first", "last", "linear", "time_decay", "position"} {
		code, out, errs := runCLI(t, "", "attribution", "--db", db, "--conversion", "buy", "--touch", "src", "--revenue", "rev", "--model", m, "--format", "json")
		if code != 0 {
			t.Fatal(errs)
		}
		var r struct {
			Conversions int
			Revenue     float64
			Rows        []struct {
				Touch       string
				Conversions float64
				Revenue     float64
				Users       int
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		conv, rev := 0.0, 0.0
		for _, row := range r.Rows {
			conv += row.Conversions
			rev += row.Revenue
		}
		if r.Conversions != 4 || conv != 4 || r.Revenue != 160 || rev != 160 {
			t.Errorf("%s: %d/%v conversions, %v/%v revenue: %s", m, r.Conversions, conv, r.Revenue, rev, out)
		}
	}
}
