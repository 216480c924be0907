package importers

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// referenceObject is the naive reference: encoding/json itself.
func referenceObject(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.Trim(b[d.InputOffset():], " \t\r\n")) > 0 {
		return nil, errNotObject // trailing data
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	return m, nil
}

// keyed is a long-lived parser, as a reader uses one: its key cache must
// not change any result.
var keyed = jsonParser{keys: map[string]string{}}

func agree(t testing.TB, b []byte) {
	want, werr := referenceObject(b)
	for _, parse := range []func([]byte) (map[string]any, error){parseObject, keyed.parse} {
		got, err := parse(b)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: parseObject err %v, encoding/json err %v", b, err, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
		}
	}
}

func TestParseObjectCases(t *testing.T) {
	for _, s := range []string{
		`{}`, ` {"a":1} `, `{"a":-0.5e+10,"b":0,"c":-1,"d":1E3}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":.5}`,
		`{"a":"\u00e9\ud83d\ude00\n\t\"\\\/"}`, `{"a":"\ud800"}`, `{"a":"\ud800\u0041"}`, `{"a":"\uZZZZ"}`, `{"a":"\x"}`,
		"{\"a\":\"\xff\xfe ok\"}", "{\"\xc3\":1}", "{\"a\":\"\x01\"}", `{"a":[1,[2,{"b":null}],true,false]}`, `{"a":[1,]}`,
		`{"a":1,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{"a":1,"a":2}`, `{"a":tru}`, `{"a":nul}`, `{"a":1}x`, `{"a":1}{}`,
		`[1]`, `"s"`, `{"a":"unterminated`, `{"a":`, `{`, `{"a":"ok\`, `{"a":[`, `{"12345678901234567890":12345678901234567890}`,
	} {
		agree(t, []byte(s))
	}
	deep := strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	if _, err := parseObject([]byte(deep)); err == nil {
		t.Fatal("depth limit not enforced")
	}
}

// Random mutations of the fixtures' lines agree with encoding/json.
func TestParseObjectRandom(t *testing.T) {
	var lines [][]byte
	for _, f := range []string{"mixpanel.jsonl", "amplitude.jsonl", "posthog.jsonl", "ga4.jsonl", "generic.jsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, bytes.Split(bytes.TrimSpace(b), []byte("\n"))...)
	}
	special := []byte(`{}[]":,\u0123456789.eE-+ tfnrl` + "\x00\x1f\x7f\xc3\xa9\xff")
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 100000; i++ {
		b := append([]byte(nil), lines[rng.Intn(len(lines))]...)
		for k := rng.Intn(3); k >= 0; k-- {
			j := rng.Intn(len(b))
			switch rng.Intn(3) {
			case 0:
				b[j] = special[rng.Intn(len(special))]
			case 1:
				b = append(b[:j:j], append([]byte{special[rng.Intn(len(special))]}, b[j:]...)...)
			case 2:
				b = append(b[:j:j], b[j+1:]...)
			}
			if len(b) == 0 {
				b = []byte("{")
			}
		}
		agree(t, b)
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{"a":"\ud83d\ude00","b":[1,2.5e3,null,true],"c":{"d":"é"}}`, `{"a":"\ud800x"}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { agree(t, b) })
}

// parseObject is parse with a fresh parser.
func parseObject(b []byte) (map[string]any, error) {
	var p jsonParser
	return p.parse(b)
}
