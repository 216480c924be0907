package forecast

import "math"

// TrailingWindow is the fallback detector's default baseline: the 14
// points before the one judged.
const TrailingWindow = 14

// MinHistory is how many earlier points the fallback detector needs before
// it judges a point: half the window, at least 3 (or the whole of a
// smaller window), so short series still get checked once a baseline
// exists.
func MinHistory(window int) int { return min(window, max(3, (window+1)/2)) }

// trailing is the fallback detector, for series too short to forecast:
// each point against the window points before it (fewer at the start, but
// at least MinHistory), by its robust z-score 0.6745·(x − median)/MAD
// (Iglewicz & Hoaglin). When MAD is 0 (more than half the window is one
// value) the mean absolute deviation, times 1.2533, stands in; when the
// window is perfectly flat any change scores ±Inf. NaN points are neither
// judged nor part of any baseline. It does not model seasonality: that is
// what the forecast detector is for.
func trailing(values []float64, threshold float64, window int) []Judgement {
	out := make([]Judgement, len(values))
	base := make([]float64, 0, window) // the last window non-NaN values, oldest first
	buf := make([]float64, 0, window)
	for i, x := range values {
		if math.IsNaN(x) {
			continue
		}
		if len(base) >= MinHistory(window) {
			out[i] = scoreTrailing(base, buf, x, threshold)
		}
		if len(base) == window {
			base = append(base[:0], base[1:]...)
		}
		base = append(base, x)
	}
	return out
}

// scoreTrailing judges x against the baseline; buf is scratch space.
func scoreTrailing(base, buf []float64, x, threshold float64) Judgement {
	buf = append(buf[:0], base...)
	med := median(buf)
	for k, v := range base {
		buf[k] = math.Abs(v - med)
	}
	mad := median(buf)
	j := Judgement{Judged: true, Value: x, Expected: med, Detector: DetectorTrailing}
	switch {
	case mad > 0:
		j.Scale = mad / 0.6745
		j.Score = 0.6745 * (x - med) / mad
	default:
		meanAD := 0.0
		for _, v := range base {
			meanAD += math.Abs(v - med)
		}
		j.Scale = 1.253314 * (meanAD / float64(len(base)))
		if j.Scale > 0 {
			j.Score = (x - med) / j.Scale
		} else if x != med {
			j.Score = math.Copysign(math.Inf(1), x-med)
		}
	}
	if x == med {
		j.Score = 0
	}
	j.Lo, j.Hi = med-threshold*j.Scale, med+threshold*j.Scale
	j.Anomaly = math.Abs(j.Score) > threshold
	return j
}
