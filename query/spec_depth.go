package query

import (
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// maxSpecDepth bounds how deeply a TOML spec may nest arrays and inline
// tables, and how many parts a dotted key may have. The TOML decoder
// recurses once per level, and a 2 MB file of nested brackets exhausted
// the goroutine stack: a fatal error no recover can catch; a 16 KB file
// of one key a.a.a….b = 1 took 26 s and 919 MB. Real specs nest three or
// four levels.
const maxSpecDepth = 64

// MaxSpecSize bounds a spec file. Real specs are well under 2 KB (a
// funnel of 20 steps with filters is about 1 KB); the bound is checked
// before a file is read whole or decoded.
const MaxSpecSize = 64 << 10

// checkTOMLDepth refuses a TOML document nested deeper than maxSpecDepth,
// counting brackets and braces outside strings and comments, or with a
// dotted key of more than maxSpecDepth dots (a bare or quoted part, dot,
// part…: whitespace may stand around the dots; a float has one).
func checkTOMLDepth(s string) error {
	depth, line, dots := 0, 1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\n':
			line++
		case '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			i--
		case '"', '\'':
			quote := s[i : i+1]
			if strings.HasPrefix(s[i:], quote+quote+quote) {
				quote = quote + quote + quote
			}
			j := i + len(quote)
			for j < len(s) && !strings.HasPrefix(s[j:], quote) {
				if c == '"' && s[j] == '\\' {
					j++ // an escaped character, perhaps the quote
				} else if s[j] == '\n' {
					line++
				}
				j++
			}
			i = j + len(quote) - 1
		case '[', '{':
			if depth++; depth > maxSpecDepth {
				return i18n.Errorf("line %d: nested deeper than %d levels", line, maxSpecDepth)
			}
		case ']', '}':
			depth--
		case '.':
			if dots++; dots > maxSpecDepth {
				return i18n.Errorf("line %d: a dotted key nested deeper than %d levels", line, maxSpecDepth)
			}
		}
		// Only key parts, quoted parts and spaces continue a dotted key.
		if !(c == '.' || c == '"' || c == '\'' || c == ' ' || c == '\t' || c == '_' || c == '-' ||
			c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			dots = 0
		}
	}
	return nil
}
