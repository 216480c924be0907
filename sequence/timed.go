package sequence

// Patterns with time conditions are matched as ClickHouse matches them:
// backtrackingMatch and couldMatchDeterministicParts, ported with their
// iteration limits. Time conditions compare an event's time with the
// "base" event's: the last event an atom matched (or, after .*, the event
// the .* stopped at), as ClickHouse does.

// timed answers the three questions for a pattern with time conditions.
func (m *Matcher) timed(ev []Event, allMet bool) (Answer, error) {
	var r Answer
	// sequenceMatchEvents: one search from the first event, keeping the
	// first match or the longest partial one.
	ok, _, err := m.backtrack(ev, 0, true)
	if err != nil {
		return r, err
	}
	r.Events = append([]int{}, m.best...)
	if !allMet {
		return r, nil
	}
	det, err := m.deterministic(ev)
	if err != nil || !det {
		return r, err
	}
	r.Match = ok
	// sequenceCount: searches one after another, each from where the
	// last match ended.
	for pos := 0; pos < len(ev); {
		found, end, err := m.backtrack(ev, pos, false)
		if err != nil {
			return r, err
		}
		if !found {
			break
		}
		r.Count++
		pos = end
	}
	return r, nil
}

type frame struct{ act, ev, base int }

// backtrack is backtrackingMatch from event start: whether the pattern
// matches, and the position after the match (moved on by one when the
// match took no event). With track, m.best holds the first match's atom
// events or the longest partial match's.
func (m *Matcher) backtrack(ev []Event, start int, track bool) (bool, int, error) {
	acts := m.p.actions
	n := len(ev)
	a, e, base := 0, start, start
	var stack []frame
	m.path, m.best = m.path[:0], m.best[:0]
	back := func() bool {
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			a, e, base = top.act, top.ev+1, top.base
			if track {
				m.path = m.path[:m.p.specBefore[a]]
			}
			if e != n {
				return true
			}
		}
		return false
	}
	for i := 1; a < len(acts) && e < n; i++ {
		if i > MaxIterations {
			return false, e, ErrTooSlow
		}
		if i&4095 == 0 && m.ctx != nil {
			if err := m.ctx.Err(); err != nil {
				return false, e, err
			}
		}
		act := acts[a]
		switch act.kind {
		case specific:
			if ev[e].Conds>>uint(act.arg)&1 == 1 {
				if track {
					m.path = append(m.path, e)
					if len(m.path) > len(m.best) {
						m.best = append(m.best[:0], m.path...)
					}
				}
				base = e
				a, e = a+1, e+1
			} else if !back() {
				return m.done(acts, a, e, start)
			}
		case anyEvent:
			base = e
			a, e = a+1, e+1
		case star:
			stack = append(stack, frame{a, e, base})
			base = e
			a++
		default:
			d := ev[e].T - ev[base].T
			var hold bool
			switch act.kind {
			case timeLE:
				hold = d <= act.arg
			case timeLT:
				hold = d < act.arg
			case timeGE:
				hold = d >= act.arg
			case timeGT:
				hold = d > act.arg
			case timeEQ:
				hold = d == act.arg
			}
			switch {
			case hold:
				stack = append(stack, frame{a, e, base})
				base = e
				a++
			case act.kind == timeLE || act.kind == timeLT:
				if !back() {
					return m.done(acts, a, e, start)
				}
			default: // >=, >, ==: a later event may still satisfy it
				if e++; e == n && !back() {
					return m.done(acts, a, e, start)
				}
			}
		}
	}
	return m.done(acts, a, e, start)
}

// done finishes backtrackingMatch, also after a failed backtrack (which
// leaves a at the action it last restored): actions left over match
// nothing if they are .*, (?t<=), (?t<) or (?t>=0); the result is whether
// every action was used.
func (m *Matcher) done(acts []action, a, e, start int) (bool, int, error) {
	for a < len(acts) {
		k := acts[a].kind
		if k != star && k != timeLE && k != timeLT && (k != timeGE || acts[a].arg != 0) {
			break
		}
		a++
	}
	if e == start {
		e++
	}
	ok := a == len(acts)
	if ok {
		m.best = append(m.best[:0], m.path...)
	}
	return ok, e, nil
}

// deterministic is couldMatchDeterministicParts: the runs of (?N) and .
// between .* and time conditions, matched in order, each where it first
// fits; false means no match is possible.
func (m *Matcher) deterministic(ev []Event) (bool, error) {
	acts := m.p.actions
	n, e, processed := len(ev), 0, 0
	part := func(from, to int) (bool, error) {
		init, j := e, from
		for j != to && e != n {
			if acts[j].kind == anyEvent || ev[e].Conds>>uint(acts[j].arg)&1 == 1 {
				e, j = e+1, j+1
			} else {
				init++
				e, j = init, from
			}
			if processed++; processed > MaxIterations {
				return false, ErrTooSlow
			}
		}
		return j == to, nil
	}
	from := 0
	for j, a := range acts {
		if a.kind != specific && a.kind != anyEvent {
			if ok, err := part(from, j); !ok || err != nil {
				return false, err
			}
			from = j + 1
		}
	}
	return part(from, len(acts))
}
