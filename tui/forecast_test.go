package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/alert"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/query"
)

// F on the trends chart shows the forecast without running a query; the
// marked anomalies are exactly the past points outside the drawn band (one
// detector); w on one opens spoor why's ranking for its day; F hides it.
func TestForecastToggleAndWhy(t *testing.T) {
	h := newHarness(t, 110, 50)
	h.keys("1", "l")
	seq := h.m.seq
	h.keys("F")
	h.contains("forecast 14 ahead (F hides)", "backtest MASE", "dotted: forecast")
	if h.m.seq != seq {
		t.Fatal("showing the forecast ran a query")
	}
	r := h.m.tab().res.(*trendsResult)
	if r.fc == nil || len(r.fc.Series) != 2 {
		t.Fatalf("forecast %+v err %v", r.fc, r.fcErr)
	}
	marked := map[string]bool{}
	for _, a := range r.forecastAnomalies() {
		marked[a.pt.Series+" "+a.pt.T] = true
	}
	outside := 0
	for _, s := range r.fc.Series {
		for _, p := range s.Past {
			if p.Value < p.Lo || p.Value > p.Hi {
				outside++
				if !marked[s.Name+" "+p.T] {
					t.Errorf("%s %s is outside its band [%v, %v] but not marked", s.Name, p.T, p.Lo, p.Hi)
				}
			}
		}
	}
	if outside != len(marked) {
		t.Errorf("%d points outside their bands, %d marked", outside, len(marked))
	}
	// The fixture's days have no anomaly: w says so.
	if outside == 0 {
		h.keys("w")
		h.contains("no anomaly to explain")
	}
	h.keys("F")
	if s := h.screen(); strings.Contains(s, "forecast 14 ahead") {
		t.Fatalf("F did not hide the forecast:\n%s", s)
	}
}

// weeklyShop: checkouts with a weekly rhythm for five weeks, by device,
// with one day (2026-06-03) of android checkouts five times the usual. The
// data ends at noon, so its last day is partial.
func weeklyShop() *query.Dataset {
	var ev []query.RawEvent
	for d := 0; d < 35; d++ {
		day := time.Date(2026, 5, 4+d, 12, 0, 0, 0, time.UTC)
		n := []int{20, 18, 18, 19, 22, 30, 28}[d%7] + (d*7)%3
		for k := 0; k < n; k++ {
			for _, dev := range []string{"ios", "android"} {
				reps := 1
				if d == 30 && dev == "android" {
					reps = 5
				}
				for r := 0; r < reps; r++ {
					ev = append(ev, query.RawEvent{User: fmt.Sprintf("%s%d-%d", dev, k, r), Event: "checkout", Time: day.UnixMilli() + int64(k*1000), Props: map[string]string{"device": dev}})
				}
			}
		}
	}
	return query.NewDataset(ev, time.UTC)
}

// runTrends runs the trends tab's query q on d as the workbench does,
// with the forecast shown or not.
func runTrends(t *testing.T, d *query.Dataset, q query.TrendsQuery, show bool) (*shared, *trendsResult) {
	t.Helper()
	sh := &shared{st: DefaultStyles(false), keys: DefaultKeyMap(), d: d, eng: d, props: []named{{name: "device"}}}
	tab := &trends{q: q, showForecast: show}
	run, err := tab.runner(sh)
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*trendsResult)
	// Shown, the forecast is computed after the run, as the model's
	// later work.
	if work := r.later(); work != nil {
		work(context.Background())()
	}
	return sh, r
}

// On weeklyShop the forecast marks the spike day, draws a dotted
// continuation, and w explains it by device.
func TestForecastAnomalyWhy(t *testing.T) {
	sh, r := runTrends(t, weeklyShop(), query.TrendsQuery{Events: []string{"checkout"}, Measure: "total", Interval: "day"}, true)
	as := r.forecastAnomalies()
	if len(as) != 1 || as[0].pt.T != "2026-06-03" || as[0].pt.Direction != "spike" || r.items() != 1 {
		t.Fatalf("anomalies %+v", as)
	}
	chart := r.chart(sh, 100, 0)
	last := r.fc.Series[0].Forecast[13].T[5:]
	for _, want := range []string{"·", "▲", "› ▲ 06-03 checkout spike", last, "backtest MASE"} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart lacks %q:\n%s", want, chart)
		}
	}
	cmd, handled := r.key(sh, 0, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("w")})
	if !handled {
		t.Fatal("w not handled")
	}
	msgs := execute(cmd)
	page, ok := msgs[0].(pageMsg)
	if !ok {
		t.Fatalf("w gave %+v", msgs)
	}
	text := strings.Join(page.p.(*textPage).lines, "\n")
	for _, want := range []string{"2026-06-03 against 2026-05-27, 2026-05-20, 2026-05-13, 2026-05-06", "device = android explains", "android"} {
		if !strings.Contains(text, want) {
			t.Errorf("why page lacks %q:\n%s", want, text)
		}
	}
}

// One detector in the workbench: the trends chart's ▲ markers with the
// forecast hidden are the forecast's anomalies (the points outside its
// band) — on weeklyShop the spike day only, not the partial last day —
// and over a range too short to forecast both views mark the trailing
// fallback's days. spoor forecast, trends --alerts and alerts agree with
// the same detector (cli's TestOneDetectorEverywhere).
func TestOneDetectorInTheWorkbench(t *testing.T) {
	d := weeklyShop()
	days := func(ps []alert.Point) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.T)
		}
		return out
	}
	q := query.TrendsQuery{Events: []string{"checkout"}, Measure: "total", Interval: "day"}
	_, hidden := runTrends(t, d, q, false)
	_, shown := runTrends(t, d, q, true)
	var fromForecast []alert.Point
	for _, a := range shown.forecastAnomalies() {
		fromForecast = append(fromForecast, a.pt)
	}
	if got := days(hidden.alerts); !slices.Equal(got, []string{"2026-06-03"}) || !slices.Equal(days(fromForecast), got) {
		t.Fatalf("markers %v, forecast's anomalies %v; want [2026-06-03] in both", got, days(fromForecast))
	}
	if hidden.alerts[0].Detector != forecast.DetectorForecast {
		t.Fatalf("detector %q", hidden.alerts[0].Detector)
	}
	// 13 days: no forecast; the fallback flags the spike and, knowing no
	// weekly season, Sunday 05-31 too. The forecast view keeps the markers.
	q.From, q.To = "2026-05-24", "2026-06-05"
	sh, hidden := runTrends(t, d, q, false)
	_, shown = runTrends(t, d, q, true)
	if got := days(hidden.alerts); !slices.Equal(got, []string{"2026-05-31", "2026-06-03"}) || hidden.alerts[0].Detector != forecast.DetectorTrailing {
		t.Fatalf("fallback markers %+v", hidden.alerts)
	}
	chart := ansi.Strip(shown.chart(sh, 100, 0))
	for _, want := range []string{"no forecast", "▲ 05-31 checkout spike", "▲ 06-03 checkout spike"} {
		if !strings.Contains(chart, want) {
			t.Errorf("the forecast view lacks %q:\n%s", want, chart)
		}
	}
}

// Two days of weeklyShop with one event each (recording stopped) are
// anomalies the chart calls recording gaps, left out of the forecast.
func TestForecastGapMarked(t *testing.T) {
	var ev []query.RawEvent
	for d := 0; d < 35; d++ {
		day := time.Date(2026, 5, 4+d, 12, 0, 0, 0, time.UTC)
		n := []int{20, 18, 18, 19, 22, 30, 28}[d%7] + (d*7)%3
		if d == 20 || d == 21 {
			n = 1
		}
		for k := 0; k < n; k++ {
			ev = append(ev, query.RawEvent{User: fmt.Sprintf("u%d", k), Event: "checkout", Time: day.UnixMilli() + int64(k*1000)})
		}
	}
	sh, r := runTrends(t, query.NewDataset(ev, time.UTC), query.TrendsQuery{Events: []string{"checkout"}, Measure: "total", Interval: "day"}, true)
	var gaps []string
	for _, a := range r.forecastAnomalies() {
		if a.pt.Direction == "gap" {
			gaps = append(gaps, a.pt.T)
		}
	}
	if !slices.Equal(gaps, []string{"2026-05-24", "2026-05-25"}) {
		t.Fatalf("gaps %v, anomalies %+v", gaps, r.forecastAnomalies())
	}
	if chart := r.chart(sh, 100, 0); !strings.Contains(chart, "05-24 checkout recording gap (left out of the forecast): 1") {
		t.Errorf("chart lacks the gap:\n%s", chart)
	}
}
