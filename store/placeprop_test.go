package store

import (
	"encoding/binary"
	"errors"
	"math/rand"
	"slices"
	"testing"
)

// TestAppendPositionsRuns decodes parts mixing steps of one (counted
// eight bytes at a time) with others, at every length around eight.
func TestAppendPositionsRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 2000 {
		var pos []int32
		p := int32(rng.Intn(5))
		for len(pos) < 60 {
			for k := rng.Intn(20); k > 0; k-- { // a run
				pos = append(pos, p)
				p++
			}
			pos = append(pos, p)
			p += int32(1 + rng.Intn(1<<(1+rng.Intn(27)))) // a jump, of 1-4 bytes
			if rng.Intn(3) == 0 {
				p -= int32(rng.Intn(int(p) + 1)) // or back
			}
		}
		n := int(slices.Max(pos)) + 1
		b := encodePositions(nil, pos)
		got, err := appendPositions([]int32{-7}, b, n, len(pos)+1)
		if err != nil || !slices.Equal(got[1:], pos) || got[0] != -7 {
			t.Fatalf("%v: got %v, %v", pos, got, err)
		}
		// One row fewer than a position needs, or room for one less.
		if _, err := appendPositions(nil, b, n-1, len(pos)); !errors.Is(err, errCorrupt) {
			t.Fatalf("%v below %d: %v, want corrupt", pos, n-1, err)
		}
		if _, err := appendPositions(nil, b, n, len(pos)-1); !errors.Is(err, errCorrupt) {
			t.Fatalf("%v in %d: %v, want corrupt", pos, len(pos)-1, err)
		}
	}
	// A run of sixteen steps from 0: positions 0..16, all below 17 only.
	b := binary.AppendVarint(nil, 0)
	for range 16 {
		b = append(b, 2)
	}
	if got, err := appendPositions(nil, b, 17, 17); err != nil || len(got) != 17 || got[16] != 16 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := appendPositions(nil, b, 16, 17); !errors.Is(err, errCorrupt) {
		t.Fatalf("past n: %v, want corrupt", err)
	}
}

// TestDecodeCodes decodes each encoding of a property column through a
// chunk's codes in the column's dictionary.
func TestDecodeCodes(t *testing.T) {
	code := []int32{10, 20}
	for _, c := range []struct {
		name string
		b    []byte
		want []int32 // nil: damage
	}{
		{"dense, a byte a row", []byte{0, 1, 0, 2}, []int32{10, 0, 20}},
		{"pairs", []byte{1, 2, 2, 1}, []int32{20, 0, 10}}, // rows 0 and 2
		{"no value", nil, []int32{0, 0, 0}},
		{"dense, a code past the dictionary", []byte{0, 1, 3, 2}, nil},
		{"dense, a byte of a longer code", []byte{0, 1, 0x81, 2}, nil},
		{"dense, a row short", []byte{0, 1, 2}, nil},
		{"pairs, a row past the chunk", []byte{1, 2, 3, 1}, nil},
	} {
		dst := make([]int32, 3)
		err := decodeCodes(dst, c.b, code)
		if c.want == nil {
			if !errors.Is(err, errCorrupt) {
				t.Errorf("%s: %v, want corrupt", c.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(dst, c.want) {
			t.Errorf("%s: %v, %v, want %v", c.name, dst, err, c.want)
		}
	}
	// Codes of two bytes: 200 literals, the last one in row 1.
	many := make([]int32, 200)
	for i := range many {
		many[i] = int32(1000 + i)
	}
	dst := make([]int32, 2)
	if err := decodeCodes(dst, binary.AppendUvarint([]byte{0, 1}, 200), many); err != nil || !slices.Equal(dst, []int32{1000, 1199}) {
		t.Errorf("two-byte codes: %v, %v", dst, err)
	}
}

// TestRun tells spans placed at consecutive indexes from others.
func TestRun(t *testing.T) {
	for _, c := range []struct {
		at   []int32
		base int
		p    int
		ok   bool
	}{
		{nil, 5, 5, true},
		{[]int32{3, 4, 5}, 0, 3, true},
		{[]int32{3, 5, 4, 6}, 0, 0, false}, // the ends as a run's
		{[]int32{3, 5}, 0, 0, false},
		{[]int32{-1}, 0, 0, false},
		{[]int32{}, 0, 0, false},
	} {
		if p, ok := run(c.at, c.base); p != c.p || ok != c.ok {
			t.Errorf("run(%v, %d) = %d, %v, want %d, %v", c.at, c.base, p, ok, c.p, c.ok)
		}
	}
}

// TestVarint8 decodes uvarints of every length as binary.Uvarint does,
// leaving it those it cannot hold in one load.
func TestVarint8(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		b := binary.AppendUvarint(nil, rng.Uint64()>>rng.Intn(64))
		if rng.Intn(4) == 0 {
			b = append([]byte{0x80 | byte(rng.Intn(128))}, b...) // a byte more
		}
		b = append(b, make([]byte, rng.Intn(9))...)
		want, wk := binary.Uvarint(b)
		u, k := varint8(b)
		long := len(b) < 8 || !slices.ContainsFunc(b[:8], func(x byte) bool { return x < 0x80 })
		switch {
		case k == 0 && long:
		case k != wk || u != want:
			t.Fatalf("% x: %d, %d, want %d, %d", b, u, k, want, wk)
		}
	}
	// Hand-checked: 300 is 0xac 0x02.
	if u, k := varint8([]byte{0xac, 0x02, 9, 9, 9, 9, 9, 9}); u != 300 || k != 2 {
		t.Fatalf("got %d, %d, want 300, 2", u, k)
	}
}
