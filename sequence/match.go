package sequence

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
)

// MaxIterations is ClickHouse's sequence_match_max_iterations: a
// backtracking search (patterns with time conditions) that takes more
// steps than this for one person gives up with ErrTooSlow.
const MaxIterations = 1_000_000

// ErrTooSlow is returned when a pattern with time conditions needs more
// than MaxIterations steps for one person, as ClickHouse's TOO_SLOW.
var ErrTooSlow error = tooSlow{}

// tooSlow is ErrTooSlow: its text is made when it is shown, in the
// language chosen by then (the variable is made before that).
type tooSlow struct{}

func (tooSlow) Error() string {
	return i18n.T("the pattern needs more than %d backtracking steps (ClickHouse's limit); make it more specific, e.g. fewer .* or tighter (?t...) conditions", MaxIterations)
}

// Event is one event of a person's timeline that meets at least one
// condition: its time (epoch ms) and the conditions it meets (bit i for
// condition i+1). Events are in time order.
type Event struct {
	T     int64
	Conds uint32
}

// Answer is one person's answer.
type Answer struct {
	Match bool // sequenceMatch
	Count int  // sequenceCount: non-overlapping matches
	// Events are the indices of the events of the first match, one per
	// (?N) atom; without a full match, those of the longest partial match
	// (the first one found), as sequenceMatchEvents returns them.
	Events []int
}

// Matcher evaluates a pattern person after person, reusing its buffers.
type Matcher struct {
	p    *Pattern
	feas []bool // feasibility table of the linear path
	seen []bool // forward state sets of the linear path
	next []bool
	path []int
	best []int
	ctx  context.Context
}

// NewMatcher returns a Matcher for p.
func (p *Pattern) NewMatcher() *Matcher { return &Matcher{p: p} }

// Eval answers sequenceMatch, sequenceCount and sequenceMatchEvents for
// one person's events. Patterns without time conditions take time linear
// in the events (times the pattern's length); with time conditions the
// search is ClickHouse's backtracking, bounded by MaxIterations and
// cancelled with ctx.
func (m *Matcher) Eval(ctx context.Context, ev []Event) (Answer, error) {
	m.ctx = ctx
	var met uint32
	for _, e := range ev {
		met |= e.Conds
	}
	allMet := m.p.inUse&met == m.p.inUse
	if !m.p.hasTime {
		return m.linear(ev, allMet), nil
	}
	return m.timed(ev, allMet)
}

// linear handles patterns without time conditions. Such a pattern is a
// chain of atoms and .*; ClickHouse answers sequenceMatch with its DFA
// and sequenceCount by backtracking, whose first match is the one whose
// .* skip as few events as possible, earlier .* first. feasible(j, pos) —
// can actions j.. match from event pos — computed backwards once, lets
// each .* take that smallest skip directly, so every match is found in
// one forward walk. (Backtracking stops early when a branch runs out of
// events; without time conditions no later branch could match then.)
func (m *Matcher) linear(ev []Event, allMet bool) Answer {
	acts := m.p.actions
	var r Answer
	if allMet {
		m.feasibility(ev, acts)
		r.Match = m.feasible(len(ev), 0, 0) // the DFA's answer, also without events
		for pos := 0; pos < len(ev); {
			if !m.feasible(len(ev), 0, pos) {
				break
			}
			end := m.walk(ev, acts, pos, r.Count == 0)
			r.Count++
			if end == pos {
				end++ // ClickHouse moves on by one after an empty match
			}
			pos = end
		}
	}
	if r.Count > 0 {
		r.Events = append([]int{}, m.path...)
		return r
	}
	// The longest partial match: the most atoms any placement reaches
	// (the DFA's states, forward), then the first placement of that
	// prefix of the pattern.
	k := m.deepest(ev, acts)
	if k == 0 {
		r.Events = []int{}
		return r
	}
	cut := 0
	for m.p.specBefore[cut] < k {
		cut++
	}
	m.feasibility(ev, acts[:cut])
	m.walk(ev, acts[:cut], 0, true)
	r.Events = append([]int{}, m.path...)
	return r
}

// feasibility fills m.feas for acts over ev: row j, column pos.
func (m *Matcher) feasibility(ev []Event, acts []action) {
	n, w := len(ev), len(ev)+1
	size := (len(acts) + 1) * w
	if cap(m.feas) < size {
		m.feas = make([]bool, size)
	}
	f := m.feas[:size]
	for pos := 0; pos <= n; pos++ {
		f[len(acts)*w+pos] = true
	}
	for j := len(acts) - 1; j >= 0; j-- {
		row, nxt := f[j*w:j*w+w], f[(j+1)*w:(j+1)*w+w]
		a := acts[j]
		for pos := n; pos >= 0; pos-- {
			switch a.kind {
			case specific:
				row[pos] = pos < n && ev[pos].Conds>>uint(a.arg)&1 == 1 && nxt[pos+1]
			case anyEvent:
				row[pos] = pos < n && nxt[pos+1]
			default: // star
				row[pos] = nxt[pos] || (pos < n && row[pos+1])
			}
		}
	}
}

func (m *Matcher) feasible(n, j, pos int) bool { return m.feas[j*(n+1)+pos] }

// walk places acts from pos, each .* skipping the fewest events, and
// returns the position after the match; record keeps the atoms' events
// in m.path.
func (m *Matcher) walk(ev []Event, acts []action, pos int, record bool) int {
	n := len(ev)
	if record {
		m.path = m.path[:0]
	}
	for j, a := range acts {
		switch a.kind {
		case star:
			for !m.feasible(n, j+1, pos) {
				pos++
			}
		case specific:
			if record {
				m.path = append(m.path, pos)
			}
			pos++
		default:
			pos++
		}
	}
	return pos
}

// deepest is the most (?N) atoms any placement of a prefix of acts
// reaches: the set of actions reachable after each event, forward.
func (m *Matcher) deepest(ev []Event, acts []action) int {
	na := len(acts)
	if cap(m.seen) < na+1 {
		m.seen, m.next = make([]bool, na+1), make([]bool, na+1)
	}
	cur, nxt := m.seen[:na+1], m.next[:na+1]
	clear(cur)
	cur[0] = true
	best := 0
	closure := func(s []bool) {
		for j := 0; j < na; j++ {
			if s[j] && acts[j].kind == star {
				s[j+1] = true
			}
		}
	}
	closure(cur)
	for _, e := range ev {
		clear(nxt)
		any := false
		for j := 0; j < na; j++ {
			if !cur[j] {
				continue
			}
			switch a := acts[j]; a.kind {
			case specific:
				if e.Conds>>uint(a.arg)&1 == 1 {
					nxt[j+1], any = true, true
					best = max(best, m.p.specBefore[j+1])
				}
			case anyEvent:
				nxt[j+1], any = true, true
			default:
				nxt[j], any = true, true
			}
		}
		if !any {
			break
		}
		closure(nxt)
		cur, nxt = nxt, cur
	}
	return best
}
