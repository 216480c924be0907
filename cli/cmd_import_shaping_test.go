package cli

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// funnelUsers runs spoor funnel and returns the users per step.
func funnelUsers(t *testing.T, db string, args ...string) []int {
	t.Helper()
	code, stdout, stderr := runCLI(t, "", append([]string{"funnel", "--db", db, "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("funnel %v: %d %s", args, code, stderr)
	}
	var r struct {
		Steps []struct {
			Users int `json:"users"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	var out []int
	for _, s := range r.Steps {
		out = append(out, s.Users)
	}
	return out
}

// Each export shape, imported as a user would with its flags, gives the
// funnel worked out by hand in its fixture's README.
func TestShapedExportsFunnels(t *testing.T) {
	fx := filepath.Join("..", "importers", "testdata")
	sh := filepath.Join(fx, "shaping")
	cases := []struct {
		name   string
		args   []string
		funnel []string
		want   []int
	}{
		{"taobao", []string{"--columns", "user_id,item_id,category_id,behavior_type,timestamp", "--event-map", "pv=view,buy=purchase", filepath.Join(sh, "taobao_user_behavior.csv")},
			[]string{"--steps", "view,purchase", "--window", "30d"}, []int{4, 2}},
		{"tianchi", []string{"--tz", "Asia/Shanghai", "--event-map", filepath.Join(sh, "event_map.txt"), filepath.Join(sh, "tianchi_user_behavior.csv")},
			[]string{"--steps", "click,cart", "--window", "30d"}, []int{1, 1}},
		{"ga360", []string{"--user", "fullVisitorId", "--event", "eCommerceAction_type", "--time", "visitId+time:ms", "--event-map", "1=list_click,2=detail_view,3=add_to_cart,5=checkout,6=purchase", filepath.Join(sh, "ga360_all_sessions.csv")},
			[]string{"--steps", "0,checkout", "--window", "30d"}, []int{2, 1}},
		{"diginetica", []string{"--user", "session_id", "--event", "=view", "--time", "eventdate+timeframe:ms", filepath.Join(sh, "diginetica_item_views.csv")},
			[]string{"--steps", "view,view"}, []int{3, 2}},
		{"mixpanel legacy", []string{"--source-tz", "America/Los_Angeles", filepath.Join(sh, "mixpanel_legacy.jsonl")},
			[]string{"--steps", "Sign Up,Purchase"}, []int{2, 1}},
		{"amplitude zip", []string{amplitudeZip(t, filepath.Join(fx, "amplitude_export"))},
			[]string{"--steps", "page_view,sign_up,purchase"}, []int{3, 2, 1}},
		{"posthog parquet", []string{filepath.Join(fx, "posthog_parquet", "events.parquet")},
			[]string{"--steps", "$pageview,signed_up,purchase"}, []int{3, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "s.db")
			code, _, stderr := runCLI(t, "", append([]string{"import", "--db", db}, c.args...)...)
			if code != 0 || strings.Contains(stderr, "rejected 1") {
				t.Fatalf("import: %d %s", code, stderr)
			}
			if got := funnelUsers(t, db, c.funnel...); !slices.Equal(got, c.want) {
				t.Fatalf("funnel %v: %v; want %v", c.funnel, got, c.want)
			}
		})
	}
}

// amplitudeZip zips the fixture's members, gzipped, as the Export API does.
func amplitudeZip(t *testing.T, dir string) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	sort.Strings(paths)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(filepath.Dir(p)) + "/" + filepath.Base(p) + ".gz")
		gw := gzip.NewWriter(w)
		gw.Write(raw)
		gw.Close()
	}
	zw.Close()
	out := filepath.Join(t.TempDir(), "export.zip")
	os.WriteFile(out, b.Bytes(), 0o644)
	return out
}

// The shaping flags show in --dry-run; their mistakes are usage errors
// (exit 2) before any file is read.
func TestShapingFlagsCLI(t *testing.T) {
	sh := filepath.Join("..", "importers", "testdata", "shaping")
	code, stdout, stderr := runCLI(t, "", "import", "--dry-run", "--user", "fullVisitorId", "--event", "eCommerceAction_type",
		"--time", "visitId+time:ms", "--event-map", "1=list_click,5=checkout,6=purchase", filepath.Join(sh, "ga360_all_sessions.csv"))
	if code != 0 || !strings.Contains(stdout, "time <- visitId") || !strings.Contains(stdout, "; time = visitId + time (ms); event names mapped by --event-map (3 codes)") ||
		!strings.Contains(stdout, "event map: 1 -> list_click, 5 -> checkout, 6 -> purchase") ||
		!strings.Contains(stdout, `not in the map, kept as they are: "0"`) ||
		!strings.Contains(stdout, "2016-12-13T16:29:50.092Z  user=8444725132150789814  event=checkout") {
		t.Fatalf("dry run: %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "import", "--dry-run", "--source-tz", "America/Los_Angeles", filepath.Join(sh, "mixpanel_legacy.jsonl"))
	if code != 0 || !strings.Contains(stdout, "source tz: epoch times read as America/Los_Angeles wall clock (--source-tz)") ||
		!strings.Contains(stdout, "2020-01-01T17:00:00.000Z  user=u1  event=Sign Up") {
		t.Fatalf("source tz: %d\n%s", code, stdout)
	}
	db := filepath.Join(t.TempDir(), "s.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--time", "eventdate+timeframe"}, "--time eventdate+timeframe: say the unit of timeframe: --time eventdate+timeframe:ms"},
		{[]string{"--event-map", "pv"}, "--event-map pv: no such file, and not CODE=NAME pairs"},
		{[]string{"--source-tz", "Nowhere/City"}, "--source-tz Nowhere/City: unknown timezone"},
	} {
		code, _, stderr := runCLI(t, "", append(append([]string{"import", "--db", db}, c.args...), filepath.Join(sh, "taobao_user_behavior.csv"))...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %d %s", c.args, code, stderr)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("%v: the database was created", c.args)
		}
	}
}

// --dry-run warns when the time column puts events in 1970 or the future,
// or a few events far from the rest; doctor reports the latter with the
// --from that leaves them out, and that --from does.
func TestTimeWarnings(t *testing.T) {
	dir := t.TempDir()
	sh := filepath.Join("..", "importers", "testdata", "shaping")
	taobao := []string{"--columns", "user_id,item_id,category_id,behavior_type,timestamp", "--event-map", "pv=view,buy=purchase", filepath.Join(sh, "taobao_user_behavior.csv")}
	code, stdout, _ := runCLI(t, "", append([]string{"import", "--dry-run"}, taobao...)...)
	want := "warning:   1 event lies far before the rest (earliest 2017-09-11, 75 days before the bulk starts on 2017-11-25): --from 2017-11-25 leaves it out"
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("outlier: %d\n%s", code, stdout)
	}
	// An offset column guessed as the time: everything lands in 1970.
	offsets := filepath.Join(dir, "hits.csv")
	os.WriteFile(offsets, []byte("user_id,event,time\na,view,122213\nb,view,268947\n"), 0o644)
	code, stdout, _ = runCLI(t, "", "import", "--dry-run", offsets)
	if code != 0 || !strings.Contains(stdout, "warning:   2 of 2 events are before 2000 (earliest 1970-01-02T09:56:53Z): is the time column a timestamp") {
		t.Fatalf("1970: %d\n%s", code, stdout)
	}
	future := filepath.Join(dir, "future.csv")
	os.WriteFile(future, []byte("user,event,time\na,view,2024-01-01\nb,view,2099-01-01\n"), 0o644)
	code, stdout, _ = runCLI(t, "", "import", "--dry-run", future)
	if code != 0 || !strings.Contains(stdout, "warning:   1 of 2 events are in the future (latest 2099-01-01T00:00:00Z)") {
		t.Fatalf("future: %d\n%s", code, stdout)
	}
	// A clean file warns of nothing.
	if _, stdout, _ = runCLI(t, "", "import", "--dry-run", filepath.Join(sh, "mixpanel_legacy.jsonl")); strings.Contains(stdout, "warning") {
		t.Fatalf("clean file:\n%s", stdout)
	}

	db := filepath.Join(dir, "s.db")
	if code, _, stderr := runCLI(t, "", append([]string{"import", "--db", db}, taobao...)...); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	code, stdout, _ = runCLI(t, "", "doctor", "--db", db, "--format", "json")
	var d struct {
		Quality struct {
			Outliers struct {
				Before, After int64
				From          string
			} `json:"outliers"`
		} `json:"quality"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != 0 {
		t.Fatalf("doctor: %v\n%s", err, stdout)
	}
	if o := d.Quality.Outliers; o.Before != 1 || o.After != 0 || o.From != "2017-11-25" {
		t.Fatalf("doctor outliers %+v", o)
	}
	if _, stdout, _ = runCLI(t, "", "doctor", "--db", db); !strings.Contains(stdout, "outlying events") || !strings.Contains(stdout, "--from 2017-11-25 leaves it out") {
		t.Fatalf("doctor table:\n%s", stdout)
	}
	// The --from given leaves out exactly the stray event (user 1000169's only one).
	if got := funnelUsers(t, db, "--steps", "view", "--from", d.Quality.Outliers.From); !slices.Equal(got, []int{3}) {
		t.Fatalf("view users from %s: %v; want [3] (4 without --from)", d.Quality.Outliers.From, got)
	}
	if got := funnelUsers(t, db, "--steps", "view"); !slices.Equal(got, []int{4}) {
		t.Fatalf("view users: %v", got)
	}
}
