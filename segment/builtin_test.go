package segment

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTierGrid(t *testing.T) {
	cases := []struct {
		r, f, m int
		want    string
	}{
		{5, 5, 5, "champions"},
		{5, 3, 4, "champions"}, // fm = round(3.5) = 4
		{5, 3, 3, "potential loyalists"},
		{5, 1, 1, "new"},
		{5, 1, 2, "potential loyalists"}, // fm = round(1.5) = 2
		{4, 4, 4, "loyal"},
		{4, 1, 1, "new"},
		{3, 5, 5, "loyal"},
		{3, 3, 3, "potential loyalists"},
		{3, 2, 2, "hibernating"},
		{2, 3, 3, "at risk"},
		{2, 5, 4, "can't lose"},
		{2, 1, 1, "hibernating"},
		{1, 4, 4, "at risk"},
		{1, 5, 5, "can't lose"},
		{1, 2, 2, "lost"},
		{1, 1, 2, "lost"},
	}
	for _, c := range cases {
		if got := Tier(c.r, c.f, c.m); got != c.want {
			t.Errorf("Tier(%d,%d,%d) = %s, want %s", c.r, c.f, c.m, got, c.want)
		}
	}
	// Every cell is a named tier.
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			if !strings.Contains(strings.Join(TierNames, "|"), tierGrid[r-1][fm-1]) {
				t.Errorf("cell %d,%d = %q", r, fm, tierGrid[r-1][fm-1])
			}
		}
	}
}

func TestQuintiles(t *testing.T) {
	cases := []struct {
		in   []float64
		want string
	}{
		{[]float64{1, 2, 3, 4, 5}, "[1 2 3 4 5]"},
		{[]float64{5, 4, 3, 2, 1}, "[5 4 3 2 1]"},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, "[1 1 2 2 3 3 4 4 5 5]"},
		// Ties share the score of the lowest of them.
		{[]float64{1, 1, 1, 1, 5}, "[1 1 1 1 5]"},
		{[]float64{5, 1, 1, 1, 1}, "[5 1 1 1 1]"},
		{[]float64{7}, "[1]"},
		{[]float64{2, 2, 2}, "[1 1 1]"},
		{[]float64{-3, -1, -1, -2}, "[1 3 3 2]"},
		// Boundaries: with 6 values, 5 × worse / 6 crosses a whole number at 2, 3 and 5.
		{[]float64{1, 2, 3, 4, 5, 6}, "[1 1 2 3 4 5]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(quintiles(c.in)); got != c.want {
			t.Errorf("quintiles(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// The stages and their sizes on this timeline are in testdata/builtins.test;
// here, a summary's list of one stage's users, and an unknown stage.
func TestStageSummaryUsers(t *testing.T) {
	// Window 7 days, last event 03-31: recent [03-25, 04-01), before [03-18, 03-25).
	_, d := timeline(t, time.UTC, `
n1 2026-03-26T10:00 e
n2 2026-03-25T00:00 e
a1 2026-03-20T10:00 e
a1 2026-03-28T10:00 e
a2 2026-03-24T23:59 e
a2 2026-03-30T10:00 e
r1 2026-03-01T10:00 e
r1 2026-03-29T10:00 e
d1 2026-03-10T10:00 e
d1 2026-03-20T10:00 e
d2 2026-03-18T00:00 e
c1 2026-03-17T23:59 e
z 2026-03-31T12:00 e
`)
	rep, err := StageSummary(d, 7, true, "dormant")
	if err != nil || fmt.Sprint(rep.Users) != "[{d1 dormant} {d2 dormant}]" {
		t.Errorf("dormant users %v %v", rep.Users, err)
	}
	if _, err := stageMembers(d, "sleepy", 7, dataZone(d)); err == nil || !strings.Contains(err.Error(), "new, active, returning, dormant, churned") {
		t.Errorf("unknown stage: %v", err)
	}
}
