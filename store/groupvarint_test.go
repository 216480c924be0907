package store

import (
	"math/rand"
	"testing"
)

// Every width and every count of values in the last, partial group reads
// back as written, and the length read ends at the padding.
func TestGroupVarintsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	widths := []uint64{0xff, 0xffff, 0xffffffff, 1<<63 - 1}
	for n := 0; n < 40; n++ {
		vals := make([]uint64, n)
		for i := range vals {
			vals[i] = uint64(rng.Int63n(int64(widths[rng.Intn(4)])))
		}
		b := appendGroupVarints(nil, vals)
		got := make([]int64, n)
		pos, err := readGroupVarints(got, b)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(b)-pos != groupPad {
			t.Fatalf("n=%d: read %d of %d bytes", n, pos, len(b))
		}
		for i, v := range vals {
			if uint64(got[i]) != v {
				t.Fatalf("n=%d value %d: got %d, want %d", n, i, got[i], v)
			}
		}
		// A stream cut short is damage (an error, or padding that is
		// short), never a read past its end.
		if n > 0 {
			short := b[:len(b)-1]
			if pos, err := readGroupVarints(got, short); err == nil && len(short)-pos == groupPad {
				t.Fatalf("n=%d: a truncated stream was read", n)
			}
		}
	}
}

// A time step that does not fit int64 is damage: the times would run
// backwards and MinTime/MaxTime would be wrong.
func TestSegmentDecodeRejectsHugeStep(t *testing.T) {
	var b segmentBlobs
	o := &Ordered{Person: []int32{1}, Start: []int32{0, 2}, Event: []int32{0, 0}, Time: []int64{10, 20}}
	o.encode(0, 1, &b)
	bad := appendGroupVarints(nil, []uint64{20, 1 << 63})
	dst := &Ordered{Names: []string{"a"}, Person: make([]int32, 1), Start: make([]int32, 2), Event: make([]int32, 2), Time: make([]int64, 2)}
	seg := segmentView{o: dst, np: 1, ne: 2}
	if _, _, err := seg.decode(b.persons, b.events, b.times); err != nil {
		t.Fatal(err)
	}
	if dst.Time[0] != 10 || dst.Time[1] != 20 {
		t.Fatalf("times %v, want [10 20]", dst.Time)
	}
	if _, _, err := seg.decode(b.persons, b.events, bad); err == nil {
		t.Fatal("a step past int64 was accepted")
	}
}
