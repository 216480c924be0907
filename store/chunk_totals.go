package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// The stored events (the sum of the chunks' n) and the next row id were
// summed over every chunk by each import and each load: with 64 KB pages
// a chunk row fills a leaf page, so at 100M events that was about a
// hundred page reads (6.5 MB) per load and two hundred per small import,
// which also kept them in its page cache and freed them at close (issue
// 19, point 4: a small import's cost should not grow with the stored
// events). Each import records the totals in settings (chunk_totals) in
// its own transaction, with the last chunk id they count; a reader
// trusts them only while that is still the last chunk, which it finds in
// two page reads, and else sums. A chunk is never changed in n or removed,
// so the totals of the chunks up to an id stay true, and a build that adds
// chunks without recording them only costs the next reader the sum.

// chunkTotals are what the chunks hold: their events and the row id after
// the last, and the last chunk id (0: no chunk).
type chunkTotals struct {
	last, events, nextID int64
}

// readChunkTotals returns the chunks' totals, from chunk_totals when it
// counts the last chunk.
func readChunkTotals(ctx context.Context, tx *sql.Tx) (chunkTotals, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM chunks").Scan(&last); err != nil {
		return chunkTotals{}, err
	}
	var kept sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'chunk_totals'").Scan(&kept)
	if err != nil && err != sql.ErrNoRows {
		return chunkTotals{}, err
	}
	var t chunkTotals
	if n, _ := fmt.Sscan(kept.String, &t.last, &t.events, &t.nextID); n == 3 && t.last == last.Int64 && t.events >= 0 && t.nextID >= 1 {
		chunkTotalsKept.Add(1)
		return t, nil
	}
	t = chunkTotals{last: last.Int64}
	err = tx.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0), coalesce(max(first_id + n), 1) FROM chunks").Scan(&t.events, &t.nextID)
	return t, err
}

// keepChunkTotals records t as the totals of the chunks up to t.last.
func keepChunkTotals(ctx context.Context, tx *sql.Tx, t chunkTotals) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('chunk_totals', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, fmt.Sprintf("%d %d %d", t.last, t.events, t.nextID))
	return err
}

// chunkTotalsKept counts the reads that took the recorded totals, so
// tests can tell which path ran.
var chunkTotalsKept atomic.Int64

// storedEvents is how many events the chunks hold.
func storedEvents(ctx context.Context, tx *sql.Tx) (int64, error) {
	t, err := readChunkTotals(ctx, tx)
	return t.events, err
}
