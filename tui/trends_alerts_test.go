package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/query"
)

// spikeSeries is a steady series of n days (10 or 11, alternating) with
// one spike of 100 at index at.
func spikeSeries(n, at int) *query.TrendsResult {
	s := query.TrendSeries{Label: "signup"}
	for i := 0; i < n; i++ {
		v := float64(10 + i%2)
		if i == at {
			v = 100
		}
		s.Points = append(s.Points, query.TrendPoint{T: fmt.Sprintf("2026-06-%02d", i+1), Value: query.Num(v)})
	}
	return &query.TrendsResult{Measure: "total", Interval: "day", From: "2026-06-01", To: fmt.Sprintf("2026-06-%02d", n), Series: []query.TrendSeries{s}}
}

// wholeDays are the bounds of data covering each day of r whole.
func wholeDays(r *query.TrendsResult) forecast.Bounds {
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	to := from + int64(len(r.Series[0].Points))*86_400_000
	return forecast.Bounds{Span: query.Span{Loc: time.UTC, From: from, To: to}, First: from, Last: to - 1, Events: 1}
}

// The ▲ sits under the spike's peak: the only plot characters on the
// chart's top row.
func TestAlertMarkerUnderTheSpike(t *testing.T) {
	sh := &shared{st: DefaultStyles(false)}
	for _, c := range []struct{ n, at, w int }{{30, 20, 56}, {30, 20, 86}, {21, 15, 56}, {28, 27, 70}, {60, 40, 100}} {
		r := spikeSeries(c.n, c.at)
		alerts, err := chartAlerts(wholeDays(r), query.TrendsQuery{Interval: "day"}, r)
		if err != nil || len(alerts) != 1 || alerts[0].Index != c.at || alerts[0].Direction != "spike" {
			t.Fatalf("%+v: alerts %+v, want one spike at %d", c, alerts, c.at)
		}
		lines := strings.Split(ansi.Strip(trendsChart(sh, r, c.w, alerts)), "\n")
		top := lines[1] // under the title
		axis := strings.IndexAny(top, "┤┼")
		// asciigraph draws a peak as ╭╮ (or ╭─╮): the ▲ must sit on it.
		first, last := -1, -1
		for i, ch := range []rune(top) {
			if i > len([]rune(top[:axis])) && ch != ' ' {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		marker := -1
		for _, l := range lines {
			if i := strings.Index(l, "▲"); i >= 0 && !strings.HasPrefix(l, "▲") {
				marker = len([]rune(l[:i]))
			}
		}
		if first < 0 || marker < first || marker > last {
			t.Fatalf("%+v: ▲ at column %d, the spike's peak at %d-%d:\n%s", c, marker, first, last, strings.Join(lines, "\n"))
		}
		if !strings.Contains(lines[len(lines)-1], fmt.Sprintf("▲ 06-%02d signup spike: 100, expected", c.at+1)) {
			t.Fatalf("%+v: no list line for the spike:\n%s", c, strings.Join(lines, "\n"))
		}
	}
}

// A series without anomalies gets no marker row and no list.
func TestNoAlertsOnASteadySeries(t *testing.T) {
	r := spikeSeries(30, -1)
	if a, _ := chartAlerts(wholeDays(r), query.TrendsQuery{Interval: "day"}, r); len(a) != 0 {
		t.Fatalf("steady series has alerts %+v", a)
	}
	if s := ansi.Strip(trendsChart(&shared{st: DefaultStyles(false)}, r, 80, nil)); strings.Contains(s, "▲") {
		t.Fatalf("marker without alerts:\n%s", s)
	}
}

// Enter on the alerts row hides and shows the markers without a query.
func TestAlertsToggle(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.keys("1")
	// All events, counted: the fixture's fall on 06-21 (its users stop
	// arriving) is outside the forecast's band.
	goRow(t, h, "measure")
	h.keys("<enter>", "total", "<enter>")
	goRow(t, h, "event1")
	h.keys("d")
	goRow(t, h, "event1")
	h.keys("d")
	if n := len(h.m.tab().res.(*trendsResult).alerts); n == 0 {
		t.Fatalf("the fixture's drop on 06-21 is not found:\n%s", h.screen())
	}
	h.contains("▲ 06-21 all events drop")
	seq := h.m.seq
	goRow(t, h, "alerts")
	h.keys("<enter>")
	if !h.m.tab().a.(*trends).hideAlerts || strings.Contains(h.screen(), "▲") {
		t.Fatalf("alerts still shown after toggling off:\n%s", h.screen())
	}
	h.keys("<enter>")
	h.contains("alerts  on", "▲ 06-21 all events drop")
	if h.m.seq != seq {
		t.Fatal("toggling alerts ran a query")
	}
}
