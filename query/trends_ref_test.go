package query

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"
)

// naiveSeries is what the reference computes for one series.
type naiveSeries struct {
	labels []string  // bucket labels
	values []float64 // per bucket
	total  float64
	hist   map[int]int64 // stickiness: users by active days in range
}

// naiveTrends is a deliberately plain reference: calendar dates as day
// numbers, buckets found by stepping dates, users counted with sets, and
// rolling windows by looking at every event for every reported day. The
// breakdown property is "k" and the only filter "k = x".
func naiveTrends(evs []RawEvent, loc *time.Location, q TrendsQuery) map[string]*naiveSeries {
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
	if len(q.Where) > 0 {
		var kept []RawEvent
		for _, e := range evs {
			if e.Props["k"] == "x" {
				kept = append(kept, e)
			}
		}
		evs = kept
	}
	value := func(e RawEvent) string {
		if v, ok := e.Props["k"]; ok {
			return v
		}
		return NoneValue
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
	events := q.Events
	if len(events) == 0 {
		events = []string{""}
	}
	window := map[string]int64{"dau": 1, "wau": 7, "mau": 30, "stickiness": 30}[q.Measure]
	lookback := firstDay - max(window-1, 0)
	// activeOn lists the users with a matching event on days lo..hi.
	activeOn := func(match func(RawEvent) bool, lo, hi int64) map[string]bool {
		users := map[string]bool{}
		for _, e := range evs {
			if n := dayNum(e.Time); match(e) && e.Time < to && n >= lo && n <= hi {
				users[e.User] = true
			}
		}
		return users
	}
	out := map[string]*naiveSeries{}
	for _, ev := range events {
		values := []string{""}
		if q.By != "" {
			// A series exists when an event of it lies in what is scanned.
			seen := map[string]bool{}
			values = nil
			for _, e := range evs {
				if (ev == "" || e.Event == ev) && e.Time < to && dayNum(e.Time) >= lookback && (window > 0 || e.Time >= from) && !seen[value(e)] {
					seen[value(e)] = true
					values = append(values, value(e))
				}
			}
		}
		for _, v := range values {
			match := func(e RawEvent) bool {
				return (ev == "" || e.Event == ev) && (q.By == "" || value(e) == v)
			}
			label := ev
			switch {
			case q.By != "" && ev == "":
				label = v
			case q.By != "":
				label = ev + " · " + v
			case ev == "":
				label = AnyEventLabel
			}
			ns := &naiveSeries{labels: labels, values: make([]float64, len(buckets)), hist: map[int]int64{}}
			out[label] = ns
			for bi, b := range buckets {
				// The bucket's days inside the range.
				lo, hi := max(b, firstDay), b
				for hi+1 <= lastDay && bucketOf(hi+1) == b {
					hi++
				}
				switch q.Measure {
				case "total", "users", "avg":
					users := map[string]bool{}
					total := 0
					for _, e := range evs {
						if match(e) && e.Time >= from && e.Time < to && bucketOf(dayNum(e.Time)) == b {
							users[e.User] = true
							total++
						}
					}
					switch {
					case q.Measure == "users":
						ns.values[bi] = float64(len(users))
					case q.Measure == "total":
						ns.values[bi] = float64(total)
					case len(users) > 0:
						ns.values[bi] = float64(total) / float64(len(users))
					default: // avg with no active user: undefined
						ns.values[bi] = math.NaN()
					}
				case "stickiness":
					sum, n := 0.0, 0
					for day := lo; day <= hi; day++ {
						dau := len(activeOn(match, day, day))
						if mau := len(activeOn(match, day-29, day)); mau > 0 {
							sum += float64(dau) / float64(mau)
							n++
						}
					}
					ns.values[bi] = math.NaN() // no day with a monthly active user
					if n > 0 {
						ns.values[bi] = sum / float64(n)
					}
				default: // the last day's rolling count
					ns.values[bi] = float64(len(activeOn(match, hi-window+1, hi)))
				}
			}
			users := map[string]map[int64]bool{}
			events := 0
			for _, e := range evs {
				if match(e) && e.Time >= from && e.Time < to {
					if users[e.User] == nil {
						users[e.User] = map[int64]bool{}
					}
					if n := dayNum(e.Time); n <= lastDay {
						users[e.User][n] = true
					}
					events++
				}
			}
			switch q.Measure {
			case "total":
				ns.total = float64(events)
			case "avg":
				ns.total = math.NaN()
				if len(users) > 0 {
					ns.total = float64(events) / float64(len(users))
				}
			default:
				ns.total = float64(len(users))
			}
			for _, days := range users {
				ns.hist[len(days)]++
			}
		}
	}
	return out
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
	measures := []string{"total", "users", "avg", "dau", "wau", "mau", "stickiness"}
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
		if rng.Intn(3) == 0 {
			q.By = "k"
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
		want := naiveTrends(evs, loc, q)
		if len(got.Series) != len(want) {
			t.Fatalf("iter %d %+v: %d series, reference %d", iter, q, len(got.Series), len(want))
		}
		for _, s := range got.Series {
			w, ok := want[s.Label]
			if !ok || len(w.values) != len(s.Points) {
				t.Fatalf("iter %d %s %+v: series %q has %d points, reference %+v", iter, loc, q, s.Label, len(s.Points), w)
			}
			for i, p := range s.Points {
				if p.T != w.labels[i] || !sameNum(p.Value, w.values[i]) {
					t.Fatalf("iter %d %s %+v: series %q point %d = %s %v, reference %s %v\nevents %+v",
						iter, loc, q, s.Label, i, p.T, p.Value, w.labels[i], w.values[i], evs)
				}
			}
			if !sameNum(s.Total, w.total) {
				t.Fatalf("iter %d %s %+v: series %q total %v, reference %v", iter, loc, q, s.Label, s.Total, w.total)
			}
			if q.Measure == "stickiness" {
				for _, b := range s.StickinessHistogram {
					if b.Users != w.hist[b.Days] {
						t.Fatalf("iter %d %s %+v: series %q histogram %+v, reference %v", iter, loc, q, s.Label, s.StickinessHistogram, w.hist)
					}
				}
				for n, c := range w.hist {
					if n > len(s.StickinessHistogram) && c > 0 {
						t.Fatalf("iter %d %s %+v: series %q histogram %+v misses %d days, reference %v", iter, loc, q, s.Label, s.StickinessHistogram, n, w.hist)
					}
				}
			}
		}
	}
}

// sameNum compares a result with a reference value: both undefined (NaN),
// or equal up to rounding.
func sameNum(n Num, want float64) bool {
	if math.IsNaN(want) {
		return !n.Valid()
	}
	return math.Abs(float64(n)-want) <= 1e-9
}
