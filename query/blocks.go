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
			keepBlock(blk[:0])
		}
	}
	*b = blocks[T]{}
}

// blockFree keeps released blocks for the next funnel, per element type
// (int64 or int32) and capacity (powers of two from 256 to blockLen), up
// to blockKeep bytes in all: the workbench's edits each took tens of
// megabytes of fresh memory at 10M events for the times to convert,
// which the kernel zeroed page by page and Go cleared. A sync.Pool kept
// them until the next garbage collection only, and at 100M events the
// edits collect between one another: the blocks' page faults were still
// 3% of the edits' CPU (perf record). A block taken is empty (length 0):
// nothing of the funnel that released it is read again.
var blockFree struct {
	sync.Mutex
	lists [2][blockClasses][]any // *[]T
	bytes int
}

const (
	blockClasses = 12        // 1<<8 .. blockLen
	blockKeep    = 256 << 20 // bytes kept at most: a funnel's at 100M events
)

// blockClass is the list of blocks of T (int64 or int32, else ok false)
// of capacity c, and the bytes of one.
func blockClass[T any](c int) (kind, class, size int, ok bool) {
	class = bits.TrailingZeros(uint(c)) - 8
	switch any(*new(T)).(type) {
	case int64:
		return 0, class, 8 * c, true
	case int32:
		return 1, class, 4 * c, true
	}
	return 0, 0, 0, false
}

// keepBlock keeps blk (empty, its capacity a power of two from 256 to
// blockLen) for newBlock, unless blockKeep bytes are kept already.
func keepBlock[T any](blk []T) {
	kind, class, size, ok := blockClass[T](cap(blk))
	if !ok {
		return
	}
	blockFree.Lock()
	defer blockFree.Unlock()
	if blockFree.bytes+size > blockKeep {
		return
	}
	blockFree.lists[kind][class] = append(blockFree.lists[kind][class], &blk)
	blockFree.bytes += size
}

// newBlock is an empty block of capacity c (a power of two from 256 to
// blockLen), released before or new; the largest are in huge pages: at
// 100M events a funnel's times are 64 MB, whose page faults cost as much
// as a sixth of the funnel.
func newBlock[T any](c int) []T {
	if kind, class, size, ok := blockClass[T](c); ok {
		blockFree.Lock()
		l := blockFree.lists[kind][class]
		if n := len(l); n > 0 {
			blk := *l[n-1].(*[]T)
			l[n-1] = nil
			blockFree.lists[kind][class] = l[:n-1]
			blockFree.bytes -= size
			blockFree.Unlock()
			return blk[:0]
		}
		blockFree.Unlock()
	}
	return store.HugePages(make([]T, 0, c))
}
