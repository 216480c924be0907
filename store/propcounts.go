package store

import (
	"context"
	"database/sql"
)

// KeyCounts is how many events carry each value of one property key.
type KeyCounts struct {
	Key    string
	Values []string // as text, as analyses compare them
	Counts []int
}

// CountProps counts, over every event or only those named event (""
// for all), the events, and for each property key the events carrying
// each of its values. It streams the column chunks one at a time, so its
// memory is one chunk's, not a column of every event; ok is false when no
// stored event has that name.
func (db *DB) CountProps(ctx context.Context, event string) (events int, props []KeyCounts, ok bool, err error) {
	tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, false, err
	}
	defer tx.Rollback()
	want := int32(0) // event_names.id; 0: every event
	if event != "" {
		err := tx.QueryRowContext(ctx, "SELECT id FROM event_names WHERE name = ?", event).Scan(&want)
		if err == sql.ErrNoRows {
			return 0, nil, false, nil
		}
		if err != nil {
			return 0, nil, false, err
		}
	}
	// The event id of each row of each chunk, when only some events count.
	var names map[int64][]int32
	if want != 0 {
		names = map[int64][]int32{}
		rows, err := tx.QueryContext(ctx, "SELECT id, n, events FROM chunks")
		if err != nil {
			return 0, nil, false, err
		}
		for rows.Next() {
			var id int64
			var n int
			var b sql.RawBytes
			if err := rows.Scan(&id, &n, &b); err != nil {
				rows.Close()
				return 0, nil, false, err
			}
			ev, err := decodeUvarints(make([]int32, 0, n), b, n)
			if err != nil {
				rows.Close()
				return 0, nil, false, err
			}
			for _, e := range ev {
				if e == want {
					events++
				}
			}
			names[id] = ev
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, false, err
		}
	} else if err := tx.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0) FROM chunks").Scan(&events); err != nil {
		return 0, nil, false, err
	}
	// Chunk ids grow with first ids (chunks are only appended), so the
	// index on (key, chunk_id) gives the order without sorting the blobs.
	rows, err := tx.QueryContext(ctx, `SELECT p.key, c.id, c.n, p.dict, p.codes FROM chunk_props p
		JOIN chunks c ON c.id = p.chunk_id ORDER BY p.key, p.chunk_id`)
	if err != nil {
		return 0, nil, false, err
	}
	defer rows.Close()
	var cur *KeyCounts
	var index map[string]int
	for rows.Next() {
		var key string
		var id int64
		var n int
		var dictB, codes sql.RawBytes // decoded before the next row
		if err := rows.Scan(&key, &id, &n, &dictB, &codes); err != nil {
			return 0, nil, false, err
		}
		if cur == nil || cur.Key != key {
			props = append(props, KeyCounts{Key: key})
			cur, index = &props[len(props)-1], map[string]int{}
		}
		lits, err := decodeDict(dictB)
		if err != nil {
			return 0, nil, false, err
		}
		local := make([]int, len(lits))
		ev := names[id] // n event ids: every row decodePairs gives is in it
		if err := decodePairs(codes, n, len(lits), func(row, lit int) {
			if want == 0 || ev[row] == want {
				local[lit]++
			}
		}); err != nil {
			return 0, nil, false, err
		}
		for c, k := range local {
			if k == 0 {
				continue
			}
			text := literalText(lits[c])
			i, seen := index[text]
			if !seen {
				i = len(cur.Values)
				index[text] = i
				cur.Values = append(cur.Values, text)
				cur.Counts = append(cur.Counts, 0)
			}
			cur.Counts[i] += k
		}
	}
	return events, props, true, rows.Err()
}
