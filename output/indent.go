package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// writeJSON writes v as json.Encoder does with SetIndent("", "  ") and
// SetEscapeHTML(false) — the same bytes — but indents in one pass over the
// compact encoding and streams the result to w. encoding/json's indenting
// runs its full validating scanner over every byte: for a long result
// (churn's 92,121 users, 42 MB) it cost ten times the marshalling.
func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(indenter{bw})
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// indenter indents what json.Encoder.Encode writes, the whole compact
// value in one Write (a value fails before anything is written), straight
// from the encoder's buffer: copying it into a buffer of our own first
// cost a fresh 42 MB and its page faults for churn's 92,121 users.
type indenter struct{ w *bufio.Writer }

func (x indenter) Write(p []byte) (int, error) {
	indent(x.w, p)
	return len(p), nil
}

// indent writes src, the compact JSON encoding/json writes (no space
// outside strings, a newline at the end), with every element of a
// non-empty object or array on its own line, two spaces deeper than its
// container, and ": " after each key, as json.Indent(dst, src, "", "  ").
// Errors are the writer's, which Flush returns.
func indent(w *bufio.Writer, src []byte) {
	depth := 0
	newline := func() {
		w.WriteByte('\n')
		for range depth {
			w.WriteString("  ")
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// To the closing quote: one not escaped by a backslash.
			j := i + 1
			for {
				k := bytes.IndexAny(src[j:], `"\`)
				if k < 0 {
					j = len(src)
					break
				}
				j += k
				if src[j] == '"' {
					break
				}
				j += 2
			}
			w.Write(src[i:min(j+1, len(src))])
			i = j
		case '{', '[':
			w.WriteByte(c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				// Empty: stays {} or [].
				w.WriteByte(src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			w.WriteByte(c)
		case ',':
			w.WriteByte(c)
			newline()
		case ':':
			w.WriteString(": ")
		default:
			w.WriteByte(c)
		}
	}
}
