package sequence

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// chEvents builds the events ClickHouse keeps for data values at times
// 0, 1, 2, ... (seconds) under conditions data = conds[0], ...: rows
// meeting no condition are dropped.
func chEvents(data []int, conds ...int) ([]Event, []int64) {
	var ev []Event
	var secs []int64
	for t, v := range data {
		var c uint32
		for i, want := range conds {
			if v == want {
				c |= 1 << uint(i)
			}
		}
		if c != 0 {
			ev = append(ev, Event{T: int64(t) * 1000, Conds: c})
			secs = append(secs, int64(t))
		}
	}
	return ev, secs
}

func eval(t *testing.T, pattern string, ev []Event, conds int) Answer {
	t.Helper()
	p, err := Parse(pattern, conds)
	if err != nil {
		t.Fatalf("Parse(%q): %v", pattern, err)
	}
	r, err := p.NewMatcher().Eval(context.Background(), ev)
	if err != nil {
		t.Fatalf("Eval(%q): %v", pattern, err)
	}
	return r
}

// TestClickHouseSequenceFamily ports tests/queries/0_stateless/
// 00222_sequence_aggregate_function_family.sql: sequenceMatch,
// sequenceCount and sequenceMatchEvents on one table, times in seconds.
func TestClickHouseSequenceFamily(t *testing.T) {
	data := []int{0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 1}
	four, fourSecs := chEvents(data, 0, 1, 2, 3)
	two, twoSecs := chEvents(data, 1, 2)
	for _, c := range []struct {
		pattern string
		two     bool // conditions data = 1, data = 2 instead of data = 0..3
		match   bool
		count   int
		events  []int64
	}{
		{"", false, true, 12, nil},
		{".", false, true, 12, nil},
		{".*", false, true, 12, nil},
		{"(?1)", false, true, 8, []int64{0}},
		{"(?2)", false, true, 3, []int64{4}},
		{"(?3)", false, true, 1, []int64{5}},
		{"(?4)", false, false, 0, nil},
		{"(?1)(?1)", false, true, 4, []int64{0, 1}},
		{"(?1)(?1)(?1)", false, true, 2, []int64{0, 1, 2}},
		{"(?1)(?1)(?1)(?1)", false, true, 2, []int64{0, 1, 2, 3}},
		{"(?1)(?1)(?1)(?1)(?1)", false, false, 0, []int64{0, 1, 2, 3}},
		{"(?1)(?1)(?1)(?1)(?2)", false, true, 2, []int64{0, 1, 2, 3, 4}},
		{"(?1)(?t>10)(?2)", false, true, 1, []int64{0, 11}},
		{"(?1)(?t>11)(?2)", false, false, 0, []int64{0}},
		{"(?1)(?t<11)(?2)", false, true, 2, []int64{0, 4}},
		{"(?1)(?t<3)(?3)", false, true, 1, []int64{3, 5}},
		{"(?1)(?t<=2)(?3)", false, true, 1, []int64{3, 5}},
		{"(?1)(?t<2)(?3)", false, false, 0, []int64{0}},
		{"(?2)(?t>=7)(?2)", false, true, 1, []int64{4, 11}},
		{"(?2)(?t>7)(?2)", false, false, 0, []int64{4}},
		{"(?2)(?3)(?1)", false, true, 1, []int64{4, 5, 6}},
		{"(?1)(?t==2)(?2)", true, false, 0, []int64{4}},
		{"(?1)(?t==1)(?2)", true, true, 1, []int64{4, 5}},
	} {
		ev, secs, conds := four, fourSecs, 4
		if c.two {
			ev, secs, conds = two, twoSecs, 2
		}
		r := eval(t, c.pattern, ev, conds)
		var got []int64
		for _, i := range r.Events {
			got = append(got, secs[i])
		}
		if r.Match != c.match || r.Count != c.count || !slices.Equal(got, c.events) {
			t.Errorf("%q: match %v count %d events %v, want %v %d %v", c.pattern, r.Match, r.Count, got, c.match, c.count, c.events)
		}
	}
}

// TestSequenceMatchEventsDocExample is the example of ClickHouse's
// sequenceMatchEvents documentation: no full match (condition 3 never
// happens), the longest partial match's events.
func TestSequenceMatchEventsDocExample(t *testing.T) {
	ev, secs := chEvents([]int{-1, 1, 3, 2, 1, 3, 2}, 1, 2, 4) // times 1..6
	r := eval(t, "(?1).*(?2).*(?1)(?3)", ev, 3)
	var got []int64
	for _, i := range r.Events {
		got = append(got, secs[i])
	}
	if r.Match || r.Count != 0 || !slices.Equal(got, []int64{1, 3, 4}) {
		t.Errorf("match %v count %d events %v, want false 0 [1 3 4]", r.Match, r.Count, got)
	}
	// sequenceCount's documentation: 2 after 1 twice, others between.
	ev, _ = chEvents([]int{-1, 1, 3, 2, 1, 3, 2}, 1, 2)
	if r := eval(t, "(?1).*(?2)", ev, 2); r.Count != 2 {
		t.Errorf("sequenceCount('(?1).*(?2)') = %d, want 2", r.Count)
	}
	// sequenceMatch's: 3 between 1 and 2 breaks (?1)(?2) once it is a
	// condition, not while it is none.
	for conds, want := range map[int]bool{2: true, 3: false} {
		ev, _ = chEvents([]int{-1, 1, 3, 2}, []int{1, 2, 3}[:conds]...)
		if r := eval(t, "(?1)(?2)", ev, conds); r.Match != want {
			t.Errorf("(?1)(?2) with %d conditions: %v, want %v", conds, r.Match, want)
		}
	}
}

// TestSequenceLinearOnAMillionEvents ports 00823_sequence_match_dfa: one
// person, A then 999,999 B then C; the patterns without time conditions
// take one pass (the backtracking search ClickHouse used before its DFA
// could not finish).
func TestSequenceLinearOnAMillionEvents(t *testing.T) {
	n := 1_000_001
	ev := make([]Event, n)
	for i := range ev {
		c := uint32(1 << 1) // B
		switch i {
		case 0:
			c = 1 << 0
		case n - 1:
			c = 1 << 2
		}
		ev[i] = Event{T: int64(i) * 1000, Conds: c}
	}
	start := time.Now()
	for pattern, want := range map[string]bool{"(?1).*(?2).*(?3)": true, "(?3).*(?2).*(?1)": false} {
		if r := eval(t, pattern, ev, 3); r.Match != want || (r.Count == 1) != want {
			t.Errorf("%s: match %v count %d, want %v", pattern, r.Match, r.Count, want)
		}
	}
	// ABA: conditions A, B, A; C meets none and is dropped.
	ev = ev[:n-1]
	ev[0].Conds |= 1 << 2
	if r := eval(t, "(?1).*(?2).*(?3)", ev, 3); r.Match {
		t.Errorf("ABA matched")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("a million events took %v", d)
	}
}

// TestSequencePathologicalPattern: a pattern with time conditions that
// no event sequence satisfies makes the backtracking search explore
// every way to place the .* — it stops at ClickHouse's limit, and a
// cancelled context stops it sooner.
func TestSequencePathologicalPattern(t *testing.T) {
	ev := make([]Event, 3000)
	for i := range ev {
		ev[i] = Event{T: int64(i) * 1000, Conds: 1}
	}
	p, err := Parse("(?1).*(?1).*(?1).*(?1)(?t>100000)(?1)", 1)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.NewMatcher().Eval(context.Background(), ev)
	if !errors.Is(err, ErrTooSlow) {
		t.Fatalf("err %v, want ErrTooSlow", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stopping at the limit took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.NewMatcher().Eval(ctx, ev); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for pattern, want := range map[string]string{
		"(?1)(?3)":         "condition 3 is not one of the 2",
		"(?0)":             "condition 0",
		"(?1":              "closing parenthesis",
		"(?x)":             "condition number",
		"(?t~5)(?1)":       "unknown time condition",
		"(?1)(?t<)":        "number of seconds",
		"(?1)x":            "unexpected character",
		"(?1)(?t<5)(?t<5)": "must follow an event",
	} {
		_, err := Parse(pattern, 2)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want an error saying %q", pattern, err, want)
		}
	}
}

// refOutcome is how a branch of the reference search ends: final ends
// the whole search (ClickHouse stops when a branch runs out of events).
type refOutcome int

const (
	refFail refOutcome = iota
	refFinal
)

// refSearch restates backtrackingMatch as a plain recursion over its
// choices, in the same order: a .* or a satisfied time condition first
// goes on, then retries one event later; an unsatisfied >=, > or ==
// waits for a later event; a branch that runs out of events decides the
// whole search.
type refSearch struct {
	acts    []action
	ev      []Event
	path    []int
	best    []int
	matched bool
	end     int
}

func (s *refSearch) rec(a, e, base int) refOutcome {
	n := len(s.ev)
	if a == len(s.acts) || e == n {
		for a < len(s.acts) {
			k := s.acts[a].kind
			if k != star && k != timeLE && k != timeLT && (k != timeGE || s.acts[a].arg != 0) {
				break
			}
			a++
		}
		s.matched, s.end = a == len(s.acts), e
		return refFinal
	}
	retry := func() refOutcome {
		if e+1 < n {
			return s.rec(a, e+1, base)
		}
		return refFail
	}
	act := s.acts[a]
	switch act.kind {
	case specific:
		if s.ev[e].Conds>>uint(act.arg)&1 == 0 {
			return refFail
		}
		keep := len(s.path)
		s.path = append(s.path, e)
		if len(s.path) > len(s.best) {
			s.best = slices.Clone(s.path)
		}
		out := s.rec(a+1, e+1, e)
		if out == refFail {
			s.path = s.path[:keep]
		}
		return out
	case anyEvent:
		return s.rec(a+1, e+1, e)
	case star:
		if out := s.rec(a+1, e, e); out == refFinal {
			return out
		}
		return retry()
	}
	d := s.ev[e].T - s.ev[base].T
	hold := map[kind]bool{timeLE: d <= act.arg, timeLT: d < act.arg, timeGE: d >= act.arg, timeGT: d > act.arg, timeEQ: d == act.arg}[act.kind]
	if hold {
		if out := s.rec(a+1, e, e); out == refFinal {
			return out
		}
		return retry()
	}
	if act.kind == timeLE || act.kind == timeLT {
		return refFail
	}
	return retry()
}

// run searches from start: matched, the position after, the events.
func (s *refSearch) run(start int) (bool, int) {
	s.path, s.best, s.matched, s.end = nil, nil, false, start
	if s.rec(0, start, start) == refFail {
		// every branch failed: ClickHouse is left at its first .*, with
		// the events used up.
		s.matched, s.end = true, len(s.ev)
		for _, a := range s.acts {
			if k := a.kind; k != star && k != timeLE && k != timeLT && (k != timeGE || a.arg != 0) {
				s.matched = false
			}
		}
	}
	if s.end == start {
		s.end++
	}
	return s.matched, s.end
}

// refEval answers the three questions with the reference search.
func refEval(p *Pattern, ev []Event) Answer {
	s := &refSearch{acts: p.actions, ev: ev}
	var r Answer
	var met uint32
	for _, e := range ev {
		met |= e.Conds
	}
	ok, _ := s.run(0)
	r.Events = slices.Clone(s.best)
	if ok {
		r.Events = slices.Clone(s.path)
	}
	if r.Events == nil {
		r.Events = []int{}
	}
	if p.inUse&met != p.inUse {
		return r
	}
	r.Match = ok
	for pos := 0; pos < len(ev); {
		found, end := s.run(pos)
		if !found {
			break
		}
		r.Count++
		pos = end
	}
	return r
}

// TestSequenceMatchesReference compares Eval (the linear path, and the
// ported backtracking) with the reference search on random patterns and
// timelines: few conditions, events meeting several, equal times.
func TestSequenceMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	ops := []string{"<", "<=", ">", ">=", "=="}
	for round := range 20000 {
		conds := 1 + rng.Intn(3)
		var b strings.Builder
		timed := rng.Intn(2) == 0
		last := "start"
		for range rng.Intn(6) {
			switch x := rng.Intn(10); {
			case x < 5:
				fmt.Fprintf(&b, "(?%d)", 1+rng.Intn(conds))
				last = "event"
			case x < 6:
				b.WriteString(".")
				last = "event"
			case x < 8:
				b.WriteString(".*")
				last = "event"
			default:
				if timed && last == "event" {
					fmt.Fprintf(&b, "(?t%s%d)", ops[rng.Intn(len(ops))], rng.Intn(4))
					last = "time"
				}
			}
		}
		p, err := Parse(b.String(), conds)
		if err != nil {
			t.Fatalf("Parse(%q): %v", b.String(), err)
		}
		ev := make([]Event, rng.Intn(10))
		tm := int64(0)
		for i := range ev {
			tm += int64(rng.Intn(3)) * 1000
			ev[i] = Event{T: tm, Conds: uint32(1 + rng.Intn(1<<uint(conds)-1))}
		}
		got, err := p.NewMatcher().Eval(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if got.Events == nil {
			got.Events = []int{}
		}
		want := refEval(p, ev)
		if got.Match != want.Match || got.Count != want.Count || !slices.Equal(got.Events, want.Events) {
			t.Fatalf("round %d, pattern %q, events %v: got %+v, reference %+v", round, b.String(), ev, got, want)
		}
	}
}
