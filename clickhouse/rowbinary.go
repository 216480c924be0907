package clickhouse

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"

	"github.com/spoorhq/spoor/i18n"
)

// RowBinary encoders, for Insert's data in FORMAT RowBinary: each value
// as ClickHouse stores it, so the server parses no text and no value needs
// escaping. A row is its columns' values one after another. RowBinary
// (below) reads answers in the same format.

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

// RowBinary reads a query's answer in FORMAT RowBinary (QueryRowBinary):
// each row's values one after another, as AppendString and AppendUInt64
// write them, with no header. A number costs a few bytes read, where
// TabSeparated has the server print it and the client parse it.
//
// The first failed read (the body cut short, the network) is kept: later
// reads return zero values, and Err says what it was.
type RowBinary struct {
	c    *Client
	ctx  context.Context
	br   *bufio.Reader
	done func()
	err  error
}

// QueryRowBinary runs a query and returns its answer to read in RowBinary;
// the caller reads every row (More, then the columns' values in order),
// checks Err and calls Close. The server finishes the query before it
// sends (wait_end_of_query), so an error in the query is returned here,
// before any row, never a truncated answer.
func (c *Client) QueryRowBinary(ctx context.Context, q string) (*RowBinary, error) {
	body, done, err := c.send(ctx, q, "RowBinary")
	if err != nil {
		return nil, err
	}
	return &RowBinary{c: c, ctx: ctx, br: bufio.NewReaderSize(body, 256<<10), done: done}, nil
}

// More reports whether another row follows (false at the end, or after a
// failed read).
func (r *RowBinary) More() bool {
	if r.err != nil {
		return false
	}
	_, err := r.br.Peek(1)
	if err != nil && err != io.EOF {
		r.fail(err)
	}
	return err == nil
}

// UInt64 reads a UInt64 (or an Int64's bits).
func (r *RowBinary) UInt64() uint64 {
	b := r.next(8)
	if b == nil {
		return 0
	}
	v := binary.LittleEndian.Uint64(b)
	r.br.Discard(8)
	return v
}

// Bytes reads a String; the bytes are valid until the next read.
func (r *RowBinary) Bytes() []byte {
	n, err := binary.ReadUvarint(r.br)
	if err != nil {
		r.fail(err)
		return nil
	}
	if n > uint64(r.br.Size()) {
		// Longer than the buffer: a copy of its own.
		b := make([]byte, n)
		if _, err := io.ReadFull(r.br, b); err != nil {
			r.fail(err)
			return nil
		}
		return b
	}
	b := r.next(int(n))
	if b == nil {
		return nil
	}
	r.br.Discard(int(n))
	return b
}

// next peeks at the next n bytes (n at most the buffer's size).
func (r *RowBinary) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	b, err := r.br.Peek(n)
	if err != nil {
		r.fail(err)
		return nil
	}
	return b
}

func (r *RowBinary) fail(err error) {
	if r.err != nil {
		return
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		r.err = i18n.Errorf("ClickHouse at %s ended its answer in the middle of a row", r.c.addr)
		return
	}
	r.err = r.c.netError(r.ctx, err)
}

// Err is the first failed read, nil if none.
func (r *RowBinary) Err() error { return r.err }

// Close ends the request (a body not read to its end is dropped).
func (r *RowBinary) Close() { r.done() }
