package output

import (
	"math"
	"testing"
)

func TestFormats(t *testing.T) {
	for sec, want := range map[float64]string{0.85: "850ms", 45: "45s", 2.5: "2.5s", 725: "12m 5s", 720: "12m", 12600: "3h 30m", 187200: "2d 4h", math.NaN(): "-"} {
		if got := Duration(sec); got != want {
			t.Errorf("Duration(%v) = %q, want %q", sec, got, want)
		}
	}
	for f, want := range map[float64]string{0.425: "42.5%", 1: "100.0%", 0: "0.0%", math.Inf(1): "-", math.NaN(): "-"} {
		if got := Percent(f); got != want {
			t.Errorf("Percent(%v) = %q, want %q", f, got, want)
		}
	}
	if got := Count(2500); got != "2500" {
		t.Errorf("Count(2500) = %q", got)
	}
}
