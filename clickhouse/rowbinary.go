package clickhouse

import (
	"encoding/binary"
)

// RowBinary encoders, for Insert's data in FORMAT RowBinary: each value
// as ClickHouse stores it, so the server parses no text and no value needs
// escaping. A row is its columns' values one after another.

// AppendString appends a String: its length as a varint, then its bytes.
func AppendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendInt64 appends an Int64 (little-endian).
func AppendInt64(dst []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(v))
}

// AppendUInt64 appends a UInt64 (little-endian).
func AppendUInt64(dst []byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(dst, v)
}

// AppendStrings appends an Array(String): its length as a varint, then
// each element.
func AppendStrings(dst []byte, ss []string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ss)))
	for _, s := range ss {
		dst = AppendString(dst, s)
	}
	return dst
}
