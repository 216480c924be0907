package store

import (
	"encoding/json"
	"testing"
)

// TestJSONStringMatchesMarshal checks appendJSONString against json.Marshal
// for every byte alone and inside plain text, and for a few whole strings.
func TestJSONStringMatchesMarshal(t *testing.T) {
	var cases []string
	for c := 0; c < 256; c++ {
		cases = append(cases, string(rune(c)), string([]byte{byte(c)}), "ab"+string([]byte{byte(c)})+"cd")
	}
	cases = append(cases, "", "plain text", "中文", `a"b\c`, "<script>&", "tab\there", "\u2028", "\xff\xfe")
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q: got %s, want x%s", s, got, want)
		}
	}
}
