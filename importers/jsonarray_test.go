package importers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// step is one call of object(): an object, a rejected element, the end, or
// a syntax error that ends the file.
type step struct {
	n      int64
	m      map[string]any
	reject string
	end    bool
	fatal  bool
}

func (s step) String() string {
	return fmt.Sprintf("{n %d m %v reject %q end %v fatal %v}", s.n, s.m, s.reject, s.end, s.fatal)
}

func classify(m map[string]any, n int64, err error) step {
	var rej *rejectError
	switch {
	case err == nil:
		return step{n: n, m: m}
	case err == io.EOF:
		return step{end: true}
	case errors.As(err, &rej):
		return step{n: n, reject: rej.reason}
	}
	return step{n: n, fatal: true}
}

// referenceArray reads an array the plain way, with encoding/json's token
// API and Decode of each element (what arrayObjects did before it held
// at most maxRow bytes of one).
func referenceArray(text string) []step {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var out []step
	tok, err := d.Token()
	if err != nil || tok != json.Delim('[') {
		return append(out, step{fatal: true})
	}
	var n int64
	for {
		if !d.More() {
			if _, err := d.Token(); err != nil {
				return append(out, step{n: n, fatal: true})
			}
			return append(out, step{end: true})
		}
		n++
		var v any
		if err := d.Decode(&v); err != nil {
			return append(out, step{n: n, fatal: true})
		}
		if m, ok := v.(map[string]any); ok {
			out = append(out, step{n: n, m: m})
		} else {
			out = append(out, step{n: n, reject: ReasonNotObject})
		}
	}
}

func readArray(text string, bufSize int) []step {
	a := newArrayObjects(bufio.NewReaderSize(strings.NewReader(text), bufSize))
	var out []step
	for {
		m, n, _, err := a.object()
		s := classify(m, n, err)
		if s.fatal && !a.started {
			s.n = 0
		}
		out = append(out, s)
		if s.end || s.fatal {
			return out
		}
	}
}

// arrayReader agrees with encoding/json on random arrays of valid and
// broken elements: the same objects, the same elements refused as not
// objects, the end, or a syntax error at the same element.
func TestArrayObjectsMatchDecoder(t *testing.T) {
	parts := []string{
		`{"a":1,"b":"x\"y]}","c":[1,{"d":null}],"e":true}`, `{}`, `{"k":[[],{}],"z":-0.5e3}`,
		`1`, `"s\\"`, `true`, `null`, `[]`, `[1,"]"]`, `{"u":"é\u00e9\ud83d\ude00"}`,
		`{"a":}`, `{"a":1`, `]`, `,`, `{"a":"\u12"}`, `tru`, `x`, `01`, `{"a" 1}`, `{"a":1]`, "\"a\tb\"", `"open`,
		" ", "\n", "\t\r\n",
	}
	rng := rand.New(rand.NewSource(3))
	var fatal, ends, objects int
	for iter := 0; iter < 5000; iter++ {
		var b strings.Builder
		if rng.Intn(20) > 0 {
			b.WriteString(" [")
		}
		for k := rng.Intn(6); k > 0; k-- {
			if rng.Intn(3) == 0 {
				b.WriteString(parts[rng.Intn(len(parts))]) // maybe broken
			} else {
				b.WriteString(parts[rng.Intn(3)])
			}
			if k > 1 && rng.Intn(12) > 0 {
				b.WriteString(" ,\n"[rng.Intn(2):2])
			}
		}
		if rng.Intn(10) > 0 {
			b.WriteString("]")
		}
		text := b.String()
		want := referenceArray(text)
		got := readArray(text, 16+rng.Intn(32))
		// A syntax error refuses the whole file, so what came before it
		// does not matter (and which element a broken scalar such as 01
		// is blamed on may differ by one).
		last := want[len(want)-1]
		if last.fatal {
			fatal++
		} else {
			ends++
			objects += len(want) - 1
		}
		if last.fatal && got[len(got)-1].fatal {
			got, want = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got  %v\n want %v", text, got, want)
		}
	}
	t.Logf("%d files read to the end (%d elements), %d refused", ends, objects, fatal)
	if fatal < 500 || ends < 500 || objects < 2000 {
		t.Fatal("too few of each outcome")
	}
}

// A 20 MB element is skipped with a reject and the next one is read; the
// reject shows its start.
func TestArrayElementTooLong(t *testing.T) {
	huge := `{"blob":"` + strings.Repeat("x", 20<<20) + `"}`
	text := `[{"a":1},` + huge + `,{"b":2}]`
	a := newArrayObjects(bufio.NewReader(strings.NewReader(text)))
	var got []step
	var raw []byte
	for {
		m, n, r, err := a.object()
		s := classify(m, n, err)
		got = append(got, s)
		if s.reject != "" {
			raw = bytes.Clone(r)
		}
		if s.end || s.fatal {
			break
		}
	}
	want := []step{{n: 1, m: map[string]any{"a": json.Number("1")}}, {n: 2, reject: ReasonRowTooLong}, {n: 3, m: map[string]any{"b": json.Number("2")}}, {end: true}}
	if !reflect.DeepEqual(got, want) || !bytes.HasPrefix(raw, []byte(`{"blob":"xxx`)) || len(raw) > maxRow {
		t.Fatalf("got %v, raw %d bytes", got, len(raw))
	}
}
