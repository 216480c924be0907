package segment

import (
	"strings"
	"testing"
)

// Issue 20.10 in the segment language: a window is bounded at 100 years
// (a huge one would overflow milliseconds) and a comparison takes a finite
// number.
func TestSegmentWindowAndNumbersBounded(t *testing.T) {
	for expr, msg := range map[string]string{
		"did purchase in 99999999999d":               "the window 99999999999d is too long: at most 36500d",
		"did purchase in 5215w":                      "too long",
		"did purchase then buy within 106751991167d": "too long",
		"did purchase where price > NaN":             "expected a finite number after >",
		"did purchase where price <= -Inf":           "expected a finite number after <=",
	} {
		if _, err := Parse(expr); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", expr, err, msg)
		}
	}
	for _, expr := range []string{"did purchase in 36500d", "did purchase in 5214w", "did purchase where price > -5", "did purchase where plan = NaN"} {
		if _, err := Parse(expr); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}
