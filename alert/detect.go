// Package alert finds the points of a series that break from their
// trailing baseline (docs/semantics.md#churn-risk-and-alerts) and keeps saved alert definitions that
// spoor alerts evaluates after each import.
package alert

import (
	"math"
	"sort"
)

// Defaults of Detect.
const (
	DefaultWindow    = 14  // trailing points forming the baseline
	DefaultThreshold = 3.5 // robust z beyond which a point is anomalous (Iglewicz & Hoaglin)
)

// Anomaly is one point that breaks from its trailing baseline.
type Anomaly struct {
	Index  int     // position in the series
	Value  float64 // the point
	Median float64 // of the trailing window
	MAD    float64 // median absolute deviation of the trailing window
	// Score is the robust z-score 0.6745·(Value − Median)/MAD. When MAD is
	// 0 (more than half the window is one value) it falls back to
	// (Value − Median)/(1.2533·MeanAD), the mean absolute deviation
	// scaled to the same units; when the window is perfectly flat any
	// change is an anomaly and Score is ±Inf.
	Score float64
}

// Spike reports whether the point is above its baseline.
func (a Anomaly) Spike() bool { return a.Value > a.Median }

// MinHistory is how many earlier points a point needs before it is
// judged: half the window, at least 3 (or the whole of a smaller window),
// so short series still get checked once a baseline exists.
func MinHistory(window int) int { return min(window, max(3, (window+1)/2)) }

// Detect returns the anomalous points of values: those whose robust
// z-score against the previous window points (fewer at the start, but at
// least MinHistory) exceeds threshold in absolute value. NaN points are
// neither judged nor part of any baseline. A window or threshold ≤ 0
// means the default.
func Detect(values []float64, window int, threshold float64) []Anomaly {
	if window <= 0 {
		window = DefaultWindow
	}
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	var out []Anomaly
	base := make([]float64, 0, window) // the last window non-NaN values, oldest first
	buf := make([]float64, 0, window)
	for i, x := range values {
		if math.IsNaN(x) {
			continue
		}
		if len(base) >= MinHistory(window) {
			a := score(base, buf, x)
			if math.Abs(a.Score) > threshold {
				a.Index = i
				out = append(out, a)
			}
		}
		if len(base) == window {
			base = append(base[:0], base[1:]...)
		}
		base = append(base, x)
	}
	return out
}

// Last scores the newest value against the trailing window before it, as
// Detect would; ok is false when the value is NaN or the history too short.
func Last(values []float64, window int) (a Anomaly, ok bool) {
	if window <= 0 {
		window = DefaultWindow
	}
	n := len(values)
	if n == 0 || math.IsNaN(values[n-1]) {
		return Anomaly{}, false
	}
	base := make([]float64, 0, window)
	for i := n - 2; i >= 0 && len(base) < window; i-- {
		if !math.IsNaN(values[i]) {
			base = append(base, values[i])
		}
	}
	if len(base) < MinHistory(window) {
		return Anomaly{}, false
	}
	a = score(base, make([]float64, 0, len(base)), values[n-1])
	a.Index = n - 1
	return a, true
}

// score judges x against the baseline; buf is scratch space.
func score(base, buf []float64, x float64) Anomaly {
	buf = append(buf[:0], base...)
	med := median(buf)
	for k, v := range base {
		buf[k] = math.Abs(v - med)
	}
	mad := median(buf)
	a := Anomaly{Value: x, Median: med, MAD: mad}
	switch {
	case x == med:
		a.Score = 0
	case mad > 0:
		a.Score = 0.6745 * (x - med) / mad
	default:
		meanAD := 0.0
		for _, v := range base {
			meanAD += math.Abs(v - med)
		}
		meanAD /= float64(len(base))
		if meanAD > 0 {
			a.Score = (x - med) / (1.253314 * meanAD)
		} else {
			a.Score = math.Inf(1)
			if x < med {
				a.Score = math.Inf(-1)
			}
		}
	}
	return a
}

// median sorts xs in place.
func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
