package experiment

import (
	"strings"
	"testing"

	"github.com/spoorhq/spoor/query"
)

// When no sample size can be given for a lift of MDE, the verdict names
// the reason the control gives, not a generic "no conversions": a control
// of one converting user has conversions but no spread of revenue.
func TestVerdictWithoutBaseline(t *testing.T) {
	buyer := func(u, variant, price string) []query.RawEvent {
		return []query.RawEvent{ev(u, "see", t0, "exp", variant), ev(u, "goal", t0+hour, "price", price)}
	}
	cases := []struct {
		name string
		evs  [][]query.RawEvent
		q    Query
		want string
	}{
		{"no conversions", [][]query.RawEvent{{ev("a", "see", t0, "exp", "A")}, buyer("b", "B", "5")},
			Query{Variant: "exp", Goal: "goal"}, "the control has no conversions yet"},
		{"one control user", [][]query.RawEvent{buyer("a", "A", "5"), buyer("b", "B", "5"), buyer("c", "B", "7")},
			Query{Variant: "exp", Goal: "goal", Revenue: "price"}, "the control has 1 user, too few"},
		{"no revenue", [][]query.RawEvent{buyer("a1", "A", "0"), buyer("a2", "A", "0"), buyer("b", "B", "5")},
			Query{Variant: "exp", Goal: "goal", Revenue: "price"}, "the control has no revenue yet"},
		{"same revenue", [][]query.RawEvent{buyer("a1", "A", "5"), buyer("a2", "A", "5"), buyer("b", "B", "7")},
			Query{Variant: "exp", Goal: "goal", Revenue: "price"}, "every control user has the same revenue"},
	}
	for _, c := range cases {
		var evs []query.RawEvent
		for _, e := range c.evs {
			evs = append(evs, e...)
		}
		r := run(t, evs, c.q)
		if r.Verdict != VerdictTooFew || !strings.Contains(r.Text, c.want) {
			t.Errorf("%s: %s %q, want %s and %q", c.name, r.Verdict, r.Text, VerdictTooFew, c.want)
		}
		if c.name != "no conversions" && strings.Contains(r.Text, "no conversions") {
			t.Errorf("%s: %q says no conversions, but the control converted", c.name, r.Text)
		}
	}
}
