package importers

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzz targets: `go test -fuzz FuzzCSV ./importers/` and so on; plain
// `go test` runs the seed corpora (the fixtures and testdata/fuzz).

func addFixtures(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzImport reads data as a dry run (no database) and checks the
// accounting: every record read is either an event or a reject.
func fuzzImport(t *testing.T, data []byte, opt Options) {
	opt.DryRun = true
	opt.Stdin = bytes.NewReader(data)
	res, err := ImportFile(bg, nil, "-", opt)
	if err != nil {
		return
	}
	var byReason int64
	for _, n := range res.Reasons {
		byReason += n
	}
	if res.Rejected != byReason || res.Imported > res.RowsRead || res.Rejected > res.RowsRead {
		t.Fatalf("accounting: read %d imported %d rejected %d by reason %v", res.RowsRead, res.Imported, res.Rejected, res.Reasons)
	}
	for _, e := range res.Preview {
		if e.User == "" || e.Name == "" || e.Time < minTimeMs || e.Time >= maxTimeMs {
			t.Fatalf("bad event accepted: %+v", e)
		}
	}
}

func FuzzCSV(f *testing.F) {
	addFixtures(f, "generic.csv", "generic.tsv", "semicolon.csv", "pipe.csv")
	f.Add([]byte("user_id,event,time\n\"u,1\",\"a\"\"b\",2024-01-01\nu2,b\r\nu3,c,1700000000\r"))
	f.Add([]byte("user_id,event,time\n\"unterminated,e,2024-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, data, Options{Format: "csv"})
		fuzzImport(t, data, Options{Columns: []string{"user", "event", "time"}})
	})
}

func FuzzJSONL(f *testing.F) {
	addFixtures(f, "mixpanel.jsonl", "amplitude.jsonl", "posthog.jsonl", "segment.json", "ga4.jsonl", "generic.jsonl")
	f.Add([]byte(`{"event":"e","properties":{"distinct_id":1,"time":1e9}}` + "\n{\n[]\n"))
	f.Add([]byte(`{"event_name":"x","event_timestamp":"1","event_params":[{"key":1},{"value":{}},null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, data, Options{})
		fuzzImport(t, data, Options{Format: "jsonl", Event: "=fixed"})
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-03-05T10:20:30Z", "2024-03-05 10:20:30.123 UTC", "2024/03/05 10:20", "2014-12-06 02",
		"20160913", "1396437466.94", "1511544070123456789", "1.5e9", "-1", "2024-02-30", "+0800", "2024-01-01T00:00:00+99:99", "9999999999999999999999"} {
		f.Add(s)
	}
	sh := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{time.UTC, sh} {
			p, _ := NewTimeParser("", loc)
			ms, err := p.Parse(s)
			if err == nil && (ms < minTimeMs || ms >= maxTimeMs) {
				t.Fatalf("%q -> %d out of range but accepted", s, ms)
			}
			ms2, err2 := p.Parse(s)
			if ms != ms2 || (err == nil) != (err2 == nil) {
				t.Fatalf("%q not deterministic", s)
			}
			// Where the standard library reads the value in a layout the
			// fast path claims, both agree.
			for _, l := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02"} {
				if tm, e := time.ParseInLocation(l, s, loc); e == nil && tm.Year() >= 1970 && tm.Year() < 2100 && err == nil && tm.UnixMilli() != ms {
					t.Fatalf("%q in %v: fast path %d, time.Parse %d", s, loc, ms, tm.UnixMilli())
				}
			}
		}
	})
}

func FuzzDetect(f *testing.F) {
	addFixtures(f, "generic.csv", "ga4.jsonl", "segment.json")
	f.Add([]byte{0xFF, 0xFE, 'a', 0, ',', 0})
	f.Add([]byte{0xFE, 0xFF, 0, 'a', 0, ','})
	f.Add([]byte{0xEF, 0xBB, 0xBF, '{'})
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	f.Add([]byte("\xd3\xc3\xbb\xa71,\xe4\xaf\xc0\xc0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 256<<10)
		if _, _, skip, err := detectEncoding(br, ""); err == nil && skip > len(data) {
			t.Fatalf("BOM skip %d beyond %d bytes", skip, len(data))
		}
		format, err := detectFormat(data, "")
		if err == nil && format != "csv" && format != "json" && format != "jsonl" {
			t.Fatalf("format %q", format)
		}
		d := sniffDelimiter(data)
		if d != ',' && d != '\t' && d != ';' && d != '|' {
			t.Fatalf("delimiter %q", d)
		}
		fuzzImport(t, data, Options{})
	})
}

// FuzzVendor feeds any bytes to each vendor layout forced with --format, so
// every mapping function sees malformed fields (wrong types, nulls, odd
// nesting), not only the objects that detection would route to it.
func FuzzVendor(f *testing.F) {
	addFixtures(f, "mixpanel.jsonl", "amplitude.jsonl", "posthog.jsonl", "segment.json", "ga4.jsonl")
	f.Add([]byte(`{"event":1,"properties":[],"distinct_id":{},"timestamp":true,"userId":null,"event_params":"x","user_properties":[1,{"key":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, layout := range []string{"mixpanel", "amplitude", "posthog", "segment", "ga4"} {
			fuzzImport(t, data, Options{Format: layout})
		}
	})
}
