package chquery

import (
	"cmp"
	"slices"
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

// sorted returns the values in one slice, ordered by key (user ids:
// shards and parts answer in any order), each copied once. The sort
// compares the ids' first bytes (query.NamePrefix), held in the slice it
// sorts, before the ids themselves.
func (c *chunked[T]) sorted(key func(*T) string) []T {
	type ref struct {
		prefix uint64
		i      int32
	}
	at := func(i int32) *T { return &c.chunks[i/chunkLen][i%chunkLen] }
	refs := make([]ref, c.n)
	for i := range refs {
		refs[i] = ref{query.NamePrefix(key(at(int32(i)))), int32(i)}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return strings.Compare(key(at(a.i)), key(at(b.i)))
	})
	out := make([]T, c.n)
	for i, r := range refs {
		out[i] = *at(r.i)
	}
	return out
}

// slice returns the values in one slice, in the order added.
func (c *chunked[T]) slice() []T {
	out := make([]T, 0, c.n)
	for _, ch := range c.chunks {
		out = append(out, ch...)
	}
	return out
}
