package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/store"
)

// detectorFixtureDB: six weeks of checkouts with a weekly rhythm, five
// times the usual on 2026-06-03 and a quarter of it on 2026-06-10; the data
// ends before noon on 2026-06-14, so that day is partly covered (and low).
func detectorFixtureDB(t *testing.T) string {
	t.Helper()
	var evs []store.Event
	start := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 42; d++ {
		n := []int{20, 18, 18, 19, 22, 30, 28}[d%7] + (d*7)%3
		switch d {
		case 30:
			n *= 5
		case 37:
			n /= 4
		case 41:
			n /= 3 // what a partial day looks like: not judged
		}
		for k := range n {
			at := start.AddDate(0, 0, d).Add(time.Duration(k) * 40 * time.Second) // the last before 01:00
			if d == 41 {
				at = at.Add(11 * time.Hour) // the data ends before noon on the last day
			} else if k == n-1 {
				at = start.AddDate(0, 0, d).Add(24*time.Hour - time.Minute) // every other day is covered whole
			}
			evs = append(evs, store.Event{User: fmt.Sprintf("u%d", k), Name: "checkout", Time: at.UnixMilli()})
		}
	}
	return fixtureDB(t, fixture{db: "detector.db", file: "fixture", events: evs})
}

// One detector: on the same series, spoor forecast's anomalies, spoor
// trends --alerts and spoor alerts flag the same days — the planted spike
// and drop, not the partly covered last day — and, over a range too short
// to forecast, the same fallback days. (The workbench's markers, with the
// forecast shown or hidden, are held to the same days by the tui's
// TestOneDetectorInTheWorkbench.)
func TestOneDetectorEverywhere(t *testing.T) {
	db := detectorFixtureDB(t)
	for _, c := range []struct {
		metric   []string
		detector string
		want     []string
	}{
		{[]string{"--events", "checkout"}, forecast.DetectorForecast, []string{"2026-06-03", "2026-06-10"}},
		// 13 days, too short to forecast: the trailing fallback judges from
		// the 8th day on (05-31). It knows no weekly season, so it flags
		// Sunday 05-31 too: 28 against the median 20 of the 7 days before
		// (MAD 1, robust z 5.4).
		{[]string{"--events", "checkout", "--from", "2026-05-24", "--to", "2026-06-05"}, forecast.DetectorTrailing, []string{"2026-05-31", "2026-06-03"}},
	} {
		// spoor forecast
		code, out, errOut := callSpoor(t, append([]string{"forecast", "--db", db, "--format", "json"}, c.metric...)...)
		var fc forecast.Result
		if err := json.Unmarshal([]byte(out), &fc); err != nil && code == 0 {
			t.Fatal(err)
		}
		var fromForecast []string
		if c.detector == forecast.DetectorForecast {
			if code != 0 {
				t.Fatalf("forecast: exit %d %s", code, errOut)
			}
			for _, a := range fc.Series[0].Anomalies {
				fromForecast = append(fromForecast, a.T)
				if a.Detector != c.detector {
					t.Errorf("forecast anomaly %+v: detector %q, want %q", a, a.Detector, c.detector)
				}
			}
		} else if code != 1 || !strings.Contains(errOut, "a forecast needs at least 14") {
			t.Fatalf("a 14-day range was forecast: exit %d %s", code, errOut)
		}
		// spoor trends --alerts
		code, out, errOut = callSpoor(t, append([]string{"trends", "--db", db, "--format", "json", "--alerts"}, c.metric...)...)
		var ta struct {
			Anomalies []alert.Point `json:"anomalies"`
		}
		if err := json.Unmarshal([]byte(out), &ta); code != 0 || err != nil {
			t.Fatalf("trends --alerts: exit %d %v %s", code, err, errOut)
		}
		var fromTrends []string
		for _, p := range ta.Anomalies {
			fromTrends = append(fromTrends, p.T)
			if p.Detector != c.detector {
				t.Errorf("trends --alerts %+v: detector %q, want %q", p, p.Detector, c.detector)
			}
		}
		// spoor alerts, every point checked
		name := fmt.Sprintf("a%d", len(c.metric))
		if code, _, errOut := callSpoor(t, "alerts", "add", name, "--metric", strings.Join(c.metric, " "), "--points", "1000", "--db", db); code != 0 {
			t.Fatalf("alerts add: exit %d %s", code, errOut)
		}
		code, out, errOut = callSpoor(t, "alerts", name, "--db", db, "--format", "json")
		var res alert.Outcomes
		if err := json.Unmarshal([]byte(out), &res); err != nil || (code != 0 && code != AlertFired) {
			t.Fatalf("alerts: exit %d %v %s", code, err, errOut)
		}
		var fromAlerts []string
		for _, p := range res.Alerts[0].Points {
			fromAlerts = append(fromAlerts, p.T)
		}
		if !slices.Equal(fromTrends, c.want) {
			t.Errorf("%v: trends --alerts flags %v, want %v", c.metric, fromTrends, c.want)
		}
		if !slices.Equal(fromAlerts, fromTrends) || (c.detector == forecast.DetectorForecast && !slices.Equal(fromForecast, fromTrends)) {
			t.Errorf("%v: forecast %v, trends --alerts %v, alerts %v", c.metric, fromForecast, fromTrends, fromAlerts)
		}
	}
}
