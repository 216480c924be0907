package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// chunk is one import's events as columns, in id order.
type chunk struct {
	firstID, lastID int64
	user, event     []int32
	time            []int64
	dedup           []uint64
}

func (c *chunk) add(id int64, user, event int32, t int64, h uint64) {
	if len(c.user) == 0 {
		c.firstID = id
	}
	c.lastID = id
	c.user = append(c.user, user)
	c.event = append(c.event, event)
	c.time = append(c.time, t)
	c.dedup = append(c.dedup, h)
}

func appendUvarints(dst []byte, v []int32) []byte {
	for _, x := range v {
		dst = binary.AppendUvarint(dst, uint64(uint32(x)))
	}
	return dst
}

// appendTimes zigzag-delta encodes times: exports are mostly chronological,
// so deltas are small.
func appendTimes(dst []byte, v []int64) []byte {
	var prev int64
	for _, t := range v {
		dst = binary.AppendVarint(dst, t-prev)
		prev = t
	}
	return dst
}

func (c *chunk) write(ctx context.Context, tx *sql.Tx, importID int64) error {
	if len(c.user) == 0 {
		return nil
	}
	dedup := make([]byte, 8*len(c.dedup))
	for i, h := range c.dedup {
		binary.LittleEndian.PutUint64(dedup[8*i:], h)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO chunks(import_id, first_id, last_id, n, users, events, times, dedup)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`, importID, c.firstID, c.lastID, len(c.user),
		appendUvarints(nil, c.user), appendUvarints(nil, c.event), appendTimes(nil, c.time), dedup)
	if err != nil {
		return fmt.Errorf("store columns: %w", err)
	}
	return nil
}

func decodeUvarints(dst []int32, b []byte, n int) ([]int32, error) {
	for i := 0; i < n; i++ {
		x, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("corrupt column chunk")
		}
		dst = append(dst, int32(x))
		b = b[k:]
	}
	return dst, nil
}

func decodeTimes(dst []int64, b []byte, n int) ([]int64, error) {
	var prev int64
	for i := 0; i < n; i++ {
		d, k := binary.Varint(b)
		if k <= 0 {
			return nil, fmt.Errorf("corrupt column chunk")
		}
		prev += d
		dst = append(dst, prev)
		b = b[k:]
	}
	return dst, nil
}

// chunksCover reports whether the chunks hold exactly the stored events:
// same count and same last id. Rows written by anything but ImportTx make
// it false, and readers then fall back to the rows.
func chunksCover(ctx context.Context, tx *sql.Tx) (bool, int, error) {
	var n, lastChunk, lastRow sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT sum(n), max(last_id) FROM chunks").Scan(&n, &lastChunk); err != nil {
		return false, 0, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM events").Scan(&lastRow); err != nil {
		return false, 0, err
	}
	if !lastRow.Valid {
		return !n.Valid, 0, nil
	}
	if !n.Valid || lastChunk.Int64 != lastRow.Int64 {
		return false, 0, nil
	}
	// max(id) matching is cheap; also require the count to match, which
	// SQLite answers from the smallest index.
	var count int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&count); err != nil {
		return false, 0, err
	}
	return count == n.Int64, int(count), nil
}

// loadChunks appends every chunk's columns to r, in id order.
func loadChunks(ctx context.Context, tx *sql.Tx, r *Rows, n int) error {
	r.User = make([]int32, 0, n)
	r.Event = make([]int32, 0, n)
	r.Time = make([]int64, 0, n)
	rows, err := tx.QueryContext(ctx, "SELECT n, users, events, times FROM chunks ORDER BY first_id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		var u, e, t []byte
		if err := rows.Scan(&k, &u, &e, &t); err != nil {
			return err
		}
		if r.User, err = decodeUvarints(r.User, u, k); err != nil {
			return err
		}
		if r.Event, err = decodeUvarints(r.Event, e, k); err != nil {
			return err
		}
		if r.Time, err = decodeTimes(r.Time, t, k); err != nil {
			return err
		}
	}
	return rows.Err()
}

// loadDedup returns every stored dedup hash (unsorted), from the chunks
// when they cover the events, else from the rows.
func loadDedup(ctx context.Context, tx *sql.Tx) ([]uint64, error) {
	ok, _, err := chunksCover(ctx, tx)
	if err != nil {
		return nil, err
	}
	var out []uint64
	if ok {
		rows, err := tx.QueryContext(ctx, "SELECT dedup FROM chunks ORDER BY first_id")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return nil, err
			}
			for i := 0; i+8 <= len(b); i += 8 {
				out = append(out, binary.LittleEndian.Uint64(b[i:]))
			}
		}
		return out, rows.Err()
	}
	rows, err := tx.QueryContext(ctx, "SELECT dedup FROM events")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, uint64(h))
	}
	return out, rows.Err()
}
