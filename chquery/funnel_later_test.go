package chquery

import (
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFunnelLaterHandChecked: exclusions from a later step to the last
// over steps sharing a name (laterSQL), window 1h.
//
// view, view, buy with open excluded from step 2 to 3:
//   - p1 view 10:00, view 10:01, open 10:02, buy 10:03: the open comes
//     between its second view and its buy, and no later view starts a
//     clean chain: step 2 (from 10:00, 1m).
//   - p2 view, view, open, buy all at 10:00: the open is not strictly
//     between two events of one instant: converts (0, 0).
//   - p3 view 10:00, open 10:01, view 10:02, view 10:03, buy 10:04: the
//     open comes before step 2: converts; the latest start converting is
//     10:02 (1m, 1m).
//   - p4 view 10:00, view 10:01, buy 10:02, open 10:03: converts (1m, 1m).
//   - q5 view 10:00, 10:01, cart 10:02, open 10:03; q6 view 10:00, 10:01,
//     open 10:02, view 10:03, cart 10:04; q7 view 10:00, 10:01, cart
//     10:02, open 10:03, view 10:04, cart 10:05: step 2 (q5 from 10:00,
//     1m; q6 from 10:01, 2m; q7 from 10:01, 3m).
//
// Users per step 7, 7, 3; medians to step 2 of 60 0 60 60 60 120 180 is
// 60, to buy of 0 60 60 is 60.
//
// view, view, cart, buy with open excluded from step 2 to 4: no one buys;
// q5 reached cart at 10:02 but the open at 10:03 follows its step 2
// within the window: held at step 2. q6's and q7's latest chains to cart
// take a view after their open: they stay at cart (q6 from 10:01: view
// 10:03, cart 10:04, 2m then 1m; q7 from 10:01: view 10:04, cart 10:05,
// 3m then 1m). Users per step 7, 7, 2, 0; medians to step 2 still 60 (q5
// counted from 10:00), to cart 60.
func TestFunnelLaterHandChecked(t *testing.T) {
	f := newFixture(t)
	ev := eventAt
	raw := []query.RawEvent{
		ev("p1", "view", 10, 0), ev("p1", "view", 10, 1), ev("p1", "open", 10, 2), ev("p1", "buy", 10, 3),
		ev("p2", "buy", 10, 0), ev("p2", "open", 10, 0), ev("p2", "view", 10, 0), ev("p2", "view", 10, 0),
		ev("p3", "view", 10, 0), ev("p3", "open", 10, 1), ev("p3", "view", 10, 2), ev("p3", "view", 10, 3), ev("p3", "buy", 10, 4),
		ev("p4", "view", 10, 0), ev("p4", "view", 10, 1), ev("p4", "buy", 10, 2), ev("p4", "open", 10, 3),
		ev("q5", "view", 10, 0), ev("q5", "view", 10, 1), ev("q5", "cart", 10, 2), ev("q5", "open", 10, 3),
		ev("q6", "view", 10, 0), ev("q6", "view", 10, 1), ev("q6", "open", 10, 2), ev("q6", "view", 10, 3), ev("q6", "cart", 10, 4),
		ev("q7", "view", 10, 0), ev("q7", "view", 10, 1), ev("q7", "cart", 10, 2), ev("q7", "open", 10, 3), ev("q7", "view", 10, 4), ev("q7", "cart", 10, 5),
		ev("zz", "other", 24*30, 0),
	}
	b := f.load(raw, time.UTC)
	for _, tc := range []struct {
		steps   []string
		ex      query.Exclusion
		users   []int
		medians []float64
	}{
		{[]string{"view", "view", "buy"}, query.Exclusion{Event: "open", From: 1, To: 2}, []int{7, 7, 3}, []float64{60, 60}},
		{[]string{"view", "view", "cart", "buy"}, query.Exclusion{Event: "open", From: 1}, []int{7, 7, 2, 0}, []float64{60, 60}},
	} {
		q := query.FunnelQuery{Steps: query.FunnelSteps(tc.steps), Window: "1h", Exclude: []query.Exclusion{tc.ex}}
		users, medians := stepFigures(sameFunnel(t, b, q))
		if !slices.Equal(users, tc.users) || !slices.Equal(medians, tc.medians) {
			t.Fatalf("%v excluding %+v: users per step %v, medians %v; want %v, %v", tc.steps, tc.ex, users, medians, tc.users, tc.medians)
		}
	}
}
