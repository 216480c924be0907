package forecast

import (
	"math"
	"slices"
	"testing"
)

// The forecast detector by hand: one-step forecasts 10, 10, 11, 11 and a
// robust scale of 0.5 for y = 10, 12, 11, 14: errors 0, 2, 0, 3 are scores
// 0, 4, 0, 6; beyond 3.5 are points 1 and 3, whose bands are the forecast
// ± 1.75. A missing point keeps its band but is not judged.
func TestJudgeByHand(t *testing.T) {
	f := &Fit{Fitted: []float64{10, 10, 11, 11, 11}, Scale: 0.5, Period: 1}
	js := f.judge([]float64{10, 12, 11, 14, math.NaN()}, 3.5)
	for i, w := range []struct {
		score   float64
		anomaly bool
	}{{0, false}, {4, true}, {0, false}, {6, true}} {
		if j := js[i]; j.Score != w.score || j.Anomaly != w.anomaly || !j.Judged || j.Detector != DetectorForecast {
			t.Errorf("point %d: %+v, want score %v", i, j, w.score)
		}
	}
	if j := js[1]; j.Expected != 10 || j.Lo != 8.25 || j.Hi != 11.75 {
		t.Errorf("band of point 1: %+v", j)
	}
	if j := js[4]; j.Judged || j.Anomaly || j.Expected != 11 {
		t.Errorf("missing point: %+v", j)
	}
}

// Detect uses the forecast detector from two seasons of points on, and
// then flags exactly Select's outliers; under two seasons it is the
// trailing fallback, point for point.
func TestDetectFallsBackWhenShort(t *testing.T) {
	y := weekly(35, 200, 1, 3, 5)
	y[30] += 150
	js := Detect(y, 7, 0, 0)
	f, _ := Select(y, 7)
	if got := anomalies(js); !slices.Equal(got, f.Outliers) || !slices.Equal(got, []int{30}) || js[30].Detector != DetectorForecast {
		t.Fatalf("anomalies %v, Select's outliers %v", got, f.Outliers)
	}
	short := y[17:30]
	short[10] += 150
	if got, want := Detect(short, 7, 0, 0), trailing(short, OutlierZ, TrailingWindow); !slices.Equal(got, want) || len(anomalies(got)) == 0 {
		t.Fatalf("13 points: %v, trailing %v", anomalies(got), anomalies(want))
	}
}
