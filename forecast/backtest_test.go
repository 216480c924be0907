package forecast

import (
	"math"
	"strconv"
	"strings"
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

// The backtest's figures by hand, with a forecaster that always says 2.5:
// m = 2, y = 1 3 2 4 1 3 4 5, origins 6 and 7 (the first needs MinPoints(2)
// and a season, 4 + 2 points, before it), one step ahead.
//
//	origin 6: scale (|2−1|+|4−3|+|1−2|+|3−4|)/4 = 1; y 4, naive y[4] = 1
//	origin 7: scale (1+1+1+1+|4−1|)/5 = 1.4;         y 5, naive y[5] = 3
//
// MASE = (1.5/1 + 2.5/1.4)/2, naive MASE = (3/1 + 2/1.4)/2, relMAE =
// (1.5+2.5)/(3+2): the held-out points are harder than the history (naive
// MASE 2.21), so MASE is above 1 though the forecaster beats naive.
func TestBacktestFiguresByHand(t *testing.T) {
	y := []float64{1, 3, 2, 4, 1, 3, 4, 5}
	var trains []int
	bt, ok := rollingOrigin(y, 2, 1, func(train []float64, gap []bool) ([]Point, error) {
		trains = append(trains, len(train))
		return []Point{{Value: 2.5, Lo80: 2, Hi80: 3, Lo95: 0, Hi95: 10}}, nil
	})
	if !ok || bt.Origins != 2 || bt.Points != 2 || len(trains) != 2 || trains[0] != 6 || trains[1] != 7 {
		t.Fatalf("ok %v origins %d points %d trains %v", ok, bt.Origins, bt.Points, trains)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-12 }
	if w := (1.5 + 2.5/1.4) / 2; !near(bt.MASE, w) {
		t.Errorf("MASE %v, want %v", bt.MASE, w)
	}
	if w := (3 + 2/1.4) / 2; !near(bt.NaiveMASE, w) {
		t.Errorf("naive MASE %v, want %v", bt.NaiveMASE, w)
	}
	if !near(bt.RelMAE, 0.8) || bt.Coverage80 != 0 || bt.Coverage95 != 1 {
		t.Errorf("relMAE %v coverage %v %v, want 0.8, 0, 1", bt.RelMAE, bt.Coverage80, bt.Coverage95)
	}
}

// The backtest scales each origin by the history Choose rests on: y is
// TestBacktestFiguresByHand's series behind a stray 5 and four empty
// intervals (a gap for m = 2). Origin 7 has two points since the gap, too
// few for a scale, and is skipped; origins 8–12 see [1 3 2], [1 3 2 4], …
// and have scales 1, 1, 1, 1 and 1.4 — not those of the zeros before
// (origin 8's would be 10/6).
func TestBacktestScalesSinceTheGap(t *testing.T) {
	y := []float64{5, 0, 0, 0, 0, 1, 3, 2, 4, 1, 3, 4, 5}
	bt, ok := rollingOrigin(y, 2, 1, func(train []float64, gap []bool) ([]Point, error) {
		return []Point{{Value: 2.5, Lo80: 2, Hi80: 3, Lo95: 0, Hi95: 10}}, nil
	})
	if !ok || bt.Origins != 5 || bt.Points != 5 {
		t.Fatalf("ok %v origins %d points %d, want 5 and 5", ok, bt.Origins, bt.Points)
	}
	// Errors |4−2.5|, |1−2.5|, |3−2.5|, |4−2.5|, |5−2.5|.
	if w := (1.5 + 1.5 + 0.5 + 1.5 + 2.5/1.4) / 5; math.Abs(bt.MASE-w) > 1e-12 {
		t.Errorf("MASE %v, want %v", bt.MASE, w)
	}
}

// HeldOut scores each held-out interval over the origins that reached it.
// y as TestBacktestFiguresByHand's, two steps ahead: origin 6 (scale 1)
// forecasts y[6] = 4 and y[7] = 5, origin 7 (scale 1.4) y[7] only; the
// forecaster says 2.5 with an 80% interval [2, 4.5]. Seasonal naive from
// origin 6 says y[4] = 1 for y[6] and y[5] = 3 for y[7]; from origin 7,
// y[5] = 3 for y[7].
//
//	y[6] = 4: one forecast, error 1.5/1, naive 3/1, in the 80% interval
//	y[7] = 5: two, errors (2.5/1 + 2.5/1.4)/2, naive (2/1 + 2/1.4)/2, out
//
// and the backtest's MASE is their mean weighted by forecasts.
func TestBacktestHeldOutByHand(t *testing.T) {
	y := []float64{1, 3, 2, 4, 1, 3, 4, 5}
	bt, ok := rollingOrigin(y, 2, 2, func(train []float64, gap []bool) ([]Point, error) {
		p := Point{Value: 2.5, Lo80: 2, Hi80: 4.5, Lo95: 0, Hi95: 10}
		return []Point{p, p}, nil
	})
	if !ok || bt.Points != 3 || len(bt.HeldOut) != 2 {
		t.Fatalf("ok %v points %d held out %+v", ok, bt.Points, bt.HeldOut)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-12 }
	a, b := bt.HeldOut[0], bt.HeldOut[1]
	if a.Index != 6 || a.Value != 4 || a.Forecasts != 1 || !near(a.MASE, 1.5) || !near(a.NaiveMASE, 3) || a.In80 != 1 || a.In95 != 1 {
		t.Errorf("y[6]: %+v", a)
	}
	if b.Index != 7 || b.Value != 5 || b.Forecasts != 2 || !near(b.MASE, (2.5+2.5/1.4)/2) || !near(b.NaiveMASE, (2+2/1.4)/2) || b.In80 != 0 || b.In95 != 2 {
		t.Errorf("y[7]: %+v", b)
	}
	if w := (a.MASE + 2*b.MASE) / 3; !near(bt.MASE, w) {
		t.Errorf("MASE %v, want the weighted mean %v", bt.MASE, w)
	}
	if w := (a.NaiveMASE + 2*b.NaiveMASE) / 3; !near(bt.NaiveMASE, w) {
		t.Errorf("naive MASE %v, want the weighted mean %v", bt.NaiveMASE, w)
	}
	if !near(bt.Coverage80, 1.0/3) {
		t.Errorf("coverage80 %v, want 1/3", bt.Coverage80)
	}
}

// The JSON's held_out labels each interval with its own t and adds up to
// the backtest's figures: forecasts to points, in80 to coverage80·points,
// and mase weighted by forecasts to mase.
func TestHeldOutInJSON(t *testing.T) {
	y := weekly(60, 300, 1.5, 6, 4)
	labels := make([]string, len(y))
	for i := range labels {
		labels[i] = "d" + strconv.Itoa(i)
	}
	s := ForSeries("x", labels, y, 7, 7, func(k int) string { return "" }, true)
	b := s.Backtest
	if b == nil || len(b.HeldOut) == 0 {
		t.Fatalf("backtest %+v", b)
	}
	points, in80, last := 0, 0, -1
	var mase float64
	for i, ho := range b.HeldOut {
		idx, err := strconv.Atoi(strings.TrimPrefix(ho.T, "d"))
		if err != nil || idx <= last || ho.Value != y[idx] || ho.Forecasts < 1 || ho.Forecasts > 7 {
			t.Errorf("held out %d: %+v after d%d, y there %v", i, ho, last, y[idx])
		}
		last = idx
		points += ho.Forecasts
		in80 += ho.In80
		mase += ho.MASE * float64(ho.Forecasts)
	}
	if points != b.Points || math.Abs(float64(in80)/float64(points)-b.Coverage80) > 1e-12 || math.Abs(mase/float64(points)-b.MASE) > 1e-9 {
		t.Errorf("held out adds to %d points, coverage80 %v, mase %v; backtest %+v", points, float64(in80)/float64(points), mase/float64(points), b)
	}
}
