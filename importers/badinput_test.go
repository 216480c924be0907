package importers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// seeded returns a database that already holds one import, so "unchanged"
// means something.
func seeded(t *testing.T) (*store.DB, [3]int) {
	t.Helper()
	db := newDB(t)
	mustImport(t, db, filepath.Join("testdata", "generic.csv"), Options{})
	e, u, l := counts(t, db)
	return db, [3]int{e, u, l}
}

func unchanged(t *testing.T, db *store.DB, before [3]int) {
	t.Helper()
	e, u, l := counts(t, db)
	if [3]int{e, u, l} != before {
		t.Fatalf("database changed: events/users/imports %v -> %v", before, [3]int{e, u, l})
	}
	var ok string
	if err := db.SQL.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// Files that are not event tables are refused whole with one message that
// names what was expected and what was found.
func TestRefusedFiles(t *testing.T) {
	junk := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(junk)
	big := "user_id,event,time\n" + strings.Repeat("u1,view,2024-01-01\n", 50000)
	zbig := gz(big)
	cases := []struct {
		name, content string
		opt           Options
		want          string
	}{
		{"empty", "", Options{}, "empty file: expected an event table"},
		{"blank lines", "\n\n  \n", Options{}, "empty file"},
		{"header only", "user_id,event,time\n", Options{}, "no rows: expected events after the header"},
		{"binary", string(junk), Options{}, "binary data: expected text"},
		{"zip", "PK\x03\x04\x14\x00\x00\x00\x08\x00rest", Options{}, "a broken zip archive (zip: not a valid zip file): was it cut short while downloading? Download it again"},
		{"xz", "\xfd7zXZ\x00\x00rest", Options{}, "an xz archive: spoor reads gzip, zstd, zip and Parquet, not xz; extract it first (xz -d FILE)"},
		{"7z", "7z\xbc\xaf\x27\x1c\x00\x04rest", Options{}, "a 7z archive: spoor reads gzip, zstd, zip and Parquet, not 7z; extract it first (7z x FILE)"},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00rest", Options{}, "this is an Excel workbook (.xls) or another old Office file, whatever its name: save it as CSV"},
		{"nul bytes", "user_id,event,time\nu1,\x00view,2024-01-01\n", Options{}, "binary data"},
		{"truncated gzip", zbig[:len(zbig)/2], Options{}, "gzip stream is truncated"},
		{"no columns", "foo,bar,baz\n1x,2x,3x\n", Options{}, `found no user or event or time column among "foo", "bar", "baz"; name them with --user COL`},
		{"no time column", "user_id,event\nu,e\n", Options{}, `found no time column among "user_id", "event"`},
		{"headerless", "1,2268318,2520377,pv,1511544070\n", Options{}, "no header row: the first line looks like data"},
		{"headerless words", "alice,login,2024-01-01T00:00:00Z\n", Options{}, "no header row: the first line looks like data"},
		{"unknown --user", "user_id,event,time\nu,e,2024-01-01\n", Options{User: "who"}, `--user who: no such column; the columns are "user_id", "event", "time"`},
		{"all rows bad", "user_id,event,time\nu,e,never\nu,e,later\n", Options{}, "no row could be read as an event: all 2 rows rejected (unparseable time 2); first at line 2"},
		{"json not objects", "[1, 2, 3]", Options{}, "no valid JSON object"},
		{"json empty array", "[]", Options{}, "no JSON objects"},
		{"broken json array", `[{"user_id":"u","event":"e","time":"2024-01-01"}, {"user_id":`, Options{}, "broken JSON in array element 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			p := writeFile(t, "in.dat", c.content)
			_, err := ImportFile(bg, db, p, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			unchanged(t, db, before)
		})
	}
}

// Bad rows inside a good file are skipped and counted by reason, with the
// line of the first examples; --rejects gets every one.
func TestRejectedRows(t *testing.T) {
	csv := "user_id,event,time,x\n" +
		"u1,view,2024-01-01 00:00:00,1\n" + // 2 ok
		"u1,view,2024-01-01\n" + // 3 wrong column count
		"u2,buy,not a time,2\n" + // 4 unparseable time
		"u3,buy,2150-01-01,3\n" + // 5 out of range
		",buy,2024-01-02,4\n" + // 6 missing user
		"NA,buy,2024-01-02,4\n" + // 7 missing user
		"u4,,2024-01-02,5\n" + // 8 missing event
		"u5,buy,,6\n" + // 9 missing time
		"u6,buy,1999-12-31,7\n" // 10 ok, before 2000
	jsonl := `{"user_id":"a","event":` + "\n" + // 1 broken, before the first object
		`{"user_id":"a","event":"e","time":"2024-01-01T00:00:00Z"}` + "\n" +
		`{"user_id":"b","event":"e","time":"2024-01-01T00:00:01Z"}` + "\n" +
		`{"user_id":"c","event":"e","time":` + "\n" + // 4 broken
		`["not","an","object"]` + "\n" + // 5
		`{"user_id":"d","event":"e","time":"2024-01-01T00:00:02Z"} trailing` + "\n" + // 6
		"\n" +
		`{"user_id":"e","event":"e","time":"2024-01-01T00:00:03Z"}` + "\n" // 8
	cases := []struct {
		name, content      string
		imported, rejected int64
		reasons            map[string]int64
		firstLines         map[string]int64
	}{
		{"csv", csv, 2, 7,
			map[string]int64{ReasonColumnCount: 1, ReasonBadTime: 1, ReasonTimeRange: 1, ReasonNoUser: 2, ReasonNoEvent: 1, ReasonNoTime: 1},
			map[string]int64{ReasonColumnCount: 3, ReasonBadTime: 4, ReasonTimeRange: 5, ReasonNoUser: 6, ReasonNoEvent: 8, ReasonNoTime: 9}},
		{"jsonl", jsonl, 3, 4,
			map[string]int64{ReasonBadJSON: 3, ReasonNotObject: 1},
			map[string]int64{ReasonBadJSON: 1, ReasonNotObject: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			p := writeFile(t, "in."+c.name, c.content)
			var rej bytes.Buffer
			res := mustImport(t, db, p, Options{Rejects: &rej})
			if res.Imported != c.imported || res.Rejected != c.rejected || res.RowsRead != c.imported+c.rejected {
				t.Fatalf("imported %d rejected %d read %d; want %d %d", res.Imported, res.Rejected, res.RowsRead, c.imported, c.rejected)
			}
			if len(res.Reasons) != len(c.reasons) {
				t.Fatalf("reasons %v want %v", res.Reasons, c.reasons)
			}
			for k, v := range c.reasons {
				if res.Reasons[k] != v {
					t.Fatalf("reasons %v want %v", res.Reasons, c.reasons)
				}
			}
			for reason, line := range c.firstLines {
				found := false
				for _, e := range res.Examples {
					if e.Reason == reason {
						if e.Line != line {
							t.Fatalf("first %s at line %d, want %d", reason, e.Line, line)
						}
						found = true
						break
					}
				}
				if !found {
					t.Fatalf("no example for %s in %+v", reason, res.Examples)
				}
			}
			lines := strings.Split(strings.TrimSuffix(rej.String(), "\n"), "\n")
			if int64(len(lines)) != c.rejected || !strings.HasPrefix(lines[0], p+":") {
				t.Fatalf("rejects file:\n%s", rej.String())
			}
			if e, _, l := counts(t, db); int64(e) != c.imported || l != 1 {
				t.Fatalf("stored %d events, %d ledger rows", e, l)
			}
		})
	}
	db := newDB(t)
	res := mustImport(t, db, writeFile(t, "q.csv", csv), Options{})
	if res.Quality.Before2000 != 1 || res.Quality.NaiveTimes != 2 {
		t.Fatalf("quality %+v", res.Quality)
	}
}

// An unclosed quote swallows the following lines into one field; the reject
// says so rather than just "wrong column count".
func TestUnclosedQuote(t *testing.T) {
	res := mustImport(t, newDB(t), writeFile(t, "uq.csv", "user_id,event,time\nu0,e,2024-01-01\nu1,\"open,2024-01-01\nu2,e,2024-01-02\n"), Options{})
	if res.Imported != 1 || res.Rejected != 1 || res.Examples[0].Line != 3 || !strings.Contains(res.Examples[0].Detail, "runs over 1 more lines (an unclosed quote?)") {
		t.Fatalf("%+v", res)
	}
}

// --strict stops at the first bad row, names it, and imports nothing.
func TestStrict(t *testing.T) {
	db, before := seeded(t)
	p := writeFile(t, "s.csv", "user_id,event,time\nz1,a,2024-01-01\nz2,b,2024-01-02\nz3,c,soon\nz4,d,2024-01-03\n")
	_, err := ImportFile(bg, db, p, Options{Strict: true})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 4 || re.Reason != ReasonBadTime || !strings.Contains(err.Error(), p+":4: ") {
		t.Fatalf("strict error: %v", err)
	}
	unchanged(t, db, before)
	// Without --strict the same file imports the three good rows.
	if res := mustImport(t, db, p, Options{}); res.Imported != 3 || res.Rejected != 1 {
		t.Fatalf("non-strict: %+v", res)
	}
}

// --dry-run reads and reports but writes nothing (it needs no database).
func TestDryRun(t *testing.T) {
	res, err := ImportFile(bg, nil, filepath.Join("testdata", "ga4.jsonl"), Options{DryRun: true, Preview: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "ga4" || res.Encoding != "utf-8" || len(res.Preview) != 1 || res.Preview[0].Name != "page_view" || res.Imported != 2 || !strings.Contains(res.Mapping, "event_params unpacked") {
		t.Fatalf("dry run: %+v", res)
	}
	db, before := seeded(t)
	if _, err := ImportFile(bg, db, filepath.Join("testdata", "ga4.jsonl"), Options{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	unchanged(t, db, before)
}

// Encodings: GBK without a BOM is detected, UTF-16 with a BOM either way
// round, UTF-8 with a BOM has it skipped; line endings may be mixed.
func TestEncodingsAndLineEndings(t *testing.T) {
	text := "user_id,event,time,city\r\n用户1,浏览商品,2024-01-01 08:00:00,北京\n用户2,加入购物车,2024-01-01 09:00:00,上海\r用户1,支付,2024-01-01 10:00:00,北京\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	u16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	u16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(text)
	u16raw, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String(text)
	cases := []struct{ name, content, enc, force string }{
		{"utf8", text, "utf-8", ""},
		{"utf8 bom", "\ufeff" + text, "utf-8 (BOM)", ""},
		{"gbk", gbk, "gb18030 (detected)", ""},
		{"gbk forced", gbk, "gb18030", "gbk"},
		{"utf16le", u16le, "utf-16le (BOM)", ""},
		{"utf16be", u16be, "utf-16be (BOM)", ""},
		{"utf16le gz", gz(u16le), "utf-16le (BOM)", ""},
		{"utf16le no BOM", u16raw, "utf-16le (no BOM)", ""},
		{"utf16le forced", u16raw, "utf-16le", "utf-16le"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			res := mustImport(t, db, writeFile(t, "in.csv", c.content), Options{Encoding: c.force})
			if res.Encoding != c.enc || res.Imported != 3 || res.Rejected != 0 {
				t.Fatalf("encoding %q imported %d rejected %d %v", res.Encoding, res.Imported, res.Rejected, res.Examples)
			}
			ev := stored(t, db)
			want := []wantEvent{
				{"用户1", "浏览商品", 1704096000000, `{"city":"北京"}`},
				{"用户2", "加入购物车", 1704099600000, `{"city":"上海"}`},
				{"用户1", "支付", 1704103200000, `{"city":"北京"}`},
			}
			for i, w := range want {
				if ev[i].User != w.user || ev[i].Name != w.name || ev[i].Time != w.time || ev[i].Props != w.props {
					t.Fatalf("event %d %+v want %+v", i, ev[i], w)
				}
			}
		})
	}
	if _, err := ImportFile(bg, newDB(t), writeFile(t, "x.csv", text), Options{Encoding: "latin9"}); err == nil || !strings.Contains(err.Error(), "unknown --encoding") {
		t.Fatalf("bad --encoding: %v", err)
	}
}

func TestStdin(t *testing.T) {
	db := newDB(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "posthog.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, db, "-", Options{Stdin: bytes.NewReader([]byte(gz(string(raw))))})
	if res.File != "stdin" || res.Imported != 3 || !res.Gzip {
		t.Fatalf("%+v", res)
	}
}

// A file that is UTF-8 for its first 64 KB and GBK later: the later rows
// are rejected with a hint, not stored as mojibake.
func TestLateEncodingChange(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,time\n")
	for b.Len() < 70<<10 {
		b.WriteString("u1,view,2024-01-01\n")
	}
	rows := int64(strings.Count(b.String(), "\n") - 1)
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("u2,支付,2024-01-02\n")
	res := mustImport(t, newDB(t), writeFile(t, "late.csv", b.String()+gbk), Options{})
	if res.Imported != rows || res.Reasons[ReasonInvalidBytes] != 1 || !strings.Contains(res.Examples[0].Detail, "--encoding gb18030") {
		t.Fatalf("%+v", res)
	}
}

// Every way out of an import (refusal, --strict, a dry run stopping early,
// success) stops the goroutines that read ahead.
func TestNoGoroutineLeak(t *testing.T) {
	var big strings.Builder
	for i := 0; i < 30000; i++ {
		fmt.Fprintf(&big, `{"user_id":"u%d","event":"e","time":"2024-01-01"}`+"\n", i%100)
	}
	bigJ := writeFile(t, "big.jsonl", big.String())
	bad := writeFile(t, "bad.jsonl", `{"a":1}`+"\n"+`{"b":2}`+"\n")
	strict := writeFile(t, "strict.jsonl", `{"user_id":"u","event":"e","time":"2024-01-01"}`+"\n"+`{"user_id":"u"}`+"\n"+big.String())
	before := runtime.NumGoroutine()
	db := newDB(t)
	for i := 0; i < 5; i++ {
		ImportFile(bg, nil, bigJ, Options{DryRun: true})
		ImportFile(bg, db, bad, Options{})
		ImportFile(bg, db, strict, Options{Strict: true})
		ImportFile(bg, db, bigJ, Options{})
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
}
