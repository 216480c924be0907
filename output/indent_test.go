package output

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// randomValue is a random JSON-able value: nested objects (maps and
// structs) and arrays, empty ones among them, strings with every kind of
// character JSON escapes or HTML escaping would touch, numbers, booleans,
// null and raw messages with spaces of their own.
func randomValue(rng *rand.Rand, depth int) any {
	pick := rng.Intn(10)
	if depth > 4 {
		pick = 5 + rng.Intn(5)
	}
	switch pick {
	case 0, 1:
		m := map[string]any{}
		for range rng.Intn(4) {
			m[randomString(rng)] = randomValue(rng, depth+1)
		}
		return m
	case 2, 3:
		a := make([]any, rng.Intn(4))
		for i := range a {
			a[i] = randomValue(rng, depth+1)
		}
		return a
	case 4:
		return struct {
			A any      `json:"a"`
			B []string `json:"b,omitempty"`
			C *float64 `json:"c"`
		}{randomValue(rng, depth+1), []string{randomString(rng)}, nil}
	case 5:
		return randomString(rng)
	case 6:
		return rng.NormFloat64() * 1e6
	case 7:
		return rng.Intn(3) == 0
	case 8:
		return json.RawMessage(` { "x" : [ 1 , "a b" , { } ] , "y":[ ] } `)
	}
	return nil
}

func randomString(rng *rand.Rand) string {
	parts := []string{"a", `"`, `\`, "\\\"", "\n", "\t", "\x00", "<", ">", "&", "\u2028", "中文", "{", "}", "[", "]", ",", ":", " ", "é"}
	var b strings.Builder
	for range rng.Intn(6) {
		b.WriteString(parts[rng.Intn(len(parts))])
	}
	return b.String()
}

// writeBoth writes v with writeJSON and with the json.Encoder settings
// writeJSON must reproduce.
func writeBoth(v any) (got, want *bytes.Buffer, err, werr error) {
	got, want = new(bytes.Buffer), new(bytes.Buffer)
	enc := json.NewEncoder(want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	werr = enc.Encode(v)
	err = writeJSON(got, v)
	return got, want, err, werr
}

// writeJSON writes exactly what json.Encoder with the same settings does.
func TestWriteJSONSameAsEncoder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 3000 {
		v := randomValue(rng, 0)
		got, want, err, werr := writeBoth(v)
		if (err != nil) != (werr != nil) || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("value %d: %#v\ngot  %q (%v)\nwant %q (%v)", i, v, got.Bytes(), err, want.Bytes(), werr)
		}
	}
}

// An error marshalling (here an unsupported value) comes back and nothing
// is written.
func TestWriteJSONError(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, map[string]any{"f": func() {}}); err == nil || b.Len() > 0 {
		t.Errorf("writeJSON of a func: %v, wrote %q", err, b.Bytes())
	}
}

// Long lists at the end of a struct go element by element (writeList):
// the same bytes as json.Encoder, for lists of random values, with and
// without the shapes writeList must leave to the encoder (omitempty, a
// field after the list, a MarshalJSON), and an element that fails writes
// nothing.
func TestWriteJSONLongList(t *testing.T) {
	type withList struct {
		N    int   `json:"n"`
		List []any `json:"list"`
	}
	type omitted struct {
		List []any `json:"list,omitempty"`
	}
	type after struct {
		List []any
		Z    string `json:"z"`
	}
	rng := rand.New(rand.NewSource(2))
	long := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = randomValue(rng, 1)
		}
		return l
	}
	for i, v := range []any{
		&withList{N: 1, List: long(minList)}, withList{N: 2, List: long(3 * minList)}, &withList{List: long(5)},
		&omitted{List: long(minList + 1)}, &after{List: long(minList), Z: "z"}, &marshals{List: long(minList)},
		&struct{ List []point }{List: make([]point, 2*minList)},
	} {
		got, want, err, werr := writeBoth(v)
		if werr != nil || err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("value %d: got %d bytes (%v), want %d (%v)", i, got.Len(), err, want.Len(), werr)
		}
	}
	l := long(2 * minList)
	l[minList+7] = math.NaN()
	var b bytes.Buffer
	if err := writeJSON(&b, &withList{List: l}); err == nil || b.Len() > 0 {
		t.Errorf("a list with a NaN: %v, wrote %d bytes", err, b.Len())
	}
}

// marshals has its own encoding: writeList leaves it to the encoder.
type marshals struct{ List []any }

func (m marshals) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"n": len(m.List)})
}

// point's encoding is its pointer's: list elements are addressable.
type point struct{ X int }

func (p *point) MarshalJSON() ([]byte, error) { return []byte(`"p"`), nil }

// A churn-sized list (92,121 users of eleven fields): compare -cpu 1,2.
func BenchmarkWriteJSONLongList(b *testing.B) {
	type user struct {
		User    string   `json:"user"`
		Score   float64  `json:"score"`
		Days    int      `json:"days"`
		Ratio   float64  `json:"ratio"`
		Gap     *float64 `json:"gap"`
		Signals []string `json:"signals"`
	}
	users := make([]user, 92121)
	for i := range users {
		g := float64(i%70) / 3
		users[i] = user{User: "user-" + strings.Repeat("x", i%20), Score: float64(i) / 92121, Days: i % 60, Ratio: 1 / float64(i+1), Gap: &g, Signals: []string{"silent 12d, expected gap 2.3d: 4.2 gaps overdue", "activity fell 100%"}}
	}
	v := &struct {
		N     int    `json:"n"`
		Users []user `json:"users"`
	}{len(users), users}
	for b.Loop() {
		if err := writeJSON(io.Discard, v); err != nil {
			b.Fatal(err)
		}
	}
}
