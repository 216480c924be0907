package importers

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// parse decodes one JSON object the way encoding/json decodes into
// map[string]any with UseNumber (numbers as json.Number, invalid UTF-8 and
// lone surrogates as U+FFFD, the last of repeated keys wins, nesting up to
// 10000), in one pass, reusing the parser's scratch buffer and key cache.
// encoding/json scans each line twice and was most of the cost of a JSON
// Lines import; jsonparse_test.go checks the two agree.
func (p *jsonParser) parse(b []byte) (map[string]any, error) {
	p.b, p.i, p.depth, p.nkeys = b, 0, 0, 0
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, errNotObject
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, fmt.Errorf("unexpected text after the object at column %d", p.i+1)
	}
	return v.(map[string]any), nil
}

type jsonParser struct {
	b     []byte
	i     int
	depth int
	buf   []byte            // unescaped string scratch
	keys  map[string]string // object keys seen, so each is allocated once
	// limit, when set, refuses a string or number longer than it before it
	// is copied out of b, so a giant value costs no memory of its own.
	limit int
	key   string // the key whose value is being read, to name a long one
	// maxKeys, when set, refuses a record with more object keys than it
	// (nested and in arrays too) before building the rest of it.
	maxKeys, nkeys int
}

// newJSONParser is the importers' parser: keys cached, values up to
// maxValue.
func newJSONParser() jsonParser {
	return jsonParser{keys: map[string]string{}, limit: maxValue, maxKeys: maxProps}
}

// errTooManyKeys is a record with more than the parser's maxKeys keys.
var errTooManyKeys = errors.New("too many keys")

// valueTooLong is a string or number over the parser's limit.
type valueTooLong struct {
	what string
	n    int // bytes, or 0 when only known to be over the limit
}

func (e *valueTooLong) Error() string { return e.what + " is longer than 1 MB" }

func (p *jsonParser) tooLong(n int, isKey bool) error {
	if isKey {
		return &valueTooLong{"a property name", n}
	}
	return &valueTooLong{fmt.Sprintf("property %q", p.key), n}
}

const maxJSONDepth = 10000

var errJSONDepth = errors.New("JSON nested too deeply")

func (p *jsonParser) fail(what string) error {
	if p.i >= len(p.b) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %q %s at column %d", p.b[p.i], what, p.i+1)
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	p.ws()
	if p.i >= len(p.b) {
		return nil, p.fail("")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str(false)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	}
	return nil, p.fail("looking for beginning of value")
}

func (p *jsonParser) lit(s string) error {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return p.fail("in literal")
	}
	p.i += len(s)
	return nil
}

func (p *jsonParser) object() (any, error) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, errJSONDepth
	}
	p.i++ // {
	m := map[string]any{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("looking for beginning of object key string")
		}
		if p.nkeys++; p.maxKeys > 0 && p.nkeys > p.maxKeys {
			return nil, errTooManyKeys
		}
		k, err := p.readKey()
		if err != nil {
			return nil, err
		}
		p.key = k
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("after object key")
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.depth--
			return m, nil
		default:
			return nil, p.fail("after object key:value pair")
		}
	}
}

func (p *jsonParser) array() (any, error) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, errJSONDepth
	}
	p.i++ // [
	a := []any{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.depth--
			return a, nil
		default:
			return nil, p.fail("after array element")
		}
	}
}

// number checks the JSON number grammar and keeps the literal text.
func (p *jsonParser) number() (any, error) {
	s := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, p.fail("in numeric literal")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail("after decimal point in numeric literal")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail("in exponent of numeric literal")
		}
	}
	if p.limit > 0 && p.i-s > p.limit {
		return nil, p.tooLong(p.i-s, false)
	}
	return json.Number(p.b[s:p.i]), nil
}

// readKey reads an object key: a plain ASCII key is looked up in the cache
// without allocating (records repeat the same few keys millions of times).
func (p *jsonParser) readKey() (string, error) {
	s := p.i + 1
	j := s
	for j < len(p.b) && p.b[j] != '"' && p.b[j] != '\\' && p.b[j] >= 0x20 && p.b[j] < utf8.RuneSelf {
		j++
	}
	if p.keys == nil || j >= len(p.b) || p.b[j] != '"' {
		return p.str(true)
	}
	if p.limit > 0 && j-s > p.limit {
		return "", p.tooLong(j-s, true)
	}
	p.i = j + 1
	if k, ok := p.keys[string(p.b[s:j])]; ok {
		return k, nil
	}
	k := string(p.b[s:j])
	if len(p.keys) < maxCachedKeys {
		p.keys[k] = k
	}
	return k, nil
}

// str reads a quoted string. Plain ASCII without escapes is one slice
// conversion; anything else goes through unescaping and UTF-8 repair.
func (p *jsonParser) str(isKey bool) (string, error) {
	p.i++ // opening quote
	s := p.i
	plain := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			if p.limit > 0 && plain && p.i-s > p.limit {
				return "", p.tooLong(p.i-s, isKey)
			}
			if plain {
				out := string(p.b[s:p.i])
				p.i++
				return out, nil
			}
			return p.slowStr(s, isKey)
		case c == '\\':
			plain = false
			p.i += 2
			continue
		case c < 0x20:
			return "", p.fail("in string literal")
		case c >= utf8.RuneSelf:
			plain = false
		}
		p.i++
	}
	p.i = len(p.b)
	return "", p.fail("")
}

// slowStr unescapes b[s:p.i] (p.i at the closing quote), as encoding/json's
// unquote does.
func (p *jsonParser) slowStr(s int, isKey bool) (string, error) {
	in := p.b[s:p.i]
	out := p.buf[:0]
	for r := 0; r < len(in); {
		if p.limit > 0 && len(out) > p.limit {
			p.buf = out[:0]
			return "", p.tooLong(0, isKey)
		}
		c := in[r]
		switch {
		case c == '\\':
			r++
			if r >= len(in) {
				return "", p.fail("in string escape code")
			}
			switch in[r] {
			case '"', '\\', '/':
				out = append(out, in[r])
				r++
			case 'b':
				out = append(out, '\b')
				r++
			case 'f':
				out = append(out, '\f')
				r++
			case 'n':
				out = append(out, '\n')
				r++
			case 'r':
				out = append(out, '\r')
				r++
			case 't':
				out = append(out, '\t')
				r++
			case 'u':
				rr := getu4(in[r-1:])
				if rr < 0 {
					p.i = s + r
					return "", p.fail("in \\u hexadecimal character escape")
				}
				r += 5
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(in[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						out = utf8.AppendRune(out, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				out = utf8.AppendRune(out, rr)
			default:
				p.i = s + r
				return "", p.fail("in string escape code")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			r++
		default:
			rr, size := utf8.DecodeRune(in[r:])
			r += size
			out = utf8.AppendRune(out, rr) // invalid bytes become U+FFFD
		}
	}
	if p.limit > 0 && len(out) > p.limit {
		p.buf = out[:0]
		return "", p.tooLong(len(out), isKey)
	}
	p.buf = out
	p.i++ // closing quote
	return string(out), nil
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
