package cli

import (
	"reflect"
	"testing"
)

// TestAudienceBacktestCommand: on nullFixtureDB (UTC), u1 and u2 sign up
// on 01-01 and u1 buys on 01-03 10:00; the data ends 01-05. Each day
// both are members of "did signup", new on 01-01 only; u1's buy is within
// two days of the midnights ending 01-01 and 01-02.
func TestAudienceBacktestCommand(t *testing.T) {
	db := nullFixtureDB(t)
	if code, _, errs := runCLI(t, "", "audience", "create", "signed", "did signup", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	r := jsonOf(t, "audience", "backtest", "signed", "--goal", "buy", "--days", "5", "--within", "2d", "--db", db)
	want := []any{
		map[string]any{"day": "2024-01-01", "members": 2.0, "new_members": 2.0, "converted": 1.0, "rate": 0.5},
		map[string]any{"day": "2024-01-02", "members": 2.0, "new_members": 0.0, "converted": 1.0, "rate": 0.5},
		map[string]any{"day": "2024-01-03", "members": 2.0, "new_members": 0.0, "converted": 0.0, "rate": 0.0},
		map[string]any{"day": "2024-01-04", "members": 2.0, "new_members": 0.0, "converted": 0.0, "rate": 0.0},
		map[string]any{"day": "2024-01-05", "members": 2.0, "new_members": 0.0, "converted": 0.0, "rate": 0.0},
	}
	if !reflect.DeepEqual(r, map[string]any{"days": want}) {
		t.Errorf("backtest %v\nwant %v", r, want)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"signed"}, 2},                                     // no --goal
		{[]string{"signed", "--goal", "buy", "--days", "0"}, 2},     // no day
		{[]string{"signed", "--goal", "buy", "--within", "-1d"}, 2}, // negative window
		{[]string{"nosuch", "--goal", "buy"}, 1},                    // no such audience
		{[]string{"signed", "--goal", "buyy"}, 1},                   // unknown goal
	} {
		code, _, errs := runCLI(t, "", append(append([]string{"audience", "backtest"}, c.args...), "--db", db)...)
		if code != c.code || errs == "" {
			t.Errorf("backtest %v: exit %d %q, want %d with a message", c.args, code, errs, c.code)
		}
	}
}
