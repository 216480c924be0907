package clickhouse

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// Property columns (see the package doc): a table push makes holds its most
// common property keys as columns of their own, so an analysis that reads
// one property reads one column, not every event's key and value arrays.

// PropKeysComment is the comment on prop_keys of a table whose properties
// may be columns; a table without it (made by an older spoor) keeps every
// property in the arrays.
const PropKeysComment = "spoor: the keys without a property column"

// PropColumn names the column of property key: p_KEY when KEY is short
// and safe as a file name and a column name on every server, else p_#
// and a hash of the key. A server names a column's files after it (bytes
// other than letters, digits and _ written %XX), which must stay under the
// file system's 255 bytes; a dot would read as a subcolumn on newer
// servers. The key itself is the column's comment.
func PropColumn(key string) string {
	if plainKey(key) {
		return "p_" + key
	}
	return "p_#" + strconv.FormatUint(xxhash.Sum64String(key), 16)
}

// plainKey reports whether key can name its column as it is.
func plainKey(key string) bool {
	if key == "" || !utf8.ValidString(key) {
		return false
	}
	escaped := 0
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			escaped++
		case c < 0x20 || c == 0x7f || c == '.' || c == '#' || c == '`' || c == '\\':
			return false
		default:
			escaped += 3
		}
	}
	return escaped <= 120
}

// SamePropColumns reports whether t and u read every property from the
// same place: the same keys are columns, of the same names and types.
// A push adds columns to a table that is open elsewhere (AddPropColumn),
// after which a key's events are in its column only.
func (t *Table) SamePropColumns(u *Table) bool {
	return maps.Equal(t.props, u.props)
}

// AddPropColumn is the ALTER TABLE clauses that add the column of property
// key, NULL where an event lacks the key, and set its comment. 18.16
// drops the comment of ADD COLUMN ... COMMENT; a COMMENT COLUMN in the
// same statement takes.
func AddPropColumn(key string) string {
	col := Ident(PropColumn(key))
	return "ADD COLUMN " + col + " Nullable(String), COMMENT COLUMN " + col + " " + String(key)
}

// AppendNullableString appends a Nullable(String) value: NULL when !set.
func AppendNullableString(dst []byte, s string, set bool) []byte {
	if !set {
		return append(dst, 1)
	}
	return AppendString(append(dst, 0), s)
}

// KeyCounts lists the property keys of the table's events that pass where
// (SQL), with how many carry each, most first, then by key.
func KeyCounts(ctx context.Context, c *Client, t *Table, where string) ([]string, []int64, error) {
	by, err := KeyCountsBy(ctx, c, t, where, "''")
	if err != nil {
		return nil, nil, err
	}
	keys, n := SortKeys(by[""])
	return keys, n, nil
}

// KeyCountsBy counts the property keys of the table's events that pass
// where for each value of the SQL by (an event's name, say): how many
// events of that value carry each key, keys carried by none left out. A
// property column is counted by itself (countIf of its presence, all in
// one pass): listing it in every event's array of keys to count them cost
// about four times as much at 10M events.
func KeyCountsBy(ctx context.Context, c *Client, t *Table, where, by string) (map[string]map[string]int64, error) {
	counts := map[string]map[string]int64{}
	add := func(b, k string, n int64) {
		if counts[b] == nil {
			counts[b] = map[string]int64{}
		}
		counts[b][k] += n
	}
	cols := t.PropColumnKeys()
	if len(cols) == 0 || t.Source.Schema == "spoor" {
		arrays := t.PropKeys()
		if len(cols) > 0 {
			arrays = "prop_keys" // the keys without a column
		}
		_, _, err := c.Each(ctx, "SELECT "+by+" AS b, k, count() FROM "+t.From+" ARRAY JOIN "+arrays+" AS k WHERE "+where+" GROUP BY b, k", func(row []string) error {
			n, err := strconv.ParseInt(row[2], 10, 64)
			add(row[0], row[1], n)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if len(cols) > 0 {
		sel := make([]string, len(cols))
		for i, k := range cols {
			_, has := t.Prop(k)
			sel[i] = "countIf(" + has + ")"
		}
		_, _, err := c.Each(ctx, "SELECT "+by+" AS b, "+strings.Join(sel, ", ")+" FROM "+t.From+" WHERE "+where+" GROUP BY b", func(row []string) error {
			for i, k := range cols {
				n, err := strconv.ParseInt(row[1+i], 10, 64)
				if err != nil {
					return err
				}
				if n > 0 {
					add(row[0], k, n)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// SortKeys lists the keys of counts, most counted first, then by key, and
// their counts.
func SortKeys(counts map[string]int64) ([]string, []int64) {
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return cmp.Compare(counts[b], counts[a])
		}
		return strings.Compare(a, b)
	})
	n := make([]int64, len(keys))
	for i, k := range keys {
		n[i] = counts[k]
	}
	return keys, n
}
