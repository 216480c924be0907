package clickhouse

import "encoding/binary"

// AppendInt64s reads an Array(Int64) (its length as a varint, then each
// element as Int64 reads it) and appends its elements to dst.
func (r *RowBinary) AppendInt64s(dst []int64) []int64 {
	if r.err != nil {
		return dst
	}
	n, err := binary.ReadUvarint(r.br)
	if err != nil {
		r.fail(err)
		return dst
	}
	for ; n > 0; n-- {
		b := r.next(8)
		if b == nil {
			return dst
		}
		dst = append(dst, int64(binary.LittleEndian.Uint64(b)))
		r.br.Discard(8)
	}
	return dst
}
