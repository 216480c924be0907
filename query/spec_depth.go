package query

import (
	"fmt"
	"strings"
)

// maxSpecDepth bounds how deeply a TOML spec may nest arrays and inline
// tables. The TOML decoder recurses once per level, and a 2 MB file of
// nested brackets exhausted the goroutine stack: a fatal error no recover
// can catch. Real specs nest three or four levels.
const maxSpecDepth = 64

// checkTOMLDepth refuses a TOML document nested deeper than maxSpecDepth,
// counting brackets and braces outside strings and comments.
func checkTOMLDepth(s string) error {
	depth, line := 0, 1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
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
				return fmt.Errorf("line %d: nested deeper than %d levels", line, maxSpecDepth)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}
