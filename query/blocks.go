package query

import "github.com/spoorhq/spoor/store"

// blocks is an append-only list kept in fixed-size blocks: at 10M events
// a funnel's per-step times grew by doubling, which copied and cleared
// each one several times (a fifth of the funnel's time in the workbench).
type blocks[T any] struct {
	full [][]T
	last []T
	n    int
}

const blockLen = 1 << 19

func (b *blocks[T]) add(v T) {
	if len(b.last) == cap(b.last) {
		if b.last != nil {
			b.full = append(b.full, b.last)
		}
		// Small funnels stay small: blocks double up to blockLen. The
		// largest are in huge pages: at 100M events a funnel's times
		// are 64 MB of fresh memory, whose page faults cost as much as
		// a sixth of the funnel.
		b.last = store.HugePages(make([]T, 0, min(max(256, 2*cap(b.last)), blockLen)))
	}
	b.last = append(b.last, v)
	b.n++
}

// Len is how many values were added.
func (b *blocks[T]) Len() int { return b.n }

// each calls fn with the values in the order added, a block at a time.
func (b *blocks[T]) each(fn func(vs []T)) {
	for _, blk := range b.full {
		fn(blk)
	}
	if len(b.last) > 0 {
		fn(b.last)
	}
}
