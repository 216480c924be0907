package segment

import (
	"errors"
	"strings"
	"testing"
)

// A million '(' used to overflow the goroutine stack (a fatal error, not a
// panic); the parser now refuses past maxDepth with the column of the
// first parenthesis too many.
func TestParseDepthLimit(t *testing.T) {
	cases := []struct {
		name, expr string
		col        int // 0: parses
	}{
		{"100 parentheses", strings.Repeat("(", 100) + "did a" + strings.Repeat(")", 100), 0},
		{"101 parentheses", strings.Repeat("(", 101) + "did a" + strings.Repeat(")", 101), 101},
		{"a million parentheses", strings.Repeat("(", 1_000_000), 101},
		{"100 nots", strings.Repeat("not ", 100) + "did a", 0},
		{"101 nots", strings.Repeat("not ", 101) + "did a", 401},
		{"a million nots", strings.Repeat("not ", 1_000_000), 401},
		{"mixed", strings.Repeat("not (", 50) + "did a" + strings.Repeat(")", 50), 0},
		{"mixed, one too many", "(" + strings.Repeat("not (", 50) + "did a" + strings.Repeat(")", 51), 0},
		{"siblings do not add up", strings.Repeat(strings.Repeat("(", 60)+"did a"+strings.Repeat(")", 60)+" and ", 3) + "did b", 0},
	}
	// "(" then 50 × "not (": 101 levels, the last "(" (column 1+49*5+5) is one too many.
	cases[7].col = 1 + 49*5 + 5
	for _, c := range cases {
		n, err := Parse(c.expr)
		if c.col == 0 {
			if err != nil || n == nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: want a ParseError, got %v", c.name, err)
			continue
		}
		if pe.Col != c.col || !strings.Contains(pe.Msg, "nested deeper than 100 levels") {
			t.Errorf("%s: got column %d: %s, want column %d: nested deeper than 100 levels", c.name, pe.Col, pe.Msg, c.col)
		}
	}
}
