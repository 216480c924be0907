package query

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"
)

// TestBuildOrdersByPersonThenTime checks the in-place ordering against a
// plain sort of the same random events.
func TestBuildOrdersByPersonThenTime(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 200; trial++ {
		var evs []RawEvent
		for i := rng.Intn(60); i > 0; i-- {
			evs = append(evs, RawEvent{User: fmt.Sprint("u", rng.Intn(5)), Event: fmt.Sprint("e", rng.Intn(3)), Time: int64(rng.Intn(20))})
		}
		d := NewDataset(evs, time.UTC)
		var want, got []string
		for i, e := range evs {
			want = append(want, fmt.Sprintf("%s %03d %05d %s", e.User, e.Time, i, e.Event))
		}
		sort.Strings(want)
		pos, _ := d.positions(context.Background())
		row := make([]int32, len(pos)) // event index -> storage row
		for r, i := range pos {
			row[i] = int32(r)
		}
		for p := range d.Users {
			for i := d.Start[p]; i < d.Start[p+1]; i++ {
				got = append(got, fmt.Sprintf("%s %03d %05d %s", d.Users[p], d.Time[i], row[i], d.Names[d.Event[i]]))
			}
		}
		sort.Strings(got) // persons are in first-seen order; compare as sets of lines
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("trial %d:\n got %v\nwant %v", trial, got, want)
		}
		for p := range d.Users {
			for i := d.Start[p] + 1; i < d.Start[p+1]; i++ {
				if d.Time[i] < d.Time[i-1] || d.Time[i] == d.Time[i-1] && row[i] < row[i-1] {
					t.Fatalf("trial %d: person %s out of order at %d", trial, d.Users[p], i)
				}
			}
		}
	}
}

// segmentWhere resolves every --segment name to the users keep accepts.
type segmentWhere func(user string) bool

func (keep segmentWhere) Members(ctx context.Context, d *Dataset, name string) ([]bool, error) {
	m := make([]bool, len(d.Users))
	for p, u := range d.Users {
		m[p] = keep(u)
	}
	return m, nil
}

func (keep segmentWhere) Breakdown(ctx context.Context, d *Dataset, name string) (*Prop, error) {
	return nil, fmt.Errorf("no --by segment:%s in these tests", name)
}
