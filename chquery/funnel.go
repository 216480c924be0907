package chquery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// neg stands for "no chain": below any time, and far enough from the
// Int64 limits that differences of it and a time cannot overflow.
const neg = "toInt64(-4611686018427387904)"

// Funnel compiles an ordered funnel to one query that returns a row per
// person who did step 1 in range (docs/semantics.md#funnels):
//
//  1. The person's step events (each event is of at most one step class:
//     a name with its step filters, --where applied) sorted by time and
//     storage order, taken in groups of equal time.
//  2. Per level k, the latest step-1 time of a chain that has done steps
//     1..k by each group (A_k). A chain that reached level j before a group
//     reaches k in it when the group holds, class by class, as many events
//     as steps j+1..k take (one event never fills two steps; equal times
//     fill consecutive steps in any order), within the window of its start.
//     A_k is the running maximum of that over groups: no array is captured
//     by a lambda, so this is linear in the person's events.
//  3. The deepest level's latest start is the counted attempt; its times to
//     convert follow the chain that reaches the level first (greedy from the
//     start, taking the earliest event of each step) and, back from there,
//     the latest events of the earlier steps — the chain the local engine
//     reports. Each step is one pass over that step's events.
//
// This is the general form, for steps that repeat a class; steps of all
// different names take distinctSQL, steps sharing a name with different
// filters typedSQL, a strict funnel strictSQL, an any-order one anySQL
// and other products' semantics vendorSQL. What is
// not compiled yet (some exclusions of ordered funnels, some semantics
// over same-named steps) returns an error saying so rather than a
// different number.
func (e *Engine) Funnel(ctx context.Context, q query.FunnelQuery) (*query.FunnelResult, error) {
	e, f, span, err := e.scope(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	// The persons' places in the lists cost a 10M-event part's query 0.3
	// to 0.4 of its 2 s of server CPU, and only a list shows them: they
	// are read for the persons of a list when it is asked (listPlaces).
	lazy := e.t.Order != ""
	if lazy {
		t := *e.t
		t.Order = ""
		s := *e
		s.t = &t
		e = &s
	}
	persons, err := query.NewFunnelPersons(q, span) // the query's own checks, as locally
	if err != nil {
		return nil, err
	}
	for _, st := range q.Steps {
		if err := f.checkEvent(st.Event); err != nil {
			return nil, err
		}
	}
	for _, x := range q.Exclude {
		if err := f.checkEvent(x.Event); err != nil {
			return nil, i18n.Errorf("exclusion: %w", err)
		}
	}
	switch m := strings.ToLower(q.Mode); {
	case m == query.FunnelStrict && len(q.Steps)+len(q.Exclude) > 63:
		return nil, errNotYet(i18n.M("a strict funnel of more than 63 steps and exclusions"))
	case m == query.FunnelStrict:
	case len(q.Exclude) > 0:
		if err := wholeExclusions(q); err != nil {
			return nil, err
		}
	}
	from, to, between := betweenExclusions(q)
	lfrom, later := laterExclusions(q)
	vendor := !strings.EqualFold(strings.TrimSpace(q.Semantics), query.SemSpoor) && strings.TrimSpace(q.Semantics) != ""
	var sql partSQL
	// typed: the part's columns are funnelRow's, read in RowBinary.
	typed := false
	switch {
	case vendor:
		sql, err = e.vendorSQL(ctx, q, span, f)
	case strings.EqualFold(q.Mode, query.FunnelStrict):
		sql, err = e.strictSQL(ctx, q, span, false)
		typed = true
	case anyOrder(q.Mode):
		sql, err = e.anySQL(ctx, q, span, f)
	case between:
		sql, err = e.betweenSQL(ctx, q, span, f, from, to)
	case later:
		sql, err = e.laterSQL(ctx, q, span, f, lfrom)
		typed = true
	case distinctNames(q.Steps):
		sql, err = e.distinctSQL(ctx, q, span, f, latestAttempt)
		typed = true
	case filtersDiffer(q.Steps):
		sql, err = e.typedSQL(ctx, q, span, f, latestAttempt)
	default:
		sql, err = e.funnelSQL(ctx, q, span, f, latestAttempt)
		typed = true
	}
	if err != nil {
		return nil, err
	}
	window, _ := query.ParseDuration(windowOf(q))
	add := func(part *query.FunnelPersonsPart, ps *query.FunnelPerson) error {
		if ps.Level == -2 { // onceSharedSQL: too many chains at ps.Start
			return query.StrictOnceOverflow(ps.User, ps.Start)
		}
		ps.Open = !vendor && ps.Start+window > f.max // other products have no "in progress"
		return part.Add(*ps)
	}
	defer store.AnswerHeap(int(f.count) * answerBytes)()
	if typed {
		// Each answer fills a part of its own: no lock, and the parts are
		// sorted at once (FunnelPersons.Result).
		err = e.eachPartBinary(ctx, sql, func(n int) []func(r *clickhouse.RowBinary) error {
			fns := make([]func(r *clickhouse.RowBinary) error, n)
			for i, part := range persons.Parts(n) {
				var ps query.FunnelPerson
				var names arena
				fns[i] = func(r *clickhouse.RowBinary) error {
					if err := readFunnelPerson(r, q.By != "", &ps, &names); err != nil {
						return err
					}
					return add(part, &ps)
				}
			}
			return fns
		})
	} else {
		var ps query.FunnelPerson
		part := persons.Parts(1)[0]
		err = e.eachPart(ctx, sql, func(row []string) error {
			if err := funnelPerson(row, q.By != "", &ps); err != nil {
				return err
			}
			return add(part, &ps)
		})
	}
	if err != nil {
		return nil, err
	}
	r := persons.Result()
	if lazy {
		r.SetListOrder(e.listPlaces(context.WithoutCancel(ctx)))
	}
	return r, nil
}

// answerBytes is about what reading a funnel's persons and making its
// result allocate per event of the table: 7 MB at 1M events of the
// ecommerce sample (67,000 persons).
const answerBytes = 8

// listChunk is how many persons one query of listPlaces names.
const listChunk = 10_000

// listPlaces returns the function that reads the places in the local
// engine's lists (clickhouse.Table.Order) of the persons of a list, for
// query.FunnelResult.SetListOrder: sorted and named in chunks, so each
// query reads the table's granules of a range of persons (it is ordered
// by person) rather than the whole table.
func (e *Engine) listPlaces(ctx context.Context) func(users []string) ([]uint64, error) {
	t := e.base
	return func(users []string) ([]uint64, error) {
		sorted := slices.Clone(users)
		slices.Sort(sorted)
		sorted = slices.Compact(sorted)
		place := make(map[string]uint64, len(sorted))
		for len(sorted) > 0 {
			chunk := sorted[:min(listChunk, len(sorted))]
			sorted = sorted[len(chunk):]
			sql := "SELECT " + t.Person + " AS person, any(" + t.Order + ") FROM " + t.From + " WHERE " + t.Where + " AND person IN (" + clickhouse.Strings(chunk) + ") GROUP BY person"
			_, _, err := e.c.Each(ctx, sql, func(row []string) error {
				if len(row) != 2 {
					return i18n.Errorf("funnel: ClickHouse sent %d columns, expected %d", len(row), 2)
				}
				o, err := parseOrder(row[1])
				place[row[0]] = o
				return err
			})
			if err != nil {
				return nil, err
			}
		}
		out := make([]uint64, len(users))
		for i, u := range users {
			o, ok := place[u]
			if !ok {
				return nil, fmt.Errorf("funnel: ClickHouse has no event of %q", u) // not shown: the list keeps the order of ids
			}
			out[i] = o
		}
		return out, nil
	}
}

// wholeExclusions says which exclusions of an ordered funnel are not
// compiled: over steps sharing a name, those from a step after the first
// (funnelSQL compiles those from step 1, laterSQL those all from one
// step to the last); over steps of different names,
// those from a step after the first unless all run between the same two
// steps, with those from step 1 ending outside them (betweenSQL). The
// rest distinctSQL compiles (strictSQL compiles every exclusion).
func wholeExclusions(q query.FunnelQuery) error {
	if !distinctNames(q.Steps) {
		if _, ok := laterExclusions(q); ok {
			return nil
		}
		for _, x := range q.Exclude {
			if x.From != 0 {
				return errNotYet(i18n.M("an exclusion in an ordered funnel over steps sharing an event name from a step after the first (%s), other than all from one step to the last", x.Event))
			}
		}
		return nil
	}
	if _, _, ok := betweenExclusions(q); ok {
		return nil
	}
	for _, x := range q.Exclude {
		if x.From != 0 {
			return errNotYet(i18n.M("an exclusion in an ordered funnel from a step after the first (%s) beside exclusions between other steps", x.Event))
		}
	}
	return nil
}

// anyOrder reports whether mode is the any-order mode (as the local
// engine reads it).
func anyOrder(mode string) bool {
	return strings.EqualFold(mode, query.FunnelAny) || strings.EqualFold(mode, "unordered")
}

func windowOf(q query.FunnelQuery) string {
	if q.Window == "" {
		return query.DefaultFunnelWindow
	}
	return q.Window
}

// funnelPerson reads one row, person, po (personCols), level, start,
// deltas[, by, has], into ps, reusing its Deltas.
func funnelPerson(row []string, by bool, ps *query.FunnelPerson) error {
	want := 5
	if by {
		want = 7
	}
	if len(row) != want {
		return i18n.Errorf("funnel: ClickHouse sent %d columns, expected %d", len(row), want)
	}
	ps.User = row[0]
	order, err0 := parseOrder(row[1])
	lvl, err1 := strconv.Atoi(row[2])
	start, err2 := strconv.ParseInt(row[3], 10, 64)
	deltas, err3 := appendIntArray(ps.Deltas[:0], row[4])
	if err := firstErr(err0, err1, err2, err3); err != nil {
		return i18n.Errorf("funnel: reading ClickHouse's row for %q: %w", row[0], err)
	}
	ps.Order, ps.Level, ps.Start, ps.Deltas = order, lvl, start, deltas
	if by {
		ps.By, ps.HasBy = row[5], row[6] == "1"
	}
	return nil
}

// funnelRow is a funnel part's columns from SQL for the level, t0 and the
// deltas (funnelPerson's) and, with --by, for the value and whether the
// event has it, cast to the types readFunnelPerson reads in RowBinary:
// person String, po UInt64, level and t0 Int64, deltas Array(Int64), the
// value String (as every property's is; uncast, as why's value of its
// own is an array), has UInt64. The casts change no TabSeparated text.
func funnelRow(level, t0, deltas string, by ...string) []string {
	cols := []string{"person", "toUInt64(po)", "toInt64(" + level + ")", "toInt64(" + t0 + ")", "CAST(" + deltas + " AS Array(Int64))"}
	if len(by) == 2 {
		cols = append(cols, by[0], "toUInt64("+by[1]+")")
	}
	return cols
}

// readFunnelPerson reads one row of funnelRow's columns in RowBinary into
// ps, reusing its Deltas; the names (person, --by value) are kept in
// names.
func readFunnelPerson(r *clickhouse.RowBinary, by bool, ps *query.FunnelPerson, names *arena) error {
	ps.User = names.string(r.Bytes())
	ps.Order = r.UInt64()
	ps.Level = int(int64(r.UInt64()))
	ps.Start = int64(r.UInt64())
	ps.Deltas = r.AppendInt64s(ps.Deltas[:0])
	if by {
		ps.By = names.string(r.Bytes())
		ps.HasBy = r.UInt64() == 1
	}
	if err := r.Err(); err != nil {
		return i18n.Errorf("funnel: reading ClickHouse's row for %q: %w", ps.User, err)
	}
	return nil
}

// arena holds strings in shared blocks: one allocation per 64 KiB of
// names rather than one per name. A block is never written again below
// its length, so the strings cut from it stay as they were.
type arena struct{ buf []byte }

// string returns a string of b's bytes.
func (a *arena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(a.buf)+len(b) > cap(a.buf) {
		a.buf = make([]byte, 0, max(64<<10, len(b)))
	}
	at := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[at], len(b))
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// intArray reads a ClickHouse array of integers: [1,-2,3].
func intArray(s string) ([]int64, error) { return appendIntArray([]int64{}, s) }

// appendIntArray appends the integers of a ClickHouse array to dst.
func appendIntArray(dst []int64, s string) ([]int64, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, i18n.Errorf("not an array: %.40q", s)
	}
	s = s[1 : len(s)-1]
	for s != "" {
		f, rest, _ := strings.Cut(s, ",")
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		dst = append(dst, v)
		s = rest
	}
	return dst, nil
}

// distinctNames reports whether no two steps share an event name.
func distinctNames(steps []query.FunnelStep) bool {
	seen := map[string]bool{}
	for _, st := range steps {
		if seen[st.Event] {
			return false
		}
		seen[st.Event] = true
	}
	return true
}

// stepClasses numbers the steps' classes: steps with the same name and the
// same filters are one class (their events interchangeable). Steps sharing
// a name with different filters could both claim one event, which the
// counting in funnelSQL does not model: those take typedSQL, unless no
// event can meet two of them (disjointNames).
func stepClasses(steps []query.FunnelStep) ([]int, [][]string, []string, error) {
	split := disjointNames(steps)
	cls := make([]int, len(steps))
	var where [][]string
	var names []string
	index := map[string]int{}
	byName := map[string]int{}
	for s, st := range steps {
		key := st.Event + "\x00" + strings.Join(st.Where, "\x00")
		c, ok := index[key]
		if !ok {
			if _, clash := byName[st.Event]; clash && !split[st.Event] {
				k, s := overlapping(steps, st.Event)
				return nil, nil, nil, errNotYet(i18n.M("a funnel whose steps %d and %d are both %q with different filters that one event can meet both of", k+1, s+1, st.Event))
			}
			c = len(names) + 1
			index[key] = c
			byName[st.Event] = s
			names = append(names, st.Event)
			where = append(where, st.Where)
		}
		cls[s] = c
	}
	return cls, where, names, nil
}

// classCases numbers the steps' classes (stepClasses) and returns
// multiIf's cases giving an event its class, and the classes' names.
func (e *Engine) classCases(ctx context.Context, steps []query.FunnelStep) (cls []int, cases, names []string, err error) {
	cls, where, names, err := stepClasses(steps)
	if err != nil {
		return nil, nil, nil, err
	}
	for c := range names {
		cond, err := e.conditions(ctx, where[c])
		if err != nil {
			return nil, nil, nil, i18n.Errorf("step filter: %w", err)
		}
		cases = append(cases, "("+e.t.Event+" = "+clickhouse.String(names[c])+" AND "+cond+"), "+strconv.Itoa(c+1))
	}
	return cls, cases, names, nil
}

// funnelSQL returns the per-person query over a table (the table, or a
// shard's local table). With earliestAttempt (Amplitude's rule) the
// counted attempt is the earliest start reaching the deepest level
// (earliestStart, funnel_vendor.go) rather than the latest. Exclusions
// (all from step 1: wholeExclusions; other products' semantics take
// none) gate its running maxima as classExclusions says.
func (e *Engine) funnelSQL(ctx context.Context, q query.FunnelQuery, span query.Span, f *facts, rule attemptRule) (partSQL, error) {
	n := len(q.Steps)
	window, err := query.ParseDuration(windowOf(q))
	if err != nil {
		return nil, err
	}
	cls, classIf, classNames, err := e.classCases(ctx, q.Steps)
	if err != nil {
		return nil, err
	}
	K := len(classNames)
	c1 := cls[0]
	where, err := e.conditions(ctx, q.Where)
	if err != nil {
		return nil, err
	}
	if err := packedSpan(f); err != nil {
		return nil, err
	}
	base := f.min
	var x *classExclusions // exclusions, all from step 1 (wholeExclusions)
	names, byCode, opts, k1 := classNames, "code = "+strconv.Itoa(c1), keyOptions{total: unfiltered(q.Steps)}, 0
	if len(q.Exclude) > 0 {
		var ok bool
		if x, ok = newClassExclusions(q, K); !ok {
			return nil, errNotYet(i18n.M("an ordered funnel over steps sharing an event name with %d excluded events", len(x.names)))
		}
		classIf = x.cases(e.t, classIf, classNames)
		names = append(slices.Clone(classNames), x.names...)
		k1 = x.k1
		byCode, opts = "code % "+strconv.Itoa(k1)+" = "+strconv.Itoa(c1), keyOptions{}
	}
	// The counted attempt's --by value is that of its step-1 event, the
	// last stored at t0.
	inner := e.personKeysWith(q, span, f, window, where, classIf, names, byCode, opts)

	// Aliases within one SELECT are expanded into copies of their
	// expressions (see stages), so a new stage starts wherever a chain of
	// aliases would otherwise double at each step: at each level, and
	// every few steps of the chains.
	var st stages
	groupCounts(&st, base, 1, K, k1)
	for c := 1; c <= K; c++ {
		st.let(fmt.Sprintf("TX%d", c), fmt.Sprintf("arrayFilter((x, y) -> y = %d, T, C)", c))
	}
	if x != nil {
		x.keys(&st)
	}
	// need(j, k): per class, how many of steps j+1..k (1-based) it fills.
	need := func(j, k int) map[int]int {
		m := map[int]int{}
		for s := j; s < k; s++ {
			m[cls[s]]++
		}
		return m
	}
	// A run defines, with prefix p, A<k> for k up to hi: per group, the
	// latest start of a chain that has done steps 1..k by it, of the
	// starts meeting startIf. Without exclusions there is one, of every
	// start.
	if x != nil {
		x.define(&st, window)
	}
	runs, lastOf := x.runs(n)
	// The runs' levels share stages: each of 18.16's nested SELECTs costs
	// the analysis of every column again.
	for k := 1; k <= n; k++ {
		if k > 1 {
			st.next()
		}
		for _, r := range runs {
			if k > r.hi {
				continue
			}
			p := r.p
			params := []string{"gt"}
			args := []string{"GT"}
			for c := 1; c <= K; c++ {
				params = append(params, fmt.Sprintf("g%d", c))
				args = append(args, fmt.Sprintf("G%d", c))
			}
			if x != nil {
				params = append(params, "ms")
				args = append(args, "M")
				for j := 1; j <= len(x.names); j++ {
					params = append(params, fmt.Sprintf("lx%d", j))
					args = append(args, fmt.Sprintf("LX%d", j))
				}
			}
			best := ""
			for j := 0; j < k; j++ {
				var conds []string
				for c, m := range need(j, k) {
					conds = append(conds, fmt.Sprintf("g%d >= %d", c, m))
				}
				start := "gt < " + lit(span.To)
				if r.startIf != "" {
					start += " AND " + r.startIf
				}
				val := "if(" + start + ", gt, " + neg + ")"
				if j > 0 {
					params = append(params, fmt.Sprintf("p%d", j))
					args = append(args, fmt.Sprintf("%sPA%d", p, j))
					val = fmt.Sprintf("p%d", j)
					if x != nil {
						if g := x.gate(j, k, val); g != "" {
							conds = append(conds, g)
						}
					}
				}
				term := "if(" + strings.Join(conds, " AND ") + ", " + val + ", " + neg + ")"
				if best == "" {
					best = term
				} else {
					best = "greatest(" + best + ", " + term + ")"
				}
			}
			if k > 1 {
				st.let(fmt.Sprintf("%sPA%d", p, k-1), fmt.Sprintf("arrayPushFront(arrayPopBack(%sA%d), %s)", p, k-1, neg))
				st.let(fmt.Sprintf("%slast%d", p, k-1), fmt.Sprintf("arrayElement(%sA%d, -1)", p, k-1))
			}
			st.let(fmt.Sprintf("%sB%d", p, k), "arrayMap(("+strings.Join(params, ", ")+") -> if("+best+" >= gt - "+lit(window)+", "+best+", "+neg+"), "+strings.Join(args, ", ")+")")
			st.let(fmt.Sprintf("%sA%d", p, k), fmt.Sprintf("arrayMap((a, b) -> a + b, %sB%d, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(%sB%d))))", p, k, p, k))
		}
	}
	st.next()
	for _, r := range runs {
		st.let(fmt.Sprintf("%slast%d", r.p, r.hi), fmt.Sprintf("arrayElement(%sA%d, -1)", r.p, r.hi))
	}
	st.next()
	level, start := "-1", neg
	for k := 1; k <= n; k++ {
		level = fmt.Sprintf("if(%s > %s, %d, %s)", lastOf(k), neg, k-1, level)
		start = fmt.Sprintf("if(%s > %s, %s, %s)", lastOf(k), neg, lastOf(k), start)
	}
	st.let("level", level)
	if rule == earliestAttempt {
		earliestStart(&st, cls, K, window, span.To)
	} else {
		st.let("t0", start)
	}

	// The counted attempt's chain, for the times to convert.
	deltas := "emptyArrayInt64()"
	if n > 1 {
		st.next()
		// att: the counted step-1 event, the last of its class at t0.
		st.let("att", count(fmt.Sprintf("TX%d", c1), "<=", "t0"))
		if x != nil {
			x.firstAfter(&st)
		}
		prevSame := func(s int) int { // the closest earlier step >= 1 of s's class
			for p := s - 1; p >= 1; p-- {
				if cls[p] == cls[s] {
					return p
				}
			}
			return -1
		}
		for s := 1; s < n; s++ {
			prev := "t0"
			if s > 1 {
				prev = fmt.Sprintf("e%d", s-1)
			}
			lo := "(" + count(fmt.Sprintf("TX%d", cls[s]), "<", prev) + " + 1)"
			if p := prevSame(s); p > 0 {
				lo = fmt.Sprintf("greatest(%s, o%d + 1)", lo, p)
			}
			if cls[s] == c1 { // skip the start event
				lo = fmt.Sprintf("arrayMap((h, s) -> h + toInt64(h = s), [%s], [att])[1]", lo)
			}
			st.next()
			st.let(fmt.Sprintf("o%d", s), lo)
			st.let(fmt.Sprintf("e%d", s), fmt.Sprintf("arrayElement(TX%d, o%d)", cls[s], s))
		}
		// The latest event of each step at or before the next step's (for
		// the deepest step, at or before its greedy time e<s>, so a later
		// event at that same time leaves the earlier steps more room).
		var capped func(hi string, s int) string
		if x != nil {
			capped = func(hi string, s int) string { return x.capped(hi, s, fmt.Sprintf("TX%d", cls[s])) }
		}
		deltas = latestChain(&st, cls, func(s int) string { return fmt.Sprintf("e%d", s) }, capped)
	}
	cols := funnelRow("level", "t0", deltas)
	if q.By != "" {
		st.next()
		// The counted step-1 event is the last stored at t0, or with
		// earliest the first.
		at := "-1"
		if rule == earliestAttempt {
			at = "1"
		}
		st.let("byRow", "arrayElement(arrayFilter(x -> x.1 = t0, byEv), "+at+")")
		cols = funnelRow("level", "t0", deltas, "tupleElement(byRow, 3)", "tupleElement(byRow, 4)")
	}

	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// groupCounts defines, over the packed keys K (times from base), T and C
// (each event's time and code, or with mod > 0 its code % mod), GT (the
// distinct times: the groups of equal time) and, per code c from lo to
// hi, G<c>: how many events of each group have it.
func groupCounts(st *stages, base int64, lo, hi, mod int) {
	st.let("T", "arrayMap(k -> bitShiftRight(k, "+strconv.Itoa(codeBits)+") + "+lit(base)+", K)")
	if mod > 0 {
		st.let("C", "arrayMap(k -> bitAnd(k, "+strconv.Itoa(1<<codeBits-1)+") % "+strconv.Itoa(mod)+", K)")
	} else {
		st.let("C", "arrayMap(k -> bitAnd(k, "+strconv.Itoa(1<<codeBits-1)+"), K)")
	}
	st.let("isEnd", "arrayMap((a, b) -> a != b, T, arrayPushBack(arrayPopFront(T), "+neg+"))")
	st.let("GT", "arrayFilter((x, y) -> y, T, isEnd)")
	for c := lo; c <= hi; c++ {
		st.let(fmt.Sprintf("cum%d", c), fmt.Sprintf("arrayFilter((x, y) -> y, arrayCumSum(arrayMap(x -> toInt64(x = %d), C)), isEnd)", c))
	}
	st.next()
	for c := lo; c <= hi; c++ {
		st.let(fmt.Sprintf("G%d", c), fmt.Sprintf("arrayMap((a, b) -> a - b, cum%d, arrayPushFront(arrayPopBack(cum%d), toInt64(0)))", c, c))
	}
}

// count is SQL for the number of elements of arr that are op v (a
// scalar). v is named outside the lambda too: 18.16 drops from a
// subquery's * a column that its outer SELECT uses only inside a lambda.
func count(arr, op, v string) string {
	return "(toInt64(arrayCount(x -> x " + op + " " + v + ", " + arr + ")) + 0 * (" + v + "))"
}

func lit(v int64) string { return "toInt64(" + strconv.FormatInt(v, 10) + ")" }

// windowAndWhere is what each funnel compiler reads first: the window in
// milliseconds and the --where condition.
func (e *Engine) windowAndWhere(ctx context.Context, q query.FunnelQuery) (window int64, where string, err error) {
	if window, err = query.ParseDuration(windowOf(q)); err != nil {
		return 0, "", err
	}
	where, err = e.conditions(ctx, q.Where)
	return window, where, err
}

// strictSQL returns the per-person query of a strict funnel: the steps are
// consecutive events (in time and storage order, among those --where
// keeps). Each event carries the mask of the steps it matches; the event
// k places after a start must match step k within the start's window, so
// every start's level comes from n shifted copies of the person's arrays
// (linear), and the counted attempt is the last start reaching the
// deepest level, whose chain is the events that follow it.
//
// With earliest (Amplitude's "exact order") the first start reaching the
// deepest level counts.
func (e *Engine) strictSQL(ctx context.Context, q query.FunnelQuery, span query.Span, earliest bool) (partSQL, error) {
	t := e.t
	n := len(q.Steps)
	window, where, err := e.windowAndWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	var bits []string
	for k, st := range q.Steps {
		cond, err := e.conditions(ctx, st.Where)
		if err != nil {
			return nil, i18n.Errorf("step %d (%s): %w", k+1, st.Event, err)
		}
		bits = append(bits, fmt.Sprintf("bitShiftLeft(toUInt64(%s = %s AND %s), %d)", t.Event, clickhouse.String(st.Event), cond, k))
	}
	// Bit n+x: the event is exclusion x's.
	for x, ex := range q.Exclude {
		bits = append(bits, fmt.Sprintf("bitShiftLeft(toUInt64(%s = %s), %d)", t.Event, clickhouse.String(ex.Event), n+x))
	}
	tiebreak := t.Tiebreak
	if tiebreak == "" {
		tiebreak = "0"
	}
	tuple := "toInt64(" + t.Time + "), " + tiebreak + ", " + strings.Join(bits, " + ")
	if q.By != "" {
		v, has := t.Prop(q.By)
		tuple += ", " + v + ", toUInt8(" + has + ")"
	}
	inner := func(from, part string) string {
		return "SELECT " + e.personCols() + ", arraySort(x -> (x.1, x.2), groupArray((" + tuple + "))) AS ev" +
			" FROM " + from +
			" WHERE " + t.Where + " AND " + part + " AND " + t.Time + " >= " + lit(span.From) + " AND " + t.Time + " < " + lit(span.To+window) +
			" AND " + where + " GROUP BY person"
	}
	var st stages
	st.let("T", "arrayMap(x -> x.1, ev)")
	st.let("M", "arrayMap(x -> x.3, ev)")
	st.next()
	params := []string{"t0", "m0"}
	args := []string{"T", "M"}
	for k := 1; k < n; k++ {
		st.let(fmt.Sprintf("T%d", k), fmt.Sprintf("arrayResize(arraySlice(T, %d), length(T), %s)", k+1, neg))
		st.let(fmt.Sprintf("M%d", k), fmt.Sprintf("arrayResize(arraySlice(M, %d), length(M), toUInt64(0))", k+1))
		params = append(params, fmt.Sprintf("t%d", k), fmt.Sprintf("m%d", k))
		args = append(args, fmt.Sprintf("T%d", k), fmt.Sprintf("M%d", k))
	}
	// lv: 0 when the event starts nothing, else the steps its chain does.
	// An exclusion ending at step k stops the chain there when one of the
	// chain's events between its step From and step k is the excluded
	// event, strictly between their times: with consecutive steps no other
	// event lies between them.
	lv := strconv.Itoa(n)
	for k := n - 1; k >= 1; k-- {
		cond := fmt.Sprintf("bitTest(m%d, %d) AND t%d >= t0 AND t%d <= t0 + %s", k, k, k, k, lit(window))
		for x, ex := range exclusionSteps(q) {
			if ex[1] != k {
				continue
			}
			for j := ex[0] + 1; j < k; j++ {
				cond += fmt.Sprintf(" AND NOT (bitTest(m%d, %d) AND t%d > t%d AND t%d < t%d)", j, n+x, j, ex[0], j, k)
			}
		}
		lv = fmt.Sprintf("if(%s, %s, %d)", cond, lv, k)
	}
	lv = fmt.Sprintf("if(bitTest(m0, 0) AND t0 < %s, %s, 0)", lit(span.To), lv)
	st.next()
	if len(q.Exclude) == 0 {
		st.let("LV", "arrayMap(("+strings.Join(params, ", ")+") -> "+lv+", "+strings.Join(args, ", ")+")")
	} else {
		st.let("LV0", "arrayMap(("+strings.Join(params, ", ")+") -> "+lv+", "+strings.Join(args, ", ")+")")
		strictCaps(&st, q, window)
	}
	st.next()
	st.let("top", "arrayReduce('max', LV)")
	st.next()
	st.let("level", "toInt64(top) - 1")
	// The last start reaching the deepest level (top is passed as an
	// array: see count).
	if earliest {
		st.let("idx", "toInt64(arrayFirstIndex((x, m) -> x = m, LV, arrayResize([top], length(LV), top)))")
	} else {
		st.let("idx", "toInt64(length(LV)) - toInt64(arrayFirstIndex((x, m) -> x = m, arrayReverse(LV), arrayResize([top], length(LV), top))) + 1")
	}
	st.next()
	st.let("t0", "arrayElement(T, idx)")
	deltas := "emptyArrayInt64()"
	if n > 1 {
		var ds []string
		for k := 1; k < n; k++ {
			ds = append(ds, fmt.Sprintf("arrayElement(T, idx + %d) - arrayElement(T, idx + %d)", k, k-1))
		}
		deltas = "arraySlice([" + strings.Join(ds, ", ") + "], 1, level)"
	}
	cols := funnelRow("level", "t0", deltas)
	if q.By != "" {
		cols = funnelRow("level", "t0", deltas, "tupleElement(arrayElement(ev, idx), 4)", "tupleElement(arrayElement(ev, idx), 5)")
	}
	return func(from, part string) string {
		return st.selectWhere(cols, inner(from, part), "level >= 0")
	}, nil
}

// exclusionSteps is each exclusion's steps (0-based), To 0 read as the
// last step.
func exclusionSteps(q query.FunnelQuery) [][2]int {
	var out [][2]int
	for _, x := range q.Exclude {
		to := x.To
		if to == 0 {
			to = len(q.Steps) - 1
		}
		out = append(out, [2]int{x.From, to})
	}
	return out
}

// runningMax is SQL for the running maximum of an Int64 array: built from
// arrayCumSumNonNegative, linear.
func runningMax(arr string) string {
	return "arrayMap((a, b) -> a + b, " + arr + ", arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(" + arr + "))))"
}

// strictCaps defines LV, strictSQL's steps per start, from LV0, those of
// chains without the exclusions' events between their steps: a start
// that does not convert is held at step From of an exclusion it has
// passed (From <= level < To) when the latest excluded event up to the end
// of its window comes after its step From (query's funnelWorker.strict).
// That latest event is read per start from the excluded times merged with
// the starts' window ends, a running maximum.
func strictCaps(st *stages, q query.FunnelQuery, window int64) {
	n := len(q.Steps)
	exs := exclusionSteps(q)
	params, args := []string{"lv", "t0"}, []string{"LV0", "T"}
	for k := 1; k < n; k++ {
		params = append(params, fmt.Sprintf("t%d", k))
		args = append(args, fmt.Sprintf("T%d", k))
	}
	for x := range exs {
		st.next()
		st.let(fmt.Sprintf("XT%d", x), fmt.Sprintf("arrayFilter((t, m) -> bitTest(m, %d), T, M)", n+x))
		st.next()
		// An excluded time t is 2t, a window end e 2e+1: at one instant
		// the excluded event is within the window.
		st.let(fmt.Sprintf("XM%d", x), fmt.Sprintf("arraySort(arrayConcat(arrayMap(t -> t * 2, XT%d), arrayMap(t -> (t + %s) * 2 + 1, T)))", x, lit(window)))
		st.next()
		st.let(fmt.Sprintf("XR%d", x), fmt.Sprintf("arrayMap(v -> if(bitAnd(v, 1) = 0, intDiv(v, 2), %s), XM%d)", neg, x))
		st.next()
		st.let(fmt.Sprintf("XS%d", x), runningMax(fmt.Sprintf("XR%d", x)))
		st.next()
		st.let(fmt.Sprintf("X%d", x), fmt.Sprintf("arrayFilter((r, v) -> bitAnd(v, 1) = 1, XS%d, XM%d)", x, x))
		params = append(params, fmt.Sprintf("x%d", x))
		args = append(args, fmt.Sprintf("X%d", x))
	}
	// The level is the most any k <= the chain's level is capped to.
	best := "0"
	for k := 0; k < n-1; k++ {
		c := strconv.Itoa(k)
		for x, ex := range exs {
			if ex[0] <= k && k < ex[1] {
				c = fmt.Sprintf("if(x%d > t%d, least(%s, %d), %s)", x, ex[0], c, ex[0], c)
			}
		}
		best = fmt.Sprintf("greatest(%s, if(%d < lv, %s, 0))", best, k, c)
	}
	st.next()
	st.let("LV", fmt.Sprintf("arrayMap((%s) -> if(lv = 0 OR lv = %d, lv, 1 + %s), %s)", strings.Join(params, ", "), n, best, strings.Join(args, ", ")))
}

// selectWhere is the outermost SELECT of cols over the stages around
// inner, keeping the rows that meet where. The last stage is a WITH clause
// of that SELECT rather than a nested SELECT of its own: 18.16 analyses
// each nested SELECT again for every SELECT around it, so each level about
// doubles the analysis (a 4-step funnel's part: 25 -> 16 ms of server CPU
// for one level fewer, load 17), and a WITH alias costs none of that. The
// aliases are expanded into cols and where as a stage's are into its
// columns, so that stays a stage of its own when their expansion would
// pass maxExpanded; a lambda's body in cols or where must not name the
// last stage's columns (see stages.next).
func (s *stages) selectWhere(cols []string, inner, where string) string {
	last := len(s.list) - 1 // its aliases' expansions are in s.size
	n := s.expanded(where)
	for _, c := range cols {
		n += s.expanded(c)
	}
	if last < 0 || len(s.list[last]) == 0 || n > maxExpanded {
		return "SELECT " + strings.Join(cols, ", ") + " FROM (" + s.wrap(inner) + ") WHERE " + where
	}
	rest := stages{list: s.list[:last]}
	return "WITH " + strings.Join(s.list[last], ", ") + " SELECT " + strings.Join(cols, ", ") + " FROM (" + rest.wrap(inner) + ") WHERE " + where
}
