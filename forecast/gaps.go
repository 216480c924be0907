package forecast

import "math"

// GapShare is how near empty a point must be to be taken for a recording
// gap: at most this share of its seasonal reference (nearEmpty) to be
// left out of the fit, and of its expected value to be a gap (Gaps). On
// DIGINETICA's sample, whose gaps are days of 0–16 views among days of
// about 100, the backtest's verdicts are the same from 0.15 to 0.25 (total
// mase 1.21–1.23, users 0.93–0.94); from 0.2 a night hour of YOOCHOOSE is
// taken too.
const GapShare = 0.15

// GapMin is the least seasonal reference under which no point counts as
// near empty: a quiet series' zero (an hour of 2 events on average) is
// ordinary noise, not a gap.
const GapMin = 10

// nearEmpty marks the points at most GapShare of their seasonal
// reference: the median of the same season position in the three seasons
// before and the three after (the point itself left out; at least two of
// them), when that reference is at least GapMin. The reference does not
// follow a gap down as a one-step forecast does. Points before the first
// one with events that is not near empty are not marked: the series had
// not started (a launch's first days). A lasting drop to a tenth may have
// its first days taken for a gap, until the seasons after it outnumber
// those before; the level after it is learnt from the rest.
func nearEmpty(y []float64, m int) []bool {
	m = max(m, 1)
	out := make([]bool, len(y))
	var ref []float64
	started := false
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		ref = ref[:0]
		for k := -3; k <= 3; k++ {
			if j := i + k*m; k != 0 && j >= 0 && j < len(y) && !math.IsNaN(y[j]) {
				ref = append(ref, y[j])
			}
		}
		near := false
		if len(ref) >= 2 {
			r := median(ref)
			near = r >= GapMin && v <= GapShare*r
		}
		out[i] = started && near
		started = started || !near && v > 0
	}
	return out
}

// Gaps marks the recording gaps among Detect's judgements: the anomalies
// below their band that are near empty, at most GapShare of their
// expected value (the one-step forecast, fitted without the near-empty
// points). DIGINETICA's sample has runs of days with 0–16 views among
// days of about 100. Such a point says that events were not recorded, not
// what the series did, so the forecast treats it as missing — neither
// fitted nor scored by the backtest — while it stays an anomaly.
func Gaps(js []Judgement) []bool {
	out := make([]bool, len(js))
	for i, j := range js {
		out[i] = j.Anomaly && j.Detector == DetectorForecast && j.Value < j.Lo && j.Value <= GapShare*j.Expected
	}
	return out
}

// recentGaps marks the gaps Detect finds in the latest MaxHistory points
// of y, the ones Choose fits: a backtest finds every origin's own, and a
// detector fitted to a year of hours at each origin would cost more than
// the forecast.
func recentGaps(y []float64, m int) []bool {
	lo := max(0, len(y)-MaxHistory)
	return append(make([]bool, lo), Gaps(Detect(y[lo:], m, OutlierZ, TrailingWindow))...)
}

// withoutGaps is y with the gaps as missing points (NaN).
func withoutGaps(y []float64, gaps []bool) []float64 {
	out := append([]float64(nil), y...)
	for i, g := range gaps {
		if g {
			out[i] = math.NaN()
		}
	}
	return out
}
