package forecast

import (
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"testing"
)

// nearEmpty by hand, m = 2, GapShare 0.15, GapMin 10:
//
//	i  0   1  2   3  4  5   6   7  8   9
//	y  1  50 100 50  0 50 100 50 14 50
//
// Point 4's reference is the median of y[0], y[2], y[6], y[8] = (14+100)/2
// = 57, and 0 ≤ 8.55: marked. Point 8's is the median of y[2], y[4], y[6]
// = 100, and 14 ≤ 15: marked. Point 0 is not (the series had not started:
// nothing before it is recorded), though its reference is 100.
func TestNearEmptyByHand(t *testing.T) {
	y := []float64{1, 50, 100, 50, 0, 50, 100, 50, 14, 50}
	got := nearEmpty(y, 2)
	want := []bool{false, false, false, false, true, false, false, false, true, false}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// The same point once the series has started: 1 ≤ 15 against y[0],
	// y[4], y[6] = 50, 100, 100.
	if got := nearEmpty([]float64{50, 50, 1, 50, 100, 50, 100, 50}, 2); !slices.Equal(got, []bool{false, false, true, false, false, false, false, false}) {
		t.Errorf("a started series' near-empty point: %v", got)
	}
	// A quiet series' zeros are noise: references under GapMin.
	if got := nearEmpty([]float64{3, 2, 0, 4, 3, 0, 2, 5, 0, 3}, 3); slices.Contains(got, true) {
		t.Errorf("a quiet series: %v", got)
	}
}

// nearEmpty against a slow reference written from its definition, on
// random series with gaps and missing points.
func TestNearEmptyAgainstReference(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for trial := 0; trial < 300; trial++ {
		m, n := 1+r.Intn(8), 5+r.Intn(60)
		y := make([]float64, n)
		for i := range y {
			switch r.Intn(8) {
			case 0:
				y[i] = float64(r.Intn(5))
			case 1:
				y[i] = math.NaN()
			default:
				y[i] = float64(r.Intn(200))
			}
		}
		got := nearEmpty(y, m)
		started := false
		for i, v := range y {
			want := false
			if !math.IsNaN(v) {
				var ref []float64
				for j := range y {
					if j != i && (j-i)%m == 0 && abs(j-i) <= 3*m && !math.IsNaN(y[j]) {
						ref = append(ref, y[j])
					}
				}
				sort.Float64s(ref)
				near := false
				if k := len(ref); k >= 2 {
					med := (ref[(k-1)/2] + ref[k/2]) / 2
					near = med >= GapMin && v <= GapShare*med
				}
				want = started && near
				started = started || !near && v > 0
			}
			if got[i] != want {
				t.Fatalf("trial %d (m %d) point %d: got %v, want %v; y %v", trial, m, i, got[i], want, y)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

// A recording gap — five days of 0–3 events in a weekly series of about
// 300 — is an anomaly marked as a gap; the forecast treats it as missing:
// the backtest lists the gap's held-out days as excluded and scores every
// other reached day, and the forecast is the one of the series with those
// days missing.
func TestGapIsMissing(t *testing.T) {
	y := weekly(70, 300, 0.5, 6, 3)
	gap := []int{55, 56, 57, 58, 59}
	for k, i := range gap {
		y[i] = float64(k % 4)
	}
	labels := make([]string, len(y))
	for i := range labels {
		labels[i] = "d" + strconv.Itoa(i)
	}
	s := ForSeries("x", labels, y, 7, 7, func(k int) string { return "f" + strconv.Itoa(k) }, true)
	var marked []string
	for _, a := range s.Anomalies {
		if a.Gap {
			marked = append(marked, a.T)
		}
	}
	want := []string{"d55", "d56", "d57", "d58", "d59"}
	if !slices.Equal(marked, want) {
		t.Errorf("gaps %v, want %v (anomalies %+v)", marked, want, s.Anomalies)
	}
	b := s.Backtest
	if b == nil || !slices.Equal(b.Excluded, want) {
		t.Fatalf("excluded %+v, want %v", b, want)
	}
	for _, ho := range b.HeldOut {
		if slices.Contains(want, ho.T) {
			t.Errorf("gap day %s scored: %+v", ho.T, ho)
		}
	}
	missing := append([]float64(nil), y...)
	for _, i := range gap {
		missing[i] = math.NaN()
	}
	ref := ForSeries("x", labels, missing, 7, 7, func(k int) string { return "f" + strconv.Itoa(k) }, true)
	if !slices.Equal(s.Forecast, ref.Forecast) || ref.Backtest.Points != b.Points || ref.Backtest.MASE != b.MASE {
		t.Errorf("with the gap: %+v %+v\nwith the days missing: %+v %+v", s.Forecast, b, ref.Forecast, ref.Backtest)
	}
	// Without a gap nothing is excluded, and the key is there, empty.
	if c := ForSeries("x", labels, weekly(70, 300, 0.5, 6, 3), 7, 7, func(k int) string { return "" }, true); c.Backtest == nil || c.Backtest.Excluded == nil || len(c.Backtest.Excluded) != 0 {
		t.Errorf("no gap: %+v", c.Backtest)
	}
}

// A launch's first days are no gap: recording had not started. Nor is a
// lasting drop to a tenth, past its first days: the forecast follows the
// new level.
func TestNoGapInALaunchOrALevelDrop(t *testing.T) {
	y := weekly(70, 300, 0, 6, 5)
	for i := range 4 {
		y[i] = float64(i)
	}
	if g := Gaps(Detect(y, 7, OutlierZ, TrailingWindow)); slices.Contains(g, true) {
		t.Errorf("gaps in a launch: %v", g)
	}
	y = weekly(70, 300, 0, 6, 5)
	for i := 40; i < len(y); i++ {
		y[i] *= 0.1
	}
	for i, g := range Gaps(Detect(y, 7, OutlierZ, TrailingWindow)) {
		if g && (i < 40 || i > 42) {
			t.Errorf("day %d of a level drop at day 40 taken for a gap", i)
		}
	}
	s := ForSeries("x", make([]string, len(y)), y, 7, 7, func(k int) string { return "" }, false)
	for _, p := range s.Forecast {
		if p.Value < 20 || p.Value > 40 {
			t.Errorf("forecast %+v after a drop to about 30", p)
		}
	}
}
