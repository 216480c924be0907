package store

import (
	"context"
	"sort"
)

// EachProps calls fn with the properties of every stored event from storage
// row from on, in storage order, as the data version (Rows.Version) has
// them: keys sorted, each value the text analyses compare (strings
// unquoted). keys and values are reused between calls. It reads one chunk
// at a time, so a copy of many events (spoor push) holds one chunk's
// properties in memory, not every event's.
func (db *DB) EachProps(ctx context.Context, version int64, from int, fn func(row int, keys, values []string) error) error {
	tx, err := db.beginAt(ctx, version, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type span struct {
		id       int64
		first, n int
	}
	var spans []span
	cs, err := tx.QueryContext(ctx, "SELECT id, first_id - (SELECT min(first_id) FROM chunks), n FROM chunks ORDER BY first_id")
	if err != nil {
		return err
	}
	for cs.Next() {
		var sp span
		if err := cs.Scan(&sp.id, &sp.first, &sp.n); err != nil {
			cs.Close()
			return err
		}
		if sp.first+sp.n > from {
			spans = append(spans, sp)
		}
	}
	cs.Close()
	if err := cs.Err(); err != nil {
		return err
	}
	var keys, values []string
	for _, sp := range spans {
		type column struct {
			key   string
			texts []string
			codes []uint32 // per row: 0 unset, else 1 + the literal's index
		}
		var cols []column
		ps, err := tx.QueryContext(ctx, "SELECT key, dict, codes FROM chunk_props WHERE chunk_id = ?", sp.id)
		if err != nil {
			return err
		}
		for ps.Next() {
			var c column
			var dictB, pairs []byte
			if err := ps.Scan(&c.key, &dictB, &pairs); err != nil {
				ps.Close()
				return err
			}
			lits, err := decodeDict(dictB)
			if err != nil {
				ps.Close()
				return err
			}
			c.texts = make([]string, len(lits))
			for i, l := range lits {
				c.texts[i] = literalText(l)
			}
			c.codes = make([]uint32, sp.n)
			if err := decodePairs(pairs, sp.n, len(lits), func(row, lit int) { c.codes[row] = uint32(lit + 1) }); err != nil {
				ps.Close()
				return err
			}
			cols = append(cols, c)
		}
		ps.Close()
		if err := ps.Err(); err != nil {
			return err
		}
		sort.Slice(cols, func(i, j int) bool { return cols[i].key < cols[j].key })
		for r := max(from-sp.first, 0); r < sp.n; r++ {
			keys, values = keys[:0], values[:0]
			for _, c := range cols {
				if code := c.codes[r]; code != 0 {
					keys = append(keys, c.key)
					values = append(values, c.texts[code-1])
				}
			}
			if err := fn(sp.first+r, keys, values); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}
