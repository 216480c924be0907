package cli

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportMaxExpand: --max-expand takes a ratio or 0 (no limit); a
// negative ratio is a usage error. (What the ratio stops is tested in
// importers, where the 256 MB floor can be lowered.)
func TestImportMaxExpand(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("user_id,event,time\n" + strings.Repeat("u1,click,2024-01-01T00:00:00Z\n", 100_000))) // 3 MB
	zw.Close()
	gz := filepath.Join(dir, "rows.csv.gz")
	os.WriteFile(gz, b.Bytes(), 0o644)
	db := filepath.Join(dir, "s.db")
	if code, _, stderr := runCLI(t, "", "import", "--db", db, "--max-expand", "0", gz); code != 0 || !strings.Contains(stderr, "100,000 imported") {
		t.Fatalf("--max-expand 0: code %d\n%s", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "import", "--db", db, "--max-expand", "-1", gz); code != 2 {
		t.Fatalf("--max-expand -1: code %d, want 2", code)
	}
}

// hostileDB imports events whose names, users and values are terminal
// escapes and spreadsheet formulas (issue 20.8, 20.9).
func hostileDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "h.db", file: "h.jsonl", content: `{"user_id":"=HYPERLINK(\"http://evil\",\"x\")","event":"\u001b]0;pwned\u0007","time":"2024-01-01T00:00:00Z","plan":"-2+3+cmd|' /C calc'!A0","n":-5}
{"user_id":"u2","event":"@SUM(A1)","time":"2024-01-01T01:00:00Z","plan":"pro","n":3}
{"user_id":"u2","event":"\u001b[2J","time":"2024-01-02T01:00:00Z","plan":"pro","n":3}
`})
}

// noControls fails when out holds a C0 control other than tab and newline,
// or DEL.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			t.Fatalf("%s: control %#x written raw:\n%q", what, c, out)
		}
	}
}

// TestCSVOutputHostile: events, sql, user, audience preview and a --by
// breakdown as CSV to a pipe escape the controls and neutralise the
// formulas; --raw keeps the formulas (never the controls); JSON is exact.
func TestCSVOutputHostile(t *testing.T) {
	db := hostileDB(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"events"}, []string{`\x1b]0;pwned\x07,1`, `\x1b[2J,1`, "'@SUM(A1),1"}},
		{[]string{"sql", "select -5 a, '-5' b, '-2+3' c, char(27)||'[2J' d, '=1+1' \"=e\""}, []string{"a,b,c,d,'=e\n-5,-5,'-2+3,\\x1b[2J,'=1+1\n"}},
		{[]string{"user", "u2"}, []string{"'@SUM(A1),n=3 plan=pro", `\x1b[2J,n=3 plan=pro`}},
		{[]string{"audience", "preview", `did "@SUM(A1)"`}, []string{`u2,"did ""@SUM(A1)"": 1 time (@SUM(A1) `}},
		{[]string{"trends", "--by", "plan"}, []string{"day,pro,'-2+3+cmd|' /C calc'!A0\n"}},
		{[]string{"sql", "--raw", "select '=1+1' \"=e\", char(27) f"}, []string{"=e,f\n=1+1,\\x1b\n"}},
	} {
		args := append(append([]string(nil), c.args...), "--db", db, "--format", "csv")
		code, out, stderr := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: code %d\n%s", c.args, code, stderr)
		}
		noControls(t, c.args[0], out)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: no %q in\n%s", c.args, w, out)
			}
		}
	}
	code, out, _ := runCLI(t, "", "events", "--db", db, "--format", "json")
	if code != 0 || !strings.Contains(out, `"\u001b]0;pwned\u0007"`) || !strings.Contains(out, `"@SUM(A1)"`) {
		t.Fatalf("json: code %d\n%s", code, out)
	}
}

// TestRangeAttacks (issue 20.10): an overflowing window, a relative range
// past 100 years and a NaN comparison are refused with what to use.
func TestRangeAttacks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, stderr := runCLI(t, "", "sample", "--db", db, "--events", "500"); code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"funnel", "--steps", "session_start,purchase", "--window", "106751991167d"}, `--window: duration "106751991167d" is too long: at most 36500d (100 years)`},
		{[]string{"trends", "--last", "9999999999999w"}, `relative range "9999999999999w" is too long`},
		{[]string{"trends", "--where", "price > NaN"}, `"NaN" is not a finite number`},
		{[]string{"audience", "preview", "did purchase in 99999999999d"}, "too long"},
	} {
		code, out, stderr := runCLI(t, "", append(c.args, "--db", db)...)
		if code == 0 || out != "" || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want %q", c.args, code, out, stderr, c.msg)
		}
	}
}
