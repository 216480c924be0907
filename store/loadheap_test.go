package store

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// Overlapping loads run with the lowest percent any asks for, off only
// while all ask for off, and the process's own comes back once the last
// ends, whatever order they end in.
func TestCollectAtOverlapping(t *testing.T) {
	settleLoads(t)
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	cur := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	off := CollectAt(-1)
	if cur() != -1 {
		t.Fatalf("one load asking for off: %d", cur())
	}
	a := CollectAt(50)
	b := CollectAt(10)
	if cur() != 10 {
		t.Fatalf("three loads: %d, want the lowest asked, 10", cur())
	}
	b()
	b() // a second call changes nothing
	if cur() != 50 {
		t.Fatalf("after the 10%% load: %d, want 50", cur())
	}
	a()
	if cur() != -1 {
		t.Fatalf("only the load asking for off left: %d", cur())
	}
	c := CollectAt(30)
	off()
	if cur() != 30 {
		t.Fatalf("off ended, 30 runs: %d", cur())
	}
	c()
	if cur() != 100 {
		t.Fatalf("all ended: %d, want the process's 100", cur())
	}
}

// A small load leaves the collector off until the next collection, then
// the process's percent and memory limit come back.
func TestSmallLoadCollectsLater(t *testing.T) {
	collectsLater(t, func() func() { return loadHeap(1000) })
}

// A small answer read (AnswerHeap) pauses the collector as a small load
// does; a large one leaves it as it is.
func TestAnswerHeap(t *testing.T) {
	collectsLater(t, func() func() { return AnswerHeap(1000) })
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	done := AnswerHeap(answerMax + 1)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("reading a large answer: percent %d, want the process's 100", p)
	}
	done()
}

// collectsLater checks that start, which begins a small load or read,
// turns the collector off until the collection after its end, then
// gives the process its percent and memory limit back.
func collectsLater(t *testing.T, start func() (done func())) {
	t.Helper()
	settleLoads(t)
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	limit := debug.SetMemoryLimit(-1)
	cur := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	done := start()
	if cur() != -1 {
		t.Fatalf("loading: percent %d, want off", cur())
	}
	done()
	if cur() != -1 || debug.SetMemoryLimit(-1) == limit {
		t.Fatalf("after the load: percent %d, memory limit %d: want off and a limit until the next collection", cur(), debug.SetMemoryLimit(-1))
	}
	for i := 0; i < 200 && (cur() != 100 || debug.SetMemoryLimit(-1) != limit); i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if cur() != 100 || debug.SetMemoryLimit(-1) != limit {
		t.Fatalf("after a collection: percent %d, memory limit %d, want 100 and %d", cur(), debug.SetMemoryLimit(-1), limit)
	}
}

// settleLoads waits for the pauses earlier tests' small loads left to end
// at a collection.
func settleLoads(t *testing.T) {
	for i := 0; ; i++ {
		gcAsked.Lock()
		n := len(gcAsked.asks)
		gcAsked.Unlock()
		if n == 0 {
			return
		}
		if i == 200 {
			t.Fatalf("loads still asking for a percent: %v", gcAsked.asks)
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}
