package query

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// Days D0..D3 from Monday 2026-03-02; the data ends on D3. The start event
// of each cohort membership carries the group: u1 is "pro" though its next
// event says "free", u3 has no plan at its start, u4's plan is the literal
// value "other" and u5's is the empty string.
const rtGroups = `
u1 open 2026-03-02 10:00 plan=pro
u1 open 2026-03-03 10:00 plan=free
u2 open 2026-03-02 11:00 plan=free
u2 open 2026-03-03 09:00
u3 open 2026-03-02 12:00
u3 open 2026-03-04 12:00 plan=pro
u4 open 2026-03-02 13:00 plan=other
u4 open 2026-03-03 13:00
u5 open 2026-03-02 14:00 plan=
u5 open 2026-03-04 14:00
u6 open 2026-03-03 08:00 plan=pro
u6 open 2026-03-04 08:00 plan=free
u7 open 2026-03-05 08:00
`

func TestRetentionFindGroupErrors(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtGroups), time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 3, Common: Common{By: "plan"}})
	_, err := r.FindGroup("Pro")
	want := `no group "Pro" in the breakdown by plan; the groups, largest first: "(none)" (no plan on the start event), "pro", "", "free", "other"`
	if err == nil || err.Error() != want {
		t.Errorf("FindGroup(Pro) = %v\nwant %s", err, want)
	}
	if _, err := rtRun(t, d, RetentionQuery{Periods: 3}).FindGroup("pro"); err == nil || !strings.Contains(err.Error(), "--by") {
		t.Errorf("FindGroup without --by = %v", err)
	}
	empty := rtRun(t, d, RetentionQuery{Periods: 3, Common: Common{By: "plan", From: "2027-01-01", To: "2027-01-02"}})
	if _, err := empty.FindGroup("pro"); err == nil || !strings.Contains(err.Error(), "no groups") {
		t.Errorf("FindGroup with no cohorts = %v", err)
	}

	// A stored value spelt "(none)" and the missing value share a label.
	d = NewDataset(rtTimeline(t, time.UTC, `
u1 open 2026-03-02 10:00 plan=(none)
u2 open 2026-03-02 10:00
`), time.UTC)
	r = rtRun(t, d, RetentionQuery{Periods: 2, Common: Common{By: "plan"}})
	if _, err := r.FindGroup(NoneValue); err == nil || !strings.Contains(err.Error(), "two groups") {
		t.Errorf("FindGroup of an ambiguous label = %v", err)
	}

	// Past groupListMax values the message counts the rest and suggests.
	var src strings.Builder
	for i := range groupListMax + 5 {
		fmt.Fprintf(&src, "u%02d open 2026-03-02 10:00 plan=v%02d\n", i, i)
	}
	d = NewDataset(rtTimeline(t, time.UTC, src.String()), time.UTC)
	r = rtRun(t, d, RetentionQuery{Periods: 2, Common: Common{By: "plan"}})
	_, err = r.FindGroup("v3")
	if err == nil || !strings.Contains(err.Error(), `"v29", and 5 more (all are in the table); closest: "v03"`) {
		t.Errorf("FindGroup among many = %v", err)
	}
}

// rtRandomPlans gives some events a plan: a value, the literal "other",
// the empty string, or none. Events of one user at one instant share it,
// so which of them starts a cohort does not change the group.
func rtRandomPlans(rng *rand.Rand, evs []RawEvent) {
	plans := []string{"pro", "free", "other", ""}
	at := map[string]RawEvent{}
	for i, e := range evs {
		key := fmt.Sprint(e.User, e.Time)
		if prev, ok := at[key]; ok {
			if v, ok := prev.Props["plan"]; ok {
				evs[i].Props["plan"] = v
			}
			continue
		}
		if n := rng.Intn(len(plans) + 1); n < len(plans) {
			evs[i].Props["plan"] = plans[n]
		}
		at[key] = evs[i]
	}
}

// naiveGroupCells lists, per "group|cohort start|period", the users counted
// there: each membership's group is the plan of the start event that made
// it, found by plain loops over the user's events.
func naiveGroupCells(evs []RawEvent, loc *time.Location, q RetentionQuery, where string, keep func(string) bool) map[string][]string {
	iv := Interval(q.Period)
	if iv == "" {
		iv = Day
	}
	out := map[string][]string{}
	if len(evs) == 0 {
		return out
	}
	from, to, minT, maxT := naiveRange(evs, loc, q.From, q.To)
	lo, hi := max(from, minT), min(to, maxT+1)
	if lo >= hi {
		return out
	}
	lastCohort, lastP := naivePeriod(hi-1, loc, iv), naivePeriod(maxT, loc, iv)
	byUser := map[string][]RawEvent{}
	for _, e := range evs {
		byUser[e.User] = append(byUser[e.User], e)
	}
	for u, ue := range byUser {
		if keep != nil && !keep(u) {
			continue
		}
		starts := map[int]RawEvent{} // cohort period -> the start event that made it
		returns := map[int]bool{}
		for _, e := range ue {
			if !naiveMatch(e, where) {
				continue
			}
			p := naivePeriod(e.Time, loc, iv)
			if (q.Start == "" || e.Event == q.Start) && e.Time >= from && e.Time < to && p <= lastCohort {
				key := p
				if !q.Recurring {
					key = math.MinInt // one membership: the earliest start overall
				}
				if s, ok := starts[key]; !ok || e.Time < s.Time {
					starts[key] = e
				}
			}
			if q.Return == "" || e.Event == q.Return {
				returns[p] = true
			}
		}
		for _, s := range starts {
			c := naivePeriod(s.Time, loc, iv)
			group, ok := s.Props["plan"]
			if !ok {
				group = NoneValue
			}
			for k := 0; k < q.Periods && c+k <= lastP; k++ {
				hit := k == 0
				for r := range returns {
					if r == c+k || q.Unbounded && k > 0 && r >= c+k {
						hit = true
					}
				}
				if hit {
					key := fmt.Sprintf("%s|%s|%d", group, naiveLabel(c, iv), k)
					out[key] = append(out[key], u)
				}
			}
		}
	}
	for _, us := range out {
		slices.Sort(us)
	}
	return out
}

// TestRetentionGroupCellsMatchNaive checks, on random data, every cell of
// every group: the listed users are the naive reference's, as many as the
// group's table counts, and the groups of a cell add up to its overall list.
func TestRetentionGroupCellsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	periods := []string{"day", "week", "month"}
	cells := 0
	for iter := 0; iter < 2000; iter++ {
		evs := rtRandom(rng)
		rtRandomPlans(rng, evs)
		var where string
		c, loc := rtRandomCommon(rng, &where)
		c.By = "plan"
		q := RetentionQuery{Common: c, Period: periods[rng.Intn(3)], Periods: 1 + rng.Intn(12),
			Unbounded: rng.Intn(2) == 0, Recurring: rng.Intn(3) == 0}
		if rng.Intn(2) == 0 {
			q.Start = "a"
		}
		if rng.Intn(2) == 0 {
			q.Return = "b"
		}
		keep := rtRandomSegment(rng, &q.Common)
		d := NewDataset(evs, time.UTC)
		d.Segments = segmentWhere(rtOddUser)
		if q.Start != "" && d.CheckEvent(q.Start) != nil || q.Return != "" && d.CheckEvent(q.Return) != nil ||
			d.CheckProp(context.Background(), "plan") != nil {
			continue
		}
		r, err := d.Retention(context.Background(), q)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		want := naiveGroupCells(evs, loc, q, where, keep)
		listed := 0
		for g, grp := range r.Breakdown {
			if i, err := r.FindGroup(grp.Value); err != nil || i != g {
				t.Fatalf("iter %d: FindGroup(%q) = %d, %v; want %d", iter, grp.Value, i, err, g)
			}
			for ci, co := range grp.Cohorts {
				for k, n := range co.Retained {
					got := slices.Sorted(slices.Values(r.GroupCellUsers(g, ci, k)))
					w := want[fmt.Sprintf("%s|%s|%d", grp.Value, co.Start, k)]
					if len(got) != n || !slices.Equal(got, w) {
						t.Fatalf("iter %d, query %+v, events %+v:\ngroup %q cell %s:%d lists %v, table counts %d, naive %v",
							iter, q, evs, grp.Value, co.Start, k, got, n, w)
					}
					listed += n
					cells++
				}
			}
		}
		naive := 0
		for _, us := range want {
			naive += len(us)
		}
		if listed != naive {
			t.Fatalf("iter %d, query %+v, events %+v: groups list %d memberships, naive %d", iter, q, evs, listed, naive)
		}
		for ci, co := range r.Cohorts {
			for k := range co.Retained {
				var union []string
				for g := range r.Breakdown {
					union = append(union, r.GroupCellUsers(g, ci, k)...)
				}
				slices.Sort(union)
				if all := slices.Sorted(slices.Values(r.CellUsers(ci, k))); !slices.Equal(union, all) {
					t.Fatalf("iter %d: cell %d:%d: groups list %v, overall %v", iter, ci, k, union, all)
				}
			}
		}
	}
	if cells < 10000 {
		t.Fatalf("only %d group cells checked", cells)
	}
}

// TestRetentionGroupTwoPartsMatchNaive lists group cells of a dataset
// large enough to be scanned by two goroutines, so memberships come from
// both parts.
func TestRetentionGroupTwoPartsMatchNaive(t *testing.T) {
	if testing.Short() {
		t.Skip("large dataset")
	}
	s := synthDataset(t, parallelMin+1000)
	evs := make([]RawEvent, 0, s.Len())
	plans := []string{"pro", "free", "other"}
	for p, u := range s.Users {
		for i := s.Start[p]; i < s.Start[p+1]; i++ {
			e := RawEvent{User: u, Event: s.Names[s.Event[i]], Time: s.Time[i], Props: map[string]string{}}
			// A function of user and time, so tied events agree.
			if h := (int64(p)*31 + s.Time[i]/1000) % 4; h < 3 {
				e.Props["plan"] = plans[h]
			}
			evs = append(evs, e)
		}
	}
	d := NewDataset(evs, time.UTC)
	q := RetentionQuery{Periods: 8, Period: "week", Start: "view_item", Return: "purchase", Common: Common{By: "plan"}}
	r := rtRun(t, d, q)
	if len(r.m) != 2 || len(r.m[1].cohort) == 0 {
		t.Fatalf("memberships not from two parts")
	}
	want := naiveGroupCells(evs, time.UTC, q, "", nil)
	if len(r.Breakdown) != 4 {
		t.Fatalf("%d groups, want pro, free, other and (none)", len(r.Breakdown))
	}
	for g, grp := range r.Breakdown {
		for ci, co := range grp.Cohorts {
			for k, n := range co.Retained {
				got := slices.Sorted(slices.Values(r.GroupCellUsers(g, ci, k)))
				if w := want[fmt.Sprintf("%s|%s|%d", grp.Value, co.Start, k)]; len(got) != n || !slices.Equal(got, w) {
					t.Fatalf("group %q cell %s:%d lists %d users, table counts %d, naive %d", grp.Value, co.Start, k, len(got), n, len(w))
				}
			}
		}
	}
}
