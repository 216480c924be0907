package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"math"
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
	n := int(users.Int64) + 1
	after, linked, err := linkedPersons(ctx, tx, n, "SELECT anon_id, user_id FROM identities")
	if err != nil {
		return false, err
	}
	// Conflicting links of this import only count on the rows before it.
	before, _, err := linkedPersons(ctx, tx, n, "SELECT anon_id, user_id FROM identities WHERE import_id IS NOT ?", importID)
	if err != nil {
		return false, err
	}
	// Only a linked id's person can have changed: any other is its own,
	// before the links as after (the links before are among those after).
	var moved []int32 // persons, before the links, of users given another
	for _, u := range linked {
		a, b := after(u), before(u)
		if a == b {
			continue
		}
		if st.foldTo > 0 && int64(b) > st.foldAt && int64(a) <= st.foldAt {
			return true, nil
		}
		moved = append(moved, b)
	}
	if len(moved) == 0 {
		return false, nil
	}
	slices.Sort(moved)
	moved = slices.Compact(moved)
	// The segments hold the persons in ascending order (loads refuse
	// others): only a segment whose range holds a moved person is read,
	// not every segment's persons (at 100M events 20 MB).
	heads, err := segmentHeads(ctx, tx)
	if errors.Is(err, errCorrupt) {
		return true, nil // damaged: the rewrite decides
	}
	if err != nil {
		return false, err
	}
	for i, h := range heads {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if i > 0 {
			lo = h.first
		}
		if i+1 < len(heads) {
			hi = heads[i+1].first
		}
		k, _ := slices.BinarySearch(moved, int32(max(lo, math.MinInt32)))
		if k == len(moved) || int64(moved[k]) >= hi {
			continue
		}
		var pb []byte
		if err := tx.QueryRowContext(ctx, "SELECT persons FROM snapshot WHERE seg = ?", h.key).Scan(&pb); err != nil {
			return false, err
		}
		if holdsAny(pb, moved) {
			return true, nil
		}
	}
	return false, nil
}

// holdsAny reports whether a segment's persons pb name one of the sorted
// persons moved, or are damaged (the rewrite decides).
func holdsAny(pb []byte, moved []int32) bool {
	id := uint64(0)
	for len(pb) > 0 {
		step, k := binary.Uvarint(pb)
		if k <= 0 {
			return true
		}
		id += step
		if _, found := slices.BinarySearch(moved, int32(id)); found {
			return true
		}
		if _, k2 := binary.Uvarint(pb[k:]); k2 > 0 {
			pb = pb[k+k2:]
		} else {
			return true
		}
	}
	return false
}

// snapshotLinksKept counts imports whose links left the segments as they
// were, so tests can tell which path ran.
var snapshotLinksKept atomic.Int64
