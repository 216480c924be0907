package cli

import (
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
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

// Issue 18: SQLite's complaint about a query stays as SQLite wrote it,
// inside a sentence in the interface language that says what to do.
func TestSQLErrorsInChinese(t *testing.T) {
	shop := exShopDB(t)
	for _, c := range []struct{ query, zh, en string }{
		{"SELECT nope FROM events", "spoor: SQLite 无法执行这条查询：SQL logic error: no such column: nope (1)。可查询的表有 events、event_names、users、identities、imports 和 settings，PRAGMA table_info(events) 可列出一张表的列\n",
			"spoor: sql: SQL logic error: no such column: nope (1); the tables are events, event_names, users, identities, imports and settings, and PRAGMA table_info(events) lists a table's columns\n"},
		{"SELEC 1", "spoor: SQLite 无法执行这条查询：SQL logic error: near \"SELEC\": syntax error (1)。请检查查询的语法和取值\n",
			"spoor: sql: SQL logic error: near \"SELEC\": syntax error (1); check the query's syntax and values\n"},
	} {
		if code, _, errs := exRun(t, "sql", c.query, "--db", shop, "--lang", "zh"); code != 1 || errs != c.zh {
			t.Errorf("%s under zh: exit %d %q", c.query, code, errs)
		}
		if code, _, errs := exRun(t, "sql", c.query, "--db", shop, "--lang", "en"); code != 1 || errs != c.en {
			t.Errorf("%s under en: exit %d %q", c.query, code, errs)
		}
	}
	code, _, errs := exRun(t, "sql", "SELECT name FROM event_names", "--max-rows", "1", "--db", shop, "--format", "csv", "--lang", "zh")
	if code != 1 || errs != "spoor: 已在 1 行后停止（--max-rows）：请给查询加上 LIMIT，或调大 --max-rows / --max-mb\n" {
		t.Errorf("--max-rows under zh: exit %d %q", code, errs)
	}
}

// The audience report's title puts the goal after its window in Chinese
// as in English (it read 首次导出后 purchase 之内的 14天).
func TestAudienceReportTitleChinese(t *testing.T) {
	got := i18n.Chinese.T("audience %s: %s within %s after each person's first export (%d exports, the last %s)", "cart", "purchase", "14天", 2, "2026-06-30")
	if want := "受众 cart：每人首次导出后 14天 之内的 purchase（共 2 次导出，最近一次 2026-06-30）"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// A write to events on a database whose sample deferred its SQL rows
// (events is then a view) is refused as a write, not taken for a typo.
func TestSQLWriteToDeferredEvents(t *testing.T) {
	db := sampleDB(t)
	for _, q := range []string{"DELETE FROM events", "UPDATE events SET user_id = 0"} {
		code, _, errs := exRun(t, "sql", q, "--db", db, "--lang", "zh")
		if code != 1 || !strings.HasPrefix(errs, "spoor: 这里的 SQL 是只读的：已拒绝") || !strings.Contains(errs, "添加事件请用 spoor import") {
			t.Errorf("%s: exit %d %q", q, code, errs)
		}
	}
}

// Issue 18: the group outside --by segment:NAME reads 非 NAME in the
// tables of every analysis under zh; CSV keeps "not NAME".
func TestSegmentGroupInChinese(t *testing.T) {
	db, _ := segDB(t)
	if code, _, errs := exRun(t, "segment", "create", "buyers", "did purchase", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	for _, args := range [][]string{
		{"trends", "--by", "segment:buyers"},
		{"funnel", "--steps", "view_item,purchase", "--by", "segment:buyers"},
		{"lifecycle", "--by", "segment:buyers"},
		{"retention", "--by", "segment:buyers"},
		{"survival", "--start", "view_item", "--event", "purchase", "--by", "segment:buyers"},
	} {
		a := append(args, "--db", db)
		_, zh, errs := exRun(t, append(a, "--format", "table", "--lang", "zh")...)
		if !strings.Contains(zh, "非 buyers") || strings.Contains(zh, "not buyers") {
			t.Errorf("spoor %s under zh: %s\n%s", strings.Join(args, " "), errs, zh)
		}
		_, csvZh, _ := exRun(t, append(a, "--format", "csv", "--lang", "zh")...)
		_, csvEn, _ := exRun(t, append(a, "--format", "csv", "--lang", "en")...)
		if csvZh != csvEn || !strings.Contains(csvEn, "not buyers") {
			t.Errorf("spoor %s: CSV under zh\n%s\nunder en\n%s", strings.Join(args, " "), csvZh, csvEn)
		}
	}
}

// The audience report's two groups read 投放组 and 对照组 under zh; its
// CSV keeps treated and control.
func TestAudienceReportGroupsInChinese(t *testing.T) {
	db, _ := segDB(t)
	if code, _, errs := exRun(t, "audience", "create", "cart", "did add_to_cart", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := exRun(t, "audience", "users", "cart", "--holdout", "50%", "--goal", "purchase", "--db", db, "--format", "csv"); code != 0 {
		t.Fatal(errs)
	}
	_, zh, errs := exRun(t, "audience", "report", "cart", "--db", db, "--format", "table", "--lang", "zh")
	if !strings.Contains(zh, "\n投放组") || !strings.Contains(zh, "\n对照组") {
		t.Errorf("under zh: %s\n%s", errs, zh)
	}
	_, csvZh, _ := exRun(t, "audience", "report", "cart", "--db", db, "--format", "csv", "--lang", "zh")
	if !strings.Contains(csvZh, "\ntreated,") || !strings.Contains(csvZh, "\ncontrol,") {
		t.Errorf("CSV under zh:\n%s", csvZh)
	}
}
