package segment

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/spoorhq/spoor/i18n"
)

// ParseError points at the column (1-based, in runes) of an expression
// where something else was expected.
type ParseError struct {
	Expr string
	Col  int
	Msg  string
}

func (e *ParseError) Error() string { return i18n.T("segment: column %d: %s", e.Col, e.Msg) }

type tokKind int

const (
	tWord tokKind = iota // bare or quoted word: names, values, numbers, dates, keywords
	tOp                  // ( ) , = == != > >= < <=
	tEOF
)

type token struct {
	kind   tokKind
	text   string
	col    int // 1-based rune column of the first character
	end    int // rune offset just past the token, to slice term text
	quoted bool
}

func isOpRune(r rune) bool { return strings.ContainsRune("=!<>(),", r) }

// lex splits an expression into words and operators.
func lex(expr string) ([]token, error) {
	src := []rune(expr)
	var toks []token
	i := 0
	for {
		for i < len(src) && unicode.IsSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, col: len(src) + 1, end: len(src)})
			return toks, nil
		}
		start := i
		switch r := src[i]; {
		case r == '\'' || r == '"' || r == '`':
			j := i + 1
			for j < len(src) && src[j] != r {
				j++
			}
			if j >= len(src) {
				return nil, &ParseError{expr, start + 1, i18n.T("unclosed quote %c", r)}
			}
			toks = append(toks, token{kind: tWord, text: string(src[i+1 : j]), col: start + 1, end: j + 1, quoted: true})
			i = j + 1
		case isOpRune(r):
			w := 1
			if i+1 < len(src) && src[i+1] == '=' && strings.ContainsRune("=!<>", r) {
				w = 2
			}
			op := string(src[i : i+w])
			if op == "!" {
				return nil, &ParseError{expr, start + 1, i18n.T("expected != (a lone ! is not an operator; use not)")}
			}
			if op == "==" {
				op = "="
			}
			i += w
			toks = append(toks, token{kind: tOp, text: op, col: start + 1, end: i})
		default:
			for i < len(src) && !unicode.IsSpace(src[i]) && !isOpRune(src[i]) {
				i++
			}
			toks = append(toks, token{kind: tWord, text: string(src[start:i]), col: start + 1, end: i})
		}
	}
}

// describe names a token for an error message.
func (t token) describe() string {
	switch {
	case t.kind == tEOF:
		return i18n.T("the end of the expression")
	case t.quoted:
		return fmt.Sprintf("%q", t.text)
	}
	return "“" + t.text + "”"
}
