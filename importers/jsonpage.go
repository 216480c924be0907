package importers

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/spoorhq/spoor/i18n"
)

// pageObjects reads the events of API pages: one JSON object (or several,
// one after another) whose "results" array holds the events, as PostHog's
// events API returns them ({"next": URL, "results": [...]}), pretty-printed
// or not. The array is read element by element like a top-level one; the
// page's other fields are skipped, each bounded like an element.
type pageObjects struct {
	r     *bufio.Reader
	arr   *arrayObjects // reads the results array and skips other values
	inArr bool
	pages int64
}

// pageKeys are the fields a page may hold before its "results".
var pageKeys = map[string]bool{"next": true, "previous": true, "count": true, "results": true}

// isPage tells from the first bytes whether the text is an API page: an
// object whose first fields are page fields (next, previous, count) up to a
// "results" array of objects. An event object fails at its first other
// field, so JSON Lines of events are never taken for pages.
func isPage(head []byte) bool {
	i := skipWS(head, 0)
	if i >= len(head) || head[i] != '{' {
		return false
	}
	i++
	for {
		key, j, ok := scanString(head, skipWS(head, i))
		if !ok || !pageKeys[key] {
			return false
		}
		i = skipWS(head, j)
		if i >= len(head) || head[i] != ':' {
			return false
		}
		i = skipWS(head, i+1)
		if key == "results" {
			if i >= len(head) || head[i] != '[' {
				return false
			}
			i = skipWS(head, i+1)
			return i < len(head) && (head[i] == '{' || head[i] == ']')
		}
		// next/previous/count: a string, a number or null.
		if i < len(head) && head[i] == '"' {
			if _, i, ok = scanString(head, i); !ok {
				return false
			}
		} else {
			for i < len(head) && head[i] != ',' && head[i] != '}' && head[i] != '{' && head[i] != '[' {
				i++
			}
		}
		i = skipWS(head, i)
		if i >= len(head) || head[i] != ',' {
			return false
		}
		i++
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] and returns it decoded
// and the index after it.
func scanString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			var s string
			if err := json.Unmarshal(b[i:j+1], &s); err != nil {
				return "", j + 1, false
			}
			return s, j + 1, true
		}
	}
	return "", len(b), false
}

func newPageObjects(r *bufio.Reader) *pageObjects {
	return &pageObjects{r: r, arr: newArrayObjects(r)}
}

func (p *pageObjects) close() {}

func (p *pageObjects) object() (map[string]any, int64, []byte, error) {
	for {
		if p.inArr {
			m, n, raw, err := p.arr.object()
			if err != io.EOF {
				return m, n, raw, err
			}
			p.r.Discard(1) // the array's ]
			p.inArr = false
			if err := p.restOfPage(); err != nil {
				return nil, p.arr.n, nil, err
			}
			continue
		}
		c, err := p.arr.skipSpace()
		if err == io.EOF && p.pages > 0 {
			return nil, p.arr.n, nil, io.EOF
		}
		if err != nil || c != '{' {
			return nil, p.arr.n, nil, p.broken(i18n.T("expected a page object {\"results\": [...]} (page %d)", p.pages+1), c, err)
		}
		p.r.Discard(1)
		p.pages++
		if err := p.toResults(); err != nil {
			return nil, p.arr.n, nil, err
		}
	}
}

// toResults reads the page's fields up to its "results" array and leaves
// the reader on the array's [.
func (p *pageObjects) toResults() error {
	for {
		key, end, err := p.key()
		if err != nil {
			return err
		}
		if end {
			return &notEventsError{msg: i18n.T("page %d has no \"results\" array of events", p.pages)}
		}
		if key == "results" {
			if c, err := p.arr.skipSpace(); err != nil || c != '[' {
				return p.broken(i18n.T("\"results\" is not an array"), c, err)
			}
			p.arr.started = false
			p.inArr = true
			return nil
		}
		if err := p.skipValue(); err != nil {
			return err
		}
	}
}

// restOfPage skips the fields after "results" and the page's closing }.
func (p *pageObjects) restOfPage() error {
	for {
		_, end, err := p.key()
		if err != nil || end {
			return err
		}
		if err := p.skipValue(); err != nil {
			return err
		}
	}
}

// key reads `"name":` (after a comma unless it is the first), or reports
// the end of the object.
func (p *pageObjects) key() (string, bool, error) {
	c, err := p.arr.skipSpace()
	if err == nil && c == ',' {
		p.r.Discard(1)
		c, err = p.arr.skipSpace()
	}
	if err == nil && c == '}' {
		p.r.Discard(1)
		return "", true, nil
	}
	if err != nil || c != '"' {
		return "", false, p.broken(i18n.T("expected a field name in the page object"), c, err)
	}
	if _, err := p.arr.element(); err != nil {
		return "", false, p.broken("", 0, err)
	}
	var key string
	if err := json.Unmarshal(p.arr.buf, &key); err != nil {
		return "", false, p.broken("", 0, err)
	}
	if c, err := p.arr.skipSpace(); err != nil || c != ':' {
		return "", false, p.broken(i18n.T("expected : after a field name"), c, err)
	}
	p.r.Discard(1)
	return key, false, nil
}

// skipValue reads past one value, holding at most maxRow bytes of it.
func (p *pageObjects) skipValue() error {
	if _, err := p.arr.skipSpace(); err != nil {
		return p.broken("", 0, err)
	}
	if _, err := p.arr.element(); err != nil {
		return p.broken("", 0, err)
	}
	return nil
}

func (p *pageObjects) broken(what string, c byte, err error) error {
	switch {
	case err == io.EOF:
		err = i18n.Errorf("unexpected end of JSON input")
	case err == nil:
		err = i18n.Errorf("found %q", c)
	}
	if what != "" {
		return i18n.Errorf("broken JSON page after element %d: %s: %w", p.arr.n, what, err)
	}
	return i18n.Errorf("broken JSON page after element %d: %w", p.arr.n, err)
}

// streamObjects reads JSON objects written one after another, each over
// several lines: pretty-printed output (jq . of a JSON Lines file, or one
// event saved from an API), which JSON Lines would see as broken lines.
// Each object is read like an array element.
type streamObjects struct{ a *arrayObjects }

// isStream tells pretty-printed objects from JSON Lines: the first line is
// a lone {, which no JSON Lines record is.
func isStream(head []byte) bool {
	i := skipWS(head, 0)
	if i >= len(head) || head[i] != '{' {
		return false
	}
	for _, c := range head[i+1:] {
		switch c {
		case '\n':
			return true
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return false
}

func newStreamObjects(r *bufio.Reader) *streamObjects {
	a := newArrayObjects(r)
	a.stream = true
	return &streamObjects{a}
}

func (s *streamObjects) close() {}

func (s *streamObjects) object() (map[string]any, int64, []byte, error) {
	if _, err := s.a.skipSpace(); err != nil {
		if err == io.EOF {
			return nil, s.a.n, nil, io.EOF
		}
		return nil, s.a.n, nil, err
	}
	s.a.n++
	return s.a.read()
}
