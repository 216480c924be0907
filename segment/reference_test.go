package segment

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// naive is a deliberately simple reference evaluator: it works on the raw
// events of one user with time.Time arithmetic and no indexes, codes or
// early exits, so the real evaluator can be checked against it.
type naive struct {
	loc  *time.Location
	maxT int64
}

func (r naive) dayStart(ms int64, plusDays int) int64 {
	t := time.UnixMilli(ms).In(r.loc)
	return time.Date(t.Year(), t.Month(), t.Day()+plusDays, 0, 0, 0, 0, r.loc).UnixMilli()
}

func (r naive) rel(x Rel) (int64, int64) {
	switch x.Unit {
	case 'h':
		return r.maxT - int64(x.N)*3600_000 + 1, r.maxT + 1
	case 'm':
		return r.maxT - int64(x.N)*60_000 + 1, r.maxT + 1
	case 'w':
		x.N *= 7
	}
	return r.dayStart(r.maxT, 1-x.N), r.dayStart(r.maxT, 1)
}

func (r naive) date(s string, plus int) int64 {
	t, err := time.ParseInLocation("2006-01-02", s, r.loc)
	if err != nil {
		panic(err)
	}
	return time.Date(t.Year(), t.Month(), t.Day()+plus, 0, 0, 0, 0, r.loc).UnixMilli()
}

func (r naive) window(w Window) (int64, int64) {
	if w.Rel.N > 0 {
		return r.rel(w.Rel)
	}
	if w.From != "" {
		return r.date(w.From, 0), r.date(w.To, 1)
	}
	return math.MinInt64, math.MaxInt64
}

func testFilter(f query.Filter, e query.RawEvent) bool {
	v, ok := e.Props[f.Prop]
	if !ok {
		return f.Op == "is not set" || f.Op == "!=" || f.Op == "not in"
	}
	num, err := strconv.ParseFloat(v, 64)
	if err != nil {
		num = math.NaN()
	}
	return f.Test(v, num)
}

func matches(m EventMatch, e query.RawEvent) bool {
	if e.Event != m.Name {
		return false
	}
	for _, f := range m.Where {
		if !testFilter(f, e) {
			return false
		}
	}
	return true
}

func (r naive) eval(n Node, evs []query.RawEvent) bool {
	switch n := n.(type) {
	case And:
		for _, x := range n.Terms {
			if !r.eval(x, evs) {
				return false
			}
		}
		return true
	case Or:
		for _, x := range n.Terms {
			if r.eval(x, evs) {
				return true
			}
		}
		return false
	case Not:
		return !r.eval(n.X, evs)
	case Did:
		from, to := r.window(n.Win)
		c := 0
		for _, e := range evs {
			if e.Time >= from && e.Time < to && matches(n.Event, e) {
				c++
			}
		}
		switch n.Cmp {
		case ">=":
			return c >= n.N
		case "<=":
			return c <= n.N
		case "=":
			return c == n.N
		case ">":
			return c > n.N
		}
		return c < n.N
	case Seen:
		t := evs[0].Time
		if n.Last {
			t = evs[len(evs)-1].Time
		}
		switch n.Op {
		case "before":
			return t < r.date(n.Date, 0)
		case "after":
			return t >= r.date(n.Date, 1)
		case "within":
			from, _ := r.rel(n.Rel)
			return t >= from
		}
		return t >= r.date(n.Date, 0) && t < r.date(n.To, 1)
	case UserProp:
		for i := len(evs) - 1; i >= 0; i-- {
			if _, ok := evs[i].Props[n.Filter.Prop]; ok {
				return testFilter(n.Filter, evs[i])
			}
		}
		return testFilter(n.Filter, query.RawEvent{})
	case Seq:
		from, to := r.window(n.Win)
		inA := func(e query.RawEvent) bool { return e.Time >= from && e.Time < to && matches(n.A, e) }
		soon := func(a, b int64) bool { return n.Within == 0 || b-a <= n.Within }
		if !n.Absent {
			for i := range evs {
				for j := i + 1; j < len(evs); j++ {
					if inA(evs[i]) && matches(n.B, evs[j]) && soon(evs[i].Time, evs[j].Time) {
						return true
					}
				}
			}
			return false
		}
		last := -1
		for i := range evs {
			if inA(evs[i]) {
				last = i
			}
		}
		if last < 0 {
			return false
		}
		for j := last + 1; j < len(evs); j++ {
			if matches(n.B, evs[j]) && soon(evs[last].Time, evs[j].Time) {
				return false
			}
		}
		return true
	case Streak:
		days := map[string]map[int64]bool{} // value -> local day starts
		for _, e := range evs {
			if !matches(n.Event, e) {
				continue
			}
			v := ""
			if n.By != "" {
				var ok bool
				if v, ok = e.Props[n.By]; !ok {
					continue
				}
			}
			if days[v] == nil {
				days[v] = map[int64]bool{}
			}
			days[v][r.dayStart(e.Time, 0)] = true
		}
		for v, set := range days {
			for start := range set {
				if set[r.dayStart(start, -1)] {
					continue // not the first day of its run
				}
				length := 0
				for d := start; set[d]; d = r.dayStart(d, 1) {
					length++
				}
				if length < n.Days {
					continue
				}
				spoiled := false
				for _, e := range evs {
					if n.Without != "" && e.Event == n.Without && e.Time >= start {
						w, ok := e.Props[n.By]
						if n.By == "" || !ok || w == v {
							spoiled = true
						}
					}
				}
				if !spoiled {
					return true
				}
			}
		}
		return false
	case Active:
		from, _ := r.rel(n.Rel)
		return (evs[len(evs)-1].Time >= from) != n.Silent
	}
	panic(fmt.Sprintf("naive: %T", n))
}

// randomData makes a small random dataset in loc over March 2026 (which
// holds a DST change in New York), with repeated instants.
func randomData(rng *rand.Rand, loc *time.Location) []query.RawEvent {
	names := []string{"a", "b", "c"}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, loc).UnixMilli()
	var evs []query.RawEvent
	users := 5 + rng.Intn(25)
	for u := 0; u < users; u++ {
		n := 1 + rng.Intn(14)
		for k := 0; k < n; k++ {
			e := query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))]}
			switch rng.Intn(4) {
			case 0: // clustered on few day boundaries, to hit edges
				e.Time = base + int64(rng.Intn(40))*86400_000 + int64(rng.Intn(3)-1)*60_000
			default:
				e.Time = base + int64(rng.Intn(40*24*60))*60_000
			}
			e.Props = map[string]string{}
			if rng.Intn(3) > 0 {
				e.Props["country"] = []string{"CN", "US", "DE"}[rng.Intn(3)]
			}
			if rng.Intn(2) > 0 {
				e.Props["price"] = strconv.Itoa(rng.Intn(20))
			}
			if rng.Intn(4) > 0 {
				e.Props["pid"] = []string{"P1", "P2"}[rng.Intn(2)]
			}
			evs = append(evs, e)
		}
	}
	rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	return evs
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.Intn(len(xs))] }

func randomDate(rng *rand.Rand) string {
	return fmt.Sprintf("2026-03-%02d", 1+rng.Intn(31))
}

func randomRel(rng *rand.Rand) string {
	return strconv.Itoa(1+rng.Intn(20)) + pick(rng, "d", "d", "w", "h", "m")
}

func randomFilter(rng *rand.Rand) string {
	switch rng.Intn(6) {
	case 0:
		return "country " + pick(rng, "=", "!=") + " " + pick(rng, "CN", "US", "DE")
	case 1:
		return "price " + pick(rng, ">", ">=", "<", "<=", "=") + " " + strconv.Itoa(rng.Intn(20))
	case 2:
		return "country " + pick(rng, "in", "not in") + " (CN, DE)"
	case 3:
		return pick(rng, "pid", "price") + " " + pick(rng, "is set", "is not set")
	case 4:
		return "pid = " + pick(rng, "P1", "P2")
	}
	return "country contains " + pick(rng, "c", "u")
}

func randomEvent(rng *rand.Rand) string {
	s := pick(rng, "a", "b", "c", "x")
	if rng.Intn(3) == 0 {
		s += " where " + randomFilter(rng)
		if rng.Intn(3) == 0 {
			s += " and " + randomFilter(rng)
		}
	}
	return s
}

func randomTerm(rng *rand.Rand) string {
	switch rng.Intn(8) {
	case 0, 1:
		s := "did " + randomEvent(rng)
		if rng.Intn(2) == 0 {
			s += " " + pick(rng, ">=", "<=", "=", ">", "<") + " " + strconv.Itoa(rng.Intn(4))
		}
		switch rng.Intn(3) {
		case 0:
			s += " in " + randomRel(rng)
		case 1:
			d1, d2 := randomDate(rng), randomDate(rng)
			if d2 < d1 {
				d1, d2 = d2, d1
			}
			s += " between " + d1 + " and " + d2
		}
		return s
	case 2:
		s := pick(rng, "first_seen", "last_seen") + " "
		switch rng.Intn(4) {
		case 0:
			return s + "before " + randomDate(rng)
		case 1:
			return s + "after " + randomDate(rng)
		case 2:
			return s + "within " + randomRel(rng)
		}
		d1, d2 := randomDate(rng), randomDate(rng)
		if d2 < d1 {
			d1, d2 = d2, d1
		}
		return s + "between " + d1 + " and " + d2
	case 3:
		return randomFilter(rng)
	case 4:
		s := "did " + randomEvent(rng) + " then " + pick(rng, "", "not ") + randomEvent(rng)
		if rng.Intn(3) > 0 {
			s += " within " + strconv.Itoa(1+rng.Intn(48)) + pick(rng, "h", "m", "d")
		}
		if rng.Intn(3) == 0 {
			s += " in " + randomRel(rng)
		}
		return s
	case 5:
		s := "streak " + randomEvent(rng)
		if rng.Intn(2) == 0 {
			s += " by pid"
		}
		s += " >= " + strconv.Itoa(1+rng.Intn(3)) + " days"
		if w := pick(rng, "a", "b", "c"); rng.Intn(2) == 0 && !strings.HasPrefix(s, "streak "+w) {
			s += " without " + w
		}
		return s
	case 6:
		return "active in " + randomRel(rng)
	}
	return "silent for " + randomRel(rng)
}

func randomExpr(rng *rand.Rand, depth int) string {
	if depth == 0 || rng.Intn(3) == 0 {
		return "(" + randomTerm(rng) + ")"
	}
	switch rng.Intn(3) {
	case 0:
		return "not " + randomExpr(rng, depth-1)
	case 1:
		return randomExpr(rng, depth-1) + " and " + randomExpr(rng, depth-1)
	}
	return "(" + randomExpr(rng, depth-1) + " or " + randomExpr(rng, depth-1) + ")"
}

func TestMembershipMatchesNaiveReference(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "Asia/Shanghai"), mustLoc(t, "America/New_York")}
	rng := rand.New(rand.NewSource(7))
	checked, matched := 0, 0
	for round := 0; round < 150; round++ {
		// Evaluated in loc; in two rounds of three the dataset's own
		// display timezone is another one, which the context's must override.
		loc := locs[round%len(locs)]
		stored := locs[(round/len(locs))%len(locs)]
		ctx := WithZone(context.Background(), loc)
		evs := randomData(rng, loc)
		d := query.NewDataset(evs, stored)
		byUser := map[string][]query.RawEvent{}
		for _, e := range evs {
			byUser[e.User] = append(byUser[e.User], e)
		}
		for _, list := range byUser {
			sort.SliceStable(list, func(i, j int) bool { return list[i].Time < list[j].Time })
		}
		ref := naive{loc: loc, maxT: d.MaxTime}
		for k := 0; k < 25; k++ {
			expr := randomExpr(rng, 3)
			n, err := Parse(expr)
			if err != nil {
				t.Fatalf("generated %q: %v", expr, err)
			}
			e, err := Compile(ctx, d, n)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			got, err := e.Members(ctx)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			for p, u := range d.Users {
				// Stable sort keeps shuffled order among equal instants in
				// both, so sequences of same-time events agree too.
				want := ref.eval(n, byUser[u])
				if got[p] != want {
					t.Fatalf("round %d %s, user %s: got %v, naive %v\nexpr: %s\nevents: %s",
						round, loc, u, got[p], want, expr, dump(byUser[u], loc))
				}
				checked++
				if want {
					matched++
					// Every match can be explained, without panicking.
					if ev := e.Explain(p); len(ev) == 0 {
						t.Fatalf("%s, user %s: matched without evidence", expr, u)
					}
				}
			}
			// As of a random instant: later events unseen, windows end there.
			asOf := d.MinTime + rng.Int63n(d.MaxTime-d.MinTime+1)
			if rng.Intn(2) == 0 {
				asOf = ref.dayStart(asOf, 1) - 1 // a day's end, as Trend uses
			}
			ea, err := CompileAsOf(ctx, d, n, asOf)
			if err != nil {
				t.Fatal(err)
			}
			past := naive{loc: loc, maxT: min(asOf, d.MaxTime)}
			for p, u := range d.Users {
				var seen []query.RawEvent
				for _, ev := range byUser[u] {
					if ev.Time <= past.maxT {
						seen = append(seen, ev)
					}
				}
				if want := len(seen) > 0 && past.eval(n, seen); ea.Match(p) != want {
					t.Fatalf("round %d %s, as of %s, user %s: got %v, naive %v\nexpr: %s\nevents: %s", round, loc,
						time.UnixMilli(asOf).In(loc).Format(time.RFC3339), u, !want, want, expr, dump(byUser[u], loc))
				}
			}
		}
	}
	// Guard against a generator whose expressions are all trivially false.
	if matched < checked/10 || matched > checked*9/10 {
		t.Errorf("%d of %d memberships true: the generator is lopsided", matched, checked)
	}
}

func dump(evs []query.RawEvent, loc *time.Location) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n  %s %s %v", time.UnixMilli(e.Time).In(loc).Format("2006-01-02T15:04:05"), e.Event, e.Props)
	}
	return b.String()
}
