package cli

import (
	"reflect"
	"testing"
)

func TestLangArg(t *testing.T) {
	cases := []struct {
		in, rest []string
		lang     string
	}{
		{[]string{"funnel", "--lang", "zh", "a", "b"}, []string{"funnel", "a", "b"}, "zh"},
		{[]string{"--lang=en", "info"}, []string{"info"}, "en"},
		{[]string{"info", "-lang=zh"}, []string{"info"}, "zh"},
		{[]string{"sql", "--", "--lang", "zh"}, []string{"sql", "--", "--lang", "zh"}, ""},
		{[]string{"info", "--lang"}, []string{"info", "--lang"}, ""}, // no value: the command says so
	}
	for _, c := range cases {
		rest, lang := langArg(c.in)
		if !reflect.DeepEqual(rest, c.rest) || lang != c.lang {
			t.Errorf("langArg(%q) = %q, %q; want %q, %q", c.in, rest, lang, c.rest, c.lang)
		}
	}
}
