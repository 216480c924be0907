package importers

import (
	"archive/zip"
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// zipOf builds a zip archive of the members, in the order given; a member
// named *.gz has its content gzipped.
func zipOf(t testing.TB, members ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		w, err := zw.Create(m[0])
		if err != nil {
			t.Fatal(err)
		}
		content := m[1]
		if strings.HasSuffix(m[0], ".gz") {
			content = gz(content)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// amplitudeExportZip is testdata/amplitude_export as the Export API hands
// it out: each member gzipped, zipped in name order.
func amplitudeExportZip(t testing.TB) []byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "amplitude_export", "187520", "*.json"))
	sort.Strings(paths)
	if len(paths) != 4 {
		t.Fatalf("fixture: %d members", len(paths))
	}
	var members [][2]string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, [2]string{"187520/" + filepath.Base(p) + ".gz", string(b)})
	}
	return zipOf(t, members...)
}

// An Amplitude Export API download imports as it comes, with no flags:
// every member, in order, one transaction and one ledger entry.
func TestAmplitudeExportZip(t *testing.T) {
	db := newDB(t)
	p := writeFile(t, "export.zip", string(amplitudeExportZip(t)))
	res := mustImport(t, db, p, Options{})
	if res.Format != "amplitude" || res.RowsRead != 8 || res.Imported != 7 || res.Duplicates != 1 || res.Rejected != 0 || res.Compression != "gzip" {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res.Mapping, "zip archive of 4 files, read in order (1 empty)") {
		t.Fatalf("mapping %q", res.Mapping)
	}
	ev, persons, ledger := counts(t, db)
	if ev != 7 || persons != 3 || ledger != 1 {
		t.Fatalf("events %d persons %d ledger %d; want 7, 3, 1", ev, persons, ledger)
	}
	got := stored(t, db)
	if got[0].User != "d1" || got[0].Name != "page_view" || got[0].Time != 1685606400000 ||
		got[5].User != "alice" || got[5].Name != "purchase" || !strings.Contains(got[5].Props, `"sku":"0042"`) {
		t.Fatalf("events %+v", got)
	}
	// The same download again adds nothing.
	res = mustImport(t, db, p, Options{})
	if res.Imported != 0 || res.Duplicates != 8 {
		t.Fatalf("again: %+v", res)
	}
	if ev2, _, _ := counts(t, db); ev2 != 7 {
		t.Fatalf("again: %d events", ev2)
	}
}

// A reject inside a member names the member and its own line; lines run
// on across members.
func TestZipRejectNamesMember(t *testing.T) {
	db := newDB(t)
	ok := `{"user_id":"u","event":"e","time":"2024-01-01T00:00:00Z"}` + "\n"
	p := writeFile(t, "a.zip", string(zipOf(t,
		[2]string{"a.jsonl", ok + ok},
		[2]string{"b.jsonl.gz", ok + `{"user_id":"u","event":"e","time":"never"}` + "\n"})))
	res := mustImport(t, db, p, Options{})
	if res.Imported != 3 || res.Rejected != 1 {
		t.Fatalf("%+v", res)
	}
	if e := res.Examples[0]; e.Line != 4 || !strings.Contains(e.Detail, "b.jsonl.gz line 2") {
		t.Fatalf("example %+v", e)
	}
}

// Archives that are not a set of event files, or are broken or hostile,
// are refused with a message saying what to do; nothing is written.
func TestZipRefused(t *testing.T) {
	good := amplitudeExportZip(t)
	corrupt := append([]byte(nil), good...)
	// Flip a byte inside the first member's data: its CRC no longer holds.
	corrupt[bytes.Index(corrupt, []byte("8#0.json.gz"))+len("8#0.json.gz")+20] ^= 0xff
	var encrypted, method bytes.Buffer
	zw := zip.NewWriter(&encrypted)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "secret.json", Flags: 0x1, Method: zip.Deflate, CompressedSize64: 4, UncompressedSize64: 4})
	w.Write([]byte("xxxx"))
	zw.Close()
	zw = zip.NewWriter(&method)
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "events.json", Method: 14, CompressedSize64: 4, UncompressedSize64: 4}) // LZMA
	w.Write([]byte("xxxx"))
	zw.Close()
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"truncated", good[:len(good)/2], "a broken zip archive"},
		{"damaged member", corrupt, "member 187520/187520_2023-06-01_8#0.json.gz of the zip"},
		{"xlsx", zipOf(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"xl/workbook.xml", "<workbook/>"}), "this is an Excel workbook (.xlsx), whatever its name: save it as CSV"},
		{"empty archive", zipOf(t), "an empty zip archive"},
		{"only folders", zipOf(t, [2]string{"dir/", ""}, [2]string{"__MACOSX/._x", "junk"}), "an empty zip archive"},
		{"all members empty", zipOf(t, [2]string{"a.json.gz", ""}, [2]string{"b.json", ""}), "every one of the 2 files in the zip archive is empty"},
		{"nested zip", zipOf(t, [2]string{"inner.zip", string(good)}), "member inner.zip of the zip is itself a zip archive"},
		{"encrypted", encrypted.Bytes(), "member secret.json of the zip is encrypted"},
		{"unknown method", method.Bytes(), "uses compression method 14, which spoor does not read"},
		{"not events", zipOf(t, [2]string{"notes.txt", "hello\nworld\n"}), "member notes.txt of the zip: not an event table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			p := writeFile(t, "export.csv", string(c.content))
			_, err := ImportFile(bg, db, p, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			unchanged(t, db, before)
		})
	}
	// From standard input a zip cannot be read (its directory is at the end).
	_, err := ImportFile(bg, nil, "-", Options{Stdin: bytes.NewReader(good), DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "a zip file cannot be read from standard input") {
		t.Fatalf("stdin: %v", err)
	}
}

// Member names are only names: a path that climbs out of the folder is
// read like any other member and nothing is written anywhere.
func TestZipPathTricks(t *testing.T) {
	db := newDB(t)
	dir := t.TempDir()
	ok := `{"user_id":"u","event":"e","time":"2024-01-01T00:00:00Z"}` + "\n"
	p := filepath.Join(dir, "in", "a.zip")
	os.Mkdir(filepath.Dir(p), 0o755)
	os.WriteFile(p, zipOf(t, [2]string{"../../evil.jsonl", ok}, [2]string{"/etc/x.jsonl", ok}), 0o644)
	res := mustImport(t, db, p, Options{})
	if res.Imported != 2 {
		t.Fatalf("%+v", res)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files appeared next to the archive: %v", entries)
	}
}

// A zip bomb (a member that expands a thousandfold) is stopped once its
// output passes bombFloor, and nothing is written. The floor is lowered
// so the test stays small; the ratio is the real one.
func TestZipBomb(t *testing.T) {
	defer func(f int64) { bombFloor = f }(bombFloor)
	bombFloor = 1 << 20
	head := `{"user_id":"u","event":"e","time":"2024-01-01T00:00:00Z"}` + "\n"
	bomb := head + strings.Repeat("\n", 8<<20)
	for _, c := range []struct{ name, member string }{{"deflate member", "bomb.jsonl"}, {"gzip inside the zip", "bomb.jsonl.gz"}} {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			p := writeFile(t, "bomb.zip", string(zipOf(t, [2]string{c.member, bomb})))
			_, err := ImportFile(bg, db, p, Options{})
			if err == nil || !strings.Contains(err.Error(), "decompression bomb") || !strings.Contains(err.Error(), "nothing imported") {
				t.Fatalf("error %v", err)
			}
			unchanged(t, db, before)
		})
	}
	// Plain gzip and zstd files are guarded the same way.
	for name, content := range map[string]string{"gzip": gz(bomb), "zstd": zst(t, bomb)} {
		db, before := seeded(t)
		_, err := ImportFile(bg, db, writeFile(t, "bomb", content), Options{})
		if err == nil || !strings.Contains(err.Error(), "decompression bomb") {
			t.Fatalf("%s: %v", name, err)
		}
		unchanged(t, db, before)
	}
}

func zst(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// zstd-compressed files are read like gzip ones, found by their magic
// bytes whatever the name; broken ones are refused and nothing is written.
func TestZstd(t *testing.T) {
	plain := "user_id,event,time\nu1,view,2024-01-01\nu2,buy,2024-01-02\n"
	db := newDB(t)
	res := mustImport(t, db, writeFile(t, "events.csv", zst(t, plain)), Options{})
	if res.Format != "csv" || res.Imported != 2 || res.Compression != "zstd" || res.Gzip {
		t.Fatalf("%+v", res)
	}
	// Inside a zip too.
	res = mustImport(t, db, writeFile(t, "a.zip", string(zipOf(t, [2]string{"e.csv.zst", ""}, [2]string{"f.csv", plain + "u3,view,2024-01-03\n"}))), Options{})
	if res.Imported != 1 || res.Duplicates != 2 {
		t.Fatalf("zip: %+v", res)
	}
	big := zst(t, "user_id,event,time\n"+strings.Repeat("u1,view,2024-01-01\n", 20000))
	random := make([]byte, 4096)
	rand.New(rand.NewSource(2)).Read(random)
	for _, c := range []struct{ name, file, content, want string }{
		{"truncated zstd", "e.csv", big[:len(big)/2], "the zstd stream is truncated"},
		{"damaged zstd", "e.csv", big[:20] + strings.Repeat("\xff", 64) + big[84:], "broken zstd data"},
		{"brotli by name", "events.jsonl.br", string(random), "brotli-compressed (.br): spoor reads gzip, zstd and zip; decompress it first (brotli -d FILE)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			_, err := ImportFile(bg, db, writeFile(t, c.file, c.content), Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			unchanged(t, db, before)
		})
	}
}
