// Package sequence finds event patterns in each person's timeline with
// ClickHouse's sequenceMatch, sequenceCount and sequenceMatchEvents
// semantics (src/AggregateFunctions/AggregateFunctionSequenceMatch.h):
// spoor match (docs/semantics.md#sequence-patterns).
//
// A pattern is a string of atoms over numbered conditions:
//
//	(?N)        an event meeting condition N (1-based)
//	.           any one event
//	.*          any number of events
//	(?t op S)   between the two adjacent matched events: op is <, <=, >, >=
//	            or ==, S a number of seconds
//
// Events meeting none of the conditions are dropped before matching, so
// atoms are adjacent among the remaining events only.
package sequence

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// MaxConditions is ClickHouse's max_events.
const MaxConditions = 32

type kind uint8

const (
	specific kind = iota // (?N): arg is the 0-based condition
	anyEvent             // .
	star                 // .*
	timeLE               // (?t<=S): arg is S in milliseconds
	timeLT
	timeGE
	timeGT
	timeEQ
)

type action struct {
	kind kind
	arg  int64
}

// Pattern is a parsed pattern over a number of conditions.
type Pattern struct {
	src     string
	actions []action // led by the implicit .* ClickHouse puts first
	hasTime bool
	inUse   uint32 // conditions the pattern names
	atoms   int    // (?N) atoms: the length of a match's event list
	// specBefore[a] counts the (?N) atoms before action a, so a
	// backtrack truncates the matched events to the restored action.
	specBefore []int
}

// String is the pattern as written.
func (p *Pattern) String() string { return p.src }

// Atoms is the number of (?N) atoms, one matched event each.
func (p *Pattern) Atoms() int { return p.atoms }

// HasTime reports whether the pattern has (?t ...) conditions; without
// them matching takes one pass over the events.
func (p *Pattern) HasTime() bool { return p.hasTime }

// Parse reads a pattern over conds conditions, as ClickHouse's
// parsePattern does; errors say where.
func Parse(src string, conds int) (*Pattern, error) {
	if conds < 1 || conds > MaxConditions {
		return nil, i18n.Errorf("a pattern takes 1 to %d conditions, got %d", MaxConditions, conds)
	}
	p := &Pattern{src: src, actions: []action{{kind: star}}}
	pos := 0
	fail := func(msg i18n.Msg) error {
		return i18n.Errorf("pattern %q: %s at position %d (%q); atoms are (?N), ., .* and (?t<=S), with <, >=, >, ==", src, msg, pos, src[pos:])
	}
	number := func() (int64, bool) {
		end := pos
		for end < len(src) && src[end] >= '0' && src[end] <= '9' {
			end++
		}
		v, err := strconv.ParseInt(src[pos:end], 10, 64)
		if err != nil || end == pos {
			return 0, false
		}
		pos = end
		return v, true
	}
	eat := func(s string) bool {
		if strings.HasPrefix(src[pos:], s) {
			pos += len(s)
			return true
		}
		return false
	}
	for pos < len(src) {
		switch {
		case eat("(?"):
			if eat("t") {
				var k kind
				switch {
				case eat("<="):
					k = timeLE
				case eat("<"):
					k = timeLT
				case eat(">="):
					k = timeGE
				case eat(">"):
					k = timeGT
				case eat("=="):
					k = timeEQ
				default:
					return nil, fail(i18n.M("unknown time condition"))
				}
				secs, ok := number()
				if !ok {
					return nil, fail(i18n.M("expected a number of seconds"))
				}
				if secs > 1<<40 {
					return nil, fail(i18n.M("time too large"))
				}
				if last := p.actions[len(p.actions)-1].kind; last != specific && last != anyEvent && last != star {
					return nil, fail(i18n.M("a time condition must follow an event"))
				}
				p.hasTime = true
				p.actions = append(p.actions, action{kind: k, arg: secs * 1000})
			} else {
				n, ok := number()
				if !ok {
					return nil, fail(i18n.M("expected a condition number"))
				}
				if n < 1 || n > int64(conds) {
					return nil, fail(i18n.M("condition %d is not one of the %d conditions (they count from 1)", n, conds))
				}
				p.actions = append(p.actions, action{kind: specific, arg: n - 1})
				p.inUse |= 1 << uint(n-1)
				p.atoms++
			}
			if !eat(")") {
				return nil, fail(i18n.M("expected a closing parenthesis"))
			}
		case eat(".*"):
			p.actions = append(p.actions, action{kind: star})
		case eat("."):
			p.actions = append(p.actions, action{kind: anyEvent})
		default:
			return nil, fail(i18n.M("unexpected character"))
		}
	}
	p.specBefore = make([]int, len(p.actions)+1)
	for a, act := range p.actions {
		p.specBefore[a+1] = p.specBefore[a]
		if act.kind == specific {
			p.specBefore[a+1]++
		}
	}
	return p, nil
}
