package segment

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// churnTimelines: the data ends 03-31 (user z); with a 7-day window the
// recent days are 03-25..03-31 and the 28-day baseline 02-25..03-24. The
// expected gap is g = (n × median gap + 2 × 7) / (n + 2), the score
// x / (1 + x) with x = max(0, s - g) / g + max(0, 1 - ratio) × min(1, 7 / g).
func churnTimelines() *query.Dataset {
	var evs []query.RawEvent
	at := func(user string, month time.Month, day int, name string) {
		evs = append(evs, query.RawEvent{User: user, Event: name, Time: time.Date(2026, month, day, 10, 0, 0, 0, time.UTC).UnixMilli()})
	}
	days := func(user string, month time.Month, from, to int) {
		for day := from; day <= to; day++ {
			at(user, month, day, "e")
		}
	}
	// regular: daily 02-20..03-02, silent 29 days. n = 10 gaps of 1:
	// g = 24/12 = 2, x = 27/2 + 1 = 14.5, score 14.5/15.5.
	days("regular", 2, 20, 28)
	days("regular", 3, 1, 2)
	// twoday: 03-01 and 03-02, silent 29 days like regular, but one gap
	// is little history: g = 15/3 = 5, x = 24/5 + 1 = 5.8, score 5.8/6.8.
	days("twoday", 3, 1, 2)
	// q: 03-12..03-16, silent 15 days, g = 18/6 = 3, x = 12/3 + 1 = 5.
	// p1, p2: 03-11..03-21, silent 10 days, g = 24/12 = 2, x = 8/2 + 1 = 5.
	// Equal scores 5/6: q has been silent longer; p1 and p2 by id.
	days("q", 3, 12, 16)
	days("p2", 3, 11, 21)
	days("p1", 3, 11, 21)
	// daily: 03-01..03-24 then silent 7 days. g = (23 + 14)/25 = 1.48,
	// x = 5.52/1.48 + 1 = 175/37, score 175/212. Its last purchase shows
	// as the last key event.
	days("daily", 3, 1, 24)
	at("daily", 3, 20, "purchase")
	// cooling: daily through the baseline (28 events in 28 days), then
	// twice in the window (03-27, 03-30): ratio (2/7)/1 = 2/7, seen a day
	// ago, 29 gaps with median 1: g = 43/31, not overdue; x = 5/7, score 5/12.
	days("cooling", 2, 25, 28)
	days("cooling", 3, 1, 24)
	at("cooling", 3, 27, "e")
	at("cooling", 3, 30, "e")
	// longgap: every 21 days, last on 03-20, silent 11 days: not late. n =
	// 5 gaps of 21: g = 119/7 = 17; no event in the window counts only
	// 7/17 of a fall: x = 7/17, score 7/24.
	for d := 0; d <= 105; d += 21 {
		evs = append(evs, query.RawEvent{User: "longgap", Event: "e", Time: time.Date(2026, 3, 20-d, 10, 0, 0, 0, time.UTC).UnixMilli()})
	}
	// steady: every day (30 gaps: g = 44/32): score 0.
	days("steady", 3, 1, 31)
	// One active day before the window: too little history, not scored,
	// whether or not they came back in the window.
	at("oneday", 3, 1, "e")
	at("oneday", 3, 1, "purchase")
	at("comeback", 3, 20, "e")
	at("comeback", 3, 28, "e")
	// No baseline at all: neither scored nor counted.
	at("new", 3, 26, "e")
	days("gone", 1, 1, 10)
	evs = append(evs, query.RawEvent{User: "z", Event: "e", Time: time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC).UnixMilli()})
	return query.NewDataset(evs, time.UTC)
}

func TestChurnScoresHandChecked(t *testing.T) {
	d := churnTimelines()
	rep, err := Churn(context.Background(), d, ChurnOptions{WindowDays: 7, BaselineDays: 28, KeyEvent: "purchase"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		user   string
		score  float64
		since  int
		gap    float64
		expect float64
	}{
		{"regular", 14.5 / 15.5, 29, 1, 2},
		{"twoday", 5.8 / 6.8, 29, 1, 5},
		{"q", 5.0 / 6, 15, 1, 3},
		{"p1", 5.0 / 6, 10, 1, 2},
		{"p2", 5.0 / 6, 10, 1, 2},
		{"daily", 175.0 / 212, 7, 1, 1.48},
		{"cooling", 5.0 / 12, 1, 1, 43.0 / 31},
		{"longgap", 7.0 / 24, 11, 21, 17},
		{"steady", 0, 0, 1, 44.0 / 32},
	}
	if len(rep.Users) != len(want) {
		t.Fatalf("%d users listed, want %d: %+v", len(rep.Users), len(want), rep.Users)
	}
	for i, w := range want {
		u := rep.Users[i]
		if u.User != w.user || math.Abs(u.Score-w.score) > 1e-12 || u.DaysSinceLastSeen != w.since ||
			*u.UsualGapDays != w.gap || math.Abs(u.ExpectedGapDays-w.expect) > 1e-12 {
			t.Errorf("rank %d: got %s %.6f since=%d gap=%v expected=%v, want %+v", i, u.User, u.Score, u.DaysSinceLastSeen, *u.UsualGapDays, u.ExpectedGapDays, w)
		}
	}
	if rep.Eligible != 9 || rep.TooLittleHistory != 2 || rep.AtRisk != 9 {
		t.Errorf("eligible %d, too little history %d, at risk %d", rep.Eligible, rep.TooLittleHistory, rep.AtRisk)
	}
	signals := map[string]string{}
	for _, u := range rep.Users {
		signals[u.User] = strings.Join(u.Signals, "; ")
	}
	for user, s := range map[string]string{
		"regular": "silent 29d, expected gap 2d: 13.5 gaps overdue; activity fell 100%",
		"daily":   "silent 7d, expected gap 1.5d: 3.7 gaps overdue; activity fell 100%",
		"cooling": "activity fell 71%",
		"longgap": "activity fell 100%, counted 41% (window shorter than the expected gap)",
		"steady":  "",
	} {
		if signals[user] != s {
			t.Errorf("%s signals %q, want %q", user, signals[user], s)
		}
	}
	if u := rep.Users[5]; u.LastKeyEvent != "purchase" || u.LastKeyEventTime != "2026-03-20T10:00:00Z" || u.ActiveDays != 24 {
		t.Errorf("daily: key %s %s, %d active days", u.LastKeyEvent, u.LastKeyEventTime, u.ActiveDays)
	}
	if u := rep.Users[0]; u.LastKeyEvent != "" || u.RecentEvents != 0 || u.BaselineEvents != 6 || u.ActiveDays != 11 {
		t.Errorf("regular: %+v", u)
	}
}

func TestChurnDefaultThresholdAndTop(t *testing.T) {
	d := churnTimelines()
	// The default 0.8 keeps users with x >= 4: daily (x = 4.73) and above.
	rep, err := Churn(context.Background(), d, ChurnOptions{WindowDays: 7, BaselineDays: 28, MinScore: DefaultMinScore})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range rep.Users {
		got = append(got, u.User)
	}
	if fmt.Sprint(got) != "[regular twoday q p1 p2 daily]" || rep.AtRisk != 6 || rep.Eligible != 9 {
		t.Errorf("default threshold: %v, at risk %d of %d", got, rep.AtRisk, rep.Eligible)
	}
	// --top cuts after the threshold: at_risk still counts all of them.
	rep, err = Churn(context.Background(), d, ChurnOptions{WindowDays: 7, BaselineDays: 28, MinScore: 0.84, Top: 1})
	if err != nil || len(rep.Users) != 1 || rep.Users[0].User != "regular" || rep.AtRisk != 2 {
		t.Errorf("top 1 from 0.84: %+v %v", rep, err)
	}
	title := rep.Tables()[0].Title
	if want := "Churn risk over the last 7 days against a 28-day baseline: 2 of 9 users score at least 0.84 (top 1 shown); 2 with a single active day before the window not scored"; title != want {
		t.Errorf("title %q\nwant  %q", title, want)
	}
	if _, err := Churn(context.Background(), d, ChurnOptions{KeyEvent: "purchse"}); err == nil || !strings.Contains(err.Error(), "purchase") {
		t.Errorf("unknown key event: %v", err)
	}
}

// A user whose usual gap is longer than the window is not at risk for an
// empty window alone, and becomes so only as the silence outgrows the gap.
func TestChurnLongGapNotYetLate(t *testing.T) {
	var scores []float64
	for _, silent := range []int{5, 16, 30, 60} {
		var evs []query.RawEvent
		last := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for k := 0; k < 8; k++ { // every 20 days: g = (7 × 20 + 14) / 9 = 17.1
			evs = append(evs, query.RawEvent{User: "u", Event: "e", Time: last.AddDate(0, 0, -20*k).UnixMilli()})
		}
		evs = append(evs, query.RawEvent{User: "z", Event: "e", Time: last.AddDate(0, 0, silent).UnixMilli()})
		rep, err := Churn(context.Background(), query.NewDataset(evs, time.UTC), ChurnOptions{WindowDays: 14, BaselineDays: 56})
		if err != nil || len(rep.Users) != 1 {
			t.Fatalf("silent %d: %+v %v", silent, rep, err)
		}
		scores = append(scores, rep.Users[0].Score)
	}
	g := 154.0 / 9
	x := func(silent float64, fell float64) float64 {
		v := max(0, silent-g)/g + fell*min(1, 14/g)
		return v / (1 + v)
	}
	// Silent 5 days: seen in the window, one event in 14 days against 3 in
	// 56 (a 20-day habit): ratio (1/14)/(3/56) = 4/3, no fall, score 0.
	// Silent 16: window empty but not yet late: 14/g of a fall.
	want := []float64{0, x(16, 1), x(30, 1), x(60, 1)}
	for i := range want {
		if math.Abs(scores[i]-want[i]) > 1e-12 {
			t.Errorf("scores %v, want %v", scores, want)
			break
		}
	}
	if scores[1] > 0.5 || !(scores[1] < scores[2] && scores[2] < scores[3]) {
		t.Errorf("scores %v: not late should stay low, and the score grow with the silence", scores)
	}
}

// The worked example of docs/segments.md.
func TestChurnDocsExample(t *testing.T) {
	for _, c := range []struct {
		in      churnInput
		score   float64
		signals string
	}{
		{churnInput{window: 14, silent: 29, usualGap: 2.5, gaps: 10}, 0.899, "silent 29d, expected gap 3.3d: 7.9 gaps overdue; activity fell 100%"},
		{churnInput{window: 14, silent: 14, usualGap: 5, gaps: 4}, 0.712, "silent 14d, expected gap 5.7d: 1.5 gaps overdue; activity fell 100%"},
		{churnInput{window: 14, silent: 11, usualGap: 21, gaps: 5}, 0.452, "activity fell 100%, counted 82% (window shorter than the expected gap)"},
	} {
		score := churnScore(&c.in)
		if math.Abs(score-c.score) > 5e-4 || strings.Join(churnSignals(&c.in), "; ") != c.signals {
			t.Errorf("%+v: score %.4f, signals %q; want %.3f %q", c.in, score, churnSignals(&c.in), c.score, c.signals)
		}
	}
}
