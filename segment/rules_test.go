package segment

import (
	"testing"
)

func TestHuman(t *testing.T) {
	for ms, want := range map[int64]string{86_400_000: "24h", 5_400_000: "1h30m", 45_000: "45s", 3_600_000 + 1000: "1h0m1s", 0: "0s", 120_000: "2m"} {
		if got := human(ms); got != want {
			t.Errorf("human(%d) = %s, want %s", ms, got, want)
		}
	}
}
