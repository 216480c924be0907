package output

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
)

// The attacks of issue 20.8: event names that retitle the terminal, write
// its clipboard or clear the screen, copied raw into CSV.
var hostile = []string{
	"\x1b]0;pwned\x07",
	"\x1b]52;c;cHduZWQ=\x07",
	"\x1b[2J",
	"nul\x00 del\x7f csi\u009b31m bad\xff",
	"cr\rlf\ntab\there",
	"rtl\u202eexe.txt",
}

// TestCSVToFileEscapesControls: to a file or pipe, the data stays as it is
// but no C0/C1 control other than tab and newline, nor a byte that is not
// UTF-8, is written raw; tab and newline stay inside quoted fields.
func TestCSVToFileEscapesControls(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "csv", tab{Table{Title: "t\x1b[2J", Columns: []string{"name"}, Rows: [][]string{hostile[:1], hostile[1:2], hostile[2:3], hostile[3:4], hostile[4:5], hostile[5:6]}}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 in %q", out)
	}
	for _, r := range out {
		if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			t.Fatalf("control %U written raw in %q", r, out)
		}
	}
	got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"name", `\x1b]0;pwned\x07`, `\x1b]52;c;cHduZWQ=\x07`, `\x1b[2J`, `nul\x00 del\x7f csi\x9b31m bad\xff`, "cr\\rlf\ntab\there", "rtl\u202eexe.txt"}
	if len(got) != len(want) {
		t.Fatalf("%d records: %q", len(got), got)
	}
	for i, w := range want {
		if got[i][0] != w {
			t.Errorf("record %d = %q, want %q", i, got[i][0], w)
		}
	}
}

type tab struct{ t Table }

func (t tab) Tables(i18n.Lang) []Table { return []Table{t.t} }

type tabs []Table

func (t tabs) Tables(i18n.Lang) []Table { return t }

// TestCSVTitleEscaped: the "# title" line of a multi-table CSV is escaped
// like the cells.
func TestCSVTitleEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "csv", tabs{{Title: "by \x1b]0;pwned\x07", Columns: []string{"a"}}, {Title: "b", Columns: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `# by \x1b]0;pwned\x07`+"\n") {
		t.Fatalf("title line: %q", b.String())
	}
}

// TestCSVFormulaInjection: cells and headers a spreadsheet would run get a
// leading ' (OWASP); plain numbers, negative ones included, and a lone "-"
// stay values; Raw writes them as they are; JSON is never changed.
func TestCSVFormulaInjection(t *testing.T) {
	cases := map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1-555-0100":                "'+1-555-0100",
		"-2+3+cmd|' /C calc'!A0":     "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1:A2)":                "'@SUM(A1:A2)",
		"\t=1":                       "'\t=1",
		"\r=1":                       `'\r=1`,
		"-5":                         "-5",
		"-0.25":                      "-0.25",
		"+1.5e3":                     "+1.5e3",
		"-12.5%":                     "-12.5%",
		"-":                          "-",
		"--5":                        "'--5",
		"-1e":                        "'-1e",
		"-.":                         "'-.",
		"a=b":                        "a=b",
		"":                           "",
		"user@example.com":           "user@example.com",
	}
	var in [][]string
	for k := range cases {
		in = append(in, []string{k, k})
	}
	for _, raw := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteOptions(&b, "csv", tab{Table{Columns: []string{"=head", "-by"}, Rows: in}}, Options{Raw: raw}); err != nil {
			t.Fatal(err)
		}
		got, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head := []string{"'=head", "'-by"}
		if raw {
			head = []string{"=head", "-by"}
		}
		if got[0][0] != head[0] || got[0][1] != head[1] {
			t.Errorf("raw %v: header %q", raw, got[0])
		}
		for i, r := range got[1:] {
			want := cases[in[i][0]]
			if raw {
				want = fileSafe(in[i][0])
			}
			if r[0] != want || r[1] != want {
				t.Errorf("raw %v: %q written %q, want %q", raw, in[i][0], r[0], want)
			}
		}
	}
	var j bytes.Buffer
	Write(&j, "json", map[string]string{"name": "=1+1", "esc": "\x1b]0;x\x07"})
	if !strings.Contains(j.String(), `"=1+1"`) || !strings.Contains(j.String(), `"\u001b]0;x\u0007"`) {
		t.Fatalf("json changed: %s", j.String())
	}
}
