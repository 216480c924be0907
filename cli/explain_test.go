package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestExplainFormats: --explain honours --format like every other
// result; the table format is the narrative text (funnel_explain*.golden).
func TestExplainFormats(t *testing.T) {
	fdb := fnGoldenDB(t)
	vcb := []string{"--steps", "view,cart,buy"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"funnel_explain_json", append(vcb, "--exclude", "退款", "--explain", "u4", "--format", "json")},
		{"funnel_explain_csv", append(vcb, "--exclude", "退款", "--explain", "u4", "--format", "csv")},
		{"funnel_explain_markdown", append(vcb, "--exclude", "退款", "--explain", "u4", "--format", "markdown")},
		{"funnel_explain_in_progress_json", append(vcb, "--explain", "u6", "--format", "json")},
		{"funnel_explain_any_markdown", []string{"--steps", "buy,view", "--mode", "any", "--window", "1h", "--explain", "u2", "--format", "markdown"}},
		{"funnel_explain_not_counted_csv", append(vcb, "--explain", "u7", "--format", "csv")},
	} {
		t.Run(c.name, func(t *testing.T) {
			fnGolden(t, c.name, 0, append([]string{"funnel", "--db", fdb}, c.args...)...)
		})
	}
	rdb := rtGoldenDB(t)
	rt := []string{"--start", "signup", "--return", "open", "--periods", "8"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"retention_explain_json", append(rt, "--explain", "u2", "--format", "json")},
		{"retention_explain_csv", append(rt, "--explain", "u2", "--format", "csv")},
		{"retention_explain_markdown", append(rt, "--explain", "u2", "--format", "markdown")},
		// Recurring: one table per cohort membership, titled in CSV.
		{"retention_explain_recurring_csv", []string{"--recurring", "--period", "week", "--periods", "3", "--explain", "u4", "--format", "csv"}},
		{"retention_explain_none_json", append(rt, "--explain", "u5", "--to", "2026-03-08", "--format", "json")},
	} {
		t.Run(c.name, func(t *testing.T) {
			rtGolden(t, c.name, append([]string{"retention", "--db", rdb}, c.args...)...)
		})
	}
}

// TestExplainDefaultFormat: piped without --format, an explanation is CSV,
// as every other result is.
func TestExplainDefaultFormat(t *testing.T) {
	fdb, rdb := fnGoldenDB(t), rtGoldenDB(t)
	for _, args := range [][]string{
		{"funnel", "--db", fdb, "--steps", "view,cart,buy", "--explain", "u6"},
		{"retention", "--db", rdb, "--explain", "u2"},
	} {
		plain, code := runOut(t, args...)
		csv, code2 := runOut(t, append(args, "--format", "csv")...)
		if code != 0 || code2 != 0 || plain != csv || plain == "" {
			t.Errorf("spoor %s: exit %d, %d; without --format:\n%s\nwith --format csv:\n%s", strings.Join(args, " "), code, code2, plain, csv)
		}
	}
}

// TestFunnelExplainJSONKeys reads the JSON as a script would: the keys
// docs/json.md promises, with the values of the fixture's user u4 (view at
// 08:00, 退款 at 08:10 excluded, cart 08:20, buy 08:30).
func TestFunnelExplainJSONKeys(t *testing.T) {
	db := fnGoldenDB(t)
	out, code := runOut(t, "funnel", "--db", db, "--steps", "view,cart,buy", "--exclude", "退款", "--explain", "u4", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var x struct {
		User         string  `json:"user"`
		Status       string  `json:"status"`
		StepsReached int     `json:"steps_reached"`
		Reason       string  `json:"reason"`
		WindowEnd    *string `json:"window_end"`
		Steps        []struct {
			Event   string  `json:"event"`
			Reached bool    `json:"reached"`
			Time    *string `json:"time"`
		} `json:"steps"`
		Timeline []struct {
			Time, Event, Note string
			Step              int
			InWindow          bool `json:"in_window"`
		} `json:"timeline"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&x); err != nil {
		t.Fatal(err)
	}
	if x.User != "u4" || x.Status != "dropped" || x.StepsReached != 1 || x.WindowEnd == nil || *x.WindowEnd != "2026-03-12T08:00:00.000Z" ||
		x.Reason != "excluded: 退款 at 2026-03-05 08:10:00.000 came after step 1 and before step 3" {
		t.Errorf("verdict: %+v", x)
	}
	if len(x.Steps) != 3 || !x.Steps[0].Reached || *x.Steps[0].Time != "2026-03-05T08:00:00.000Z" || x.Steps[1].Reached || x.Steps[1].Time != nil || x.Steps[2].Reached {
		t.Errorf("steps: %+v", x.Steps)
	}
	if len(x.Timeline) != 4 || x.Timeline[0].Step != 1 || x.Timeline[1].Event != "退款" || x.Timeline[1].Note != "excluded event" || !x.Timeline[3].InWindow {
		t.Errorf("timeline: %+v", x.Timeline)
	}
}

func runOut(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), nil, args, nil, &out, &errb)
	if code != 0 {
		return errb.String(), code
	}
	return out.String(), code
}
