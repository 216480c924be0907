package experiment

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// Exposure is users with the same outcome as a backend that evaluates
// users where their events are (package chquery) reports them: what
// Run's scan finds for each of them.
type Exposure struct {
	Users int // how many users this stands for
	// Variants are the distinct variants the users carried, sorted (none:
	// never assigned; several: excluded); Variant is the one on their
	// exposure event (their earliest carrying one).
	Variants []string
	Variant  string
	// InTest: the exposure falls in the date range and passes --where.
	InTest bool
	// Level is the number of steps done in order within the window;
	// InProgress that the goal is not reached and the window runs past
	// the data's last event.
	Level      int
	InProgress bool
	// Revenue is the revenue property's text on each goal event counted
	// (from the one reaching the goal on, in time order), for --revenue;
	// text that is not a number adds nothing.
	Revenue []string
	// By is the --by value on the exposure event; HasBy false when that
	// event lacks the property.
	By    string
	HasBy bool
}

// Assignment is what a backend knows of the properties before it counts
// users: whether any event carries the variant property and the revenue
// property.
type Assignment struct {
	VariantCarried, RevenueCarried bool
}

// Check checks q as Run does, except for its event names (the backend's
// to check), and returns its steps (a goal is one step) and window in ms.
func Check(q Query, a Assignment) ([]query.FunnelStep, int64, error) {
	_, steps, window, err := checkAssigned(q, a)
	return steps, window, err
}

func checkAssigned(q Query, a Assignment) (Query, []query.FunnelStep, int64, error) {
	q, steps, window, err := check(q)
	if err == nil {
		err = checkVariant(q, a.VariantCarried)
	}
	if err == nil && q.Revenue != "" {
		err = checkRevenue(q, a.RevenueCarried)
	}
	return q, steps, window, err
}

// FromExposures evaluates q from the backend's exposures, as Run does from
// the events. It reads them twice: with --revenue, each arm's room for
// its users' revenue is made at once (at 10M events a ClickHouse
// experiment's 660,000 users grew the arms' slices copy after copy, a
// sixth of the client's CPU with the page faults of each new copy).
func FromExposures(q Query, a Assignment, exposures iter.Seq[Exposure]) (*Result, error) {
	q, steps, window, err := checkAssigned(q, a)
	if err != nil {
		return nil, err
	}
	sc := newScan()
	if q.Revenue != "" {
		users := map[string]int{}
		for x := range exposures {
			if x.InTest && len(x.Variants) == 1 {
				users[x.Variant] += x.Users
			}
		}
		// The arms add would make, as it makes them.
		for v, n := range users {
			sc.arms[v] = &arm{name: v, levels: make([]int, len(steps)), revenue: make([]float64, 0, n)}
		}
	}
	groups := map[group]*scan{}
	for x := range exposures {
		sc.add(q, len(steps), x)
		if q.By != "" && len(x.Variants) > 0 {
			key := group{value: x.By, has: x.HasBy}
			g := groups[key]
			if g == nil {
				g = newScan()
				groups[key] = g
			}
			g.add(q, len(steps), x)
		}
	}
	return finish(q, steps, window, sc, groups)
}

// add counts the users of x as person counts a user.
func (sc *scan) add(q Query, steps int, x Exposure) {
	if len(x.Variants) == 0 || !x.InTest {
		return
	}
	if len(x.Variants) > 1 {
		sc.excluded += x.Users
		sc.conflicts[strings.Join(x.Variants, " + ")] += x.Users
		return
	}
	a := sc.arms[x.Variant]
	if a == nil {
		a = &arm{name: x.Variant, levels: make([]int, steps)}
		sc.arms[x.Variant] = a
	}
	a.users += x.Users
	if x.Level > 0 {
		a.levels[x.Level-1] += x.Users
	}
	if x.Level == steps {
		a.converted += x.Users
	} else if x.InProgress {
		a.inProgress += x.Users
	}
	if q.Revenue != "" {
		// The sum in time order, as person adds it.
		sum := 0.0
		for _, v := range x.Revenue {
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
				sum += f
			}
		}
		// One row stands for many users (a ClickHouse row for a whole
		// group): room for them all at once, not an append each.
		n := len(a.revenue)
		a.revenue = slices.Grow(a.revenue, x.Users)[:n+x.Users]
		for i := n; i < len(a.revenue); i++ {
			a.revenue[i] = sum
		}
	}
}
