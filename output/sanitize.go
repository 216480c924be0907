package output

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible makes s safe to print in a terminal table: control characters
// become escapes (\n, \t, \x1b, \u0085) and bytes that are not UTF-8
// become \xNN. Imported names and values are untrusted: an escape
// sequence in an event name could otherwise retitle the terminal, write
// its clipboard (OSC 52) or break the table's rows and widths.
func Visible(s string) string { return escape(s, false) }

// fileSafe is s for CSV bound for a file or a pipe: the data stays as it
// is except that no C0 or C1 control other than tab and newline passes
// raw (CR is written \r, the others and DEL \xNN as in Visible), nor a
// byte that is not UTF-8 (\xNN): such a file shown with cat or less must
// not drive the terminal either.
func fileSafe(s string) string { return escape(s, true) }

func escape(s string, file bool) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case file && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case file:
			b.WriteRune(r)
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// plain reports printable ASCII, the common case, without allocating;
// anything else takes the careful path.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return strings.IndexFunc(s, needsEscape) < 0 && utf8.ValidString(s)
		}
	}
	return true
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
