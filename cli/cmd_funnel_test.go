package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fnGoldenDB imports a small fixed shop timeline through the store: three
// converters, one who buys after the window, one held back by a refund
// (a Chinese event name), users still in progress at the data's end.
func fnGoldenDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "funnel.db", file: "funnel.csv", events: timeline(t, "src", `
u1 view   2026-03-02T09:00 ads
u1 cart   2026-03-02T09:05
u1 buy    2026-03-02T09:30
u2 view   2026-03-02T10:00 seo
u2 cart   2026-03-03T10:00
u2 buy    2026-03-12T10:00
u3 view   2026-03-03T11:00 ads
u3 search 2026-03-03T11:01
u3 cart   2026-03-03T11:02
u3 buy    2026-03-04T11:02
u4 view   2026-03-05T08:00 seo
u4 退款    2026-03-05T08:10
u4 cart   2026-03-05T08:20
u4 buy    2026-03-05T08:30
u5 view   2026-03-10T12:00 ads
u6 view   2026-03-16T09:00
u6 cart   2026-03-16T09:10
u7 cart   2026-03-04T09:00
u8 view   2026-03-17T10:00 ads
`)})
}

// fnGolden runs spoor and compares stdout (or stderr with the exit status
// when the command fails) with testdata/NAME.golden;
// SPOOR_UPDATE_GOLDEN=1 rewrites the file.
func fnGolden(t *testing.T, name string, wantCode int, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), nil, args, nil, &out, &errb)
	if code != wantCode {
		t.Fatalf("spoor %s: exit %d, want %d: %s", strings.Join(args, " "), code, wantCode, errb.String())
	}
	got := out.String()
	if code != 0 {
		got = errb.String()
	}
	file := filepath.Join("testdata", name+".golden")
	if os.Getenv("SPOOR_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with SPOOR_UPDATE_GOLDEN=1 to create it)", err)
	}
	if got != string(want) {
		t.Errorf("spoor %s:\n%s\nwant (%s):\n%s", strings.Join(args, " "), got, file, want)
	}
}

func TestFunnelGolden(t *testing.T) {
	db := fnGoldenDB(t)
	vcb := []string{"--steps", "view,cart,buy"}
	for _, c := range []struct {
		name string
		code int
		args []string
	}{
		{"funnel_table", 0, append(vcb, "--format", "table")},
		{"funnel_json", 0, append(vcb, "--format", "json", "--interval", "week")},
		{"funnel_by_src_markdown", 0, append(vcb, "--by", "src", "--format", "markdown")},
		{"funnel_trend_week_csv", 0, append(vcb, "--interval", "week", "--format", "csv")},
		{"funnel_strict_table", 0, append(vcb, "--mode", "strict", "--format", "table")},
		{"funnel_exclude_table", 0, append(vcb, "--exclude", "退款:1-3", "--format", "table")},
		{"funnel_any_window_table", 0, []string{"--steps", "buy,view", "--mode", "any", "--window", "1h", "--format", "table"}},
		{"funnel_step_filter_table", 0, []string{"--step", "view where src = ads", "--step", "buy", "--format", "table"}},
		{"funnel_cjk_step_table", 0, []string{"--steps", "view,退款,cart", "--format", "table"}},
		{"funnel_dropped_csv", 0, append(vcb, "--dropped-at", "2", "--format", "csv")},
		{"funnel_in_progress_table", 0, append(vcb, "--in-progress-at", "1", "--format", "table")},
		{"funnel_explain", 0, append(vcb, "--exclude", "退款", "--explain", "u4", "--format", "table")},
		{"funnel_explain_in_progress", 0, append(vcb, "--explain", "u6", "--format", "table")},
		{"funnel_compare_table", 0, []string{"--steps", "view,view,cart", "--compare", "--format", "table"}},
		{"funnel_compare_json", 0, append(vcb, "--compare", "--option", "strict_order", "--format", "json")},
		{"funnel_compare_strict_markdown", 0, append(vcb, "--compare", "--mode", "strict", "--format", "markdown")},
		{"funnel_explain_diff_json", 0, []string{"--steps", "view,view,cart", "--explain-diff", "spoor,clickhouse", "--format", "json"}},
		{"funnel_explain_diff_csv", 0, []string{"--steps", "cart,buy", "--explain-diff", "amplitude,posthog", "--window", "10d", "--to", "2026-03-10", "--format", "csv"}},
		{"funnel_clickhouse_csv", 0, []string{"--steps", "view,view,cart", "--semantics", "clickhouse", "--format", "csv"}},
		{"funnel_posthog_explain", 0, append(vcb, "--semantics", "posthog", "--to", "2026-03-10", "--explain", "u2", "--format", "table")},
		{"funnel_err_semantics", 1, append(vcb, "--semantics", "heap")},
		{"funnel_err_option", 1, append(vcb, "--semantics", "clickhouse", "--option", "allow_reentry")},
		{"funnel_err_explain_diff", 2, append(vcb, "--explain-diff", "posthog")},
		{"funnel_err_unknown_event", 1, []string{"--steps", "view,chart"}},
		{"funnel_err_no_steps", 2, []string{"--format", "table"}},
		{"funnel_err_exclude_range", 2, append(vcb, "--exclude", "退款:3-1")},
	} {
		t.Run(c.name, func(t *testing.T) {
			fnGolden(t, c.name, c.code, append([]string{"funnel", "--db", db}, c.args...)...)
		})
	}
}

func TestSplitSteps(t *testing.T) {
	got := splitSteps(" view , buy where device in (ios, android), 'a,b' ,")
	want := []string{"view", "buy where device in (ios, android)", "'a,b'"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("splitSteps = %q, want %q", got, want)
	}
}
