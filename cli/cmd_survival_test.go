package cli

import (
	"strings"
	"testing"
)

// TestSurvivalCommand: on nullFixtureDB, u1 buys 48h after signing up and
// u2 never does (censored at u3's view, 93h after u2's signup): one
// point, S(48h) = 1/2, the median 48h.
func TestSurvivalCommand(t *testing.T) {
	db := nullFixtureDB(t)
	r := jsonOf(t, "survival", "--start", "signup", "--event", "buy", "--by", "country", "--db", db)
	if got := pick(r, "groups", 0, "name"); got != "US" || len(r["groups"].([]any)) != 1 {
		t.Fatalf("groups %v, want US only", r["groups"])
	}
	g := pick(r, "groups", 0)
	for k, want := range map[string]any{"users": 2.0, "events": 1.0, "censored": 1.0, "median_seconds": 172800.0, "median_hi95_seconds": nil} {
		if got := pick(g, k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if p := pick(g, "curve", 0); pick(p, "t_seconds") != 172800.0 || pick(p, "at_risk") != 2.0 || pick(p, "survival") != 0.5 {
		t.Errorf("curve %v, want one point at 48h, 2 at risk, S 0.5", pick(g, "curve"))
	}
	if r["logrank_p"] != nil {
		t.Errorf("logrank_p %v with one group, want null", r["logrank_p"])
	}
	code, out, _ := runCLI(t, "", "survival", "--start", "signup", "--event", "buy", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "all users,2,1,1,2d,") {
		t.Errorf("csv: exit %d\n%s", code, out)
	}
	if code, _, errs := runCLI(t, "", "survival", "--start", "signup", "--db", db); code != 2 || !strings.Contains(errs, "--event") {
		t.Errorf("without --event: exit %d %q, want 2 naming --event", code, errs)
	}
}
