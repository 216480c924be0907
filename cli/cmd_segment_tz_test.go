package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/segment"
)

// tzCSV is stored with UTC as the display timezone. Asia/Shanghai is UTC+8:
// sh3 viewed on three Shanghai days (03-01 23:30, 03-02 00:30 and 11:00,
// 03-03 00:30) that are two UTC days; utc3 on three UTC days that are two
// Shanghai days (03-02 07:00 and 08:30, 03-03 18:00). The last event is
// 03-31 20:00 UTC = 04-01 04:00 in Shanghai.
const tzCSV = `user_id,event,time,revenue
sh3,view_item,2026-03-01T15:30:00Z,
sh3,view_item,2026-03-01T16:30:00Z,
sh3,view_item,2026-03-02T03:00:00Z,
sh3,view_item,2026-03-02T16:30:00Z,
utc3,view_item,2026-03-01T23:00:00Z,
utc3,view_item,2026-03-02T00:30:00Z,
utc3,view_item,2026-03-03T10:00:00Z,
buyer,purchase,2026-03-20T15:00:00Z,10
buyer,purchase,2026-03-30T15:00:00Z,10
late,purchase,2026-03-31T10:00:00Z,20
z,page_view,2026-03-31T20:00:00Z,
`

func needTZ(t *testing.T) {
	t.Helper()
	if _, err := time.LoadLocation("Asia/Shanghai"); err != nil {
		t.Skipf("timezone data not available: %v", err)
	}
}

func tzDB(t *testing.T) string {
	t.Helper()
	needTZ(t)
	return fixtureDB(t, fixture{db: "tz.db", file: "tz.csv", content: tzCSV})
}

// tzCase runs one command with and without --tz Asia/Shanghai and
// compares stdout with the hand-checked answers.
type tzCase struct {
	args          []string
	utc, shanghai string
}

func checkTZCases(t *testing.T, db string, cases []tzCase) {
	t.Helper()
	for _, c := range cases {
		for _, run := range []struct {
			extra []string
			want  string
		}{{nil, c.utc}, {[]string{"--tz", "Asia/Shanghai"}, c.shanghai}} {
			args := append(append(append([]string{}, c.args...), "--db", db), run.extra...)
			code, out, errs := exRun(t, args...)
			if code != 0 || out != run.want {
				t.Errorf("spoor %s: exit %d %s\n got: %q\nwant: %q", strings.Join(args, " "), code, errs, out, run.want)
			}
		}
	}
}

func TestSegmentCommandsTZ(t *testing.T) {
	db := tzDB(t)
	if code, _, errs := exRun(t, "segment", "create", "streakers", "streak view_item >= 3 days", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	checkTZCases(t, db, []tzCase{
		{[]string{"segment", "preview", "streak view_item >= 3 days", "--users", "--format", "csv"}, "user\nutc3\n", "user\nsh3\n"},
		{[]string{"segment", "users", "streakers", "--format", "csv"}, "user\nutc3\n", "user\nsh3\n"},
		// "in 1d" is 03-31 in UTC (late's purchase at 10:00), 04-01 in
		// Shanghai (none); "in 12h" is the same 12 hours in both.
		{[]string{"segment", "preview", "did purchase in 1d", "--users", "--format", "csv"}, "user\nlate\n", "user\n"},
		{[]string{"segment", "preview", "did purchase in 12h", "--users", "--format", "csv"}, "user\nlate\n", "user\nlate\n"},
		// Trend days: 03-30 and 03-31 in UTC (by the end of 03-30, sh3, utc3
		// and buyer were seen), 03-31 and 04-01 in Shanghai (by 03-31's end,
		// 16:00 UTC, late too).
		{[]string{"segment", "show", "streakers", "--trend", "2d", "--format", "csv"},
			"key,value\nname,streakers\nexpression,streak view_item >= 3 days\nusers,1\nof,5\nshare,20.0%\n\n# size by day\nday,users,of,share\n2026-03-30,1,3,33.3%\n2026-03-31,1,5,20.0%\n",
			"key,value\nname,streakers\nexpression,streak view_item >= 3 days\nusers,1\nof,5\nshare,20.0%\n\n# size by day\nday,users,of,share\n2026-03-31,1,4,25.0%\n2026-04-01,1,5,20.0%\n"},
		// Stages, 1-day window: UTC's last day 03-31 holds late's purchase and
		// buyer's 03-30 is the day before; Shanghai's last day 04-01 holds
		// only z, late's 03-31 18:00 is the day before, buyer's 03-30 23:00
		// two days before.
		{[]string{"segment", "stages", "--window", "1d", "--format", "csv"},
			"stage,users,share\nnew,2,40.0%\nactive,0,0.0%\nreturning,0,0.0%\ndormant,1,20.0%\nchurned,2,40.0%\n",
			"stage,users,share\nnew,1,20.0%\nactive,0,0.0%\nreturning,0,0.0%\ndormant,1,20.0%\nchurned,3,60.0%\n"},
		{[]string{"segment", "stages", "--window", "1d", "--stage", "dormant", "--format", "csv"}, "user,stage\nbuyer,dormant\n", "user,stage\nlate,dormant\n"},
		// RFM recency: buyer's last purchase is 03-30 (UTC) / 03-30 23:00
		// (Shanghai), late's 03-31 / 03-31 18:00; the last day 03-31 / 04-01.
		// The ranks, and so the scores, do not change.
		{[]string{"segment", "rfm", "--revenue", "revenue", "--users", "--format", "csv"},
			"user,tier,r,f,m,recency_days,frequency,monetary\nbuyer,lost,1,3,1,1,2,20\nlate,hibernating,3,1,1,0,1,20\n",
			"user,tier,r,f,m,recency_days,frequency,monetary\nbuyer,lost,1,3,1,2,2,20\nlate,hibernating,3,1,1,1,1,20\n"},
	})
}

func TestAnalysisSegmentTZ(t *testing.T) {
	db := tzDB(t)
	if code, _, errs := exRun(t, "segment", "create", "streakers", "streak view_item >= 3 days", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	// The analysis's --tz is the segment's: utc3's 3 views in UTC, sh3's 4
	// in Shanghai (whose April holds z's page view). Breakdown series come
	// largest first.
	checkTZCases(t, db, []tzCase{
		{[]string{"trends", "--events", "view_item", "--segment", "streakers", "--interval", "month", "--format", "csv"},
			"month,view_item\n2026-03-01,3\n", "month,view_item\n2026-03-01,4\n2026-04-01,0\n"},
		{[]string{"trends", "--events", "view_item", "--by", "segment:streakers", "--interval", "month", "--format", "csv"},
			"month,view_item · not streakers,view_item · streakers\n2026-03-01,4,3\n",
			"month,view_item · streakers,view_item · not streakers\n2026-03-01,4,3\n2026-04-01,0,0\n"},
	})
}

func TestAudienceAndChurnTZ(t *testing.T) {
	db := tzDB(t)
	if code, _, errs := exRun(t, "audience", "create", "streak3", "streak view_item >= 3 days", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	checkTZCases(t, db, []tzCase{
		{[]string{"audience", "users", "streak3", "--format", "jsonl"},
			`{"user":"utc3","evidence":[{"term":"streak view_item >= 3 days","detail":"3 consecutive days, 2026-03-01 to 2026-03-03","events":[{"event":"view_item","time":"2026-03-01T23:00:00Z"},{"event":"view_item","time":"2026-03-03T10:00:00Z"}]}]}` + "\n",
			`{"user":"sh3","evidence":[{"term":"streak view_item >= 3 days","detail":"3 consecutive days, 2026-03-01 to 2026-03-03","events":[{"event":"view_item","time":"2026-03-01T23:30:00+08:00"},{"event":"view_item","time":"2026-03-03T00:30:00+08:00"}]}]}` + "\n"},
		{[]string{"audience", "preview", "did purchase in 2d", "--format", "csv"},
			"user,evidence\nbuyer,did purchase in 2d: 1 time (purchase 2026-03-30T15:00:00Z)\nlate,did purchase in 2d: 1 time (purchase 2026-03-31T10:00:00Z)\n",
			"user,evidence\nlate,did purchase in 2d: 1 time (purchase 2026-03-31T18:00:00+08:00)\n"},
		{[]string{"audience", "show", "streak3", "--format", "csv"},
			"key,value\nname,streak3\nexpression,streak view_item >= 3 days\nusers,1\nof,5\nshare,20.0%\n",
			"key,value\nname,streak3\nexpression,streak view_item >= 3 days\nusers,1\nof,5\nshare,20.0%\n"},
		// sh3 and utc3 stopped weeks ago (activity fell 100%). sh3's last
		// view is 03-02 16:30 UTC = 03-03 00:30 Shanghai: 29 days before
		// 03-31 or 04-01; utc3's 03-03 10:00 is 28 days before 03-31 in UTC
		// and, at 18:00 on 03-03 in Shanghai, 29 before 04-01. Active days:
		// sh3 03-01, 03-02 (UTC) or 03-01..03-03; utc3 03-01..03-03 or
		// 03-02, 03-03. Gaps are all 1 day; the expected gap is 4 days
		// with three active days ((2 + 14) / 4), 5 with two ((1 + 14) / 3):
		// x = (28 - 4) / 4 + 1 = 7 (0.875), (29 - 4) / 4 + 1 = 7.25 (0.879),
		// (29 - 5) / 5 + 1 = 5.8 (0.853). The zone decides who ranks first.
		{[]string{"churn", "--window", "7d", "--baseline", "28d", "--key-event", "view_item", "--min-score", "0", "--format", "csv"},
			"user,score,days_since,activity_ratio,usual_gap_days,active_days,last_key_event,signals\n" +
				"utc3,0.875,28,0.00,1,3,view_item 2026-03-03T10:00:00Z,\"silent 28d, expected gap 4d: 6 gaps overdue; activity fell 100%\"\n" +
				"sh3,0.853,29,0.00,1,2,view_item 2026-03-02T16:30:00Z,\"silent 29d, expected gap 5d: 4.8 gaps overdue; activity fell 100%\"\n",
			"user,score,days_since,activity_ratio,usual_gap_days,active_days,last_key_event,signals\n" +
				"sh3,0.879,29,0.00,1,3,view_item 2026-03-03T00:30:00+08:00,\"silent 29d, expected gap 4d: 6.3 gaps overdue; activity fell 100%\"\n" +
				"utc3,0.853,29,0.00,1,2,view_item 2026-03-03T18:00:00+08:00,\"silent 29d, expected gap 5d: 4.8 gaps overdue; activity fell 100%\"\n"},
	})

	// create --tz prints the size in that zone, but records the size in
	// the database's zone, which audience list compares after imports:
	// Shanghai has sh3 only; UTC has utc3, and late's purchase on 03-31.
	const rule = "streak view_item >= 3 days or did purchase in 1d"
	code, _, errs := exRun(t, "audience", "create", "mixed", rule, "--tz", "Asia/Shanghai", "--db", db)
	if code != 0 || !strings.Contains(errs, "saved audience mixed: 1 of 5 users") ||
		!strings.Contains(errs, "2 users in the database's timezone UTC, the size audience list tracks") {
		t.Errorf("create --tz: exit %d %q", code, errs)
	}
	code, out, _ := exRun(t, "audience", "list", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "mixed,"+rule+",2,-,-,") {
		t.Errorf("list after create --tz: %q", out)
	}
	// The same zone as the database's: one size, no second line.
	code, _, errs = exRun(t, "audience", "create", "mixed2", rule, "--tz", "UTC", "--db", db)
	if code != 0 || !strings.Contains(errs, "saved audience mixed2: 2 of 5 users") || strings.Contains(errs, "database's timezone") {
		t.Errorf("create --tz UTC: exit %d %q", code, errs)
	}
	// list --tz shows the stored UTC times in the zone: the same instants.
	for _, noun := range []string{"audience", "segment"} {
		if noun == "segment" {
			exRun(t, "segment", "create", "s", "did purchase", "--db", db)
		}
		_, utc, _ := exRun(t, noun, "list", "--db", db, "--format", "json")
		code, sh, errs := exRun(t, noun, "list", "--db", db, "--format", "json", "--tz", "Asia/Shanghai")
		var a, b []segment.Saved
		if code != 0 || json.Unmarshal([]byte(utc), &a) != nil || json.Unmarshal([]byte(sh), &b) != nil || len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s list --tz: exit %d %s\n%s\n%s", noun, code, errs, utc, sh)
		}
		for i := range a {
			pairs := [][2]string{{a[i].CreatedAt, b[i].CreatedAt}}
			if noun == "audience" { // segments have no evaluated_at
				pairs = append(pairs, [2]string{a[i].EvaluatedAt, b[i].EvaluatedAt})
			}
			for _, pair := range pairs {
				u, err1 := time.Parse(time.RFC3339, pair[0])
				s, err2 := time.Parse(time.RFC3339, pair[1])
				if err1 != nil || err2 != nil || !u.Equal(s) || !strings.HasSuffix(pair[0], "Z") || !strings.HasSuffix(pair[1], "+08:00") {
					t.Errorf("%s list: %q in UTC, %q in Shanghai", noun, pair[0], pair[1])
				}
			}
		}
	}
}

func TestBadTZOnSegmentCommands(t *testing.T) {
	db := tzDB(t)
	if code, _, errs := exRun(t, "segment", "create", "s", "did purchase", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	if code, _, errs := exRun(t, "audience", "create", "a", "did purchase", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	for _, args := range [][]string{
		{"segment", "create", "s2", "did purchase"}, {"segment", "show", "s"}, {"segment", "users", "s"},
		{"segment", "preview", "did purchase"}, {"segment", "rfm", "--revenue", "revenue"}, {"segment", "stages"},
		{"audience", "create", "a2", "did purchase"}, {"audience", "show", "a"}, {"audience", "users", "a"},
		{"audience", "preview", "did purchase"}, {"churn"}, {"segment", "list"}, {"audience", "list"},
	} {
		code, out, errs := exRun(t, append(args, "--db", db, "--tz", "Mars/Olympus")...)
		if code != 2 || out != "" || !strings.Contains(errs, `unknown timezone "Mars/Olympus" (use an IANA name`) {
			t.Errorf("%v --tz Mars/Olympus: exit %d %q %q", args, code, out, errs)
		}
	}
	// Nothing was saved by the refused creates.
	if _, out, _ := exRun(t, "segment", "list", "--db", db, "--format", "csv"); strings.Contains(out, "s2,") {
		t.Errorf("segment saved despite a bad --tz: %q", out)
	}
}

// A database whose display timezone is Asia/Shanghai (from import --tz):
// commands answer in Shanghai days unless --tz UTC overrides, and the
// audience sizes kept after imports stay Shanghai's whatever --tz says.
func TestTZOverridesDatabaseZone(t *testing.T) {
	needTZ(t)
	dir := t.TempDir()
	csvPath, more := filepath.Join(dir, "tz.csv"), filepath.Join(dir, "more.csv")
	os.WriteFile(csvPath, []byte(tzCSV), 0o644)
	// y is a new user before the data's last event: no window moves.
	os.WriteFile(more, []byte("user_id,event,time\ny,page_view,2026-03-31T19:00:00Z\n"), 0o644)
	db := filepath.Join(dir, "sh.db")
	if code, _, errs := exRun(t, "import", "--quiet", "--tz", "Asia/Shanghai", "--db", db, csvPath); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	if code, _, errs := exRun(t, "segment", "create", "streakers", "streak view_item >= 3 days", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"segment", "preview", "streak view_item >= 3 days", "--users", "--format", "csv"}, "user\nsh3\n"},
		{[]string{"segment", "preview", "streak view_item >= 3 days", "--users", "--format", "csv", "--tz", "UTC"}, "user\nutc3\n"},
		{[]string{"trends", "--events", "view_item", "--segment", "streakers", "--interval", "month", "--format", "csv"}, "month,view_item\n2026-03-01,4\n2026-04-01,0\n"},
		{[]string{"trends", "--events", "view_item", "--segment", "streakers", "--interval", "month", "--format", "csv", "--tz", "UTC"}, "month,view_item\n2026-03-01,3\n"},
	} {
		if code, out, errs := exRun(t, append(c.args, "--db", db)...); code != 0 || out != c.want {
			t.Errorf("%v: exit %d %s\n got %q\nwant %q", c.args, code, errs, out, c.want)
		}
	}
	const rule = "streak view_item >= 3 days or did purchase in 1d"
	code, _, errs := exRun(t, "audience", "create", "mixed", rule, "--tz", "UTC", "--db", db)
	if code != 0 || !strings.Contains(errs, "saved audience mixed: 2 of 5 users") ||
		!strings.Contains(errs, "1 users in the database's timezone Asia/Shanghai") {
		t.Errorf("create --tz UTC: exit %d %q", code, errs)
	}
	// The import's --tz reads naive times; the refresh after it still
	// counts in the database's zone: 1 now, 1 before.
	if code, _, errs := exRun(t, "import", "--quiet", "--tz", "UTC", "--db", db, more); code != 0 {
		t.Fatalf("second import: %s", errs)
	}
	if code, out, _ := exRun(t, "audience", "list", "--db", db, "--format", "csv"); code != 0 || !strings.Contains(out, "mixed,"+rule+",1,1,+0,") {
		t.Errorf("list after import: %q", out)
	}
}

// A spec file's "tz" reaches its segment as --tz does (query.Resolve puts
// the zone in the context the segment hooks see).
func TestSpecSegmentTZ(t *testing.T) {
	db := tzDB(t)
	if code, _, errs := exRun(t, "segment", "create", "streakers", "streak view_item >= 3 days", "--db", db); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	for tz, want := range map[string]string{
		"UTC":           "month,view_item\n2026-03-01,3\n",
		"Asia/Shanghai": "month,view_item\n2026-03-01,4\n2026-04-01,0\n",
	} {
		spec := filepath.Join(t.TempDir(), "s.json")
		body := `{"analysis": "trends", "events": ["view_item"], "interval": "month", "segment": "streakers", "tz": "` + tz + `"}`
		if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := exRun(t, "run", spec, "--db", db, "--format", "csv"); code != 0 || out != want {
			t.Errorf("spoor run with tz %s: exit %d %s\n got %q\nwant %q", tz, code, errs, out, want)
		}
	}
}
