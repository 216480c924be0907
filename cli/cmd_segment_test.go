package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/store"
)

// segCSV is a hand-made shop: the last event is z's, 2026-03-31 12:00 UTC.
const segCSV = `user_id,event,time,revenue,country,product_id
a,purchase,2026-03-10T09:00:00Z,10,CN,
a,purchase,2026-03-20T09:00:00Z,5,,
b,purchase,2026-03-20T10:00:00Z,30,US,
b,refund,2026-03-21T10:00:00Z,,,
b,purchase,2026-03-22T10:00:00Z,30,,
c,add_to_cart,2026-03-30T10:00:00Z,,,
d,add_to_cart,2026-03-29T10:00:00Z,,,
d,begin_checkout,2026-03-29T11:00:00Z,,,
e,view_item,2026-03-25T23:30:00Z,,,P1
e,view_item,2026-03-26T00:30:00Z,,,P1
e,view_item,2026-03-27T08:00:00Z,,,P1
z,page_view,2026-03-31T12:00:00Z,,US,
`

func segDB(t *testing.T) (string, string) {
	t.Helper()
	db := fixtureDB(t, fixture{db: "shop.db", file: "shop.csv", content: segCSV})
	return db, filepath.Dir(db)
}

func TestSegmentCommands(t *testing.T) {
	db, _ := segDB(t)
	code, _, errs := exRun(t, "segment", "create", "buyers", "did purchase >= 2 in 30d and not did refund", "--db", db)
	if code != 0 || !strings.Contains(errs, "saved segment buyers: 1 of 6 users") {
		t.Fatalf("create: exit %d %q", code, errs)
	}
	code, out, _ := exRun(t, "segment", "users", "buyers", "--db", db, "--format", "json")
	var users []map[string]any
	if err := json.Unmarshal([]byte(out), &users); code != 0 || err != nil || len(users) != 1 || users[0]["user"] != "a" {
		t.Errorf("users json: exit %d %v %q", code, err, out)
	}
	// a's second purchase is on 03-20: the size history steps there.
	code, out, errs = exRun(t, "segment", "show", "buyers", "--trend", "13d", "--db", db, "--format", "json")
	var shown Size
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || len(shown.Trend) != 13 ||
		shown.Trend[0].Day != "2026-03-19" || shown.Trend[0].Users != 0 || shown.Trend[1].Users != 1 || shown.Trend[12].Total != 6 {
		t.Errorf("show --trend: exit %d %v %s %s", code, err, out, errs)
	}
	code, out, _ = exRun(t, "segment", "list", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "buyers,did purchase >= 2 in 30d and not did refund,") {
		t.Errorf("list: %q", out)
	}
	code, out, _ = exRun(t, "segment", "preview", "country = CN or country = US", "--db", db, "--format", "json")
	var size Size
	if err := json.Unmarshal([]byte(out), &size); code != 0 || err != nil || size.Users != 3 || size.Total != 6 {
		t.Errorf("preview: %q", out)
	}
	// --segment in another analysis: only a's purchases remain.
	code, out, errs = exRun(t, "trends", "--events", "purchase", "--segment", "buyers", "--db", db, "--format", "json", "--interval", "month")
	if code != 0 || !strings.Contains(out, `"value": 2`) {
		t.Errorf("trends --segment: exit %d %s %s", code, out, errs)
	}
	// --by segment:NAME: a's 2 purchases are "buyers", b's 2 "not buyers".
	code, out, errs = exRun(t, "trends", "--events", "purchase", "--by", "segment:buyers", "--db", db, "--format", "csv", "--interval", "month")
	if code != 0 || !strings.Contains(out, "2026-03-01,2,2") || !strings.Contains(out, "buyers") {
		t.Errorf("trends --by segment: exit %d %s %s", code, out, errs)
	}
	code, _, errs = exRun(t, "segment", "preview", "did purchase >= x", "--db", db)
	if code != 2 || !strings.Contains(errs, "segment: column 17: expected a number after >=") {
		t.Errorf("parse error: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "segment", "preview", "did purchse", "--db", db)
	if code != 0 || !strings.Contains(errs, `warning: unknown event "purchse"; closest known: purchase`) {
		t.Errorf("unknown event warning: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "segment", "preview", "contry = CN", "--db", db)
	if code != 0 || !strings.Contains(errs, `warning: no event has a property "contry"`) {
		t.Errorf("unset property warning: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "segment", "show", "buyer", "--db", db)
	if code != 1 || !strings.Contains(errs, `no segment "buyer" (closest: buyers)`) {
		t.Errorf("unknown segment: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "segment", "create", "buyers", "did purchase", "--db", db)
	if code != 1 || !strings.Contains(errs, "--replace") {
		t.Errorf("duplicate: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "segment", "frobnicate")
	if code != 2 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("bad subcommand: exit %d %q", code, errs)
	}
	if code, _, errs = exRun(t, "segment", "delete", "buyers", "--db", db); code != 0 {
		t.Errorf("delete: %s", errs)
	}
}

func TestSegmentBuiltins(t *testing.T) {
	db, _ := segDB(t)
	code, out, errs := exRun(t, "segment", "rfm", "--revenue", "revenue", "--users", "--db", db, "--format", "csv")
	// a: 11 days, 2 purchases, 15; b: 9 days, 2, 60. With two customers the
	// better one has 1 of 2 worse: score 1 + 5/2 = 3; tied F scores 1.
	// b: R 3, FM round((1+3)/2) = 2: hibernating.
	want := "user,tier,r,f,m,recency_days,frequency,monetary\na,lost,1,1,1,11,2,15\nb,hibernating,3,1,3,9,2,60\n"
	if code != 0 || out != want {
		t.Errorf("rfm: exit %d %s\n%q\nwant %q", code, errs, out, want)
	}
	code, _, errs = exRun(t, "segment", "rfm", "--db", db)
	if code != 2 || !strings.Contains(errs, "needs --revenue") {
		t.Errorf("rfm without revenue: exit %d %q", code, errs)
	}
	code, out, _ = exRun(t, "segment", "stages", "--window", "7d", "--db", db, "--format", "csv")
	// Window 7d: recent is 03-25..03-31, the window before 03-18..03-24.
	if code != 0 || !strings.Contains(out, "new,4,66.7%") || !strings.Contains(out, "dormant,2,33.3%") {
		t.Errorf("stages: %q", out)
	}
	code, out, _ = exRun(t, "segment", "stages", "--window", "7d", "--stage", "dormant", "--db", db, "--format", "csv")
	if code != 0 || out != "user,stage\na,dormant\nb,dormant\n" {
		t.Errorf("dormant users: %q", out)
	}
	// Both stopped; window 7d, so the window is 03-25..03-31. b: daily
	// 03-20..03-22, 2 gaps of 1, expected gap (2 + 2 × 7) / 4 = 4, silent 9
	// days: x = 5/4 + 1 = 2.25, score 0.692. a: 03-10 and 03-20, expected
	// gap (10 + 14) / 3 = 8, silent 11: x = 3/8 + 7/8 = 1.25, score 0.556.
	// The default --min-score 0.8 lists neither; 0.6 lists b.
	code, out, errs = exRun(t, "churn", "--window", "7d", "--min-score", "0", "--db", db, "--format", "csv")
	want = "user,score,days_since,activity_ratio,usual_gap_days,active_days,last_key_event,signals\n" +
		"b,0.692,9,0.00,1,3,purchase 2026-03-22T10:00:00Z,\"silent 9d, expected gap 4d: 1.3 gaps overdue; activity fell 100%\"\n" +
		"a,0.556,11,0.00,10,2,purchase 2026-03-20T09:00:00Z,\"silent 11d, expected gap 8d: 0.4 gaps overdue; activity fell 100%, counted 88% (window shorter than the expected gap)\"\n"
	if code != 0 || out != want {
		t.Errorf("churn: exit %d %s\n%s\nwant\n%s", code, errs, out, want)
	}
	code, out, errs = exRun(t, "churn", "--window", "7d", "--db", db, "--format", "table")
	if want := "Churn risk over the last 7 days against a 28-day baseline: 0 of 2 users score at least 0.80\n" +
		"user  score  days_since  activity_ratio  usual_gap_days  active_days  last_key_event  signals\n"; code != 0 || out != want {
		t.Errorf("churn default threshold: exit %d %s\n%s\nwant\n%s", code, errs, out, want)
	}
	code, out, errs = exRun(t, "churn", "--window", "7d", "--min-score", "0.6", "--key-event", "refund", "--db", db, "--format", "csv")
	if want := "user,score,days_since,activity_ratio,usual_gap_days,active_days,last_key_event,signals\n" +
		"b,0.692,9,0.00,1,3,refund 2026-03-21T10:00:00Z,\"silent 9d, expected gap 4d: 1.3 gaps overdue; activity fell 100%\"\n"; code != 0 || out != want {
		t.Errorf("churn --min-score 0.6: exit %d %s\n%s\nwant\n%s", code, errs, out, want)
	}
	code, _, errs = exRun(t, "churn", "--min-score", "1.5", "--db", db)
	if code != 2 || !strings.Contains(errs, "from 0 to 1") {
		t.Errorf("churn bad min-score: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "churn", "--window", "36h", "--db", db)
	if code != 2 || !strings.Contains(errs, "whole days") {
		t.Errorf("churn bad window: exit %d %q", code, errs)
	}
}

func TestAudienceCommands(t *testing.T) {
	db, dir := segDB(t)
	for name, rule := range map[string]string{
		"abandoned": "did add_to_cart then not begin_checkout within 24h",
		"streak":    "streak view_item by product_id >= 3 days without purchase",
	} {
		if code, _, errs := exRun(t, "audience", "create", name, rule, "--db", db); code != 0 {
			t.Fatalf("create %s: %s", name, errs)
		}
	}
	code, out, _ := exRun(t, "audience", "users", "abandoned", "--db", db, "--format", "jsonl")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("jsonl: %q", out)
	}
	var m AudienceMatch
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.User != "c" || len(m.Evidence) != 1 ||
		m.Evidence[0].Events[0].Time != "2026-03-30T10:00:00Z" || m.Evidence[0].Detail != "no begin_checkout within 24h after it" {
		t.Errorf("abandoned evidence %+v %v", m, err)
	}
	code, out, _ = exRun(t, "audience", "users", "streak", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "e,\"streak view_item by product_id >= 3 days without purchase: product_id P1: 3 consecutive days, 2026-03-25 to 2026-03-27") {
		t.Errorf("streak csv: %q", out)
	}

	// A second import adds a checkout for c and carts for f and g: the rule
	// is re-evaluated and the list shows now 2 (f, g), before 1 (c).
	more := filepath.Join(dir, "more.csv")
	os.WriteFile(more, []byte("user_id,event,time\nc,begin_checkout,2026-03-30T12:00:00Z\nf,add_to_cart,2026-03-31T13:00:00Z\ng,add_to_cart,2026-03-31T14:00:00Z\n"), 0o644)
	if code, _, errs := exRun(t, "import", "--quiet", "--db", db, more); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	code, out, _ = exRun(t, "audience", "list", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, "abandoned,did add_to_cart then not begin_checkout within 24h,2,1,+1,") {
		t.Errorf("list after import: %q", out)
	}
	code, _, errs := exRun(t, "audience", "users", "nope", "--db", db)
	if code != 1 || !strings.Contains(errs, `no audience "nope"`) {
		t.Errorf("unknown audience: exit %d %q", code, errs)
	}
}

func TestSegmentsOnEmptyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{
		{"segment", "create", "x", "did purchase"},
		{"segment", "show", "x", "--trend", "7d", "--format", "json"},
		{"segment", "users", "x", "--format", "json"},
		{"segment", "stages", "--format", "csv"},
		{"churn", "--format", "json"},
		{"audience", "create", "y", "active in 30d and silent for 14d"},
		{"audience", "users", "y", "--format", "jsonl"},
		{"audience", "refresh"},
	} {
		if code, _, errs := exRun(t, append(args, "--db", path)...); code != 0 {
			t.Errorf("%v: exit %d %s", args, code, errs)
		}
	}
	code, out, _ := exRun(t, "segment", "users", "x", "--db", path, "--format", "json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("users on no data: %q", out)
	}
}
