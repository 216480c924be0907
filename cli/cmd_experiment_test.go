package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/store"
)

// experimentFixtureDB: control A has 40 users of whom 10 buy, B has 40 of
// whom 20 buy (each at 12.5 after a day); a1 also saw B later and b1 also
// saw A, so both are excluded, leaving A 39 (9 buyers: a1 was one) and
// B 39 (19 buyers: b1 was one). One A user buys 8 days after exposure,
// outside the 7-day window; each B buyer also adds to cart first.
func experimentFixtureDB(t *testing.T) string {
	t.Helper()
	var evs []store.Event
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMilli()
	add := func(user, name string, at int64, props ...store.Prop) {
		evs = append(evs, store.Event{User: user, Name: name, Time: at, Props: props})
	}
	const day = int64(86_400_000)
	for _, arm := range []struct {
		name   string
		buyers int
	}{{"A", 10}, {"B", 20}} {
		for i := range 40 {
			u := fmt.Sprintf("%s%d", strings.ToLower(arm.name), i+1)
			at := start + int64(i)*60_000
			add(u, "land", at, store.Prop{Key: "exp", Value: arm.name})
			if i < arm.buyers {
				if arm.name == "B" {
					add(u, "cart", at+day/2)
				}
				add(u, "purchase", at+day, store.Prop{Key: "price", Value: 12.5})
			}
		}
	}
	add("a1", "land", start+2*day, store.Prop{Key: "exp", Value: "B"})
	add("b1", "land", start+2*day, store.Prop{Key: "exp", Value: "A"})
	add("a40", "purchase", start+8*day+39*60_000)
	return fixtureDB(t, fixture{db: "exp.db", file: "fixture", events: evs})
}

func TestExperimentCommandJSON(t *testing.T) {
	db := experimentFixtureDB(t)
	code, out, errOut := callSpoor(t, "experiment", "--variant", "exp", "--goal", "purchase", "--revenue", "price", "--db", db, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The documented keys, read generically so a renamed key fails.
	var raw struct {
		Variants []map[string]any `json:"variants"`
		SRM      *float64         `json:"srm_p_value"`
		Excluded int              `json:"excluded_users"`
		Verdict  string           `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Variants) != 2 || raw.Excluded != 2 || raw.SRM == nil || *raw.SRM != 1 {
		t.Fatalf("%s", out)
	}
	a, b := raw.Variants[0], raw.Variants[1]
	if a["variant"] != "A" || a["users"] != 39.0 || a["conversions"] != 9.0 || a["p_value"] != nil {
		t.Errorf("control: %v", a)
	}
	if b["variant"] != "B" || b["users"] != 39.0 || b["conversions"] != 19.0 {
		t.Errorf("B: %v", b)
	}
	for _, k := range []string{"rate", "ci_low", "ci_high", "lift", "p_value"} {
		if _, ok := b[k].(float64); !ok {
			t.Errorf("B %s = %v, want a number", k, b[k])
		}
	}
	lo, hi := experiment.Wilson(19, 39, 1.959963984540054)
	if math.Abs(b["ci_low"].(float64)-lo) > 1e-12 || math.Abs(b["ci_high"].(float64)-hi) > 1e-12 {
		t.Errorf("B interval %v %v, want %v %v", b["ci_low"], b["ci_high"], lo, hi)
	}
	if math.Abs(b["lift"].(float64)-(19.0/9-1)) > 1e-12 {
		t.Errorf("lift %v", b["lift"])
	}
	_, p := experiment.ZTest(19, 39, 9, 39)
	if b["test"] != "z" || math.Abs(b["p_value"].(float64)-p) > 1e-12 {
		t.Errorf("p %v (%v), want z %v", b["p_value"], b["test"], p)
	}
	// Revenue per user: A 9 × 12.5 / 39, B 19 × 12.5 / 39.
	rev := b["revenue"].(map[string]any)
	if math.Abs(rev["mean"].(float64)-19*12.5/39) > 1e-12 {
		t.Errorf("B revenue %v", rev)
	}
	// p = 0.017 < 0.05: B wins.
	if raw.Verdict != experiment.VerdictWinner || !strings.Contains(out, `"winner": "B"`) {
		t.Errorf("verdict %q", raw.Verdict)
	}
}

func TestExperimentCommandFunnelAndText(t *testing.T) {
	db := experimentFixtureDB(t)
	code, out, errOut := callSpoor(t, "experiment", "--variant", "exp", "--steps", "cart, purchase where price >= 10", "--db", db, "--format", "table")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A never adds to cart: 0 through the funnel; B 19.
	for _, want := range []string{"funnel per variant", "purchase where price >= 10", "2 users seen with more than one variant, excluded (A + B: 2)", "verdict", "fisher"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// A 90/10 intended split makes the even split a mismatch.
	code, out, _ = callSpoor(t, "experiment", "--variant", "exp", "--goal", "purchase", "--weights", "A=90,B=10", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "MISMATCH") || !strings.Contains(out, "sample ratio mismatch") {
		t.Errorf("weights: exit %d\n%s", code, out)
	}
}

func TestExperimentCommandErrors(t *testing.T) {
	db := experimentFixtureDB(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--goal", "purchase"}, 2, "--variant PROP is required"},
		{[]string{"--variant", "exp"}, 2, "either --goal EVENT or --steps"},
		{[]string{"--variant", "exp", "--goal", "purchase", "--steps", "a,b"}, 2, "either --goal EVENT or --steps"},
		{[]string{"--variant", "exp", "--goal", "purchse"}, 1, "purchase"},
		{[]string{"--variant", "expp", "--goal", "purchase"}, 1, "no event carries the property"},
		{[]string{"--variant", "exp", "--goal", "purchase", "--weights", "50,x"}, 2, "--weights"},
		{[]string{"--variant", "exp", "--goal", "purchase", "--weights", "1,1,1"}, 1, "3 weights for 2 variants"},
		{[]string{"--variant", "exp", "--goal", "purchase", "--control", "C"}, 1, "variants seen: A, B"},
		{[]string{"--variant", "exp", "--goal", "purchase", "--mde", "0"}, 2, "--mde"},
	} {
		code, _, errOut := callSpoor(t, append(append([]string{"experiment"}, c.args...), "--db", db)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

func TestSplitTopLevel(t *testing.T) {
	got := splitSteps("view, cart where device in (ios, android), buy where note = 'a,b'")
	want := []string{"view", "cart where device in (ios, android)", "buy where note = 'a,b'"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("%q", got)
	}
}
