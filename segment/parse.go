package segment

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Parse reads an expression (see the package documentation).
func Parse(expr string) (Node, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{expr: expr, src: []rune(expr), toks: toks}
	if p.peek().kind == tEOF {
		return nil, p.fail(p.peek(), i18n.T("expected a condition, e.g. did purchase >= 2 in 30d"))
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.fail(t, i18n.T("expected and, or or the end of the expression, found %s", t.describe()))
	}
	return n, nil
}

type parser struct {
	expr  string
	src   []rune
	toks  []token
	pos   int
	depth int // open parentheses and nots around the current term
}

// maxDepth bounds how deeply parentheses and not may nest. The parser
// recurses once per level, and a million '(' exhausted the goroutine
// stack: a fatal error no recover can catch. Real expressions nest a few
// levels.
const maxDepth = 100

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) at(i int) token {
	if i >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[i]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) fail(t token, msg string) error { return &ParseError{p.expr, t.col, msg} }

// isKw reports whether t is the unquoted keyword kw.
func isKw(t token, kw string) bool {
	return t.kind == tWord && !t.quoted && strings.EqualFold(t.text, kw)
}

// kw consumes keyword kw when it is next.
func (p *parser) kw(kw string) bool {
	if isKw(p.peek(), kw) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) op(op string) bool {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.pos++
		return true
	}
	return false
}

// text is the source of the tokens from start to the last one consumed.
func (p *parser) text(start token) string {
	return strings.TrimSpace(string(p.src[start.col-1 : p.toks[p.pos-1].end]))
}

func (p *parser) or() (Node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	terms := []Node{n}
	for p.kw("or") {
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, m)
	}
	if len(terms) == 1 {
		return n, nil
	}
	return Or{terms}, nil
}

func (p *parser) and() (Node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	terms := []Node{n}
	for p.kw("and") {
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, m)
	}
	if len(terms) == 1 {
		return n, nil
	}
	return And{terms}, nil
}

func (p *parser) unary() (Node, error) {
	if t := p.peek(); isKw(t, "not") || (t.kind == tOp && t.text == "(") {
		if p.depth++; p.depth > maxDepth {
			return nil, p.fail(t, i18n.T("nested deeper than %d levels of parentheses and not", maxDepth))
		}
		defer func() { p.depth-- }()
	}
	if p.kw("not") {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return Not{x}, nil
	}
	if open := p.peek(); p.op("(") {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.op(")") {
			return nil, p.fail(p.peek(), i18n.T("expected ) to close the ( at column %d, found %s", open.col, p.peek().describe()))
		}
		return n, nil
	}
	return p.term()
}

// reserved words cannot start a term unquoted.
var reserved = map[string]bool{"and": true, "or": true, "then": true, "where": true, "in": true,
	"between": true, "within": true, "by": true, "without": true, "for": true, "days": true}

func (p *parser) term() (Node, error) {
	t := p.peek()
	if t.kind != tWord || (!t.quoted && reserved[strings.ToLower(t.text)]) {
		return nil, p.fail(t, i18n.T("expected a condition (did, first_seen, last_seen, active, silent, streak, or PROP OP VALUE), found %s", t.describe()))
	}
	switch {
	case isKw(t, "did"):
		return p.did()
	case isKw(t, "first_seen"), isKw(t, "last_seen"):
		return p.seen()
	case isKw(t, "active"), isKw(t, "silent"):
		return p.active()
	case isKw(t, "streak"):
		return p.streak()
	}
	f, err := p.filter()
	if err != nil {
		return nil, err
	}
	return UserProp{Text: p.text(t), Filter: f}, nil
}

func (p *parser) did() (Node, error) {
	start := p.next()
	negate := p.kw("not")
	a, err := p.event("did")
	if err != nil {
		return nil, err
	}
	if p.kw("then") {
		if negate {
			return nil, p.fail(p.toks[p.pos-1], i18n.T("a sequence cannot follow did not; write did A then not B"))
		}
		return p.seq(start, a)
	}
	d := Did{Event: a, Cmp: ">=", N: 1}
	if t := p.peek(); t.kind == tOp && countOps[t.text] {
		p.next()
		n, err := p.count(t.text)
		if err != nil {
			return nil, err
		}
		d.Cmp, d.N = t.text, n
	}
	if d.Win, err = p.window(); err != nil {
		return nil, err
	}
	d.Text = p.text(start)
	if negate {
		return Not{d}, nil
	}
	return d, nil
}

// countOps compare a did term's count.
var countOps = map[string]bool{">=": true, "<=": true, "=": true, ">": true, "<": true}

func (p *parser) count(after string) (int, error) {
	t := p.peek()
	n, err := strconv.Atoi(t.text)
	if t.kind != tWord || err != nil || n < 0 {
		return 0, p.fail(t, i18n.T("expected a number after %s", after))
	}
	p.next()
	return n, nil
}

// event reads EVENT [where PROP OP VALUE [and ...]].
func (p *parser) event(after string) (EventMatch, error) {
	t := p.peek()
	if t.kind != tWord || (!t.quoted && (reserved[strings.ToLower(t.text)] || strings.EqualFold(t.text, "not"))) {
		return EventMatch{}, p.fail(t, i18n.T("expected an event name after %s, found %s", after, t.describe()))
	}
	m := EventMatch{Name: p.next().text}
	if !p.kw("where") {
		return m, nil
	}
	for {
		f, err := p.filter()
		if err != nil {
			return m, err
		}
		m.Where = append(m.Where, f)
		if !isKw(p.peek(), "and") || !p.filterAhead(p.pos+1) {
			return m, nil
		}
		p.next()
	}
}

// termStarts are the words that begin a term other than a user property.
var termStarts = map[string]bool{"did": true, "not": true, "first_seen": true, "last_seen": true,
	"active": true, "silent": true, "streak": true}

// filterAhead reports whether the tokens at i read PROP OP, so that "and"
// before them continues a where list.
func (p *parser) filterAhead(i int) bool {
	name, op := p.at(i), p.at(i+1)
	if name.kind != tWord || (!name.quoted && termStarts[strings.ToLower(name.text)]) {
		return false
	}
	if op.kind == tOp {
		return op.text != "(" && op.text != ")" && op.text != ","
	}
	return isKw(op, "in") || isKw(op, "not") || isKw(op, "contains") || isKw(op, "is")
}

// filter reads PROP OP VALUE.
func (p *parser) filter() (query.Filter, error) {
	var f query.Filter
	t := p.peek()
	if t.kind != tWord {
		return f, p.fail(t, i18n.T("expected a property name, found %s", t.describe()))
	}
	f.Prop = p.next().text
	opTok := p.peek()
	switch {
	case opTok.kind == tOp && opTok.text != "(" && opTok.text != ")" && opTok.text != ",":
		f.Op = p.next().text
	case p.kw("in"):
		f.Op = "in"
	case isKw(opTok, "not") && isKw(p.at(p.pos+1), "in"):
		p.pos += 2
		f.Op = "not in"
	case p.kw("contains"):
		f.Op = "contains"
	case p.kw("is"):
		f.Op = "is set"
		if p.kw("not") {
			f.Op = "is not set"
		}
		if !p.kw("set") {
			return f, p.fail(p.peek(), i18n.T("expected set after %s", strings.TrimSuffix(f.Op, " set")))
		}
		return f, nil
	default:
		return f, p.fail(opTok, i18n.T("expected an operator after %s (= != > >= < <= in, not in, contains, is set), found %s", f.Prop, opTok.describe()))
	}
	if f.Op == "in" || f.Op == "not in" {
		if !p.op("(") {
			return f, p.fail(p.peek(), i18n.T("expected ( after %s, e.g. device in (ios, android)", f.Op))
		}
		for {
			v := p.peek()
			if v.kind != tWord {
				return f, p.fail(v, i18n.T("expected a value in the list"))
			}
			f.Values = append(f.Values, p.next().text)
			if p.op(",") {
				continue
			}
			if p.op(")") {
				return f, nil
			}
			return f, p.fail(p.peek(), i18n.T("expected , or ) in the value list"))
		}
	}
	v := p.peek()
	if v.kind != tWord {
		return f, p.fail(v, i18n.T("expected a value after %s", f.Op))
	}
	if f.Op != "=" && f.Op != "!=" && f.Op != "contains" {
		if x, err := strconv.ParseFloat(v.text, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return f, p.fail(v, i18n.T("expected a number after %s (%[1]s compares numbers)", f.Op))
		} else if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return f, p.fail(v, i18n.T("expected a finite number after %s (%[1]s compares numbers)", f.Op))
		}
	}
	f.Values = []string{p.next().text}
	return f, nil
}

// window reads an optional "in REL" or "between DATE and DATE".
func (p *parser) window() (Window, error) {
	var w Window
	var err error
	switch {
	case p.kw("in"):
		w.Rel, err = p.rel("in")
	case p.kw("between"):
		w.From, w.To, err = p.between()
	}
	return w, err
}

func (p *parser) between() (string, string, error) {
	from, err := p.date("between")
	if err != nil {
		return "", "", err
	}
	if !p.kw("and") {
		return "", "", p.fail(p.peek(), i18n.T("expected and after between %s", from))
	}
	to, err := p.date("and")
	if err != nil {
		return "", "", err
	}
	if to < from {
		return "", "", p.fail(p.toks[p.pos-1], i18n.T("the range ends before it starts"))
	}
	return from, to, nil
}

func (p *parser) rel(after string) (Rel, error) {
	t := p.peek()
	msg := i18n.T("expected a window such as 30d, 12w or 24h after %s", after)
	if t.kind != tWord || len(t.text) < 2 {
		return Rel{}, p.fail(t, msg)
	}
	unit := strings.ToLower(t.text[len(t.text)-1:])[0]
	n, err := strconv.Atoi(t.text[:len(t.text)-1])
	if err != nil || n <= 0 || !strings.ContainsRune("dwhm", rune(unit)) {
		return Rel{}, p.fail(t, msg)
	}
	if ms := map[byte]int64{'m': 60_000, 'h': 3_600_000, 'd': 86_400_000, 'w': 7 * 86_400_000}[unit]; int64(n) > query.MaxDuration/ms {
		return Rel{}, p.fail(t, i18n.T("the window %s is too long: at most %sd (100 years)", t.text, strconv.Itoa(query.MaxDays)))
	}
	p.next()
	return Rel{N: n, Unit: unit}, nil
}

func (p *parser) date(after string) (string, error) {
	t := p.peek()
	if _, err := time.Parse("2006-01-02", t.text); t.kind != tWord || err != nil {
		return "", p.fail(t, i18n.T("expected a date YYYY-MM-DD after %s", after))
	}
	return p.next().text, nil
}

func (p *parser) seen() (Node, error) {
	start := p.next()
	s := Seen{Last: isKw(start, "last_seen")}
	var err error
	switch t := p.peek(); {
	case p.kw("before"), p.kw("after"):
		s.Op = strings.ToLower(t.text)
		s.Date, err = p.date(s.Op)
	case p.kw("within"), p.kw("in"):
		s.Op = "within"
		s.Rel, err = p.rel(strings.ToLower(t.text))
	case p.kw("between"):
		s.Op = "between"
		s.Date, s.To, err = p.between()
	default:
		return nil, p.fail(t, i18n.T("expected before, after, within or between after %s", strings.ToLower(start.text)))
	}
	if err != nil {
		return nil, err
	}
	s.Text = p.text(start)
	return s, nil
}

func (p *parser) seq(start token, a EventMatch) (Node, error) {
	s := Seq{A: a, Absent: p.kw("not")}
	var err error
	if s.B, err = p.event("then"); err != nil {
		return nil, err
	}
	if p.kw("within") {
		t := p.peek()
		ms, err := query.ParseDuration(t.text)
		if t.kind == tWord && errors.Is(err, query.ErrTooLong) {
			return nil, p.fail(t, err.Error())
		}
		if t.kind != tWord || err != nil || ms <= 0 {
			return nil, p.fail(t, i18n.T("expected a duration such as 24h or 30m after within"))
		}
		p.next()
		s.Within = ms
	}
	if s.Win, err = p.window(); err != nil {
		return nil, err
	}
	s.Text = p.text(start)
	return s, nil
}

func (p *parser) streak() (Node, error) {
	start := p.next()
	var s Streak
	var err error
	if s.Event, err = p.event("streak"); err != nil {
		return nil, err
	}
	if p.kw("by") {
		t := p.peek()
		if t.kind != tWord {
			return nil, p.fail(t, i18n.T("expected a property name after by"))
		}
		s.By = p.next().text
	}
	if !p.op(">=") {
		return nil, p.fail(p.peek(), i18n.T("expected >= N days after the streak's event"))
	}
	if s.Days, err = p.count(">="); err != nil {
		return nil, err
	}
	if s.Days < 1 {
		return nil, p.fail(p.toks[p.pos-1], i18n.T("a streak lasts at least 1 day"))
	}
	if !p.kw("days") && !p.kw("day") {
		return nil, p.fail(p.peek(), i18n.T("expected days after the number"))
	}
	if p.kw("without") {
		t := p.peek()
		if t.kind != tWord {
			return nil, p.fail(t, i18n.T("expected an event name after without"))
		}
		if t.text == s.Event.Name {
			return nil, p.fail(t, i18n.T("without must name another event than the streak's"))
		}
		s.Without = p.next().text
	}
	s.Text = p.text(start)
	return s, nil
}

func (p *parser) active() (Node, error) {
	start := p.next()
	a := Active{Silent: isKw(start, "silent")}
	want := "in"
	if a.Silent {
		want = "for"
	}
	if !p.kw(want) && !(want == "in" && p.kw("within")) {
		return nil, p.fail(p.peek(), i18n.T("expected %s after %s, e.g. %[2]s %[1]s 14d", want, strings.ToLower(start.text)))
	}
	var err error
	if a.Rel, err = p.rel(want); err != nil {
		return nil, err
	}
	a.Text = p.text(start)
	return a, nil
}
