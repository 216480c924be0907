package attribution

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// reference credits conversions the slow, obvious way, straight from the
// rules, on the events as given (their order in the slice is the storage
// order): for each conversion, scan every event for the same user's
// touches, sort them by (time, storage order), and weigh them.
func reference(events []query.RawEvent, q Query, window, halfLife, from, to int64) map[string]want {
	type touch struct {
		value string
		t     int64
		idx   int
	}
	credit := map[string]float64{}
	revenue := map[string]float64{}
	users := map[string]map[string]bool{}
	give := func(v, user string, x, rev float64) {
		credit[v] += x
		revenue[v] += x * rev
		if users[v] == nil {
			users[v] = map[string]bool{}
		}
		users[v][user] = true
	}
	for _, c := range events {
		if c.Event != q.Conversion || c.Time < from || c.Time >= to {
			continue
		}
		rev, err := strconv.ParseFloat(c.Props[q.Revenue], 64)
		if err != nil {
			rev = 0
		}
		var ts []touch
		for j, e := range events {
			v, set := e.Props[q.Touch]
			if e.User == c.User && e.Event != q.Conversion && set && e.Time <= c.Time && c.Time-e.Time <= window {
				ts = append(ts, touch{v, e.Time, j})
			}
		}
		sort.Slice(ts, func(a, b int) bool {
			if ts[a].t != ts[b].t {
				return ts[a].t < ts[b].t
			}
			return ts[a].idx < ts[b].idx
		})
		n := len(ts)
		if n == 0 {
			give(Direct, c.User, 1, rev)
			continue
		}
		switch q.Model {
		case First:
			give(ts[0].value, c.User, 1, rev)
		case Last:
			give(ts[n-1].value, c.User, 1, rev)
		case Linear:
			for _, x := range ts {
				give(x.value, c.User, 1/float64(n), rev)
			}
		case Position:
			for k, x := range ts {
				share := 0.2 / float64(n-2)
				switch {
				case n == 1:
					share = 1
				case n == 2:
					share = 0.5
				case k == 0 || k == n-1:
					share = 0.4
				}
				give(x.value, c.User, share, rev)
			}
		case TimeDecay:
			total := 0.0
			for _, x := range ts {
				total += math.Pow(2, -float64(c.Time-x.t)/float64(halfLife))
			}
			for _, x := range ts {
				give(x.value, c.User, math.Pow(2, -float64(c.Time-x.t)/float64(halfLife))/total, rev)
			}
		}
	}
	out := map[string]want{}
	for v, x := range credit {
		out[v] = want{x, revenue[v], len(users[v])}
	}
	return out
}

// TestAgainstReference runs every model on random timelines full of ties,
// repeated values, conversions carrying the touch property and touches
// just in and out of the lookback, against the reference.
func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	names := []string{"visit", "click", "purchase", "view"}
	values := []string{"A", "B", "C", "D"}
	for iter := 0; iter < 300; iter++ {
		var events []query.RawEvent
		for k, n := 0, rng.Intn(60); k < n; k++ {
			e := query.RawEvent{
				User:  fmt.Sprint("u", rng.Intn(6)),
				Event: names[rng.Intn(len(names))],
				Time:  int64(rng.Intn(40)) * 12 * hour, // half days: many ties
				Props: map[string]string{},
			}
			if rng.Intn(3) > 0 {
				e.Props["src"] = values[rng.Intn(len(values))]
			}
			if rng.Intn(4) > 0 {
				e.Props["rev"] = strconv.Itoa(rng.Intn(200) - 20)
			}
			events = append(events, e)
		}
		d := query.NewDataset(events, time.UTC)
		wh, hh := 12*(1+rng.Intn(10)), 1+rng.Intn(100)
		q := Query{Conversion: "purchase", Touch: "src", Revenue: "rev", Window: fmt.Sprintf("%dh", wh), HalfLife: fmt.Sprintf("%dh", hh)}
		from, to := int64(math.MinInt64), int64(math.MaxInt64)
		if rng.Intn(3) == 0 {
			f, l := rng.Intn(20), rng.Intn(20)
			q.From = time.UnixMilli(int64(f) * day).UTC().Format("2006-01-02")
			q.To = time.UnixMilli(int64(f+l) * day).UTC().Format("2006-01-02")
			from, to = int64(f)*day, int64(f+l+1)*day
		}
		if d.Len() == 0 {
			continue
		}
		if _, ok := d.EventID("purchase"); !ok {
			continue
		}
		for _, model := range Models {
			q.Model = model
			r, err := Compute(context.Background(), d, q)
			if err != nil {
				t.Fatal(err)
			}
			w := reference(events, q, int64(wh)*hour, int64(hh)*hour, from, to)
			t.Run(fmt.Sprint(iter, model), func(t *testing.T) {
				checkRowsLoose(t, r, w)
			})
		}
	}
}

// checkRowsLoose is checkRows with the reference's float sums: each
// conversion's shares are rounded to a billionth, its revenue to a
// micro-unit, so the tolerance grows with the conversions.
func checkRowsLoose(t *testing.T, r *Result, w map[string]want) {
	t.Helper()
	tol := 1e-9 * float64(r.Conversions+1) * 2
	var units int64
	seen := 0
	for _, row := range r.Rows {
		units += row.units
		e, ok := w[row.Touch]
		if !ok {
			t.Errorf("unexpected row %+v", row)
			continue
		}
		seen++
		if math.Abs(row.Conversions-e.conv) > tol || row.Users != e.users || math.Abs(float64(row.Revenue)-e.rev) > 1e3*tol {
			t.Errorf("%s: %v conversions, %v revenue, %d users; reference %v, %v, %d", row.Touch, row.Conversions, row.Revenue, row.Users, e.conv, e.rev, e.users)
		}
	}
	if seen != len(w) {
		t.Errorf("%d rows, reference %d: %v", len(r.Rows), len(w), w)
	}
	if units != int64(r.Conversions)*unit {
		t.Errorf("credits add up to %d units, want %d", units, int64(r.Conversions)*unit)
	}
}
