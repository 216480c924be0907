package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zhTable runs a command with --format table --lang zh and fails on a
// non-zero exit.
func zhTable(t *testing.T, args ...string) string {
	t.Helper()
	a := append(append([]string(nil), args...), "--format", "table", "--lang", "zh")
	code, out, errs := runCLI(t, "", a...)
	if code != 0 {
		t.Fatalf("spoor %s: exit %d: %s", strings.Join(a, " "), code, errs)
	}
	return out
}

// wantText fails unless out holds every want and none of the unwanted
// English forms.
func wantText(t *testing.T, what, out string, want, unwanted []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: no %q in\n%s", what, w, out)
		}
	}
	for _, u := range unwanted {
		if strings.Contains(out, u) {
			t.Errorf("%s: English %q left in\n%s", what, u, out)
		}
	}
}

// Issue 18: retention --explain names its period column and separates the
// return events in Chinese; per-group titles use the full-width colon.
// (Their CSV and JSON stay byte-identical: TestMachineOutputSameInEveryLanguage
// runs both command lines.)
func TestRetentionWordsInChinese(t *testing.T) {
	db := sampleDB(t)
	code, out, errs := runCLI(t, "", "segment", "preview", "did purchase", "--users", "--db", db, "--format", "csv")
	if code != 0 {
		t.Fatal(errs)
	}
	buyer := strings.Split(out, "\n")[1]
	x := zhTable(t, "retention", "--period", "week", "--explain", buyer, "--db", db)
	header := strings.Split(x, "\n")[1]
	wantText(t, "retention --explain", x, []string{"Z session_start；"}, []string{"; "})
	if f := strings.Fields(header); len(f) == 0 || f[0] != "周" {
		t.Errorf("retention --explain header %q: want the period column 周", header)
	}
	if code, _, errs := runCLI(t, "", "segment", "create", "buyers", "did purchase", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	g := zhTable(t, "retention", "--period", "week", "--by", "segment:buyers", "--db", db)
	wantText(t, "retention --by segment:buyers", g, []string{"segment:buyers = 非 buyers：留存率", "segment:buyers = buyers：留存用户数"}, []string{"buyers: "})
}

// Issue 18: match's title lists its conditions with 、 under zh.
func TestMatchTitleInChinese(t *testing.T) {
	db := sampleDB(t)
	out := zhTable(t, "match", "--conditions", "view_item,purchase", "--pattern", "(?1).*(?2)", "--db", db)
	wantText(t, "match", out, []string{"条件为 (?1) view_item、(?2) purchase"}, []string{"view_item, "})
}

// Issue 18: import's summary and doctor's table name a rejection's reason
// in Chinese under zh; the JSON and CSV keep the English code.
func TestRejectReasonsInChinese(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(csv, []byte("user_id,event,time\nu1,a,2026-01-01T00:00:00Z\nu2,b,notatime\nu3,b,alsobad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "r.db")
	code, out, errs := runCLI(t, "", "import", csv, "--db", db, "--lang", "zh")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	wantText(t, "import", out+errs, []string{"拒绝 2 条：时间无法解析——例如 ", `"notatime"；`}, []string{"unparseable"})
	wantText(t, "doctor", zhTable(t, "doctor", "--db", db), []string{"  时间无法解析 "}, []string{"unparseable"})
	for _, f := range []string{"json", "csv"} {
		_, en, _ := runCLI(t, "", "doctor", "--db", db, "--format", f, "--lang", "en")
		_, zh, _ := runCLI(t, "", "doctor", "--db", db, "--format", f, "--lang", "zh")
		if zh != en || !strings.Contains(en, "unparseable time") {
			t.Errorf("doctor --format %s: zh\n%s\nen\n%s", f, zh, en)
		}
	}
}
