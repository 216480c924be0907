package segment

import (
	"context"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// seqNode is did A then [not] B [within W] [window on A].
type seqNode struct {
	e        *Evaluator
	src      string
	a, b     matcher
	absent   bool
	within   int64 // ms; 0: any time after
	from, to int64 // when A counts
}

func (e *Evaluator) seq(ctx context.Context, s Seq) (cnode, error) {
	a, err := e.matcher(ctx, s.A)
	if err != nil {
		return nil, err
	}
	b, err := e.matcher(ctx, s.B)
	if err != nil {
		return nil, err
	}
	from, to, err := e.window(s.Win)
	return &seqNode{e: e, src: s.Text, a: a, b: b, absent: s.Absent, within: s.Within, from: from, to: to}, err
}

func (n *seqNode) inTime(a, b int64) bool { return n.within == 0 || b-a <= n.within }

// pair finds, for "then B", the last A followed in time by a B and that B;
// the latest A before each B gives every B its best chance.
func (n *seqNode) pair(lo, hi int) (int, int) {
	d := n.e.d
	lastA, foundA, foundB := -1, -1, -1
	for i := lo; i < hi; i++ {
		// B is tested before A so one event is never its own follower.
		if lastA >= 0 && n.b.match(d, i) && n.inTime(d.Time[lastA], d.Time[i]) {
			foundA, foundB = lastA, i
		}
		if t := d.Time[i]; t >= n.from && t < n.to && n.a.match(d, i) {
			lastA = i
		}
	}
	return foundA, foundB
}

// unanswered finds, for "then not B", the user's most recent A in the
// window and whether a B followed it in time.
func (n *seqNode) unanswered(lo, hi int) (int, bool) {
	d := n.e.d
	a := -1
	for i := hi - 1; i >= lo; i-- {
		if t := d.Time[i]; t >= n.from && t < n.to && n.a.match(d, i) {
			a = i
			break
		}
	}
	if a < 0 {
		return -1, false
	}
	for j := a + 1; j < hi && n.inTime(d.Time[a], d.Time[j]); j++ {
		if n.b.match(d, j) {
			return a, false
		}
	}
	return a, true
}

func (n *seqNode) eval(lo, hi int) bool {
	if n.a.ev < 0 || (!n.absent && n.b.ev < 0) {
		return false
	}
	if n.absent {
		_, ok := n.unanswered(lo, hi)
		return ok
	}
	a, _ := n.pair(lo, hi)
	return a >= 0
}

func (n *seqNode) explain(lo, hi int, dst []Evidence) []Evidence {
	if n.absent {
		a, _ := n.unanswered(lo, hi)
		if a < 0 {
			return dst
		}
		detail := i18n.M("no follow-up: that event is not in the data")
		if n.b.ev >= 0 {
			detail = i18n.M("no %s after it", n.e.d.Names[n.b.ev])
			if n.within > 0 {
				detail = i18n.M("no %s within %s after it", n.e.d.Names[n.b.ev], span(n.within))
			}
		}
		return append(dst, evidence(n.src, detail, n.e.ref(a)))
	}
	a, b := n.pair(lo, hi)
	if a < 0 {
		return dst
	}
	gap := span(n.e.d.Time[b] - n.e.d.Time[a])
	return append(dst, evidence(n.src, i18n.M("followed after %s", gap), n.e.ref(a), n.e.ref(b)))
}

func (n *seqNode) text() string { return n.src }

// span is a duration in milliseconds kept for an evidence sentence: in
// English (and so in JSON) as human writes it, the way rules write
// windows (24h), in another language in its units (24小时 under zh).
type span int64

func (s span) In(l i18n.Lang) string {
	if l == i18n.English {
		return human(int64(s))
	}
	return output.Seconds(float64(s) / 1000).In(l)
}

// human writes a duration without trailing zero units: 24h, 1h30m, 45s.
func human(ms int64) string {
	s := (time.Duration(ms) * time.Millisecond).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// streakNode finds runs of consecutive calendar days with the event,
// per value of the by property.
type streakNode struct {
	e       *Evaluator
	src     string
	m       matcher
	by      *query.Prop // nil: one run for any value
	days    int
	without int32 // event id, -1 for none or unknown
	dayOf   *query.Calendar

	// Scratch reused across persons: runs[code] is the current run of a
	// value, valid only when stamp[code] == gen (one gen per person), so
	// nothing is cleared or allocated per person.
	runs  []run
	stamp []uint32
	gen   uint32
	cands []run
	ws    []int
}

type run struct {
	code        int32
	first, last int // calendar day buckets
	firstEvent  int // event index of the run's first event
	lastEvent   int
	length      int
	cand        int // index in cands once the run is long enough, else -1
}

func (e *Evaluator) streak(ctx context.Context, s Streak) (cnode, error) {
	m, err := e.matcher(ctx, s.Event)
	if err != nil {
		return nil, err
	}
	n := &streakNode{e: e, src: s.Text, m: m, days: s.Days, without: -1,
		dayOf: query.NewCalendar(query.Day, e.loc, e.d.MinTime, e.d.MaxTime+1)}
	codes := 2
	if s.By != "" {
		if n.by, err = e.prop(ctx, s.By); err != nil {
			return nil, err
		}
		codes = len(n.by.Values) + 1
	}
	n.runs, n.stamp = make([]run, codes), make([]uint32, codes)
	if s.Without != "" {
		if id, ok := e.d.EventID(s.Without); ok {
			n.without = id
		} else {
			e.unknown(s.Without)
		}
	}
	return n, nil
}

// find returns the most recent streak of the person that no "without"
// event spoils, and whether there is one.
func (n *streakNode) find(lo, hi int) (run, bool) {
	d := n.e.d
	n.gen++
	n.cands, n.ws = n.cands[:0], n.ws[:0]
	if n.m.ev < 0 {
		return run{}, false
	}
	day := -1 // calendar cursor: a person's events only move forward in time
	for i := lo; i < hi; i++ {
		if d.Event[i] == n.without {
			n.ws = append(n.ws, i)
			continue
		}
		if !n.m.match(d, i) {
			continue
		}
		var code int32 = 1
		if n.by != nil {
			if code = n.by.Codes[i]; code == 0 {
				continue // no value, no "same value" streak
			}
		}
		if t := d.Time[i]; day < 0 {
			day = n.dayOf.Bucket(t)
		} else {
			for n.dayOf.Starts[day+1] <= t {
				day++
			}
		}
		r := &n.runs[code]
		switch {
		case n.stamp[code] != n.gen || day > r.last+1:
			n.stamp[code] = n.gen
			*r = run{code: code, first: day, last: day, firstEvent: i, lastEvent: i, length: 1, cand: -1}
		case day == r.last+1:
			r.last, r.lastEvent = day, i
			r.length++
		}
		if r.length >= n.days {
			// The run qualifies: record it, or update its record as it grows.
			if r.cand < 0 {
				r.cand = len(n.cands)
				n.cands = append(n.cands, *r)
			} else {
				n.cands[r.cand] = *r
			}
		}
	}
	for k := len(n.cands) - 1; k >= 0; k-- {
		if !n.spoiled(n.cands[k]) {
			return n.cands[k], true
		}
	}
	return run{}, false
}

// spoiled: a "without" event on or after the streak's first day, with the
// same value or none.
func (n *streakNode) spoiled(r run) bool {
	start := n.dayOf.Starts[r.first]
	for _, w := range n.ws {
		if n.e.d.Time[w] < start {
			continue
		}
		if n.by == nil || n.by.Codes[w] == 0 || n.by.Codes[w] == r.code {
			return true
		}
	}
	return false
}

func (n *streakNode) eval(lo, hi int) bool {
	_, ok := n.find(lo, hi)
	return ok
}

func (n *streakNode) explain(lo, hi int, dst []Evidence) []Evidence {
	r, ok := n.find(lo, hi)
	if !ok {
		return dst
	}
	from, to := n.dayOf.Label(r.first), n.dayOf.Label(r.last)
	detail := i18n.M("%d consecutive days, %s to %s", r.length, from, to)
	first, last := n.e.ref(r.firstEvent), n.e.ref(r.lastEvent)
	if n.by != nil {
		v := n.by.Values[r.code-1]
		detail = i18n.M("%s %s: %d consecutive days, %s to %s", n.by.Key, v, r.length, from, to)
		first.Value, last.Value = v, v
	}
	return append(dst, evidence(n.src, detail, first, last))
}

func (n *streakNode) text() string { return n.src }

// activeNode is "active in W" (last event inside the window) or "silent
// for W" (last event before it).
type activeNode struct {
	e      *Evaluator
	src    string
	from   int64
	silent bool
}

func (n *activeNode) eval(lo, hi int) bool {
	if hi <= lo {
		return n.silent
	}
	return (n.e.d.Time[hi-1] >= n.from) != n.silent
}

func (n *activeNode) explain(lo, hi int, dst []Evidence) []Evidence {
	if hi <= lo {
		return dst
	}
	return append(dst, evidence(n.src, i18n.M("last seen %s", n.e.stamp(n.e.d.Time[hi-1])), n.e.ref(hi-1)))
}

func (n *activeNode) text() string { return n.src }
