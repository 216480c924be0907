package store

import "testing"

// TestEmptyStrings reads every string of a small slice (from the heap) and
// of one large enough to be a mapping, each through a re-slice as the
// loads use them.
func TestEmptyStrings(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 1<<18 + 3, 1 << 20} {
		s := EmptyStrings(n)
		if len(s) != n {
			t.Fatalf("EmptyStrings(%d) has %d strings", n, len(s))
		}
		for i, v := range s[min(1, n):] {
			if v != "" {
				t.Fatalf("EmptyStrings(%d)[%d] = %q", n, i+1, v)
			}
		}
		// Copied out, they are ordinary strings.
		c := append([]string(nil), s...)
		if n > 0 {
			c[n-1] = "x"
			if s[n-1] != "" || c[n-1] != "x" {
				t.Fatalf("a copy shares the mapping")
			}
		}
	}
}
