package store

import "runtime"

// garbageBudget is how many bytes of blob copies a long read may leave
// behind before it collects them. The SQLite driver copies every blob it
// returns into a new slice, and a load has already allocated the columns
// it fills: the garbage collector's goal, a share of that live heap, let
// the copies of a whole snapshot pile up uncollected (a 10M-event load
// touched 42 MB of fresh pages for them, a 100M one 420 MB, which peak
// memory counted; issue 19). Collecting every garbageBudget bytes reuses
// the same few megabytes instead; with the columns free of pointers a
// collection costs well under a millisecond.
var garbageBudget = 16 << 20 // a variable so tests can make it small

// garbage counts the blob bytes a read has dropped since it last
// collected them.
type garbage struct {
	n    int
	keep bool // a small load keeps them: its heap was reserved (loadHeap)
}

// drop notes n more bytes of dropped blobs, collecting them all once they
// pass the budget.
func (g *garbage) drop(n int) {
	if g.n += n; g.n >= garbageBudget && !g.keep {
		runtime.GC()
		g.n = 0
	}
}
