package importers

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type wantEvent struct {
	user, name string
	time       int64
	props      string
}

// Each fixture in testdata is written from the documented field layout of
// its export; times were converted by hand (e.g. 2023-06-01 08:00:00.123
// UTC = 1685577600 + 8h = 1685606400.123 s).
var fixtureCases = []struct {
	file, format   string
	imported, dups int64
	links          int64
	persons        int
	events         []wantEvent
}{
	{"mixpanel.jsonl", "mixpanel", 3, 1, 2, 1, []wantEvent{
		{"$device:d1", "Signed Up", 1700000000000, `{"$browser":"Chrome","$device_id":"d1","mp_lib":"web"}`},
		{"alice", "$identify", 1700000060000, `{"$anon_distinct_id":"$device:d1","$identified_id":"alice"}`},
		{"alice", "Purchase", 1700000120000, `{"$device_id":"d1","$user_id":"alice","amount":19.99,"items":"[\"a\",\"b\"]","order.coupon":null,"order.id":"12345678901234567890"}`},
	}},
	{"amplitude.jsonl", "amplitude", 2, 0, 1, 1, []wantEvent{
		{"dev-9", "page_view", 1685606400123, `{"country":"China","page":"/home","platform":"Web","user_properties.plan":"free"}`},
		{"u-42", "subscribe", 1685606700000, `{"country":"China","device_id":"dev-9","plan":"pro","platform":"Web","price":12,"user_properties.plan":"pro"}`},
	}},
	{"posthog.jsonl", "posthog", 3, 0, 1, 1, []wantEvent{
		{"anon-7", "$pageview", 1688212800000, `{"$browser":"Firefox","$current_url":"https://x.test/"}`},
		{"bob@x.test", "$identify", 1688212860000, `{"$anon_distinct_id":"anon-7"}`},
		{"bob@x.test", "upgrade", 1688212920500, `{"seats":5,"tier":"team"}`},
	}},
	{"segment.json", "segment", 3, 0, 1, 1, []wantEvent{
		{"anon-1", "Product Viewed", 1690880400000, `{"anonymousId":"anon-1","context.library.name":"analytics.js","price":9.5,"sku":"B-1"}`},
		{"carol", "Order Completed", 1690880700000, `{"anonymousId":"anon-1","products":"[{\"sku\":\"B-1\"}]","revenue":20}`},
		{"carol", "page", 1690880760000, `{"name":"Home","path":"/"}`},
	}},
	{"ga4.jsonl", "ga4", 2, 0, 1, 1, []wantEvent{
		{"123456789.1698796800", "page_view", 1698796800123, `{"device.category":"mobile","device.operating_system":"iOS","engagement_time_msec":1200,"event_date":"20231101","ga_session_id":1698796800,"geo.country":"Japan","page_location":"https://shop.test/"}`},
		{"member-1", "purchase", 1698796900000, `{"big":"12345678901234567890","currency":"JPY","device.category":"mobile","device.operating_system":"iOS","event_date":"20231101","geo.country":"Japan","ratio":0.5,"user_properties.tier":"gold","user_pseudo_id":"123456789.1698796800","value":49.9}`},
	}},
	// Identical rows inside one file are real repeats and both kept; a
	// quoted field spans two lines; zip and sku keep their leading zeros.
	{"generic.csv", "csv", 3, 0, 0, 2, []wantEvent{
		{"u1", "view", 1704103200000, `{"note":"hello, world","price":9.90,"sku":"0012","zip":"02134"}`},
		{"u1", "view", 1704103200000, `{"note":"hello, world","price":9.90,"sku":"0012","zip":"02134"}`},
		{"u2", "buy", 1704103200000, `{"note":"multi\nline","price":100,"sku":"X"}`},
	}},
	{"generic.tsv", "tsv", 2, 0, 0, 2, []wantEvent{
		{"7", "open", 1704103200000, `{"channel":"ads"}`},
		{"8", "close", 1704103200000, `{}`},
	}},
	{"semicolon.csv", "csv", 1, 0, 0, 1, []wantEvent{{"z1", "点击", 1704164645000, `{"city":"北京"}`}}},
	{"pipe.csv", "csv", 1, 0, 0, 1, []wantEvent{{"q", "ping", 1704153600000, `{}`}}},
	{"generic.jsonl", "jsonl", 2, 0, 0, 2, []wantEvent{
		{"n1", "login", 1706745600000, `{"meta.ip":"1.2.3.4","meta.tags":"[\"a\"]","ok":true}`},
		{"1234567890123456789", "logout", 1706745660000, `{"meta.ip":"1.2.3.5","ok":false}`},
	}},
}

func TestFormats(t *testing.T) {
	for _, c := range fixtureCases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", c.file)
			checkFixture(t, path, c.format, c.imported, c.dups, c.links, c.persons, c.events)
			// The same bytes gzipped, under a name without .gz: detected
			// by the magic bytes.
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			zw.Write(raw)
			zw.Close()
			gz := writeFile(t, "data.bin", zb.String())
			checkFixture(t, gz, c.format, c.imported, c.dups, c.links, c.persons, c.events)
		})
	}
}

func checkFixture(t *testing.T, path, format string, imported, dups, links int64, persons int, want []wantEvent) {
	t.Helper()
	db := newDB(t)
	res := mustImport(t, db, path, Options{})
	if res.Format != format || res.Imported != imported || res.Duplicates != dups || res.Links != links || res.Rejected != 0 {
		t.Fatalf("%s: format %s imported %d dups %d links %d rejected %d %v; want %s %d %d %d 0",
			path, res.Format, res.Imported, res.Duplicates, res.Links, res.Rejected, res.Reasons, format, imported, dups, links)
	}
	got := stored(t, db)
	if len(got) != len(want) {
		t.Fatalf("%d events stored, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.User != w.user || g.Name != w.name || g.Time != w.time || g.Props != w.props {
			t.Errorf("event %d = %+v\nwant %+v", i, g, w)
		}
	}
	if _, p, _ := counts(t, db); p != persons {
		t.Errorf("%d persons after identity stitching, want %d", p, persons)
	}
}

// --format names a layout the content alone would not reveal, and the
// generic column overrides apply to JSON too.
func TestFormatOverrides(t *testing.T) {
	p := writeFile(t, "x.txt", "a;b\n")
	db := newDB(t)
	// A one-column "table" of JSON lines read as CSV finds no user column.
	if _, err := ImportFile(bg, db, filepath.Join("testdata", "generic.jsonl"), Options{Format: "csv"}); err == nil {
		t.Fatal("JSON read as CSV was accepted")
	}
	if _, err := ImportFile(bg, db, p, Options{Format: "xml"}); err == nil {
		t.Fatal("unknown --format accepted")
	}
	// "who" is missing from the first object: named fields need not be there.
	j := writeFile(t, "o.jsonl", `{"what":"tap","when":"2024-01-01T00:00:00Z"}`+"\n"+`{"who":"w1","what":"tap","when":"2024-01-01T00:00:00Z"}`+"\n")
	res := mustImport(t, db, j, Options{User: "who", Event: "what", Time: "when"})
	if res.Imported != 1 || res.Rejected != 1 || res.Format != "jsonl" {
		t.Fatalf("overrides on JSON: %+v", res)
	}
	got := stored(t, db)
	if got[0].User != "w1" || got[0].Name != "tap" || got[0].Time != 1704067200000 {
		t.Fatalf("%+v", got[0])
	}
}

// Variants of the vendor layouts seen in the wild.
func TestVendorVariants(t *testing.T) {
	cases := []struct {
		name, content string
		want          wantEvent
		iid           string
	}{
		{"amplitude export $insert_id", `{"event_type":"e","user_id":"u","event_time":"2023-06-01T08:00:00Z","$insert_id":"x1","uuid":"z"}`,
			wantEvent{"u", "e", 1685606400000, `{"uuid":"z"}`}, "x1"},
		{"amplitude uuid only", `{"event_type":"e","device_id":"d","event_time":"2023-06-01 08:00:00","uuid":"z"}`,
			wantEvent{"d", "e", 1685606400000, `{}`}, "z"},
		{"segment originalTimestamp", `{"type":"track","event":"e","userId":"u","originalTimestamp":"2023-06-01T10:00:00+02:00","sentAt":"2023-06-01T08:00:05Z"}`,
			wantEvent{"u", "e", 1685606400000, `{"sentAt":"2023-06-01T08:00:05Z"}`}, ""},
		{"mixpanel time in ms", `{"event":"e","properties":{"distinct_id":"u","time":1685606400123}}`,
			wantEvent{"u", "e", 1685606400123, `{}`}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			mustImport(t, db, writeFile(t, "v.jsonl", c.content+"\n"), Options{})
			got := stored(t, db)
			if len(got) != 1 || got[0].User != c.want.user || got[0].Name != c.want.name || got[0].Time != c.want.time || got[0].Props != c.want.props {
				t.Fatalf("%+v want %+v", got, c.want)
			}
			// The insert id is seen through de-duplication: the same event
			// re-exported one second later is a duplicate only if it has one.
			again := strings.Replace(c.content, `"event":"e"`, `"event":"e","extra":1`, 1)
			again = strings.Replace(again, `"event_type":"e"`, `"event_type":"e","extra":1`, 1)
			res := mustImport(t, db, writeFile(t, "w.jsonl", again+"\n"), Options{})
			if (res.Duplicates == 1) != (c.iid != "") {
				t.Fatalf("re-export with insert id %q: %d duplicates", c.iid, res.Duplicates)
			}
		})
	}
}
