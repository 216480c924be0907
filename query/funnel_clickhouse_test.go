package query

import (
	"cmp"
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chBase is where the ported ClickHouse tests' timestamps (seconds)
// start; a window of W seconds there is windowFunnel(W) on DateTime.
var chBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// chRow is one row of a ported test: user, seconds from chBase, and the
// event. Numeric events become event "e" with property id, so that
// ClickHouse's comparisons (event <= 1007) are step filters.
type chRow struct {
	user string
	sec  int64
	ev   string
}

func chDataset(rows []chRow) *Dataset {
	var evs []RawEvent
	for _, r := range rows {
		e := RawEvent{User: r.user, Event: r.ev, Time: chBase + r.sec*1000}
		if _, err := strconv.Atoi(r.ev); err == nil {
			e = RawEvent{User: r.user, Event: "e", Time: e.Time, Props: map[string]string{"id": r.ev}}
		}
		evs = append(evs, e)
	}
	return NewDataset(evs, time.UTC)
}

// chLevels runs windowFunnel(window)(…) and renders each user's level as
// ClickHouse returns it (0 = no step 1).
func chLevels(t *testing.T, d *Dataset, window int, steps []string, opts ...string) string {
	t.Helper()
	r, err := d.Funnel(context.Background(), FunnelQuery{Steps: FunnelSteps(steps), Window: fmt.Sprintf("%ds", window), Semantics: SemClickHouse, Options: opts})
	if err != nil {
		t.Fatalf("windowFunnel(%d, %v)(%v): %v", window, opts, steps, err)
	}
	var out []string
	for u, id := range d.Users {
		out = append(out, fmt.Sprintf("%s:%d", id, int(r.Level[u])+1))
	}
	return strings.Join(out, " ")
}

func seqRows(user string, evs ...string) []chRow {
	var rows []chRow
	for i, e := range evs {
		rows = append(rows, chRow{user, int64(i + 1), e})
	}
	return rows
}

// TestWindowFunnelClickHouseCases ports tests/queries/0_stateless/
// 00632_aggregation_window_funnel.sql. Where the stored .reference
// predates the implementation ported here (the strict_deduplication fix
// of ClickHouse issue #37177 and the allow_reentry rework), the expected
// value is the one the ported code gives, traced by hand in the comment,
// with the older reference's value named.
func TestWindowFunnelClickHouseCases(t *testing.T) {
	var ft []chRow
	for i := range 9 {
		ft = append(ft, chRow{"u", int64(i), strconv.Itoa(1000 + i)})
	}
	d := chDataset(ft)
	ids := func(ns ...int) []string {
		var s []string
		for _, n := range ns {
			s = append(s, fmt.Sprintf("e where id = %d", n))
		}
		return s
	}
	for _, c := range []struct {
		window int
		steps  []string
		want   string
	}{
		{10000, ids(1000), "u:1"},
		{10000, ids(1000, 1001), "u:2"},
		{10000, ids(1000, 1001, 1002), "u:3"},
		{10000, ids(1000, 1001, 1002, 1008), "u:4"},
		{1, ids(1000), "u:1"},
		{2, ids(1003, 1004, 1005, 1006, 1007), "u:3"},
		{3, ids(1003, 1004, 1005, 1006, 1007), "u:4"},
		{4, ids(1003, 1004, 1005, 1006, 1007), "u:5"},
		{10000, ids(1001, 1008), "u:2"},
		{10000, ids(1008, 1001), "u:1"},
		// event <= 1007, event >= 1002, event <= 1006, event >= 1004 on
		// 1001..1008 one second apart (funnel_test2 starts at 1001).
		{4, []string{"e where id <= 1007 where id >= 1001", "e where id >= 1002", "e where id <= 1006 where id >= 1001", "e where id >= 1004"}, "u:4"},
	} {
		if got := chLevels(t, d, c.window, c.steps); got != c.want {
			t.Errorf("windowFunnel(%d)(%v) = %s, want %s", c.window, c.steps, got, c.want)
		}
	}

	strict := chDataset([]chRow{{"u", 0, "1000"}, {"u", 10, "1001"}, {"u", 20, "1002"}, {"u", 30, "1003"}, {"u", 40, "1004"},
		{"u", 50, "1005"}, {"u", 51, "1005"}, {"u", 60, "1006"}, {"u", 70, "1007"}, {"u", 80, "1008"}})
	seven := ids(1000, 1001, 1002, 1003, 1004, 1005, 1006)
	if got := chLevels(t, strict, 10000, seven, CHStrictDedup); got != "u:6" {
		t.Errorf("strict_deduplication: %s, want u:6 (the second 1005 stops it at level 6)", got)
	}
	if got := chLevels(t, strict, 10000, seven); got != "u:7" {
		t.Errorf("default: %s, want u:7", got)
	}

	var so []chRow
	so = append(so, seqRows("1", "a", "b", "c")...)
	so = append(so, seqRows("2", "a", "d", "b", "c")...)
	so = append(so, seqRows("3", "a", "a", "b", "b", "c", "c")...)
	so = append(so, seqRows("4", "a", "a", "a", "a", "b", "b", "c", "c")...)
	so = append(so, seqRows("5", "a", "a", "b", "b", "d", "c", "c")...)
	so = append(so, seqRows("6", "c", "c", "b", "b", "a", "a")...)
	so = append(so, seqRows("7", "a", "c", "b")...)
	d = chDataset(so)
	abc := []string{"a", "b", "c"}
	for _, c := range []struct {
		opts []string
		want string
	}{
		{nil, "1:3 2:3 3:3 4:3 5:3 6:1 7:2"}, // user 7 is inserted later there: a c b reaches b only
		{[]string{CHStrictOrder}, "1:3 2:1 3:3 4:3 5:2 6:1 7:1"},
		{[]string{CHStrictDedup, CHStrictOrder}, "1:3 2:1 3:2 4:2 5:2 6:1 7:1"},
	} {
		if got := chLevels(t, d, 86400, abc, c.opts...); got != c.want {
			t.Errorf("windowFunnel(86400, %v)(a, b, c) = %s, want %s", c.opts, got, c.want)
		}
	}

	// ClickHouse issue 27469: a b c b d, strict_deduplication stops at
	// the second b with level 3.
	if got := chLevels(t, chDataset(seqRows("u", "a", "b", "c", "b", "d")), 86400, []string{"a", "b", "c", "d"}, CHStrictDedup); got != "u:3" {
		t.Errorf("strict_deduplication on a b c b d: %s, want u:3", got)
	}

	inc := chDataset([]chRow{{"u", 0, "1000"}, {"u", 1, "1001"}, {"u", 1, "1002"}, {"u", 1, "1003"}, {"u", 2, "1004"}})
	five := ids(1000, 1001, 1002, 1003, 1004)
	three := ids(1004, 1004, 1004)
	for _, c := range []struct {
		steps []string
		opts  []string
		want  string
	}{
		{five, nil, "u:5"},
		{five, []string{CHStrictIncrease}, "u:2"},
		{three, nil, "u:3"}, // one row fills all three same-named steps
		{three, []string{CHStrictOnce}, "u:1"},
		{three, []string{CHStrictIncrease}, "u:1"},
	} {
		if got := chLevels(t, inc, 10000, c.steps, c.opts...); got != c.want {
			t.Errorf("windowFunnel(10000, %v)(%v) = %s, want %s", c.opts, c.steps, got, c.want)
		}
	}

	fs := chDataset([]chRow{{"234", 100, "failure"}, {"345", 200, "success"}, {"345", 210, "failure"}, {"345", 230, "success"},
		{"234", 250, "failure"}, {"123", 180, "failure"}, {"123", 220, "failure"}, {"123", 250, "success"}})
	ffs := []string{"failure", "failure", "success"}
	for _, opts := range [][]string{{CHStrictOnce, CHStrictIncrease}, {CHStrictOnce}, {CHStrictOnce, CHStrictDedup}} {
		if got := chLevels(t, fs, 200, ffs, opts...); got != "234:2 345:1 123:3" {
			t.Errorf("windowFunnel(200, %v)(failure, failure, success) = %s, want 234:2 345:1 123:3", opts, got)
		}
	}

	var re []chRow
	re = append(re, seqRows("1", "a", "b", "a", "c")...)
	re = append(re, seqRows("2", "a", "b", "a", "b", "c")...)
	re = append(re, seqRows("3", "a", "b", "c", "b", "d")...)
	re = append(re, seqRows("4", "a", "c", "b")...)
	re = append(re, seqRows("5", "a", "b", "c", "a", "b", "c", "d")...)
	d = chDataset(re)
	abcd := []string{"a", "b", "c", "d"}
	for _, c := range []struct {
		steps []string
		opts  []string
		want  string // the stored .reference, where it differs: see the comment
	}{
		// strict_order only breaks at a row meeting no condition or at a
		// step whose previous step was never reached; a repeated step 1
		// restarts level 1 and the levels already reached stay. Users 1,
		// 2 (reference 2, 2): a b a c reaches c from the first a's chain.
		{abc, []string{CHStrictOrder}, "1:3 2:3 3:3 4:1 5:3"},
		// allow_reentry skips a step that comes too early: user 4's c is
		// skipped and b reaches level 2 (reference 1).
		{abc, []string{CHStrictOrder, CHAllowReentry}, "1:3 2:3 3:3 4:2 5:3"},
		// Users 1, 2 (reference 2, 2) as above; user 5 (reference 3): the
		// second a b c restarts the chain and d completes it.
		{abcd, []string{CHStrictOrder}, "1:3 2:3 3:4 4:1 5:4"},
		{abcd, []string{CHStrictOrder, CHAllowReentry}, "1:3 2:3 3:4 4:2 5:4"},
		// strict_deduplication returns the deepest level reached (the
		// #37177 fix): user 2's second b stops it at 2 (reference 1, the
		// old code's "condition of the previous row"); user 4 as above.
		{abc, []string{CHStrictOrder, CHAllowReentry, CHStrictDedup}, "1:3 2:2 3:3 4:2 5:3"},
	} {
		if got := chLevels(t, d, 86400, c.steps, c.opts...); got != c.want {
			t.Errorf("windowFunnel(86400, %v)(%v) = %s, want %s", c.opts, c.steps, got, c.want)
		}
	}

	var ec []chRow
	ec = append(ec, chRow{"1", 100, "begin"}, chRow{"1", 200, "view"}, chRow{"1", 300, "begin"}, chRow{"1", 400, "pay"})
	ec = append(ec, chRow{"2", 100, "begin"}, chRow{"2", 200, "view"}, chRow{"2", 250, "view"}, chRow{"2", 300, "begin"}, chRow{"2", 400, "pay"})
	ec = append(ec, chRow{"3", 100, "begin"}, chRow{"3", 200, "view"}, chRow{"3", 300, "pay"})
	d = chDataset(ec)
	for _, c := range []struct {
		steps []string
		opts  []string
		want  string
	}{
		{[]string{"begin", "view", "pay"}, []string{CHStrictOrder}, "1:3 2:3 3:3"}, // reference 2 2 3
		{[]string{"begin", "view", "pay"}, []string{CHStrictOrder, CHAllowReentry}, "1:3 2:3 3:3"},
		// Each begin meets steps 1 and 3; sorted (t,1),(t,3), the (t,3)
		// entry comes before step 2 is reached.
		{[]string{"begin", "view", "begin", "pay"}, []string{CHStrictOrder}, "1:1 2:1 3:1"},
		// allow_reentry skips it; the second begin then fills step 3 from
		// the view's chain (users 1, 2: 4; reference 1) and user 3 has no
		// second begin (2; reference 1).
		{[]string{"begin", "view", "begin", "pay"}, []string{CHStrictOrder, CHAllowReentry}, "1:4 2:4 3:2"},
	} {
		if got := chLevels(t, d, 600, c.steps, c.opts...); got != c.want {
			t.Errorf("windowFunnel(600, %v)(%v) = %s, want %s", c.opts, c.steps, got, c.want)
		}
	}
}

func TestWindowFunnelOptionErrors(t *testing.T) {
	d := chDataset(seqRows("u", "a", "b"))
	for _, c := range []struct {
		q    FunnelQuery
		want string
	}{
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemClickHouse, Options: []string{CHAllowReentry}}, "needs --option strict_order"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemClickHouse, Options: []string{"strict"}}, "strict_deduplication"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemClickHouse, Options: []string{"fast"}}, "unknown windowFunnel option"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemPostHog, Options: []string{CHStrictOrder}}, "needs --semantics clickhouse"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemClickHouse, Mode: FunnelStrict}, "strict_order"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: "heap"}, "unknown funnel semantics"},
		{FunnelQuery{Steps: steps("a", "b"), Semantics: SemMixpanel, Exclude: []Exclusion{{Event: "a"}}}, "exclusions"},
	} {
		_, err := d.Funnel(context.Background(), c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.q, err, c.want)
		}
	}
	var many []string
	for i := range 33 {
		many = append(many, []string{"a", "b"}[i%2])
	}
	if _, err := d.Funnel(context.Background(), FunnelQuery{Steps: FunnelSteps(many), Semantics: SemClickHouse}); err == nil || !strings.Contains(err.Error(), "at most 32 steps") {
		t.Errorf("33 steps: error %v, want windowFunnel's limit of 32", err)
	}
}

// refCHRow is one row fed to the literal port: its time and which
// conditions it meets.
type refCHRow struct {
	t     int64
	conds []bool
}

// refWindowFunnel is a literal port of AggregateFunctionWindowFunnel.cpp:
// add() per row, the stable sort, and getEventLevelNonStrictOnce or
// getEventLevelStrictOnce with its lists of every partial sequence.
func refWindowFunnel(window int64, o chOptions, rows []refCHRow) int {
	n := len(rows[0].conds)
	type ev struct {
		t   int64
		typ int
		uid int
	}
	var list []ev
	uid := 1
	for _, r := range rows {
		has := false
		for i := n; i > 0; i-- {
			if r.conds[i-1] {
				list = append(list, ev{t: r.t, typ: i, uid: uid})
				has = true
			}
		}
		if o.strictOrder && !has {
			list = append(list, ev{t: r.t, typ: 0, uid: uid})
		}
		uid++
	}
	if len(list) == 0 {
		return 0
	}
	if !o.strictOrder && n == 1 {
		return 1
	}
	slices.SortStableFunc(list, func(a, b ev) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		if c := cmp.Compare(a.typ, b.typ); c != 0 || !o.strictOnce {
			return c
		}
		return cmp.Compare(a.uid, b.uid)
	})
	if !o.strictOnce {
		type pair struct {
			set         bool
			first, last int64
		}
		ets := make([]pair, n)
		firstEvent := false
		for _, e := range list {
			idx := e.typ - 1
			if o.strictOrder && idx == -1 {
				if firstEvent {
					break
				}
				continue
			} else if idx == 0 {
				ets[0] = pair{true, e.t, e.t}
				firstEvent = true
			} else if o.strictDedup && ets[idx].set {
				for k := n; k > 0; k-- {
					if ets[k-1].set {
						return k
					}
				}
				return 0
			} else if o.strictOrder && firstEvent && !ets[idx-1].set {
				if o.allowReentry {
					continue
				}
				for k := 0; k < n; k++ {
					if !ets[k].set {
						return k
					}
				}
			} else if ets[idx-1].set {
				ok := e.t <= ets[idx-1].first+window
				if o.strictIncrease {
					ok = ok && ets[idx-1].last < e.t
				}
				if ok {
					ets[idx] = pair{true, ets[idx-1].first, e.t}
					if idx+1 == n {
						return n
					}
				}
			}
		}
		for k := n; k > 0; k-- {
			if ets[k-1].set {
				return k
			}
		}
		return 0
	}
	type seq struct {
		first, last int64
		path        [32]int
	}
	seqs := make([][]seq, n)
	hasFirst := false
	for _, e := range list {
		idx := e.typ - 1
		if o.strictOrder && idx == -1 {
			if hasFirst {
				break
			}
			continue
		} else if idx == 0 {
			s := seq{first: e.t, last: e.t}
			s.path[0] = e.uid
			seqs[0] = append(seqs[0], s)
			hasFirst = true
		} else if o.strictDedup && len(seqs[idx]) > 0 {
			for k := n; k > 0; k-- {
				if len(seqs[k-1]) > 0 {
					return k
				}
			}
			return 0
		} else if o.strictOrder && hasFirst && len(seqs[idx-1]) == 0 {
			if o.allowReentry {
				continue
			}
			for k := 0; k < n; k++ {
				if len(seqs[k]) == 0 {
					return k
				}
			}
		} else if len(seqs[idx-1]) > 0 {
			prev := seqs[idx-1]
			for i := 0; i < len(prev); {
				s := prev[i]
				ok := e.t <= s.first+window
				if !ok && len(prev) > 1 {
					prev = slices.Delete(prev, i, i+1)
					seqs[idx-1] = prev
					continue
				}
				path := s.path
				for j := 0; j < idx; j++ {
					if !ok {
						break
					}
					ok = path[j] != e.uid
				}
				if ok && o.strictIncrease {
					ok = s.last < e.t
				}
				if ok {
					path[idx] = e.uid
					seqs[idx] = append(seqs[idx], seq{first: s.first, last: e.t, path: path})
					if idx+1 == n {
						return n
					}
				}
				i++
			}
		}
	}
	for k := n; k > 0; k-- {
		if len(seqs[k-1]) > 0 {
			return k
		}
	}
	return 0
}

// TestWindowFunnelMatchesLiteralPort compares the ClickHouse semantics
// with the literal port on random timelines: few names, same-named steps
// with filters (so one row meets several conditions), many equal
// timestamps, every option combination.
func TestWindowFunnelMatchesLiteralPort(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	names := []string{"a", "b", "c", "x"}
	allOpts := []string{CHStrictOrder, CHStrictDedup, CHStrictIncrease, CHStrictOnce, CHAllowReentry}
	for round := range 300 {
		var evs []RawEvent
		users := 1 + rng.Intn(8)
		for u := range users {
			for range rng.Intn(12) {
				evs = append(evs, RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))],
					Time: chBase + int64(rng.Intn(20))*1000, Props: map[string]string{"p": strconv.Itoa(rng.Intn(3))}})
			}
		}
		for _, name := range names { // every name occurs, so every step is a known event
			evs = append(evs, RawEvent{User: "zz", Event: name, Time: chBase})
		}
		d := NewDataset(evs, time.UTC)
		n := 1 + rng.Intn(4)
		var specs []string
		for range n {
			s := names[rng.Intn(3)]
			if rng.Intn(3) == 0 {
				s += " where p = " + strconv.Itoa(rng.Intn(3))
			}
			specs = append(specs, s)
		}
		var opts []string
		for _, o := range allOpts {
			if rng.Intn(3) == 0 {
				opts = append(opts, o)
			}
		}
		if slices.Contains(opts, CHAllowReentry) && !slices.Contains(opts, CHStrictOrder) {
			opts = append(opts, CHStrictOrder)
		}
		window := int64(1+rng.Intn(8)) * 1000
		q := FunnelQuery{Steps: FunnelSteps(specs), Window: fmt.Sprintf("%ds", window/1000), Semantics: SemClickHouse, Options: opts}
		r, err := d.Funnel(context.Background(), q)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		o, _ := parseCHOptions(opts)
		for u, id := range d.Users {
			var rows []refCHRow
			for _, e := range evs {
				if e.User != id {
					continue
				}
				row := refCHRow{t: e.Time}
				for _, st := range q.Steps {
					ok := e.Event == st.Event
					for _, w := range st.Where {
						ok = ok && e.Props["p"] == strings.TrimPrefix(w, "p = ")
					}
					row.conds = append(row.conds, ok)
				}
				rows = append(rows, row)
			}
			// Rows reach windowFunnel in stored order: by time, then as
			// given (NewDataset keeps the order of equal times).
			slices.SortStableFunc(rows, func(a, b refCHRow) int { return cmp.Compare(a.t, b.t) })
			if want, got := refWindowFunnel(window, o, rows), int(r.Level[u])+1; got != want {
				t.Fatalf("round %d, windowFunnel(%d, %v)(%v), user %s: level %d, literal port %d", round, window, opts, specs, id, got, want)
			}
		}
	}
}
