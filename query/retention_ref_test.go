package query

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"testing"
	"time"
)

// The naive references below recompute retention and lifecycle from the
// raw events with plain loops and a time.Time per event: no calendar, no
// cursor, no bit sets. Periods are numbered by civil date arithmetic.

func naivePeriod(ms int64, loc *time.Location, iv Interval) int {
	t := time.UnixMilli(ms).In(loc)
	y, m, dd := t.Date()
	day := int(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	switch iv {
	case Week:
		return (day + 3) / 7 // 1970-01-01 was a Thursday; weeks start Monday
	case Month:
		return y*12 + int(m) - 1
	}
	return day
}

func naiveLabel(n int, iv Interval) string {
	switch iv {
	case Week:
		return time.Unix(int64(n*7-3)*86400, 0).UTC().Format("2006-01-02")
	case Month:
		return time.Date(n/12, time.Month(n%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	return time.Unix(int64(n)*86400, 0).UTC().Format("2006-01-02")
}

// naiveRange gives the analysis range [from, to) in ms from the inclusive
// dates, the whole data when a date is empty.
func naiveRange(evs []RawEvent, loc *time.Location, fromDate, toDate string) (from, to, minT, maxT int64) {
	minT, maxT = math.MaxInt64, math.MinInt64
	for _, e := range evs {
		minT, maxT = min(minT, e.Time), max(maxT, e.Time)
	}
	from, to = minT, maxT+1
	if fromDate != "" {
		t, _ := time.ParseInLocation("2006-01-02", fromDate, loc)
		from = t.UnixMilli()
	}
	if toDate != "" {
		t, _ := time.ParseInLocation("2006-01-02", toDate, loc)
		to = t.AddDate(0, 0, 1).UnixMilli()
	}
	return
}

func naiveMatch(e RawEvent, where string) bool {
	return where == "" || e.Props["country"] == "CN"
}

type naiveRetentionResult struct {
	rows []rtRow
	avg  []float64
}

// naiveRetention recomputes retention; keep, when not nil, says which
// users the segment holds.
func naiveRetention(evs []RawEvent, loc *time.Location, q RetentionQuery, where string, keep func(string) bool) naiveRetentionResult {
	iv := Interval(q.Period)
	if iv == "" {
		iv = Day
	}
	res := naiveRetentionResult{}
	if len(evs) == 0 {
		return res
	}
	from, to, minT, maxT := naiveRange(evs, loc, q.From, q.To)
	lo, hi := max(from, minT), min(to, maxT+1)
	if lo >= hi {
		return res
	}
	first, lastCohort, lastP := naivePeriod(lo, loc, iv), naivePeriod(hi-1, loc, iv), naivePeriod(maxT, loc, iv)
	byUser := map[string][]RawEvent{}
	for _, e := range evs {
		byUser[e.User] = append(byUser[e.User], e)
	}
	n := lastCohort - first + 1
	size := make([]int, n)
	ret := make([][]int, n)
	for c := range ret {
		ret[c] = make([]int, min(q.Periods, lastP-(first+c)+1))
	}
	for u, ue := range byUser {
		if keep != nil && !keep(u) {
			continue
		}
		starts := map[int]bool{}
		earliest := int64(math.MaxInt64)
		returns := map[int]bool{}
		for _, e := range ue {
			if !naiveMatch(e, where) {
				continue
			}
			p := naivePeriod(e.Time, loc, iv)
			if (q.Start == "" || e.Event == q.Start) && e.Time >= from && e.Time < to {
				if q.Recurring {
					starts[p] = true
				} else if e.Time < earliest {
					earliest = e.Time
				}
			}
			if q.Return == "" || e.Event == q.Return {
				returns[p] = true
			}
		}
		if !q.Recurring && earliest != math.MaxInt64 {
			starts[naivePeriod(earliest, loc, iv)] = true
		}
		for c := range starts {
			size[c-first]++
			for k := range ret[c-first] {
				hit := k == 0
				for r := range returns {
					if r == c+k || q.Unbounded && k > 0 && r >= c+k {
						hit = true
					}
				}
				if hit {
					ret[c-first][k]++
				}
			}
		}
	}
	for c := range n {
		inc := lastP - (first + c)
		if inc >= len(ret[c]) {
			inc = -1
		}
		res.rows = append(res.rows, rtRow{naiveLabel(first+c, iv), size[c], ret[c], inc})
	}
	for k := 0; k < q.Periods; k++ {
		num, den := 0, 0
		for c := range n {
			if first+c+k < lastP {
				num += ret[c][k]
				den += size[c]
			}
		}
		if den == 0 {
			break
		}
		res.avg = append(res.avg, 100*float64(num)/float64(den))
	}
	return res
}

func naiveLifecycle(evs []RawEvent, loc *time.Location, q LifecycleQuery, where string, keep func(string) bool) []lcRow {
	iv := Interval(q.Interval)
	if iv == "" {
		iv = Day
	}
	if len(evs) == 0 {
		return nil
	}
	from, to, minT, maxT := naiveRange(evs, loc, q.From, q.To)
	lo, hi := max(from, minT), min(to, maxT+1)
	if lo >= hi {
		return nil
	}
	active := map[string]map[int]bool{}
	for _, e := range evs {
		if keep != nil && !keep(e.User) {
			continue
		}
		if active[e.User] == nil {
			active[e.User] = map[int]bool{}
		}
		if naiveMatch(e, where) && (q.Event == "" || e.Event == q.Event) {
			active[e.User][naivePeriod(e.Time, loc, iv)] = true
		}
	}
	var rows []lcRow
	for p := naivePeriod(lo, loc, iv); p <= naivePeriod(hi-1, loc, iv); p++ {
		row := lcRow{t: naiveLabel(p, iv), incomplete: p == naivePeriod(maxT, loc, iv)}
		for _, a := range active {
			before := false
			for x := range a {
				if x < p {
					before = true
				}
			}
			switch {
			case a[p] && !before:
				row.new++
			case a[p] && a[p-1]:
				row.ret++
			case a[p]:
				row.res++
			case a[p-1]:
				row.dormant--
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// rtRandom makes a small dataset around the 2026 DST changes, with ties,
// three event names and a property on some events.
func rtRandom(rng *rand.Rand) []RawEvent {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	span := int64(1+rng.Intn(90)) * 86400_000
	var evs []RawEvent
	users := 1 + rng.Intn(6)
	for i, n := 0, rng.Intn(30); i < n; i++ {
		e := RawEvent{
			User:  fmt.Sprintf("u%d", rng.Intn(users)),
			Event: string(rune('a' + rng.Intn(3))),
			Time:  base + rng.Int63n(span),
			Props: map[string]string{},
		}
		if i > 0 && rng.Intn(6) == 0 {
			e.Time = evs[rng.Intn(len(evs))].Time // identical timestamps
		}
		if rng.Intn(2) == 0 {
			e.Props["country"] = "CN"
		}
		evs = append(evs, e)
	}
	return evs
}

func rtRandomCommon(rng *rand.Rand, where *string) (Common, *time.Location) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai"}
	loc, err := time.LoadLocation(zones[rng.Intn(len(zones))])
	if err != nil {
		loc = time.UTC
	}
	var c Common
	c.TZ = loc.String()
	if rng.Intn(3) == 0 {
		d := time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.Intn(100))
		c.From = d.Format("2006-01-02")
		c.To = d.AddDate(0, 0, rng.Intn(40)).Format("2006-01-02")
	}
	*where = ""
	if rng.Intn(3) == 0 {
		*where = "country = CN"
		c.Where = []string{*where}
	}
	return c, loc
}

func TestRetentionMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	periods := []string{"day", "week", "month"}
	for iter := 0; iter < 3000; iter++ {
		evs := rtRandom(rng)
		var where string
		c, loc := rtRandomCommon(rng, &where)
		q := RetentionQuery{Common: c, Period: periods[rng.Intn(3)], Periods: 1 + rng.Intn(12),
			Unbounded: rng.Intn(2) == 0, Recurring: rng.Intn(3) == 0}
		if rng.Intn(10) == 0 {
			q.Periods = 60 + rng.Intn(20)
		}
		if rng.Intn(2) == 0 {
			q.Start = "a"
		}
		if rng.Intn(2) == 0 {
			q.Return = "b"
		}
		if rng.Intn(4) == 0 {
			q.By = "country"
		}
		keep := rtRandomSegment(rng, &q.Common)
		// The dataset's own zone is irrelevant: q.TZ decides.
		d := NewDataset(evs, time.UTC)
		d.Segments = segmentWhere(rtOddUser)
		if q.Start != "" && d.CheckEvent(q.Start) != nil || q.Return != "" && d.CheckEvent(q.Return) != nil {
			continue
		}
		r, err := d.Retention(context.Background(), q)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		want := naiveRetention(evs, loc, q, where, keep)
		if !rtSame(r, want) {
			t.Fatalf("iter %d, query %+v, events %+v:\n got %+v avg %v\nwant %+v avg %v", iter, q, evs, r.Cohorts, r.Average, want.rows, want.avg)
		}
		// Drill-down agrees with the counts.
		for ci, co := range r.Cohorts {
			for k, n := range co.Retained {
				if u := r.CellUsers(ci, k); len(u) != n {
					t.Fatalf("iter %d: CellUsers(%d,%d) has %d users, count %d", iter, ci, k, len(u), n)
				}
			}
		}
		rtCheckBreakdown(t, iter, r)
		if iter%10 == 0 {
			rtCheckExplain(t, iter, d, q, r)
		}
	}
}

// rtRandomSegment sometimes restricts the query to a segment of the users
// whose id ends in an odd digit, and returns that test for the naive side.
func rtRandomSegment(rng *rand.Rand, c *Common) func(string) bool {
	if rng.Intn(4) != 0 {
		return nil
	}
	c.Segment = "odd"
	return rtOddUser
}

func rtOddUser(u string) bool { return (u[len(u)-1]-'0')%2 == 1 }

// rtCheckBreakdown checks that the --by groups add up to the whole table.
func rtCheckBreakdown(t *testing.T, iter int, r *RetentionResult) {
	t.Helper()
	if r.By == "" {
		return
	}
	for ci, c := range r.Cohorts {
		size, ret := 0, make([]int, len(c.Retained))
		for _, g := range r.Breakdown {
			size += g.Cohorts[ci].Size
			for k, n := range g.Cohorts[ci].Retained {
				ret[k] += n
			}
		}
		if size != c.Size || fmt.Sprint(ret) != fmt.Sprint(c.Retained) {
			t.Fatalf("iter %d: cohort %d: groups add up to %d %v, table has %d %v", iter, ci, size, ret, c.Size, c.Retained)
		}
	}
}

// rtCheckExplain explains every user and checks that each period they are
// said to have returned in lists them in that cell, and nowhere else.
func rtCheckExplain(t *testing.T, iter int, d *Dataset, q RetentionQuery, r *RetentionResult) {
	t.Helper()
	listed := 0
	for ci, c := range r.Cohorts {
		for k := range c.Retained {
			listed += len(r.CellUsers(ci, k))
		}
	}
	explained := 0
	for _, u := range d.Users {
		x, err := d.ExplainRetention(context.Background(), q, u)
		if err != nil {
			t.Fatalf("iter %d: explain %s: %v", iter, u, err)
		}
		for _, c := range x.Cohorts {
			ci, ok := r.CohortIndex(c.Start)
			if !ok {
				t.Fatalf("iter %d: %s explained in cohort %s, not in the table", iter, u, c.Start)
			}
			for _, p := range c.Periods {
				if !p.Returned {
					continue
				}
				explained++
				if !slices.Contains(r.CellUsers(ci, p.Period), u) {
					t.Fatalf("iter %d: %s returned in %s period %d by explain, not in the cell", iter, u, c.Start, p.Period)
				}
			}
		}
	}
	if explained != listed {
		t.Fatalf("iter %d: explain finds %d returns, the cells list %d", iter, explained, listed)
	}
}

func rtSame(r *RetentionResult, want naiveRetentionResult) bool {
	if len(r.Cohorts) != len(want.rows) || len(r.Average) != len(want.avg) {
		return false
	}
	for i, w := range want.rows {
		c := r.Cohorts[i]
		inc := -1
		if c.IncompleteFrom != nil {
			inc = *c.IncompleteFrom
		}
		if c.Start != w.start || c.Size != w.size || inc != w.inc || len(c.Retained) != len(w.retained) {
			return false
		}
		for k := range w.retained {
			if c.Retained[k] != w.retained[k] {
				return false
			}
		}
	}
	for k := range want.avg {
		if math.Abs(r.Average[k]-want.avg[k]) > 1e-9 {
			return false
		}
	}
	return true
}

func TestLifecycleMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	intervals := []string{"day", "week", "month"}
	for iter := 0; iter < 3000; iter++ {
		evs := rtRandom(rng)
		var where string
		c, loc := rtRandomCommon(rng, &where)
		q := LifecycleQuery{Common: c, Interval: intervals[rng.Intn(3)]}
		d := NewDataset(evs, time.UTC)
		d.Segments = segmentWhere(rtOddUser)
		if rng.Intn(2) == 0 && d.CheckEvent("a") == nil {
			q.Event = "a"
		}
		keep := rtRandomSegment(rng, &q.Common)
		r, err := d.Lifecycle(context.Background(), q)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		want := naiveLifecycle(evs, loc, q, where, keep)
		var got []lcRow
		for _, p := range r.Points {
			got = append(got, lcRow{p.T, p.New, p.Returning, p.Resurrecting, p.Dormant, p.Incomplete})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			sort.Slice(evs, func(i, j int) bool { return evs[i].Time < evs[j].Time })
			t.Fatalf("iter %d, query %+v, events %+v:\n got %+v\nwant %+v", iter, q, evs, got, want)
		}
	}
}

// TestRetentionTwoPartsMatchesNaive runs a dataset large enough to be
// scanned by two goroutines and checks the merged result.
func TestRetentionTwoPartsMatchesNaive(t *testing.T) {
	if testing.Short() {
		t.Skip("large dataset")
	}
	d := synthDataset(t, parallelMin+1000)
	if n := len(d.splitPersons(2)); n != 2 {
		t.Fatalf("splitPersons gave %d parts", n)
	}
	evs := make([]RawEvent, 0, d.Len())
	for p, u := range d.Users {
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			evs = append(evs, RawEvent{User: u, Event: d.Names[d.Event[i]], Time: d.Time[i]})
		}
	}
	ctx := context.Background()
	for _, q := range []RetentionQuery{
		{Periods: 31},
		{Periods: 8, Period: "week", Unbounded: true, Start: "view_item", Return: "purchase"},
		{Periods: 31, Recurring: true, Return: "purchase", Common: Common{From: "2026-01-20"}},
	} {
		r, err := d.Retention(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveRetention(evs, time.UTC, q, "", nil); !rtSame(r, want) {
			t.Errorf("%+v: engine and naive differ", q)
		}
		if m := r.members(); len(m) != 2 || len(m[1].cohort) == 0 {
			t.Errorf("%+v: memberships not from two parts", q)
		}
		for ci, c := range r.Cohorts {
			if got := len(r.CellUsers(ci, 1)); len(c.Retained) > 1 && got != c.Retained[1] {
				t.Errorf("%+v: cohort %d: %d users listed, %d counted", q, ci, got, c.Retained[1])
			}
		}
	}
	for _, q := range []LifecycleQuery{{}, {Interval: "week", Event: "purchase"}} {
		r, err := d.Lifecycle(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveLifecycle(evs, time.UTC, q, "", nil)
		var got []lcRow
		for _, p := range r.Points {
			got = append(got, lcRow{p.T, p.New, p.Returning, p.Resurrecting, p.Dormant, p.Incomplete})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v:\n got %v\nwant %v", q, got, want)
		}
	}
}
