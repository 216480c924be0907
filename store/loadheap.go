package store

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The collector's percent is one process setting, and loads overlap (the
// workbench loads a property column while another tab loads the events):
// each load asks for a percent while it runs, the process runs with the
// lowest asked (off only while every running load asks for off), and its
// own percent comes back when the last one ends.
var gcAsked struct {
	sync.Mutex
	asks map[int]int // percent (-1: off) -> running loads asking for it
	prev int         // the process's own
	// Small loads whose pause lasts until the next collection
	// (collectLater), and the process's own memory limit meanwhile.
	later int
	limit int64
}

// CollectAt asks for the collector to run at percent (-1: off) until the
// returned func is called.
func CollectAt(percent int) (restore func()) {
	gcAsked.Lock()
	defer gcAsked.Unlock()
	if len(gcAsked.asks) == 0 {
		gcAsked.asks = map[int]int{}
		gcAsked.prev = debug.SetGCPercent(percent)
	}
	gcAsked.asks[percent]++
	setAsked()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcAsked.Lock()
			defer gcAsked.Unlock()
			if gcAsked.asks[percent]--; gcAsked.asks[percent] == 0 {
				delete(gcAsked.asks, percent)
			}
			if len(gcAsked.asks) == 0 {
				debug.SetGCPercent(gcAsked.prev)
				return
			}
			setAsked()
		})
	}
}

// setAsked sets the lowest percent a running load asked for, off only
// when none asked for collection.
func setAsked() {
	best := -1
	for p := range gcAsked.asks {
		if p >= 0 && (best < 0 || p < best) {
			best = p
		}
	}
	debug.SetGCPercent(best)
}

// smallLoad is how many events a load may hold and still run with the
// collector off and its heap reserved (loadHeap, decodeHeap).
var smallLoad int64 = 16 << 20

// loadBytes is about what a load allocates per event: the columns (16
// bytes), the snapshot's blob copies (4) and the users' ids.
const loadBytes = 24

// loadHeap prepares the heap for loading events events; the returned func
// ends what it began.
//
// Up to smallLoad events the collector is off while the events load, and
// until the heap grows past what they took (collectLater): what it would
// reclaim is the blob copies, a fifth of what the load keeps (they stay:
// garbage.keep), and at 1M events its cycles and their metadata were a
// tenth of the load; at 10M the two collections the blobs forced cost
// more than the 42 MB they take.
//
// Above smallLoad the load collects at 50%: with the events resident, the
// default goal would let the dropped blobs pile up toward the size of
// everything loaded, and the peak is budgeted (40 bytes an event).
func loadHeap(events int64) (done func()) {
	if events > smallLoad {
		return CollectAt(50)
	}
	restore := CollectAt(-1)
	return func() { collectLater(restore) }
}

// answerMax bounds the answers AnswerHeap prepares the heap for.
const answerMax = 256 << 20

// AnswerHeap prepares the heap for reading about n bytes that the process
// keeps from a server's answer (chquery's funnel: a row per person), as
// loadHeap and decodeHeap do for a small load: the heap reserved in huge
// pages and the collector off until it has grown past what the answer
// left (collectLater). A collection meanwhile would find the answer
// live: collecting it and faulting in fresh pages cost a fresh process's
// 1M-event funnel on ClickHouse 112 -> 97 ms of client CPU (median of 15
// alternated runs, load 19). Above answerMax it changes nothing. The
// returned func ends what it began.
func AnswerHeap(n int) (done func()) {
	if n > answerMax {
		return func() {}
	}
	reserveHeap(n)
	restore := CollectAt(-1)
	return func() { collectLater(restore) }
}

// decodeHeap prepares the heap for decoding events events, up to
// smallLoad: the heap the decode will use is first taken from the system
// in one piece and handed back to the Go heap (reserveHeap). On a virtual
// machine touching a fresh 4 KB page costs some 15 µs of CPU, and a fresh
// process loading 1M events touched 4,800 of them (70 of its 130 ms of
// CPU); in huge pages it touches a few dozen. A load from the column
// cache decodes nothing and skips it: the columns are a mapping, and the
// reserve's collection alone took 8 of the 56 ms a 1M-event retention
// spent after the runtime started.
func decodeHeap(events int64) {
	if events <= smallLoad {
		reserveHeap(int(events) * loadBytes)
	}
}

// collectLater ends a small load's pause of the collector at the next
// collection, which comes once the heap has grown by as much as the load
// left plus 64 MB (a memory limit, as the percent would set it), not at
// once: the percent's goal still comes from the nearly empty heap before
// the load, so restoring it now would start a collection on the spot, in
// the middle of the analysis the load is for (at 1M events a tenth of
// its CPU). A process that ends first never collects.
func collectLater(restore func()) {
	heap := int64(heapObjects())
	gcAsked.Lock()
	if gcAsked.later == 0 {
		gcAsked.limit = debug.SetMemoryLimit(-1)
	}
	gcAsked.later++
	debug.SetMemoryLimit(min(debug.SetMemoryLimit(-1), 2*heap+64<<20))
	gcAsked.Unlock()
	// Not a tiny allocation, which could share a block with live ones.
	runtime.AddCleanup(new([64]byte), func(struct{}) {
		gcAsked.Lock()
		if gcAsked.later--; gcAsked.later == 0 {
			debug.SetMemoryLimit(gcAsked.limit)
		}
		gcAsked.Unlock()
		restore()
	}, struct{}{})
}

// heapObjects is the bytes of the heap's objects, live or not yet swept.
func heapObjects() uint64 {
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

// reserveHeap makes the next n bytes the Go heap hands out come from
// memory asked for in huge pages (hugeHeap), when the heap holds little
// yet: at the start of a process, not in a workbench that holds a
// dataset, where it would cost a collection of all of it.
func reserveHeap(n int) {
	if n < hugeMin {
		return
	}
	if heapObjects() > uint64(n/4) {
		return
	}
	b := make([]byte, n)
	hugeHeap(b)
	runtime.KeepAlive(b)
	// Collected at once and returned to the system, the pages are free
	// in the Go heap, untouched, and advised: the load's columns and blob
	// copies are carved from them.
	debug.FreeOSMemory()
}
