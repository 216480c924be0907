package store

import (
	"runtime/debug"
	"testing"
)

// Overlapping loads run with the lowest percent any asks for, off only
// while all ask for off, and the process's own comes back once the last
// ends, whatever order they end in.
func TestCollectAtOverlapping(t *testing.T) {
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
