package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"runtime"
	"sync"
)

// writeJSON writes v as json.Encoder does with SetIndent("", "  ") and
// SetEscapeHTML(false) — the same bytes — but indents in one pass over the
// compact encoding and streams the result to w. encoding/json's indenting
// runs its full validating scanner over every byte: for a long result
// (churn's 92,121 users, 42 MB) it cost ten times the marshalling.
func writeJSON(w io.Writer, v any) error {
	if j, ok := v.(JSONWriter); ok {
		if done, err := j.WriteJSON(w); done || err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	x := &indenter{w: bw}
	if done, err := writeList(x, v); done || err != nil {
		if err != nil {
			return err
		}
		return bw.Flush()
	}
	enc := json.NewEncoder(x)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// JSONWriter is a result that writes its JSON itself: the very bytes
// writeJSON would write for it, without reflection (segment.ChurnReport's
// users at risk, 42 MB at 10M events). done is false, and nothing
// written, when it cannot (writeJSON then encodes v and reports the
// encoder's error).
type JSONWriter interface {
	WriteJSON(w io.Writer) (done bool, err error)
}

// minList is the length from which writeList encodes a list element by
// element.
const minList = 1024

// writeList writes a struct (or a pointer to one) whose last field is a
// list of at least minList elements, as writeJSON does, but encodes the
// elements one by one into blocks of their own: encoding/json builds the
// whole value in one buffer, doubling and clearing it as it grows, which
// was about half of churn's JSON time at 92,121 users (42 MB). Nothing is
// written until every element is encoded, so an error still writes
// nothing. The elements are encoded and indented in parts at once, one
// per core. done is false, and nothing written, for any other value, or
// when the struct's encoding does not end with the list (a MarshalJSON,
// an omitempty list, fields after it).
func writeList(x *indenter, v any) (done bool, err error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || rv.NumField() == 0 {
		return false, nil
	}
	marshaler := reflect.TypeFor[json.Marshaler]()
	if rv.Type().Implements(marshaler) || reflect.PointerTo(rv.Type()).Implements(marshaler) {
		return false, nil
	}
	last := rv.NumField() - 1
	list := rv.Field(last)
	if f := rv.Type().Field(last); !f.IsExported() || f.Anonymous || list.Kind() != reflect.Slice || list.Len() < minList {
		return false, nil
	}
	// The struct with the list empty, then with its first element alone:
	// the encodings must differ by that element only, at the end.
	cp := reflect.New(rv.Type())
	cp.Elem().Set(rv)
	cp.Elem().Field(last).Set(reflect.MakeSlice(list.Type(), 0, 0))
	head, err := compact(cp.Interface())
	if err != nil {
		return false, nil // the whole value is encoded, and its error told
	}
	cp.Elem().Field(last).Set(list.Slice(0, 1))
	one, err1 := compact(cp.Interface())
	first, err2 := compact(list.Index(0).Addr().Interface())
	open, ok := bytes.CutSuffix(head, []byte("[]}"))
	if err1 != nil || err2 != nil || !ok || string(one) != string(open)+"["+string(first)+"]}" {
		return false, nil
	}
	// The list in parts encoded and indented at once, one per core, each
	// at the depth the head leaves.
	var top chunks
	hw := bufio.NewWriter(&top)
	hx := &indenter{w: hw}
	hx.indent(open)
	hx.indent([]byte("["))
	hw.Flush()
	n := list.Len()
	parts := min(runtime.GOMAXPROCS(0), n/minList, 8)
	outs := make([]chunks, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			e := &elements{comma: k > 0}
			enc := json.NewEncoder(e)
			enc.SetEscapeHTML(false)
			for i := k * n / parts; i < (k+1)*n/parts; i++ {
				if err := enc.Encode(list.Index(i).Addr().Interface()); err != nil {
					errs[k] = err
					return
				}
			}
			w := bufio.NewWriterSize(&outs[k], 64<<10)
			ix := &indenter{w: w, depth: hx.depth}
			for _, p := range e.list {
				ix.indent(p)
			}
			w.Flush()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return true, err // the first element's to fail, as in one pass
		}
	}
	for _, c := range append([]chunks{top}, outs...) {
		for _, p := range c.list {
			x.w.Write(p)
		}
	}
	x.depth = hx.depth
	x.Write([]byte("]}\n"))
	return true, nil
}

// compact is v's compact encoding, as writeJSON's encoder makes it.
func compact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// chunks holds what is written in blocks of at least 1 MB that are never
// copied or grown.
type chunks struct {
	list [][]byte
}

func (c *chunks) Write(p []byte) (int, error) {
	last := len(c.list) - 1
	if last < 0 || len(c.list[last])+len(p) > cap(c.list[last]) {
		c.list = append(c.list, make([]byte, 0, max(1<<20, len(p))))
		last++
	}
	c.list[last] = append(c.list[last], p...)
	return len(p), nil
}

// elements holds the elements json.Encoder writes, one Write each, comma
// separated (also before the first when comma is set).
type elements struct {
	chunks
	comma bool
}

func (e *elements) Write(p []byte) (int, error) {
	n := len(p)
	p = bytes.TrimSuffix(p, []byte("\n")) // Encode ends each value with one
	last := len(e.list) - 1
	if last < 0 || len(e.list[last])+1+len(p) > cap(e.list[last]) {
		e.list = append(e.list, make([]byte, 0, max(1<<20, 1+len(p))))
		last++
	}
	if e.comma {
		e.list[last] = append(e.list[last], ',')
	}
	e.comma = true
	e.list[last] = append(e.list[last], p...)
	return n, nil
}

// indenter indents what json.Encoder.Encode writes, the whole compact
// value in one Write (a value fails before anything is written), straight
// from the encoder's buffer: copying it into a buffer of our own first
// cost a fresh 42 MB and its page faults for churn's 92,121 users. Or, for
// writeList, a value in several Writes, each of whole tokens.
type indenter struct {
	w     *bufio.Writer
	depth int
}

func (x *indenter) Write(p []byte) (int, error) {
	x.indent(p)
	return len(p), nil
}

// indent writes src, the compact JSON encoding/json writes (no space
// outside strings, a newline at the end), with every element of a
// non-empty object or array on its own line, two spaces deeper than its
// container, and ": " after each key, as json.Indent(dst, src, "", "  ").
// Errors are the writer's, which Flush returns.
func (x *indenter) indent(src []byte) {
	w := x.w
	newline := func() {
		w.WriteByte('\n')
		for range x.depth {
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
			x.depth++
			newline()
		case '}', ']':
			x.depth--
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
