package query

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// naiveTrends is a deliberately plain reference: calendar dates as day
// numbers, buckets found by stepping dates, users counted with sets, and
// rolling windows by looking at every event for every reported day.
// It returns, per series label, the bucket labels and values.
func naiveTrends(evs []RawEvent, loc *time.Location, q TrendsQuery) (map[string][]string, map[string][]float64) {
	dayNum := func(ms int64) int64 {
		y, m, d := time.UnixMilli(ms).In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	dateOf := func(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }
	var from, to int64 // instants, [from, to)
	if len(evs) > 0 {
		from, to = evs[0].Time, evs[0].Time
		for _, e := range evs {
			from, to = min(from, e.Time), max(to, e.Time)
		}
		to++
	}
	if q.From != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.From, loc)
		from = t.UnixMilli()
	}
	if q.To != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.To, loc)
		to = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc).UnixMilli()
	}
	if len(q.Where) > 0 { // the tests only use "k = x"
		var kept []RawEvent
		for _, e := range evs {
			if e.Props["k"] == "x" {
				kept = append(kept, e)
			}
		}
		evs = kept
	}
	// bucketOf maps a day number to the day number its bucket starts on.
	bucketOf := func(n int64) int64 {
		t := dateOf(n)
		switch q.Interval {
		case "week":
			back := int64(t.Weekday()) - 1
			if back < 0 {
				back = 6
			}
			return n - back
		case "month":
			return n - int64(t.Day()-1)
		}
		return n
	}
	firstDay, lastDay := dayNum(from), dayNum(to-1)
	var buckets []int64
	for n := firstDay; n <= lastDay; n++ {
		if b := bucketOf(n); len(buckets) == 0 || buckets[len(buckets)-1] != b {
			buckets = append(buckets, b)
		}
	}
	labels := make([]string, len(buckets))
	for i, b := range buckets {
		labels[i] = dateOf(b).Format("2006-01-02")
	}
	series := q.Events
	if len(series) == 0 {
		series = []string{""}
	}
	window := map[string]int64{"dau": 1, "wau": 7, "mau": 30}[q.Measure]
	out := map[string][]float64{}
	keys := map[string][]string{}
	for _, ev := range series {
		label := ev
		if ev == "" {
			label = AnyEventLabel
		}
		vals := make([]float64, len(buckets))
		for bi, b := range buckets {
			users := map[string]bool{}
			total := 0
			if window == 0 {
				for _, e := range evs {
					if (ev == "" || e.Event == ev) && e.Time >= from && e.Time < to && bucketOf(dayNum(e.Time)) == b {
						users[e.User] = true
						total++
					}
				}
				if q.Measure == "users" {
					vals[bi] = float64(len(users))
				} else {
					vals[bi] = float64(total)
				}
				continue
			}
			// The bucket's last day inside the range.
			end := b
			for end+1 <= lastDay && bucketOf(end+1) == b {
				end++
			}
			for _, e := range evs {
				n := dayNum(e.Time)
				if (ev == "" || e.Event == ev) && e.Time < to && n <= end && n > end-window {
					users[e.User] = true
				}
			}
			vals[bi] = float64(len(users))
		}
		out[label] = vals
		keys[label] = labels
	}
	return keys, out
}

// tpRandomEvents makes a small random dataset over ~10 weeks around the
// March DST change, with repeated timestamps.
func tpRandomEvents(rng *rand.Rand, names []string) []RawEvent {
	base := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC).UnixMilli()
	n := rng.Intn(30)
	users := 1 + rng.Intn(5)
	evs := make([]RawEvent, 0, n)
	for i := 0; i < n; i++ {
		t := base + rng.Int63n(70*86400_000)
		if i > 0 && rng.Intn(4) == 0 {
			t = evs[rng.Intn(i)].Time // equal timestamps
		} else if rng.Intn(2) == 0 && i > 0 {
			// Session-like bursts, in steps of 10 minutes so gaps often equal
			// a session gap exactly, sometimes one millisecond more.
			t = evs[i-1].Time + int64(rng.Intn(10))*600_000 + int64(rng.Intn(2))
		}
		e := RawEvent{User: fmt.Sprintf("u%d", rng.Intn(users)), Event: names[rng.Intn(len(names))], Time: t}
		if k := rng.Intn(3); k > 0 {
			e.Props = map[string]string{"k": []string{"x", "y"}[k-1]}
		}
		evs = append(evs, e)
	}
	return evs
}

var tpZones = []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai", "Australia/Lord_Howe"}

func TestTrendsMatchesNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	names := []string{"a", "b", "c"}
	measures := []string{"total", "users", "dau", "wau", "mau"}
	intervals := []string{"day", "week", "month"}
	for iter := 0; iter < 3000; iter++ {
		loc := tpLoc(t, tpZones[rng.Intn(len(tpZones))])
		evs := tpRandomEvents(rng, names)
		if len(evs) == 0 {
			continue
		}
		d := NewDataset(evs, loc)
		q := TrendsQuery{Measure: measures[rng.Intn(len(measures))], Interval: intervals[rng.Intn(len(intervals))]}
		for _, n := range names {
			if _, ok := d.EventID(n); ok && rng.Intn(2) == 0 {
				q.Events = append(q.Events, n)
			}
		}
		if rng.Intn(4) == 0 {
			q.Where = []string{"k = x"}
		}
		if rng.Intn(2) == 0 {
			day := time.Date(2026, 2, 15+rng.Intn(70), 0, 0, 0, 0, loc)
			q.From = day.Format("2006-01-02")
			q.To = day.AddDate(0, 0, rng.Intn(40)).Format("2006-01-02")
		}
		got, err := d.Trends(context.Background(), q)
		if err != nil {
			t.Fatalf("iter %d %+v: %v", iter, q, err)
		}
		keys, want := naiveTrends(evs, loc, q)
		if len(got.Series) != len(want) {
			t.Fatalf("iter %d %+v: %d series, reference %d", iter, q, len(got.Series), len(want))
		}
		for _, s := range got.Series {
			w, ok := want[s.Label]
			if !ok || len(w) != len(s.Points) {
				t.Fatalf("iter %d %s %+v: series %q has %d points, reference %v %v", iter, loc, q, s.Label, len(s.Points), keys[s.Label], w)
			}
			for i, p := range s.Points {
				if p.T != keys[s.Label][i] || p.Value != w[i] {
					t.Fatalf("iter %d %s %+v: series %q point %d = %s %v, reference %s %v\nevents %+v",
						iter, loc, q, s.Label, i, p.T, p.Value, keys[s.Label][i], w[i], evs)
				}
			}
		}
	}
}
