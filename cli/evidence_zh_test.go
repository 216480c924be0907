package cli

import (
	"strings"
	"testing"
)

// Issue 18: an audience's evidence reads in Chinese in its table under
// --lang zh, while its CSV and JSON, the detail included, are the same
// bytes as under --lang en.
func TestAudienceEvidenceInChinese(t *testing.T) {
	db, _ := segDB(t)
	rule := "streak view_item by product_id >= 3 days without purchase"
	code, out, errs := exRun(t, "audience", "preview", rule, "--db", db, "--format", "table", "--lang", "zh")
	if want := rule + "：product_id P1：连续 3 天，2026-03-25 至 2026-03-27（view_item 2026-03-25T"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("zh table: exit %d %s\n%s\nwant %q", code, errs, out, want)
	}
	if _, en, _ := exRun(t, "audience", "preview", rule, "--db", db, "--format", "table", "--lang", "en"); !strings.Contains(en, rule+": product_id P1: 3 consecutive days, 2026-03-25 to 2026-03-27 (view_item 2026-03-25T") {
		t.Errorf("en table:\n%s", en)
	}
	for _, f := range []string{"csv", "json", "jsonl"} {
		_, zh, _ := exRun(t, "audience", "preview", rule, "--db", db, "--format", f, "--lang", "zh")
		_, en, _ := exRun(t, "audience", "preview", rule, "--db", db, "--format", f, "--lang", "en")
		if zh != en || !strings.Contains(en, "3 consecutive days") {
			t.Errorf("%s differs under zh:\n%s\nen:\n%s", f, zh, en)
		}
	}
}
