package query

import (
	"math/bits"
	"sync"

	"github.com/spoorhq/spoor/store"
)

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
		// Small funnels stay small: blocks double up to blockLen.
		b.last = newBlock[T](min(max(256, 2*cap(b.last)), blockLen))
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

// release hands b's blocks to the next blocks of their size and empties
// b, which nothing may read after.
func (b *blocks[T]) release() {
	for _, blk := range append(b.full, b.last) {
		if c := cap(blk); c >= 256 && c <= blockLen && c&(c-1) == 0 {
			if pool := blockPool[T](c); pool != nil {
				blk = blk[:0]
				pool.Put(&blk)
			}
		}
	}
	*b = blocks[T]{}
}

// blockPools keep released blocks per element size and capacity (powers
// of two from 256 to blockLen): the workbench's edits each took tens of
// megabytes of fresh memory at 10M events for the times to convert,
// which the kernel faulted in and Go cleared (a tenth of an edit's CPU
// with the collector). A pool empties at garbage collections, which keeps
// nothing for long.
var blockPools [2][blockClasses]sync.Pool

const blockClasses = 12 // 1<<8 .. blockLen

// blockPool is the pool of blocks of T (int64 or int32, else nil) of
// capacity c.
func blockPool[T any](c int) *sync.Pool {
	switch any(*new(T)).(type) {
	case int64:
		return &blockPools[0][bits.TrailingZeros(uint(c))-8]
	case int32:
		return &blockPools[1][bits.TrailingZeros(uint(c))-8]
	}
	return nil
}

// newBlock is an empty block of capacity c (a power of two from 256 to
// blockLen), released before or new; the largest are in huge pages: at
// 100M events a funnel's times are 64 MB, whose page faults cost as much
// as a sixth of the funnel.
func newBlock[T any](c int) []T {
	if pool := blockPool[T](c); pool != nil {
		if p, ok := pool.Get().(*[]T); ok {
			return *p
		}
	}
	return store.HugePages(make([]T, 0, c))
}
