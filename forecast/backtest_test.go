package forecast

import (
	"math"
	"testing"
)

// Seasonal naive by hand: m = 3, y = 1..6: one step ahead repeats y[3],
// four steps ahead y[4].
func TestSeasonalNaiveByHand(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6}
	for h, w := range map[int]float64{1: 4, 2: 5, 3: 6, 4: 4, 6: 6} {
		if got := seasonalNaive(y, 3, h); got != w {
			t.Errorf("h=%d: %v, want %v", h, got, w)
		}
	}
	// |4−1| + |5−2| + |6−3| over 3 differences.
	if s := naiveScale(y, 3); s != 3 {
		t.Errorf("scale %v, want 3", s)
	}
}

// On a trending weekly series with noise, the model beats seasonal naive
// (which lags the trend a week) and its 80% intervals cover about 80%.
func TestBacktestOnKnownSeries(t *testing.T) {
	y := weekly(120, 300, 1.5, 6, 4)
	bt, ok := RollingOrigin(y, 7, 7)
	if !ok {
		t.Fatal("no backtest")
	}
	if bt.Origins < 20 || bt.Points < 100 || bt.Horizon != 7 {
		t.Errorf("origins %d points %d horizon %d", bt.Origins, bt.Points, bt.Horizon)
	}
	if bt.MASE >= 1 || bt.RelMAE >= 1 {
		t.Errorf("MASE %.2f relMAE %.2f, want < 1", bt.MASE, bt.RelMAE)
	}
	if bt.Coverage80 < 0.65 || bt.Coverage80 > 0.95 || bt.Coverage95 < 0.85 {
		t.Errorf("coverage80 %.2f coverage95 %.2f", bt.Coverage80, bt.Coverage95)
	}
}

// The first origin needs three seasons of history before it.
func TestBacktestNeedsHistory(t *testing.T) {
	if _, ok := RollingOrigin(weekly(20, 100, 0, 1, 1), 7, 7); ok {
		t.Error("20 days gave a backtest; three seasons must precede the first origin")
	}
	bt, ok := RollingOrigin(weekly(40, 100, 0, 1, 1), 7, 3)
	if !ok || bt.Points == 0 || math.IsNaN(bt.MASE) {
		t.Errorf("40 days: %+v %v", bt, ok)
	}
}
