package query

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"testing"
	"time"
)

// TestRetentionFromCellsMatchesLocal counts random local results'
// memberships into cells, as a backend would, and checks that
// RetentionFromCells makes the same result, and that the user lists it
// fetches a cohort at a time are the local ones for every cell of the
// overall and the group tables.
func TestRetentionFromCellsMatchesLocal(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	periods := []string{"day", "week", "month"}
	ctx := context.Background()
	for iter := 0; iter < 600; iter++ {
		evs := rtRandom(rng)
		var where string
		c, _ := rtRandomCommon(rng, &where)
		q := RetentionQuery{Common: c, Period: periods[rng.Intn(3)], Periods: 1 + rng.Intn(12),
			Unbounded: rng.Intn(2) == 0, Recurring: rng.Intn(3) == 0}
		if rng.Intn(2) == 0 {
			q.Start = "a"
		}
		if rng.Intn(2) == 0 {
			q.Return = "b"
		}
		if rng.Intn(2) == 0 {
			q.By = "country"
		}
		rtRandomSegment(rng, &q.Common)
		d := NewDataset(evs, time.UTC)
		d.Segments = segmentWhere(rtOddUser)
		if q.Start != "" && d.CheckEvent(q.Start) != nil || q.Return != "" && d.CheckEvent(q.Return) != nil {
			continue
		}
		want, err := d.Retention(ctx, q)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		span := Span{Loc: want.plan.s.Loc, From: want.plan.s.From, To: want.plan.s.To}
		cells, persons := rtCells(d, want)
		got, err := RetentionFromCells(q, span, d.MinTime, d.MaxTime, d.Len() == 0, cells, persons)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("iter %d, query %+v:\n got %s\nwant %s", iter, q, gj, wj)
		}
		if !got.Remote() || got.CellUsers(0, 0) != nil {
			t.Fatalf("iter %d: a result from cells lists users without fetching them", iter)
		}
		for g := -1; g < len(want.Breakdown); g++ {
			for ci, co := range want.Cohorts {
				for k := range co.Retained {
					gu, err := got.Users(ctx, g, ci, k)
					if err != nil {
						t.Fatal(err)
					}
					wu, _ := want.Users(ctx, g, ci, k)
					if !slices.Equal(gu, wu) {
						t.Fatalf("iter %d, query %+v: group %d cohort %d period %d: got %v, want %v", iter, q, g, ci, k, gu, wu)
					}
				}
			}
		}
	}
}

// rtCells are the cells of r's memberships (over d), each cohort at its
// first instant, and a RetentionPersonsIn of d's persons with a
// membership in a cohort, their periods found by the engine's own
// per-person scan.
func rtCells(d *Dataset, r *RetentionResult) ([]RetentionCell, RetentionPersonsIn) {
	p := r.plan
	value := func(first int32) (string, bool) {
		if p.s.By == nil {
			return "", false
		}
		return p.s.By.Value(int(first))
	}
	var cells []RetentionCell
	for _, m := range r.members() {
		for i, c := range m.cohort {
			var v string
			var has bool
			if m.first != nil {
				v, has = value(m.first[i])
			}
			for k := range p.periods {
				if m.bits[i*p.words+k>>6]&(1<<(k&63)) != 0 {
					cells = append(cells, RetentionCell{Cohort: p.cal.Starts[c], Value: v, HasValue: has, Period: k, Members: 1})
				}
			}
		}
	}
	persons := func(_ context.Context, cohort int64) ([]RetentionPerson, error) {
		if p.cal == nil {
			return nil, nil
		}
		var out []RetentionPerson
		for pr := range d.Users {
			var sc retScratch
			var m retMembers
			p.person(pr, &sc, &m)
			if !slices.Contains(m.cohort, int32(p.cal.Bucket(cohort))) {
				continue
			}
			ps := RetentionPerson{User: d.Users[pr]}
			for i, b := range sc.starts {
				ps.Starts = append(ps.Starts, p.cal.Starts[b])
				if p.keepFirst {
					v, has := value(sc.firsts[i])
					ps.By, ps.HasBy = append(ps.By, v), append(ps.HasBy, has)
				}
			}
			for _, b := range sc.returns {
				ps.Returns = append(ps.Returns, p.cal.Starts[b])
			}
			out = append(out, ps)
		}
		return out, nil
	}
	return cells, persons
}
