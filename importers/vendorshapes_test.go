package importers_test

import (
	"archive/zip"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// The vendor shapes of testdata/vendors (see its README for the sources
// each follows). Every expectation was worked out by hand from the rows:
// events stored, persons after identity stitching, the person each id
// belongs to, and one funnel's users per step.

type shapeWant struct {
	events  int
	persons map[string]string // distinct id -> the id naming its person
	nPerson int
	funnel  []string // steps
	users   []int    // users per step
}

// The PostHog events (8, three persons): a1-device and alice@x.test share
// person_id ...a1 (merged before the export: the file never links them);
// b2-device and carol are persons of their own. Funnel $pageview ->
// add_to_cart -> purchase: a1-device/alice 09:00/09:05/09:10, b2-device
// 10:00/10:02, carol 11:00/11:01/11:03: 3, 3, 2.
var posthogWant = shapeWant{
	events:  8,
	persons: map[string]string{"a1-device": "alice@x.test", "alice@x.test": "alice@x.test", "b2-device": "b2-device", "carol": "carol"},
	nPerson: 3,
	funnel:  []string{"$pageview", "add_to_cart", "purchase"},
	users:   []int{3, 3, 2},
}

// Mixpanel (6 events): $device:d-100 and d-100 are u-ann ($device_id +
// $user_id); d-200 and the device anonBob (a UUID, as Original ID Merge
// wants) are anonymous; u-bob signs up from a server
// (no device id). Page View -> Sign Up -> Purchase: Page View by ann,
// d-200, anonBob; Sign Up after it ann; Purchase ann: 3, 1, 1.
const anonBob = "3f1c2b8e-7d4a-4c1e-9b2f-5a6d7e8f9a01"

var mixpanelWant = shapeWant{
	events:  6,
	persons: map[string]string{"$device:d-100": "u-ann", "u-ann": "u-ann", anonBob: anonBob, "u-bob": "u-bob"},
	nPerson: 4,
	funnel:  []string{"Page View", "Sign Up", "Purchase"},
	users:   []int{3, 1, 1},
}

// Amplitude (5 events): dev-A1 has no user_id, but amplitude_id 111 like
// u-amy's events; dev-B1 and dev-B2 share amplitude_id 222 and never log
// in. view_item -> add_to_cart -> checkout: amy 09:00/09:05/09:10, B
// 10:00/10:30: 2, 2, 1. (Without amplitude_id: 4 persons, 2, 0, 0.)
var amplitudeWant = shapeWant{
	events:  5,
	persons: map[string]string{"dev-A1": "u-amy", "dev-A2": "u-amy", "u-amy": "u-amy", "dev-B1": "dev-B1", "dev-B2": "dev-B1"},
	nPerson: 2,
	funnel:  []string{"view_item", "add_to_cart", "checkout"},
	users:   []int{2, 2, 1},
}

// GA4 (4 events): the pseudo id 1197296873.1709283600 becomes member-7;
// 555019283.1709283700 only views. page_view -> add_to_cart -> purchase:
// 2, 1, 1.
var ga4Want = shapeWant{
	events:  4,
	persons: map[string]string{"1197296873.1709283600": "member-7", "555019283.1709283700": "555019283.1709283700"},
	nPerson: 2,
	funnel:  []string{"page_view", "add_to_cart", "purchase"},
	users:   []int{2, 1, 1},
}

func vendorFile(name string) string { return filepath.Join("testdata", "vendors", name) }

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "v.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func importAll(t *testing.T, db *store.DB, files ...string) []*importers.Result {
	t.Helper()
	var out []*importers.Result
	for _, f := range files {
		res, err := importers.ImportFile(context.Background(), db, f, importers.Options{})
		if err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
		out = append(out, res)
	}
	return out
}

// check compares the database with w: events, persons, who is whom, and
// the funnel.
func check(t *testing.T, db *store.DB, w shapeWant) {
	t.Helper()
	ctx := context.Background()
	r, err := db.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Time) != w.events {
		t.Errorf("%d events, want %d", len(r.Time), w.events)
	}
	persons := map[int32]bool{}
	for _, u := range r.User {
		persons[r.Canon[u]] = true
	}
	if len(persons) != w.nPerson {
		t.Errorf("%d persons, want %d", len(persons), w.nPerson)
	}
	for id, want := range w.persons {
		got := ""
		for u, name := range r.Users {
			if name == id && u > 0 {
				got = r.Users[r.Canon[u]]
			}
		}
		if got != want {
			t.Errorf("%s belongs to %q, want %q", id, got, want)
		}
	}
	d, err := query.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Funnel(ctx, query.FunnelQuery{Steps: query.FunnelSteps(w.funnel)})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, s := range f.Steps {
		got = append(got, s.Users)
	}
	if !reflect.DeepEqual(got, w.users) {
		t.Errorf("funnel %v: users %v, want %v", w.funnel, got, w.users)
	}
}

func TestVendorShapes(t *testing.T) {
	cases := []struct {
		file, format string
		want         shapeWant
		links        int64 // identity links stored
		shape        string
	}{
		// person_id: a1-device and alice join person ...a1's node (3
		// nodes linked, plus a1-device -> alice).
		{"posthog_batch_export.jsonl", "posthog", posthogWant, 4, ""},
		{"posthog_clickhouse.jsonl", "posthog", posthogWant, 4, "properties given as JSON text in 8 rows: unpacked"},
		{"posthog_clickhouse.csv", "posthog", posthogWant, 4, "PostHog event rows as CSV"},
		{"posthog_ui_export.csv", "posthog", posthogWant, 4, "PostHog events CSV export"},
		// The API names each event's person by its first distinct id:
		// one node per person, and a1-device -> alice@x.test.
		{"posthog_api_page.json", "posthog", posthogWant, 4, `"results" array of API pages`},
		// $device_id + $user_id: d-100 and $device:d-100 -> u-ann.
		{"mixpanel_export.jsonl", "mixpanel", mixpanelWant, 2, ""},
		{"mixpanel_utils.csv", "mixpanel", mixpanelWant, 2, "mixpanel-utils"},
		// device_id + user_id (dev-A2 -> u-amy, twice the same), the two
		// amplitude_id nodes, dev-A1 -> node 111, dev-B2 -> dev-B1.
		{"amplitude_export.json", "amplitude", amplitudeWant, 5, ""},
		{"ga4_bq_extract.jsonl", "ga4", ga4Want, 1, ""},
		{"ga4_client.jsonl", "ga4", ga4Want, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			db := openDB(t)
			res := importAll(t, db, vendorFile(c.file))[0]
			if res.Format != c.format || res.Rejected != 0 || res.Links != c.links || !strings.Contains(res.Mapping, c.shape) {
				t.Fatalf("format %s, %d rejected, %d links, mapping %q", res.Format, res.Rejected, res.Links, res.Mapping)
			}
			check(t, db, c.want)
		})
	}
}

// The same events exported in several shapes are stored once, whatever the
// order of the imports, and stitch the same.
func TestVendorShapesReimport(t *testing.T) {
	groups := []struct {
		files []string
		want  shapeWant
	}{
		{[]string{"posthog_api_page.json", "posthog_clickhouse.csv", "posthog_batch_export.jsonl", "posthog_clickhouse.jsonl", "posthog_ui_export.csv"}, posthogWant},
		{[]string{"mixpanel_utils.csv", "mixpanel_export.jsonl"}, mixpanelWant},
		{[]string{"ga4_client.jsonl", "ga4_bq_extract.jsonl"}, ga4Want},
	}
	for _, g := range groups {
		t.Run(g.files[0], func(t *testing.T) {
			db := openDB(t)
			var paths []string
			for _, f := range g.files {
				paths = append(paths, vendorFile(f))
			}
			res := importAll(t, db, paths...)
			for i, r := range res[1:] {
				if r.Imported != 0 || r.Duplicates != int64(g.want.events) {
					t.Errorf("%s after %s: %d imported, %d duplicates; want 0, %d", g.files[i+1], g.files[0], r.Imported, r.Duplicates, g.want.events)
				}
			}
			check(t, db, g.want)
		})
	}
}

// Mixpanel's identify API form ($identified_id, $anon_id, no distinct_id
// or time) links anonBob to u-bob without adding an event: Page View
// anonBob at +400 s, Sign Up u-bob at +460 s now reach step 2.
func TestMixpanelIdentifyAPI(t *testing.T) {
	db := openDB(t)
	res := importAll(t, db, vendorFile("mixpanel_export.jsonl"), vendorFile("mixpanel_identify.json"))
	if id := res[1]; id.Format != "mixpanel" || id.Imported != 0 || id.Links != 1 || id.Rejected != 0 {
		t.Fatalf("identify file: %+v", id)
	}
	w := mixpanelWant
	w.persons = map[string]string{anonBob: "u-bob", "$device:d-100": "u-ann"}
	w.nPerson, w.users = 3, []int{3, 2, 1}
	check(t, db, w)
}

// amplitude_id stitches across imports: an Amplitude download is one file
// per hour, and the identified hour may come in a later import than the
// anonymous one, or before it; and across the members of the download's
// zip.
func TestAmplitudeIDAcrossFiles(t *testing.T) {
	b, err := os.ReadFile(vendorFile("amplitude_export.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(b)), "\n")
	dir := t.TempDir()
	first := filepath.Join(dir, "anon.json") // dev-A1's anonymous view and dev-B1's
	rest := filepath.Join(dir, "rest.json")
	os.WriteFile(first, []byte(lines[0]+lines[3]), 0o644)
	os.WriteFile(rest, []byte(lines[1]+lines[2]+lines[4]), 0o644)
	// The first id seen names an anonymous person: dev-B2 when the later
	// hour is imported first.
	reversed := amplitudeWant
	reversed.persons = map[string]string{"dev-A1": "u-amy", "u-amy": "u-amy", "dev-B1": "dev-B2", "dev-B2": "dev-B2"}
	for i, order := range [][]string{{first, rest}, {rest, first}} {
		db := openDB(t)
		importAll(t, db, order...)
		check(t, db, []shapeWant{amplitudeWant, reversed}[i])
	}
	// The download itself: a zip of gzipped hourly files, the later hour
	// first in the archive; one import.
	dl := filepath.Join(dir, "download.zip")
	f, err := os.Create(dl)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range []struct{ name, text string }{{"123/123_2024-03-01_10#0.json.gz", lines[1] + lines[2] + lines[4]}, {"123/123_2024-03-01_9#0.json.gz", lines[0] + lines[3]}} {
		w, _ := zw.Create(m.name)
		gz := gzip.NewWriter(w)
		gz.Write([]byte(m.text))
		gz.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := openDB(t)
	importAll(t, db, dl)
	check(t, db, reversed)
}

// --dry-run says what it unpacked: ClickHouse rows whose properties are
// JSON text, and text that is not a JSON object, kept whole (never dropped).
func TestDryRunUnpacked(t *testing.T) {
	rows := `{"uuid":"u1","event":"e","properties":"{\"a\":1}","timestamp":"2024-03-01 09:00:00","distinct_id":"d"}` + "\n" +
		`{"uuid":"u2","event":"e","properties":"not json","timestamp":"2024-03-01 09:00:01","distinct_id":"d"}` + "\n"
	p := filepath.Join(t.TempDir(), "rows.jsonl")
	os.WriteFile(p, []byte(rows), 0o644)
	res, err := importers.ImportFile(context.Background(), nil, p, importers.Options{DryRun: true, Preview: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"properties given as JSON text in 1 rows: unpacked", `properties in 1 rows is text that is not a JSON object: kept whole as property "properties"`} {
		if !strings.Contains(res.Mapping, s) {
			t.Errorf("mapping %q lacks %q", res.Mapping, s)
		}
	}
	var got []string
	for _, e := range res.Preview {
		for _, p := range e.Props {
			got = append(got, p.Key)
		}
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, []string{"a", "properties"}) {
		t.Errorf("properties %v, want a (unpacked) and properties (kept)", got)
	}
}

// --dry-run counts each link a file reveals once: Mixpanel's two
// identified rows both say d-100 and $device:d-100 are u-ann (2 links,
// not 4); Amplitude's rows tie u-amy, dev-A1, dev-A2 to amplitude_id 111
// and dev-B1, dev-B2 to 222, and dev-A2 to u-amy (6).
func TestDryRunLinks(t *testing.T) {
	for file, want := range map[string]int64{"mixpanel_export.jsonl": 2, "amplitude_export.json": 6} {
		res, err := importers.ImportFile(context.Background(), nil, vendorFile(file), importers.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Links != want {
			t.Errorf("%s: dry run reveals %d links, want %d", file, res.Links, want)
		}
	}
}
