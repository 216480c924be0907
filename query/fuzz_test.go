package query

import (
	"math"
	"strings"
	"testing"
)

// FuzzParseFilter: any input either parses into a filter that can be
// evaluated, or gives a FilterError whose column lies inside the input.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"country = CN", "price > 100", "device in (ios, android)", "city = '北京'",
		"name contains 鞋", "coupon is set", "x is not set", "a not in ('b', \"c\")", "p >= -1.5e3", "= x", "a in (", "'unclosed", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			fe, ok := err.(*FilterError)
			if !ok {
				t.Fatalf("ParseFilter(%q) error %T, want *FilterError", s, err)
			}
			if fe.Col < 1 || fe.Col > len([]rune(s))+1 {
				t.Fatalf("ParseFilter(%q) column %d outside the input", s, fe.Col)
			}
			return
		}
		flt.Test("value", math.NaN())
		flt.Test("12", 12)
	})
}

// FuzzParseSpec: no spec file content panics; a parsed spec round-trips.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		`{"analysis":"funnel","steps":[{"event":"a"},{"event":"b"}],"window":"7d"}`,
		`{"analysis":"retention","period":"week","unbounded":true}`,
		"analysis = \"paths\"\nfrom_event = \"view\"\ndepth = 3\n",
		`{"analysis":"trends","events":["a"],"where":["country = CN"]}`,
		`{"analysis":`, "", "\xef\xbb\xbf{}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := Builtin().ParseSpec([]byte(s))
		if err != nil {
			return
		}
		js, err := spec.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal %q: %v", s, err)
		}
		if _, err := Builtin().ParseSpec(js); err != nil && !strings.Contains(err.Error(), "NaN") {
			t.Fatalf("spec %q re-parsed from %s: %v", s, js, err)
		}
	})
}
