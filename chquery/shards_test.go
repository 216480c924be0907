package chquery

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// prefixNumber is what partBounds' query computes of a person: its first 8
// bytes, padded with zero bytes, as a big-endian number.
func prefixNumber(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

func TestPrefixBounds(t *testing.T) {
	persons := []string{"u4014", "u13734", "", "abc\x01def", "zzzzzz", "u2", "a'b", "u1", "u1", "u1", "\xffx", "u9", "u99", "u999", "u5"}
	var nums []string
	for _, p := range persons {
		nums = append(nums, strconv.FormatFloat(float64(prefixNumber(p)), 'g', -1, 64))
	}
	got, err := prefixBounds("[" + strings.Join(nums, ",") + "]")
	if err != nil {
		t.Fatal(err)
	}
	// Each person's first 8 bytes up to the first that is not printable
	// ASCII ("abc\x01def": "abc"; "\xffx": ""), sorted. Float64 keeps
	// these exactly: no more than their 53 high bits are set.
	want := []string{"", "", "a'b", "abc", "u1", "u1", "u1", "u13734", "u2", "u4014", "u5", "u9", "u99", "u999", "zzzzzz"}
	if !slices.Equal(got, want) {
		t.Errorf("prefixBounds = %q, want %q", got, want)
	}
	// Bounds for k parts: the i/k quantiles, without repeats or "".
	for _, c := range []struct {
		k    int
		want []string
	}{
		{1, nil},
		{2, []string{"u13734"}},              // the 8th of 15
		{4, []string{"abc", "u13734", "u9"}}, // the 4th, 8th and 12th
		{8, []string{"abc", "u1", "u13734", "u4014", "u9", "u999"}}, // the 2nd (""), 4th, ... 14th
		{16, []string{"a'b", "abc", "u1", "u13734", "u2", "u4014", "u5", "u9", "u99", "u999", "zzzzzz"}},
	} {
		if b := pickBounds(want, c.k); !slices.Equal(b, c.want) {
			t.Errorf("pickBounds(k=%d) = %q, want %q", c.k, b, c.want)
		}
	}
	for _, bad := range []string{"", "[]", "[1,2]", "1,2,3", "[" + strings.Repeat("x,", 14) + "x]", strings.Repeat("1,", 14) + "1]", "[" + strings.Repeat("1,", 14) + "1"} {
		if _, err := prefixBounds(bad); err == nil {
			t.Errorf("prefixBounds(%q): no error", bad)
		}
	}
}
