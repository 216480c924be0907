package chquery

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/query"
)

// chunked collects one value per person of a large table in chunks of a
// fixed size, so none is copied to grow a slice: at hundreds of thousands
// of persons those copies, into fresh pages each time, were most of a
// command's CPU on the client.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const chunkLen = 1 << 14

func (c *chunked[T]) add(v T) {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]T, 0, chunkLen))
	}
	last := len(c.chunks) - 1
	c.chunks[last] = append(c.chunks[last], v)
	c.n++
}

// reset empties c (a failed attempt's values are dropped).
func (c *chunked[T]) reset() { c.chunks, c.n = nil, 0 }

// sorted returns the values in one slice, ordered by key, a person's place
// in the local engine's lists (personCols' po) and user id (shards and
// parts answer in any order), each copied once. The sort compares the
// places and the ids' first bytes (query.NamePrefix), held in the slice it
// sorts, before the ids themselves.
func (c *chunked[T]) sorted(key func(*T) (uint64, string)) []T {
	type ref struct {
		order, prefix uint64
		i             int32
	}
	at := func(i int32) *T { return &c.chunks[i/chunkLen][i%chunkLen] }
	name := func(i int32) string { _, s := key(at(i)); return s }
	refs := make([]ref, c.n)
	for i := range refs {
		o, s := key(at(int32(i)))
		refs[i] = ref{o, query.NamePrefix(s), int32(i)}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if a.order != b.order {
			return cmp.Compare(a.order, b.order)
		}
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return strings.Compare(name(a.i), name(b.i))
	})
	out := make([]T, c.n)
	for i, r := range refs {
		out[i] = *at(r.i)
	}
	return out
}

// placed is a value of one person with the person's place in the local
// engine's lists (personCols' po).
type placed[T any] struct {
	v     T
	order uint64
}

// inListOrder returns the values as the local engine lists their persons:
// by place, then by user id (user).
func inListOrder[T any](xs []placed[T], user func(T) string) []T {
	slices.SortFunc(xs, func(a, b placed[T]) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		return strings.Compare(user(a.v), user(b.v))
	})
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = x.v
	}
	return out
}

// parseOrder reads a po column (personCols).
func parseOrder(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }
