package query

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/spoorhq/spoor/i18n"
)

// Filter is one property condition: "country = CN", "price > 100",
// "device in (ios, android)", "name contains 鞋", "coupon is set".
type Filter struct {
	Prop   string
	Op     string // = != > >= < <= in "not in" contains "is set" "is not set"
	Values []string
}

// FilterError points at the column of a filter expression that is wrong.
type FilterError struct {
	Expr string
	Col  int // 1-based, in runes
	Msg  string
}

func (e *FilterError) Error() string {
	return i18n.T("filter %q, column %d: %s", e.Expr, e.Col, e.Msg)
}

// ParseFilter reads a filter expression. Names and values may be quoted
// with '...', "..." or `...` when they hold spaces or operator characters.
func ParseFilter(expr string) (Filter, error) {
	sc := &scanner{src: []rune(expr), expr: expr}
	var f Filter
	var err error
	if f.Prop, err = sc.word(); err != nil {
		return f, err
	}
	if f.Prop == "" {
		return f, sc.fail(i18n.T("expected a property name (e.g. country = CN)"))
	}
	sc.space()
	opCol := sc.pos
	switch {
	case sc.lit("=="):
		f.Op = "="
	case sc.lit("!="), sc.lit(">="), sc.lit("<="), sc.lit("="), sc.lit(">"), sc.lit("<"):
		f.Op = string(sc.src[opCol:sc.pos])
	case sc.keyword("not in"):
		f.Op = "not in"
	case sc.keyword("in"):
		f.Op = "in"
	case sc.keyword("contains"):
		f.Op = "contains"
	case sc.keyword("is not set"):
		f.Op = "is not set"
	case sc.keyword("is set"):
		f.Op = "is set"
	default:
		return f, sc.fail(i18n.T("expected an operator: = != > >= < <= in, not in, contains, is set, is not set"))
	}
	sc.space()
	switch f.Op {
	case "is set", "is not set":
	case "in", "not in":
		if !sc.lit("(") {
			return f, sc.fail(i18n.T("expected ( after %s, e.g. device in (ios, android)", f.Op))
		}
		for {
			sc.space()
			v, err := sc.word()
			if err != nil {
				return f, err
			}
			if v == "" && sc.peek() != '\'' && sc.peek() != '"' {
				return f, sc.fail(i18n.T("expected a value"))
			}
			f.Values = append(f.Values, v)
			sc.space()
			if sc.lit(",") {
				continue
			}
			if sc.lit(")") {
				break
			}
			return f, sc.fail(i18n.T("expected , or ) in the value list"))
		}
	default:
		v, err := sc.rest()
		if err != nil {
			return f, err
		}
		if v == "" {
			return f, sc.fail(i18n.T("expected a value after %s", f.Op))
		}
		if f.Op != "=" && f.Op != "!=" && f.Op != "contains" {
			if x, err := strconv.ParseFloat(v, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
				return f, &FilterError{expr, opCol + 1, i18n.T("%s compares numbers; %q is not a number", f.Op, v)}
			} else if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return f, &FilterError{expr, opCol + 1, i18n.T("%s compares numbers; %q is not a finite number", f.Op, v)}
			}
		}
		f.Values = []string{v}
	}
	sc.space()
	if sc.pos < len(sc.src) {
		return f, sc.fail(i18n.T("unexpected text after the filter"))
	}
	return f, nil
}

type scanner struct {
	src  []rune
	pos  int
	expr string
}

func (s *scanner) fail(msg string) error { return &FilterError{s.expr, s.pos + 1, msg} }

func (s *scanner) peek() rune {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

func (s *scanner) space() {
	for s.pos < len(s.src) && unicode.IsSpace(s.src[s.pos]) {
		s.pos++
	}
}

func (s *scanner) lit(l string) bool {
	r := []rune(l)
	if s.pos+len(r) > len(s.src) || string(s.src[s.pos:s.pos+len(r)]) != l {
		return false
	}
	s.pos += len(r)
	return true
}

// keyword matches words case-insensitively, followed by a space, "(" or the end.
func (s *scanner) keyword(k string) bool {
	r := []rune(k)
	if s.pos+len(r) > len(s.src) || !strings.EqualFold(string(s.src[s.pos:s.pos+len(r)]), k) {
		return false
	}
	end := s.pos + len(r)
	if end < len(s.src) && !unicode.IsSpace(s.src[end]) && s.src[end] != '(' {
		return false
	}
	s.pos = end
	return true
}

func isOpRune(r rune) bool { return strings.ContainsRune("=!<>(),", r) }

// word reads a quoted string or a bare word ending at space or an operator.
func (s *scanner) word() (string, error) {
	s.space()
	if q := s.peek(); q == '\'' || q == '"' || q == '`' {
		start := s.pos
		s.pos++
		var b strings.Builder
		for s.pos < len(s.src) && s.src[s.pos] != q {
			b.WriteRune(s.src[s.pos])
			s.pos++
		}
		if s.pos >= len(s.src) {
			s.pos = start
			return "", s.fail("unclosed quote")
		}
		s.pos++
		return b.String(), nil
	}
	start := s.pos
	for s.pos < len(s.src) && !unicode.IsSpace(s.src[s.pos]) && !isOpRune(s.src[s.pos]) {
		s.pos++
	}
	return string(s.src[start:s.pos]), nil
}

// rest reads a quoted value, or everything to the end (trimmed), so that
// "city = New York" works unquoted.
func (s *scanner) rest() (string, error) {
	s.space()
	if q := s.peek(); q == '\'' || q == '"' || q == '`' {
		return s.word()
	}
	v := strings.TrimSpace(string(s.src[s.pos:]))
	s.pos = len(s.src)
	return v, nil
}

// compiled is a filter evaluated once per distinct value: ok[code] says
// whether an event with that property code passes.
type compiled struct {
	codes []int32
	ok    []bool
}

func (f Filter) compile(ctx context.Context, d *Dataset) (compiled, error) {
	p, err := d.Prop(ctx, f.Prop)
	if err != nil {
		return compiled{}, err
	}
	ok := make([]bool, len(p.Values)+1)
	ok[0] = f.Op == "is not set" || f.Op == "!=" || f.Op == "not in"
	for i, v := range p.Values {
		ok[i+1] = f.Test(v, p.Num[i])
	}
	return compiled{codes: p.Codes, ok: ok}, nil
}

// Test evaluates the filter on one set value (num is NaN when not numeric).
func (f Filter) Test(v string, num float64) bool {
	switch f.Op {
	case "is set":
		return true
	case "is not set":
		return false
	case "=":
		return equalValue(v, num, f.Values[0])
	case "!=":
		return !equalValue(v, num, f.Values[0])
	case "in", "not in":
		in := false
		for _, w := range f.Values {
			if equalValue(v, num, w) {
				in = true
				break
			}
		}
		return in == (f.Op == "in")
	case "contains":
		return strings.Contains(strings.ToLower(v), strings.ToLower(f.Values[0]))
	}
	want, _ := strconv.ParseFloat(f.Values[0], 64)
	if math.IsNaN(num) {
		return false
	}
	switch f.Op {
	case ">":
		return num > want
	case ">=":
		return num >= want
	case "<":
		return num < want
	case "<=":
		return num <= want
	}
	return false
}

// equalValue compares as numbers when both sides are numbers (so 5 = 5.0),
// else as text.
func equalValue(v string, num float64, want string) bool {
	if v == want {
		return true
	}
	if !math.IsNaN(num) {
		if w, err := strconv.ParseFloat(want, 64); err == nil {
			return num == w
		}
	}
	return false
}
