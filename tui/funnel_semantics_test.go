package tui

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
)

// funnelUsers is the shown funnel's users per step.
func funnelUsers(t *testing.T, h *harness) []int {
	t.Helper()
	res, ok := h.m.tab().res.(*funnelResult)
	if !ok {
		t.Fatalf("no funnel result; error %v, status %q", h.m.tab().err, h.m.status)
	}
	var out []int
	for _, s := range res.r.Steps {
		out = append(out, s.Users)
	}
	return out
}

// pickRules picks a semantics on the rules row.
func pickRules(t *testing.T, h *harness, sem string) {
	t.Helper()
	goRow(t, h, "rules")
	h.keys("<enter>", sem, "<enter>")
	if got := funnelQ(t, h).Semantics; got != sem {
		t.Fatalf("rules row set %q, want %q", got, sem)
	}
}

// TestFunnelSemanticsRow: the rules row switches whose counting rules the
// funnel follows. The timeline is query's "only the first entry counts"
// case (TestFunnelSemanticsDiffer) beside a user every product counts:
// u1 views on Jan 1 and again on Jan 10, buying 5 minutes after the
// second view; u2 views and buys within the hour. With the default 7d
// window spoor converts both (u1 from the second view), Mixpanel enters u1
// once, on Jan 1, whose window closes before the purchase: 2 → 1.
func TestFunnelSemanticsRow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	at := func(day, hour, min int) int64 { return time.Date(2026, 1, day, hour, min, 0, 0, time.UTC).UnixMilli() }
	evs := []store.Event{
		{User: "u1", Name: "view", Time: at(1, 10, 0)},
		{User: "u1", Name: "view", Time: at(10, 10, 0)},
		{User: "u1", Name: "buy", Time: at(10, 10, 5)},
		{User: "u2", Name: "view", Time: at(2, 10, 0)},
		{User: "u2", Name: "buy", Time: at(2, 10, 30)},
	}
	db := importedDB(t, path, evs)
	db.Close()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	h := fileHarness(t, path, 100, 30)
	h.keys("2")
	if got := stepNames(funnelQ(t, h)); !reflect.DeepEqual(got, []string{"view", "buy"}) {
		t.Fatalf("steps %v", got)
	}
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 2}) {
		t.Fatalf("spoor: %v, want [2 2]", got)
	}
	h.contains("Funnel · ordered · window 7d", "rules   spoor")
	if strings.Contains(h.screen(), "options") {
		t.Fatal("options row shown without clickhouse")
	}

	pickRules(t, h, "mixpanel")
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Fatalf("mixpanel: %v, want [2 1]", got)
	}
	h.contains("Funnel · mixpanel · ordered · window 7d — 2 → 1 (50.0%)")

	// Saved and reopened, the funnel keeps its semantics.
	h.keys("s", "<enter>")
	b, err := os.ReadFile(filepath.Join(dir, "analyses", "funnel.json"))
	if err != nil || !strings.Contains(string(b), `"semantics": "mixpanel"`) {
		t.Fatalf("saved spec: %v\n%s", err, b)
	}
	pickRules(t, h, "spoor")
	h.keys("o", "<enter>")
	if got := funnelQ(t, h).Semantics; got != "mixpanel" {
		t.Fatalf("reopened semantics %q (status %q)", got, h.m.status)
	}
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Fatalf("reopened: %v, want [2 1]", got)
	}

	// ClickHouse brings its options row; each pick toggles an option, and
	// a combination windowFunnel refuses shows the engine's error.
	pickRules(t, h, "clickhouse")
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 2}) {
		t.Fatalf("clickhouse: %v, want [2 2]", got)
	}
	goRow(t, h, "options")
	h.contains("options none")
	h.keys("<enter>", "allow_reentry", "<enter>")
	if got := funnelQ(t, h).Options; !reflect.DeepEqual(got, []string{"allow_reentry"}) {
		t.Fatalf("options %v", got)
	}
	if e := h.m.tab().err; e == nil || h.m.tab().res != nil || !strings.Contains(e.Error(), "allow_reentry needs --option strict_order") {
		t.Fatalf("allow_reentry alone: error %v", e)
	}
	h.contains("allow_reentry needs")
	h.keys("<enter>", "strict_order", "<enter>")
	if got := funnelQ(t, h).Options; !reflect.DeepEqual(got, []string{"allow_reentry", "strict_order"}) {
		t.Fatalf("options %v", got)
	}
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 2}) {
		t.Fatalf("clickhouse strict_order: %v", got)
	}
	h.contains("Funnel · clickhouse allow_reentry,strict_order · ordered")
	h.keys("<enter>", "allow_reentry", "<enter>")
	if got := funnelQ(t, h).Options; !reflect.DeepEqual(got, []string{"strict_order"}) {
		t.Fatalf("toggled off: options %v", got)
	}
	// Leaving ClickHouse drops its options, which the others refuse.
	pickRules(t, h, "posthog")
	if q := funnelQ(t, h); q.Options != nil || slices.ContainsFunc(h.m.tab().a.rows(h.m.sh), func(r row) bool { return r.label == "options" }) {
		t.Fatalf("posthog keeps options %v or the row", q.Options)
	}
	if got := funnelUsers(t, h); !reflect.DeepEqual(got, []int{2, 2}) {
		t.Fatalf("posthog: %v", got)
	}
	// Exclusions are spoor's only: the tab shows the engine's refusal.
	goRow(t, h, "not")
	h.keys("<enter>", "buy", "<enter>")
	if e := h.m.tab().err; e == nil || !strings.Contains(e.Error(), "exclusions are computed with spoor's semantics only") {
		t.Fatalf("exclusion under posthog: error %v", e)
	}
	h.contains("exclusions are computed")
}
