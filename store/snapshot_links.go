package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"slices"
	"sync/atomic"
)

// An import that links identities rewrote the whole snapshot: a link can
// give a user another person, whose events then move. Most links name an
// id whose events all come with them (a Segment identify, an anonymous
// device's first session) or no event at all: no event the segments hold
// changes person, so they stay right, and the tail, placed with the
// identities as they stand at every load, takes the new persons.
// linksMoveStored tells which an import is.

// linksMoveStored reports whether the identities that import importID
// added may move events the segments hold, in fold state st. It checks,
// for each user whose person the links changed, whether that person
// before them has events in the segments (a conservative test: the user
// may have none), and, with a fold cycle under way, whether the user
// passes from the persons the cycle has not reached to those it has (its
// cycle events, not folded, would read as folded).
func linksMoveStored(ctx context.Context, tx *sql.Tx, importID int64, st foldState) (bool, error) {
	var users sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM users").Scan(&users); err != nil {
		return false, err
	}
	after, err := loadCanon(ctx, tx, int(users.Int64)+1)
	if err != nil {
		return false, err
	}
	// Conflicting links of this import only count on the rows before it.
	before, err := canonOf(ctx, tx, len(after), "SELECT anon_id, user_id FROM identities WHERE import_id IS NOT ?", importID)
	if err != nil {
		return false, err
	}
	var moved []int32 // persons, before the links, of users given another
	for u := range after {
		if after[u] == before[u] {
			continue
		}
		if st.foldTo > 0 && int64(before[u]) > st.foldAt && int64(after[u]) <= st.foldAt {
			return true, nil
		}
		moved = append(moved, before[u])
	}
	if len(moved) == 0 {
		return false, nil
	}
	slices.Sort(moved)
	moved = slices.Compact(moved)
	rows, err := tx.QueryContext(ctx, "SELECT persons FROM snapshot")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var pb sql.RawBytes
		if err := rows.Scan(&pb); err != nil {
			return false, err
		}
		id := uint64(0)
		for len(pb) > 0 {
			step, k := binary.Uvarint(pb)
			if k <= 0 {
				return true, nil // damaged: the rewrite decides
			}
			id += step
			if _, found := slices.BinarySearch(moved, int32(id)); found {
				return true, nil
			}
			if _, k2 := binary.Uvarint(pb[k:]); k2 > 0 {
				pb = pb[k+k2:]
			} else {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}

// snapshotLinksKept counts imports whose links left the segments as they
// were, so tests can tell which path ran.
var snapshotLinksKept atomic.Int64
