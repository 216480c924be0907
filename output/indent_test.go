package output

import (
	"bytes"
	"encoding/json"
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

// writeJSON writes exactly what json.Encoder with the same settings does.
func TestWriteJSONSameAsEncoder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 3000 {
		v := randomValue(rng, 0)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		werr := enc.Encode(v)
		var got bytes.Buffer
		err := writeJSON(&got, v)
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
