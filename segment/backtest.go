package segment

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// BacktestDay is a rule evaluated as of the end of one day.
type BacktestDay struct {
	Day        string    `json:"day"`         // YYYY-MM-DD, display timezone
	Members    int       `json:"members"`     // matched as of the midnight ending the day
	NewMembers int       `json:"new_members"` // members not matched as of the midnight before
	Converted  int       `json:"converted"`   // members with a goal event within the window after that midnight
	Rate       query.Num `json:"rate"`        // converted / members; null with no members
}

// BacktestResult is spoor audience backtest.
type BacktestResult struct {
	Rule     string        `json:"-"`
	Goal     string        `json:"-"`
	Within   int64         `json:"-"` // ms
	Days     []BacktestDay `json:"days"`
	Complete int           `json:"-"` // the first Complete days' goal windows end by the data's last event
}

// MaxBacktestDays bounds --days: the work grows with persons × days.
const MaxBacktestDays = 3660

// Backtest evaluates rule n as of the end of each of the last `days`
// calendar days (display timezone, or the zone of ctx), the last being
// the day of the data's last event: as of a day's end the rule sees only
// the events before the next midnight, and its relative windows end at
// that midnight. Per day it counts the members, those not members as of
// the midnight before (the first day is compared with the day before it,
// evaluated the same way), and the members with a goal event in
// [midnight, midnight + within).
//
// It is the result of compiling and evaluating the rule from scratch
// with its anchor just before every midnight (as CompileAsOf does before
// the data's last event; on the last day too, here), computed in one
// pass over each person's events:
// every term keeps its state (a count in a sliding window, the latest
// value, the last unanswered event, the current streak) and advances it
// from one midnight to the next, so the cost is the events plus persons ×
// days, not days × events.
func Backtest(ctx context.Context, d *query.Dataset, n Node, days int, goal string, within int64) (*BacktestResult, error) {
	if days < 1 || days > MaxBacktestDays {
		return nil, i18n.Errorf("backtest: days must be from 1 to %d", MaxBacktestDays)
	}
	if within <= 0 {
		return nil, i18n.Errorf("backtest: the goal window must be positive")
	}
	if err := d.CheckEvent(goal); err != nil {
		return nil, i18n.Errorf("--goal: %w", err)
	}
	goalID, _ := d.EventID(goal)
	r := &BacktestResult{Goal: goal, Within: within, Days: []BacktestDay{}}
	if d.Len() == 0 {
		return r, nil
	}
	loc := Zone(ctx, d)
	mid := r.Checkpoints(d.MaxTime, loc, days)
	e := newEvaluator(d, loc)
	bt := &backtest{e: e, mid: mid}
	root, err := bt.compile(ctx, n)
	if err != nil {
		return nil, err
	}
	in := make([]bool, len(mid))
	for p := range d.Users {
		if p&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		if hi == lo || d.Time[lo] >= mid[len(mid)-1] {
			continue // no event by the last midnight: never a member
		}
		root.run(lo, hi, in)
		g, ng := lo, lo // the person's first event, and first goal event, at or after the checkpoint
		for k := range mid {
			// As of a checkpoint, a person with no event yet is no member
			// (Evaluator.Match).
			in[k] = in[k] && d.Time[lo] < mid[k]
			if k == 0 || !in[k] {
				continue
			}
			day := &r.Days[k-1]
			day.Members++
			if !in[k-1] {
				day.NewMembers++
			}
			// The first goal event at or after the checkpoint: both
			// cursors only move forward.
			for ; g < hi && d.Time[g] < mid[k]; g++ {
			}
			for ng = max(ng, g); ng < hi && d.Event[ng] != goalID; ng++ {
			}
			if ng < hi && d.Time[ng] < mid[k]+within {
				day.Converted++
			}
		}
	}
	r.Rates()
	return r, nil
}

// Checkpoints lays out the days of a backtest whose data ends at instant
// maxTime, in loc, and returns its checkpoints: checkpoint k is the
// midnight ending day k−1 of the listed days; checkpoint 0 ends the day
// before the first. r.Within must be set.
func (r *BacktestResult) Checkpoints(maxTime int64, loc *time.Location, days int) []int64 {
	last := dayStart(maxTime, loc)
	mid := make([]int64, days+1)
	for k := range mid {
		mid[k] = last.AddDate(0, 0, k-days+1).UnixMilli()
		if k > 0 {
			day := last.AddDate(0, 0, k-days)
			r.Days = append(r.Days, BacktestDay{Day: day.Format("2006-01-02")})
			if mid[k]+r.Within <= maxTime+1 {
				r.Complete = k
			}
		}
	}
	return mid
}

// Rates sets each day's rate from its counts.
func (r *BacktestResult) Rates() {
	for i := range r.Days {
		r.Days[i].Rate = query.Ratio(r.Days[i].Converted, r.Days[i].Members)
	}
}

// Tables shows one row per day.
func (r *BacktestResult) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Title: l.T("%s, then %s within %s of the day's end", r.Rule, r.Goal, span(r.Within)),
		Columns: []string{l.T("day"), l.T("members"), l.T("new_members"), l.T("converted"), l.T("rate"), l.T("goal_window")}}
	for i, d := range r.Days {
		// A window still open at the data's end undercounts conversions.
		window := l.T("complete")
		if i >= r.Complete {
			window = l.T("open")
		}
		t.Rows = append(t.Rows, []string{d.Day, strconv.Itoa(d.Members), strconv.Itoa(d.NewMembers), strconv.Itoa(d.Converted),
			output.Percent(float64(d.Rate)), window})
	}
	return []output.Table{t}
}

// backtest compiles a rule into terms that are evaluated at every
// checkpoint at once.
type backtest struct {
	e   *Evaluator // names, properties and fixed dates; its anchor is unused
	mid []int64    // the checkpoints: midnights, increasing
}

// dnode is a term over every checkpoint: run sets out[k] to whether it
// holds for the person's events [lo, hi) as of checkpoint k (seeing the
// events before mid[k]).
type dnode interface {
	run(lo, hi int, out []bool)
}

func (b *backtest) compile(ctx context.Context, n Node) (dnode, error) {
	switch n := n.(type) {
	case And:
		kids, err := b.compileAll(ctx, n.Terms)
		return &dAnd{kids: kids, tmp: make([]bool, len(b.mid))}, err
	case Or:
		kids, err := b.compileAll(ctx, n.Terms)
		return &dOr{kids: kids, tmp: make([]bool, len(b.mid))}, err
	case Not:
		x, err := b.compile(ctx, n.X)
		return &dNot{x}, err
	case Did:
		m, err := b.e.matcher(ctx, n.Event)
		if err != nil {
			return nil, err
		}
		from, to, err := b.window(n.Win)
		return &dDid{b: b, m: m, cmp: n.Cmp, n: n.N, from: from, to: to}, err
	case Seen:
		return b.seen(n)
	case UserProp:
		f, err := b.e.filter(ctx, n.Filter)
		return &dProp{b: b, f: f}, err
	case Seq:
		a, err := b.e.matcher(ctx, n.A)
		if err != nil {
			return nil, err
		}
		m, err := b.e.matcher(ctx, n.B)
		if err != nil {
			return nil, err
		}
		s := &dSeq{b: b, a: a, m: m, absent: n.Absent, within: n.Within, fixedFrom: math.MinInt64, fixedTo: math.MaxInt64}
		if n.Win.Rel.N > 0 {
			s.from, _ = b.rel(n.Win.Rel)
		} else {
			s.fixedFrom, s.fixedTo, err = b.e.window(n.Win)
			s.from = b.constant(math.MinInt64)
		}
		return s, err
	case Streak:
		c, err := b.e.streak(ctx, n)
		if err != nil {
			return nil, err
		}
		sn := c.(*streakNode)
		return &dStreak{b: b, s: sn, qual: make([]int, len(sn.runs)), spoil: make([]int, len(sn.runs))}, nil
	case Active:
		from, _ := b.rel(n.Rel)
		return &dActive{b: b, from: from, silent: n.Silent}, nil
	}
	return nil, i18n.Errorf("segment: cannot backtest %T", n)
}

func (b *backtest) compileAll(ctx context.Context, ns []Node) ([]dnode, error) {
	out := make([]dnode, len(ns))
	for i, n := range ns {
		c, err := b.compile(ctx, n)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// rel is a relative window's [from, to) at every checkpoint: what
// Evaluator.rel gives with the anchor just before the midnight.
func (b *backtest) rel(r Rel) ([]int64, []int64) {
	from, to := make([]int64, len(b.mid)), make([]int64, len(b.mid))
	at := *b.e
	for k, m := range b.mid {
		at.anchor = m - 1
		from[k], to[k] = at.rel(r)
	}
	return from, to
}

// window is a did term's window at every checkpoint; a fixed one (all
// time, between dates) ends at the checkpoint too, since later events
// are not seen.
func (b *backtest) window(w Window) ([]int64, []int64, error) {
	if w.Rel.N > 0 {
		from, to := b.rel(w.Rel)
		return from, to, nil
	}
	f, t, err := b.e.window(w)
	from, to := b.constant(f), make([]int64, len(b.mid))
	for k, m := range b.mid {
		to[k] = min(t, m)
	}
	return from, to, err
}

func (b *backtest) constant(v int64) []int64 {
	out := make([]int64, len(b.mid))
	for k := range out {
		out[k] = v
	}
	return out
}

type dAnd struct {
	kids []dnode
	tmp  []bool
}

func (n *dAnd) run(lo, hi int, out []bool) {
	n.kids[0].run(lo, hi, out)
	for _, k := range n.kids[1:] {
		k.run(lo, hi, n.tmp)
		for i, v := range n.tmp {
			out[i] = out[i] && v
		}
	}
}

type dOr struct {
	kids []dnode
	tmp  []bool
}

func (n *dOr) run(lo, hi int, out []bool) {
	n.kids[0].run(lo, hi, out)
	for _, k := range n.kids[1:] {
		k.run(lo, hi, n.tmp)
		for i, v := range n.tmp {
			out[i] = out[i] || v
		}
	}
}

type dNot struct{ x dnode }

func (n *dNot) run(lo, hi int, out []bool) {
	n.x.run(lo, hi, out)
	for i := range out {
		out[i] = !out[i]
	}
}

// dDid counts matching events in [from[k], to[k]) with two cursors: both
// bounds only move forward from one checkpoint to the next.
type dDid struct {
	b        *backtest
	m        matcher
	cmp      string
	n        int
	from, to []int64
}

func (n *dDid) run(lo, hi int, out []bool) {
	d := n.b.e.d
	i1, i2, c1, c2 := lo, lo, 0, 0 // c: matching events before the cursor
	for k := range out {
		for ; i2 < hi && d.Time[i2] < n.to[k]; i2++ {
			if n.m.match(d, i2) {
				c2++
			}
		}
		for ; i1 < hi && d.Time[i1] < n.from[k]; i1++ {
			if n.m.match(d, i1) {
				c1++
			}
		}
		out[k] = compare(max(c2-c1, 0), n.cmp, n.n)
	}
}

// compare is didNode's comparison on a full count.
func compare(c int, cmp string, n int) bool {
	switch cmp {
	case ">=":
		return c >= n
	case ">":
		return c > n
	case "=":
		return c == n
	case "<=":
		return c <= n
	case "<":
		return c < n
	}
	return false
}

// dSeen tests the first event, or the last one before each checkpoint.
type dSeen struct {
	b        *backtest
	last     bool
	from, to []int64
}

func (b *backtest) seen(s Seen) (dnode, error) {
	n := &dSeen{b: b, last: s.Last}
	f, t := int64(math.MinInt64), int64(math.MaxInt64)
	var err error
	switch s.Op {
	case "before":
		t, err = b.e.date(s.Date, 0)
	case "after":
		f, err = b.e.date(s.Date, 1)
	case "within":
		n.from, _ = b.rel(s.Rel)
	case "between":
		f, t, err = b.e.window(Window{From: s.Date, To: s.To})
	}
	if n.from == nil {
		n.from = b.constant(f)
	}
	n.to = b.constant(t)
	return n, err
}

func (n *dSeen) run(lo, hi int, out []bool) {
	d, mid := n.b.e.d, n.b.mid
	i := lo // the first event at or after the checkpoint
	for k := range out {
		for i < hi && d.Time[i] < mid[k] {
			i++
		}
		if i == lo {
			out[k] = false
			continue
		}
		t := d.Time[lo]
		if n.last {
			t = d.Time[i-1]
		}
		out[k] = t >= n.from[k] && t < n.to[k]
	}
}

// dProp keeps the latest value of the property.
type dProp struct {
	b *backtest
	f cfilter
}

func (n *dProp) run(lo, hi int, out []bool) {
	d, mid := n.b.e.d, n.b.mid
	i, code := lo, int32(0)
	for k := range out {
		for ; i < hi && d.Time[i] < mid[k]; i++ {
			if c := n.f.codes[i]; c != 0 {
				code = c
			}
		}
		out[k] = n.f.ok[code]
	}
}

// dActive compares the last event before each checkpoint with its window.
type dActive struct {
	b      *backtest
	from   []int64
	silent bool
}

func (n *dActive) run(lo, hi int, out []bool) {
	d, mid := n.b.e.d, n.b.mid
	i := lo
	for k := range out {
		for i < hi && d.Time[i] < mid[k] {
			i++
		}
		if i == lo {
			out[k] = n.silent
			continue
		}
		out[k] = (d.Time[i-1] >= n.from[k]) != n.silent
	}
}

// dSeq is did A then [not] B. A relative window on A (from[k], ending at
// the checkpoint) is checked on the A found; a fixed one (fixedFrom,
// fixedTo) limits which A events count at all.
type dSeq struct {
	b                  *backtest
	a, m               matcher // m is B
	absent             bool
	within             int64
	from               []int64
	fixedFrom, fixedTo int64
}

func (n *dSeq) inTime(a, b int64) bool { return n.within == 0 || b-a <= n.within }

func (n *dSeq) run(lo, hi int, out []bool) {
	d, mid := n.b.e.d, n.b.mid
	if n.a.ev < 0 || (!n.absent && n.m.ev < 0) {
		clear(out)
		return
	}
	// "then B": seqNode.pair pairs each B with the latest A before it; the
	// rule holds when some pair's A is in the window, i.e. when the
	// latest such A is. "then not B": the latest A, and the first B after
	// it (the earliest, so the one that may be in time).
	lastA, firstB := -1, -1
	best := int64(math.MinInt64) // the A of the latest pair: the latest paired A
	paired := false
	i := lo
	for k := range out {
		for ; i < hi && d.Time[i] < mid[k]; i++ {
			if lastA >= 0 && n.m.match(d, i) {
				if n.absent {
					if firstB < 0 {
						firstB = i
					}
				} else if n.inTime(d.Time[lastA], d.Time[i]) {
					best, paired = d.Time[lastA], true // A times only grow
				}
			}
			if t := d.Time[i]; t >= n.fixedFrom && t < n.fixedTo && n.a.match(d, i) {
				lastA, firstB = i, -1
			}
		}
		if n.absent {
			out[k] = lastA >= 0 && d.Time[lastA] >= n.from[k] && (firstB < 0 || !n.inTime(d.Time[lastA], d.Time[firstB]))
		} else {
			out[k] = paired && best >= n.from[k]
		}
	}
}

// dStreak follows streakNode.find event by event. A "without" event
// spoils every run of its value (every value, when it has none) that
// started on or before its day, which is every run so far; so per value
// only the latest qualifying run matters, and the rule holds while some
// value's latest qualifying run started after its last spoiling day.
type dStreak struct {
	b *backtest
	s *streakNode
	// Per value code, valid when s.stamp[code] == s.gen: the current run
	// (s.runs), the first day of the latest run that reached the length
	// (qual, −1 none) and the last day a without event spoiled the value
	// (spoil, −1 none).
	qual, spoil []int
}

func (n *dStreak) alive(code int32, spoilAll int) bool {
	return n.qual[code] >= 0 && n.qual[code] > max(n.spoil[code], spoilAll)
}

func (n *dStreak) run(lo, hi int, out []bool) {
	s := n.s
	d, mid := s.e.d, n.b.mid
	if s.m.ev < 0 {
		clear(out)
		return
	}
	s.gen++
	touch := func(code int32) {
		if s.stamp[code] != s.gen {
			s.stamp[code] = s.gen
			s.runs[code] = run{code: code, first: -2, last: -2}
			n.qual[code], n.spoil[code] = -1, -1
		}
	}
	spoilAll, alive := -1, 0
	day := -1
	dayOf := func(t int64) int {
		if day < 0 {
			day = s.dayOf.Bucket(t)
		}
		for s.dayOf.Starts[day+1] <= t {
			day++
		}
		return day
	}
	i := lo
	for k := range out {
		for ; i < hi && d.Time[i] < mid[k]; i++ {
			if d.Event[i] == s.without {
				var code int32
				if s.by != nil {
					code = s.by.Codes[i]
				}
				day := dayOf(d.Time[i])
				if code == 0 {
					spoilAll, alive = day, 0
				} else {
					touch(code)
					if n.alive(code, spoilAll) {
						alive--
					}
					n.spoil[code] = day
				}
				continue
			}
			if !s.m.match(d, i) {
				continue
			}
			var code int32 = 1
			if s.by != nil {
				if code = s.by.Codes[i]; code == 0 {
					continue
				}
			}
			day := dayOf(d.Time[i])
			touch(code)
			r := &s.runs[code]
			switch {
			case day > r.last+1:
				r.first, r.last, r.length = day, day, 1
			case day == r.last+1:
				r.last++
				r.length++
			}
			if r.length >= s.days && n.qual[code] != r.first {
				was := n.alive(code, spoilAll)
				n.qual[code] = r.first
				if !was && n.alive(code, spoilAll) {
					alive++
				}
			}
		}
		out[k] = alive > 0
	}
}
