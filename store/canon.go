package store

import (
	"context"
	"database/sql"
	"slices"
)

// personsOf maps the user ids below n to their persons as loadCanon does,
// for code that looks up a few users (a tail's): when few users have links
// it keeps only theirs. loadCanon's slot per user cost a 1,000-event import
// into 100M events (6.7M users) a tenth of its CPU, and every load with a
// tail as much.
func personsOf(ctx context.Context, tx *sql.Tx, n int) (func(int32) int32, error) {
	person, _, err := linkedPersons(ctx, tx, n, "SELECT anon_id, user_id FROM identities")
	return person, err
}

// linkedPersons is personsOf over the links query q selects; it also
// returns the ids with a link, ascending: no other id is another's.
func linkedPersons(ctx context.Context, tx *sql.Tx, n int, q string, args ...any) (func(int32) int32, []int32, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	var links [][2]int32
	for rows.Next() {
		var a, u int32
		if err := rows.Scan(&a, &u); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if a >= 0 && u >= 0 && int(a) < n && int(u) < n {
			links = append(links, [2]int32{a, u})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(links) == 0 {
		return func(u int32) int32 { return u }, nil, nil
	}
	if len(links) > n/16 {
		canon := make([]int32, n)
		for i := range canon {
			canon[i] = int32(i)
		}
		get := func(u int32) int32 { return canon[u] }
		return get, resolveLinks(links, get, func(a, p int32) { canon[a] = p }), nil
	}
	canon := make(map[int32]int32, len(links))
	get := func(u int32) int32 {
		if p, ok := canon[u]; ok {
			return p
		}
		return u
	}
	return get, resolveLinks(links, get, func(a, p int32) { canon[a] = p }), nil
}

// resolveLinks sets each linked id's person through get and set, exactly
// as canonOf: the links in the order read (a later link of the same id
// wins), then each linked id in ascending order follows at most 32 links
// from it, seeing the persons of the ids before it already resolved. Ids
// with no link are their own person and change nothing on the way. It
// returns the linked ids, ascending.
func resolveLinks(links [][2]int32, get func(int32) int32, set func(a, p int32)) []int32 {
	ids := make([]int32, len(links))
	for i, l := range links {
		set(l[0], l[1])
		ids[i] = l[0]
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, i := range ids {
		c := get(i)
		for steps := 0; get(c) != c && steps < 32; steps++ {
			c = get(c)
		}
		set(i, c)
	}
	return ids
}
