package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// alertsFixtureDB holds 30 days of 2026-03: 10 or 11 "view" events a day
// (quiet), the last at 23:59 so every day is covered whole, and "buy"
// events 5 or 6 a day except 40 on the last day (a spike).
func alertsFixtureDB(t *testing.T) string {
	t.Helper()
	var evs []store.Event
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for day := range 30 {
		buys := 5 + day%2
		if day == 29 {
			buys = 40
		}
		for k := range 10 + day%2 {
			e := store.Event{User: fmt.Sprintf("u%d", k), Name: "view", Time: start.AddDate(0, 0, day).Add(24*time.Hour - time.Duration(k+1)*time.Minute).UnixMilli()}
			evs = append(evs, e)
		}
		for k := range buys {
			e := store.Event{User: fmt.Sprintf("u%d", k), Name: "buy", Time: start.AddDate(0, 0, day).Add(time.Hour + time.Duration(k)*time.Minute).UnixMilli()}
			evs = append(evs, e)
		}
	}
	return fixtureDB(t, fixture{db: "alerts.db", file: "fixture", events: evs})
}

func callSpoor(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), nil, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAlertsCommand(t *testing.T) {
	db := alertsFixtureDB(t)
	if code, _, errOut := callSpoor(t, "alerts", "--db", db); code != 0 || !strings.Contains(errOut, "no alerts saved") {
		t.Fatalf("no alerts: exit %d, %q", code, errOut)
	}
	if code, _, errOut := callSpoor(t, "alerts", "add", "buys", "--metric", "--events buy --interval day", "--db", db); code != 0 {
		t.Fatalf("add: exit %d, %s", code, errOut)
	}
	if code, _, errOut := callSpoor(t, "alerts", "add", "views", "--metric", "--events 'view'", "--threshold", "4", "--db", db); code != 0 {
		t.Fatalf("add views: exit %d, %s", code, errOut)
	}
	// A metric that does not run is refused with the trends error.
	if code, _, errOut := callSpoor(t, "alerts", "add", "typo", "--metric", "--events biy", "--db", db); code != 2 || !strings.Contains(errOut, "buy") {
		t.Fatalf("bad metric: exit %d, %q", code, errOut)
	}
	if code, _, errOut := callSpoor(t, "alerts", "add", "own-db", "--metric", "--events buy --db x.db", "--db", db); code != 2 || !strings.Contains(errOut, "leave --db out") {
		t.Fatalf("metric with --db: exit %d, %q", code, errOut)
	}
	if code, _, errOut := callSpoor(t, "alerts", "add", "buys", "--metric", "--events view", "--db", db); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("duplicate: exit %d, %q", code, errOut)
	}
	code, out, _ := callSpoor(t, "alerts", "list", "--db", db, "--format", "json")
	var defs []alert.Definition
	if err := json.Unmarshal([]byte(out), &defs); code != 0 || err != nil || len(defs) != 2 || defs[0].Name != "buys" || defs[1].Threshold != 4 || defs[0].Window != 14 {
		t.Fatalf("list: exit %d, %v, %s", code, err, out)
	}
	// The buy spike on the last day fires: 40, where the forecast detector
	// expected 5 or 6 within a narrow band.
	code, out, errOut := callSpoor(t, "alerts", "--db", db, "--format", "json")
	if code != AlertFired || !strings.Contains(errOut, "1 of 2 alerts fired") {
		t.Fatalf("run: exit %d, %q", code, errOut)
	}
	var res alert.Outcomes
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	buys, views := res.Alerts[0], res.Alerts[1]
	if p := buys.Points; !buys.Fired || len(p) != 1 || p[0].T != "2026-03-30" || p[0].Value != 40 || p[0].Expected < 5 || p[0].Expected > 6 ||
		p[0].Hi >= 40 || p[0].Score < 3.5 || p[0].Detector != forecast.DetectorForecast {
		t.Fatalf("buys: %+v", buys)
	}
	if views.Fired || len(views.Latest) != 1 || views.Latest[0].Value != 11 {
		t.Fatalf("views: %+v", views)
	}
	// Named alerts only; the quiet one exits 0.
	if code, out, _ := callSpoor(t, "alerts", "run", "views", "--db", db, "--format", "csv"); code != 0 || !strings.Contains(out, "views,ok,view,2026-03-30,11") {
		t.Fatalf("run views: exit %d\n%s", code, out)
	}
	if code, _, errOut := callSpoor(t, "alerts", "run", "vews", "--db", db); code != 2 || !strings.Contains(errOut, "views") {
		t.Fatalf("unknown name: exit %d, %q", code, errOut)
	}
	if code, out, _ := callSpoor(t, "alerts", "buys", "--db", db, "--format", "table"); code != AlertFired || !strings.Contains(out, "FIRED spike") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	if code, _, _ := callSpoor(t, "alerts", "remove", "buys", "--db", db); code != 0 {
		t.Fatalf("remove: exit %d", code)
	}
	if code, _, errOut := callSpoor(t, "alerts", "remove", "buys", "--db", db); code != 2 || !strings.Contains(errOut, "no such alert") {
		t.Fatalf("remove again: exit %d, %q", code, errOut)
	}
	if code, _, _ := callSpoor(t, "alerts", "--db", db); code != 0 {
		t.Fatalf("after remove: exit %d", code)
	}
}

func TestAlertsMetricError(t *testing.T) {
	db := alertsFixtureDB(t)
	// A definition whose metric broke after saving (here written directly)
	// is reported, and the run exits 1.
	sdb, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := alert.Save(context.Background(), sdb, alert.Definition{Name: "gone", Metric: "--events refund"}, false); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	code, out, errOut := callSpoor(t, "alerts", "--db", db, "--format", "csv")
	if code != 1 || !strings.Contains(out, "gone,error") || !strings.Contains(errOut, "could not be computed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestTrendAlertFlags(t *testing.T) {
	r := &query.TrendsResult{Measure: "total", Interval: "day", Series: []query.TrendSeries{{Label: "buy", Event: "buy"}}}
	for i := range 20 {
		v := 5.0 + float64(i%2)
		if i == 19 {
			v = 40
		}
		r.Series[0].Points = append(r.Series[0].Points, query.TrendPoint{T: fmt.Sprintf("2026-03-%02d", i+1), Value: query.Num(v)})
	}
	fs := flag.NewFlagSet("trends", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := trendAlertFlags(fs)
	q := query.TrendsQuery{Interval: "day"}
	mark := func(r *query.TrendsResult) any {
		// No local dataset: every interval is judged.
		out, err := flags(context.Background(), nil, q, r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if mark(r) != any(r) {
		t.Fatal("without --alerts the result must be unchanged")
	}
	if err := fs.Parse([]string{"--alerts", "--alert-window", "7"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := output.Write(&buf, "json", mark(r)); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Series    []query.TrendSeries `json:"series"`
		Window    int                 `json:"alert_window"`
		Anomalies []alert.Point       `json:"anomalies"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Series) != 1 || got.Window != 7 || len(got.Anomalies) != 1 || got.Anomalies[0].T != "2026-03-20" || got.Anomalies[0].Direction != "spike" {
		t.Fatalf("%s", buf.String())
	}
	buf.Reset()
	if err := output.Write(&buf, "table", mark(r)); err != nil || !strings.Contains(buf.String(), "anomalies (beyond 3.5 robust standard deviations of the one-step forecast; for a series too short to forecast, of the trailing 7 points' median)") {
		t.Fatalf("%v\n%s", err, buf.String())
	}
}

func TestSplitWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`--events buy`, []string{"--events", "buy"}},
		{`--where 'country = CN' --events "a b"`, []string{"--where", "country = CN", "--events", "a b"}},
		{`  --x  a\ b  ""`, []string{"--x", "a b", ""}},
		{`--where "name = \"x\""`, []string{"--where", `name = "x"`}},
		{`--events 搜索`, []string{"--events", "搜索"}},
	} {
		got, err := splitWords(c.in)
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := splitWords(`--where 'x`); err == nil {
		t.Error("unclosed quote accepted")
	}
}

// TestTrendsAlertsFlag runs spoor trends --alerts end to end.
func TestTrendsAlertsFlag(t *testing.T) {
	db := alertsFixtureDB(t)
	code, out, errOut := callSpoor(t, "trends", "--db", db, "--alerts", "--format", "json")
	if code != 0 || !strings.Contains(out, `"anomalies"`) || !strings.Contains(out, `"series"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = callSpoor(t, "trends", "--db", db, "--format", "json")
	if code != 0 || strings.Contains(out, `"anomalies"`) {
		t.Fatalf("without --alerts: exit %d\n%s", code, out)
	}
}
