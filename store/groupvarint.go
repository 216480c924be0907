package store

import "encoding/binary"

// The snapshot's times are a stream of unsigned steps in group varint: each
// group of up to four values starts with a control byte whose 2-bit fields
// give each value's width (1, 2, 4 or 8 bytes), then the values little
// endian. Decoding is a table lookup and one 8-byte load per value with no
// data-dependent branch — about 3x faster than LEB128 varints, whose
// lengths the CPU cannot predict (time steps are 2 to 4 bytes at random).
// The stream ends with groupPad zero bytes so every load stays in bounds.
const groupPad = 32

var groupMask = [4]uint64{0xff, 0xffff, 0xffffffff, ^uint64(0)}

func groupWidth(v uint64) byte {
	switch {
	case v <= 0xff:
		return 0
	case v <= 0xffff:
		return 1
	case v <= 0xffffffff:
		return 2
	}
	return 3
}

// appendGroupVarints appends vals as complete groups and the padding.
func appendGroupVarints(dst []byte, vals []uint64) []byte {
	for g := 0; g < len(vals); g += 4 {
		group := vals[g:min(g+4, len(vals))]
		ctrl := len(dst)
		dst = append(dst, 0)
		for j, v := range group {
			w := groupWidth(v)
			dst[ctrl] |= w << (2 * j)
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], v)
			dst = append(dst, b[:1<<w]...)
		}
	}
	return append(dst, make([]byte, groupPad)...)
}

// groupLayout[ctrl] holds, for a control byte, each value's offset after
// it and (at index 4) the group's length including the control byte.
var groupLayout = func() (t [256][5]uint8) {
	for c := range t {
		off := uint8(1)
		for j := 0; j < 4; j++ {
			t[c][j] = off
			off += 1 << (c >> (2 * j) & 3)
		}
		t[c][4] = off
	}
	return t
}()

// readGroupVarints reads len(dst) values from b into dst (as the bits of
// each unsigned value) and returns the length read. Any group that would
// read past the padding is damage.
func readGroupVarints(dst []int64, b []byte) (int, error) {
	pos, i := 0, 0
	for ; i+4 <= len(dst); i += 4 {
		// A group reads at most 1+4*8 bytes: the padding after the last
		// one keeps a sound stream in bounds.
		if pos+33 > len(b) {
			return 0, errCorrupt
		}
		g := b[pos : pos+33]
		c := g[0]
		l := &groupLayout[c]
		d := dst[i : i+4]
		d[0] = int64(binary.LittleEndian.Uint64(g[l[0]:]) & groupMask[c&3])
		d[1] = int64(binary.LittleEndian.Uint64(g[l[1]:]) & groupMask[c>>2&3])
		d[2] = int64(binary.LittleEndian.Uint64(g[l[2]:]) & groupMask[c>>4&3])
		d[3] = int64(binary.LittleEndian.Uint64(g[l[3]:]) & groupMask[c>>6])
		pos += int(l[4])
	}
	if i < len(dst) {
		if pos+33 > len(b) {
			return 0, errCorrupt
		}
		c := b[pos]
		pos++
		for ; i < len(dst); i++ {
			w := c & 3
			c >>= 2
			dst[i] = int64(binary.LittleEndian.Uint64(b[pos:]) & groupMask[w])
			pos += 1 << w
		}
	}
	return pos, nil
}
