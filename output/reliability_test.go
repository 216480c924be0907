package output

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
)

// Hostile names and values (issue 8): table and markdown output never pass
// a control character or invalid UTF-8 to the terminal, and every row
// stays one line.
func TestVisibleEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		"试听课":                         "试听课",
		"\x1b]0;pwned\x07\x1b[31mred": `\x1b]0;pwned\x07\x1b[31mred`,
		"a\nb\tc\rd":                  `a\nb\tc\rd`,
		"\u009b31m":                   `\x9b31m`,
		"bad\xff\xfe":                 `bad\xff\xfe`,
		"rtl\u202eexe.txt":            `rtl\u202eexe.txt`,
		"del\x7f":                     `del\x7f`,
		"line\u2028sep":               `line\u2028sep`,
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostileTableCells(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	alphabet := []string{"a", "中", "\x1b", "\n", "\r", "\t", "\x00", "\x7f", "\u0085", "\u202e", "\xff", "|", ",", "\"", " "}
	cell := func() string {
		var b strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	for iter := 0; iter < 300; iter++ {
		tb := Table{Title: cell(), Columns: []string{cell(), "n"}}
		for r := rng.Intn(5); r >= 0; r-- {
			tb.Rows = append(tb.Rows, []string{cell(), "1"})
		}
		for _, format := range []string{"table", "markdown"} {
			var buf bytes.Buffer
			if err := Write(&buf, format, tables{tb}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !utf8.ValidString(out) {
				t.Fatalf("%s: invalid UTF-8 in %q", format, out)
			}
			for _, r := range out {
				if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
					t.Fatalf("%s: control %U in %q", format, r, out)
				}
			}
			lines := strings.Count(out, "\n")
			want := len(tb.Rows) + 1 // header
			if format == "markdown" {
				want++ // separator
			}
			if tb.Title != "" {
				want++
				if format == "markdown" {
					want++ // blank line after the title
				}
			}
			if lines != want {
				t.Fatalf("%s: %d lines, want %d:\n%s", format, lines, want, out)
			}
		}
	}
}

type tables []Table

func (ts tables) Tables(i18n.Lang) []Table { return ts }
