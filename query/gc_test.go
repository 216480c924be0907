package query

import (
	"runtime/debug"
	"testing"
)

// Overlapping loads keep the lowest GC percent while any runs and restore
// the process's own once the last ends, whatever order they end in.
func TestLowGCRestores(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	cur := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	a := lowGC(50)
	if cur() != 50 {
		t.Fatalf("one load: %d, want 50", cur())
	}
	b := lowGC(10)
	c := lowGC(30)
	if cur() != 10 {
		t.Fatalf("three loads: %d, want the lowest, 10", cur())
	}
	a()
	b()
	if cur() != 10 {
		t.Fatalf("one load left: %d, want 10 kept", cur())
	}
	c()
	if cur() != 100 {
		t.Fatalf("all ended: %d, want the process's 100", cur())
	}
}
