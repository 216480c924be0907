package importers

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spoorhq/spoor/i18n"
)

// arrayObjects reads the elements of one top-level JSON array, one at a
// time, so the array is never held whole. It finds where each element ends
// by its brackets and strings (the parser then checks it fully), and holds
// at most maxRow bytes of it: a longer element is skipped as it is read and
// rejected, and reading goes on. A syntax error cannot be skipped (the
// structure is lost), so it ends the file.
type arrayObjects struct {
	r       *bufio.Reader
	p       jsonParser
	n       int64 // elements begun
	off     int64 // bytes consumed, for error messages
	started bool
	buf     []byte
	stack   []byte // open brackets of the element being read
	stream  bool   // the elements are objects one after another, not in an array
}

// unit names what a.n counts, in messages.
func (a *arrayObjects) unit() string {
	if a.stream {
		return "object"
	}
	return "array element"
}

func newArrayObjects(r *bufio.Reader) *arrayObjects {
	return &arrayObjects{r: r, p: newJSONParser()}
}

func (a *arrayObjects) close() {}

// skipSpace consumes white space and returns the next byte, unconsumed.
func (a *arrayObjects) skipSpace() (byte, error) {
	for {
		b, err := a.r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			a.r.Discard(1)
			a.off++
		default:
			return b[0], nil
		}
	}
}

func (a *arrayObjects) broken(what string, err error) error {
	if err == io.EOF {
		err = errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("broken JSON in %s %d (byte %d): %s%w", a.unit(), a.n, a.off, what, err)
}

func (a *arrayObjects) object() (map[string]any, int64, []byte, error) {
	c, err := a.skipSpace()
	if !a.started {
		switch {
		case err != nil:
			return nil, 0, nil, fmt.Errorf("broken JSON at the start: %w", err)
		case c == '{':
			return nil, 0, nil, &notEventsError{msg: i18n.T("expected a JSON array of event objects")}
		case c != '[':
			return nil, 0, nil, fmt.Errorf("broken JSON at the start: invalid character %q looking for beginning of value", c)
		}
		a.started = true
		a.r.Discard(1)
		a.off++
		if c, err = a.skipSpace(); err == nil && c == ']' {
			return nil, 0, nil, io.EOF
		}
	} else {
		switch {
		case err != nil:
			return nil, a.n, nil, fmt.Errorf("broken JSON after element %d: %w", a.n, errors.New("unexpected end of JSON input"))
		case c == ']':
			return nil, a.n, nil, io.EOF
		case c != ',':
			a.n++
			return nil, a.n, nil, a.broken("", fmt.Errorf("invalid character %q after array element", c))
		}
		a.r.Discard(1)
		a.off++
		c, err = a.skipSpace()
	}
	a.n++
	if err != nil {
		return nil, a.n, nil, a.broken("", err)
	}
	if c == ']' || c == ',' {
		return nil, a.n, nil, a.broken("", fmt.Errorf("invalid character %q looking for beginning of value", c))
	}
	return a.read()
}

// read reads the element starting here (the a.n-th) and parses it.
func (a *arrayObjects) read() (map[string]any, int64, []byte, error) {
	size, err := a.element()
	if err != nil {
		return nil, a.n, nil, a.broken("", err)
	}
	if size > maxRow {
		return nil, a.n, a.buf, rowTooLong(a.n, clip(a.buf), "the "+a.unit(), size)
	}
	raw := a.buf
	m, err := a.p.parse(raw)
	var long *valueTooLong
	if errors.Is(err, errNotObject) && !json.Valid(raw) || err != nil && !errors.Is(err, errNotObject) && !errors.As(err, &long) && !errors.Is(err, errTooManyKeys) {
		return nil, a.n, nil, a.broken("", err) // as encoding/json would have refused it
	}
	if err != nil {
		return nil, a.n, raw, parseReject(err, a.n, raw)
	}
	return m, a.n, raw, nil
}

// element reads one value into a.buf (its first maxRow bytes) and returns
// its length. It follows strings and brackets only; the parser checks the
// rest.
func (a *arrayObjects) element() (int, error) {
	a.buf, a.stack = a.buf[:0], a.stack[:0]
	size := 0
	var pieces [][]byte
	inStr, esc := false, false
	for {
		chunk, err := a.r.Peek(max(a.r.Buffered(), 1))
		if len(chunk) == 0 {
			if err == io.EOF && !inStr && len(a.stack) == 0 && size > 0 {
				return size, nil // a scalar at the very end; the caller finds the missing ]
			}
			return size, err
		}
		end := -1 // the element ends before chunk[end]
	scan:
		for i, c := range chunk {
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if len(a.stack) == 0 && size+i > 0 {
						end = i + 1
						break scan
					}
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				a.stack = append(a.stack, c)
			case '}', ']':
				if len(a.stack) == 0 {
					end = i // a scalar ended by the array's ]
					break scan
				}
				if open := a.stack[len(a.stack)-1]; open == '{' && c != '}' || open == '[' && c != ']' {
					a.off += int64(i)
					return size, fmt.Errorf("invalid character %q in the element", c)
				}
				a.stack = a.stack[:len(a.stack)-1]
				if len(a.stack) == 0 {
					end = i + 1
					break scan
				}
			case ',', ' ', '\t', '\n', '\r':
				if len(a.stack) == 0 {
					end = i // a scalar ends here
					break scan
				}
			}
		}
		k := len(chunk)
		if end >= 0 {
			k = end
		}
		switch {
		case size+k <= maxRow:
			// In pieces joined once, as readLine does.
			if len(a.buf) > 0 && len(a.buf)+k > max(cap(a.buf), lineChunk) {
				pieces = append(pieces, a.buf)
				a.buf = make([]byte, 0, lineChunk)
			}
			a.buf = append(a.buf, chunk[:k]...)
		case len(pieces) > 0:
			a.buf, pieces = pieces[0], nil // too long: keep the start to show
		}
		size += k
		a.r.Discard(k)
		a.off += int64(k)
		if end >= 0 {
			if len(pieces) > 0 {
				all := make([]byte, 0, size)
				for _, p := range pieces {
					all = append(all, p...)
				}
				a.buf = append(all, a.buf...)
			}
			return size, nil
		}
	}
}
