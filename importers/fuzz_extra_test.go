package importers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Fuzz targets added for issue 8 (run by hand: go test -fuzz FuzzVendorFields
// ./importers/); plain go test runs their seeds and testdata/fuzz.

// FuzzJSONArray: JSON array files (format json, e.g. Segment exports).
func FuzzJSONArray(f *testing.F) {
	addFixtures(f, "segment.json")
	f.Add([]byte(`[{"user_id":"u","event":"e","time":"2024-01-01"},{"user_id":1e400,"event":[],"time":{}}]`))
	f.Add([]byte(`[` + strings.Repeat(`[`, 100) + `]`))
	f.Add([]byte(`[{"a":1},`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, data, Options{Format: "json"})
		fuzzImport(t, data, Options{Format: "segment"})
	})
}

// vendorTemplates place fuzzed values where each vendor export keeps its
// user, event, time, insert id and a property.
var vendorTemplates = map[string]string{
	"mixpanel":  `{"event":EV,"properties":{"time":TM,"distinct_id":US,"$insert_id":ID,"$device_id":US2,"p":PR}}`,
	"amplitude": `{"event_type":EV,"user_id":US,"device_id":US2,"event_time":TM,"insert_id":ID,"event_properties":{"p":PR}}`,
	"posthog":   `{"event":EV,"distinct_id":US,"timestamp":TM,"uuid":ID,"properties":{"$anon_distinct_id":US2,"p":PR}}`,
	"segment":   `{"type":"track","event":EV,"userId":US,"anonymousId":US2,"timestamp":TM,"messageId":ID,"properties":{"p":PR}}`,
	"ga4":       `{"event_name":EV,"event_timestamp":TM,"user_pseudo_id":US2,"user_id":US,"event_params":[{"key":"p","value":{"string_value":PR}},{"key":ID,"value":{"int_value":TM}}]}`,
}

// FuzzVendorFields: structure-aware fuzzing of every vendor format. The
// strings go in as JSON strings and as raw JSON (numbers, nulls, objects,
// broken text), in each format's own fields, detected and forced.
func FuzzVendorFields(f *testing.F) {
	f.Add("Purchase", "alice", "1700000000", "m1", "d1", "x", false)
	f.Add("", "", "", "", "", "", true)
	f.Add("e", "12345678901234567890", "1698796800123456", "null", "{}", "[1,2]", true)
	f.Add("e", "u", "2023-06-01 08:00:00.123000", "i", "u", "\x00\xff", false)
	f.Add("$identify", "bob", "-1e308", "i", "bob", "1e400", true)
	f.Fuzz(func(t *testing.T, ev, us, tm, id, us2, pr string, raw bool) {
		val := func(s string) string {
			if raw {
				if json.Valid([]byte(s)) {
					return s
				}
				return "null"
			}
			b, _ := json.Marshal(s)
			return string(b)
		}
		for format, tpl := range vendorTemplates {
			line := strings.NewReplacer("EV", val(ev), "US2", val(us2), "US", val(us), "TM", val(tm), "ID", val(id), "PR", val(pr)).Replace(tpl)
			data := []byte(line + "\n" + line + "\n")
			fuzzImport(t, data, Options{})
			fuzzImport(t, data, Options{Format: format})
		}
	})
}

// FuzzEncodings: bytes read as each encoding the importer can be told.
func FuzzEncodings(f *testing.F) {
	addFixtures(f, "generic.csv", "generic.jsonl")
	f.Add([]byte("\xd3\xc3\xbb\xa7,\xca\xc2\xbc\xfe,\xca\xb1\xbc\xe4\nu1,\xb5\xc7\xc2\xbc,2024-01-01\n"))
	f.Add([]byte("u\x00s\x00e\x00r\x00,\x00\n\x00\xff"))
	f.Add([]byte("\xef\xbb\xbfuser,event,time\n\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, enc := range []string{"gb18030", "utf-16le", "utf-16be", "utf-8"} {
			fuzzImport(t, data, Options{Encoding: enc})
		}
	})
}

// FuzzTimeFormat: an explicit --time-format layout and any value: an
// accepted time lies in the supported range and parsing is deterministic.
func FuzzTimeFormat(f *testing.F) {
	for _, c := range [][2]string{
		{"2006-01-02 15:04:05", "2024-03-05 10:20:30"}, {"02/01/2006", "05/03/2024"}, {"unix_ms", "1700000000000"},
		{"unix", "1e10"}, {"Jan _2 2006 15:04", "Mar  5 2024 10:20"}, {"2006-01-02T15:04:05.000Z07:00", "2024-03-05T10:20:30.123+08:00"},
		{"", ""}, {"%Y-%m-%d", "2024-03-05"}, {"unix_us", "-9223372036854775808"},
	} {
		f.Add(c[0], c[1])
	}
	sh := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, layout, s string) {
		p, err := NewTimeParser(layout, sh)
		if err != nil {
			return
		}
		ms, err := p.Parse(s)
		if err == nil && (ms < minTimeMs || ms >= maxTimeMs) {
			t.Fatalf("layout %q: %q -> %d out of range but accepted", layout, s, ms)
		}
		ms2, err2 := p.Parse(s)
		if ms != ms2 || (err == nil) != (err2 == nil) {
			t.Fatalf("layout %q: %q not deterministic", layout, s)
		}
	})
}
