package forecast

import "math"

// Backtest is how a forecast of this kind did on the series' own history.
type Backtest struct {
	// MASE is the mean absolute error scaled, per origin, by the in-sample
	// mean absolute error of the one-step seasonal-naive forecast on the
	// training part (Hyndman & Koehler 2006): below 1 is better than
	// seasonal naive.
	MASE float64
	// RelMAE is the model's mean absolute error over the seasonal-naive
	// forecast's on the same held-out points (same origins and horizons).
	RelMAE float64
	// NaiveMASE is MASE of the seasonal-naive forecast itself on the same
	// points. Above 1, the held-out part was harder than the history the
	// scale comes from (a sale, a gap, a new level): the model's MASE is
	// NaiveMASE·RelMAE give or take the per-origin weighting, so it can
	// exceed 1 while the model still beats seasonal naive.
	NaiveMASE  float64
	Coverage80 float64 // share of held-out points inside their 80% interval
	Coverage95 float64
	Origins    int // forecast origins evaluated
	Points     int // held-out (origin, step) pairs scored
	Horizon    int // steps ahead forecast from each origin
	// HeldOut scores each held-out interval over the origins that forecast
	// it, in time order: where in the held-out part the errors and the
	// misses are (a gap, a sale day, a new level).
	HeldOut []HeldOut
	// Excluded are the positions of the held-out intervals a forecast
	// reached but the backtest did not score because they are missing: an
	// undefined value, or a recording gap (Gaps) left out as missing.
	Excluded []int
}

// HeldOut is one held-out interval of a backtest.
type HeldOut struct {
	Index     int     // position in the series
	Value     float64 // the observed value
	Forecasts int     // origins whose horizon reached it
	// MASE and NaiveMASE are the means over those forecasts of the scaled
	// absolute errors of the method and of seasonal naive: the backtest's
	// MASE and NaiveMASE are the means over every (origin, step), so an
	// interval weighs in proportion to Forecasts.
	MASE, NaiveMASE float64
	In80, In95      int // forecasts whose 80% (95%) interval held it
}

// MaxOrigins bounds the refits a backtest does.
const MaxOrigins = 30

// RollingOrigin backtests Choose on y: from each origin o in the last part
// of the series, the method is chosen, fitted and calibrated on a copy of
// y[:o] only and forecasts y[o], …, y[o+h-1] (as far as the data goes).
// Origins start once three seasons are known and cover the last third of
// the series at most, spaced so at most MaxOrigins refits run. Missing
// points are not scored (Backtest.Excluded lists them): NaN, and the
// recording gaps Detect finds in the whole series. Each origin's history
// has the gaps Detect finds in that history alone (its latest MaxHistory
// points, the ones Choose fits) left out as missing, as the forecast of
// the whole series has its own. An origin whose history
// since its last long empty run (SinceGap) is too short to forecast from
// is skipped, and MASE's scale is that history's. ok is false when the
// history leaves no origin.
func RollingOrigin(y []float64, m, h int) (bt Backtest, ok bool) {
	return rollingOrigin(y, m, h, func(train []float64, gap []bool) ([]Point, error) {
		c, err := chooseGaps(train, gap, m, h)
		if err != nil {
			return nil, err
		}
		return c.Forecast(h), nil
	})
}

// rollingOrigin is RollingOrigin with the forecaster given: forecast gets
// a copy of the points before the origin, never a slice of y, so nothing
// it does can reach the held-out points; its gaps are found in that copy,
// are missing points in it (NaN) and are marked in gap.
func rollingOrigin(y []float64, m, h int, forecast func(train []float64, gap []bool) ([]Point, error)) (bt Backtest, ok bool) {
	n := len(y)
	scored := withoutGaps(y, Gaps(Detect(y, m, OutlierZ, TrailingWindow)))
	first := max(MinPoints(m)+max(m, 1), n-max(n/3, 3*max(m, 1)))
	if h < 1 || first >= n {
		return Backtest{}, false
	}
	stride := max(1, (n-first+MaxOrigins-1)/MaxOrigins)
	var sumScaled, sumAbs, sumNaive, sumNaiveScaled float64
	var in80, in95 int
	bt.Horizon = h
	held := make([]HeldOut, n)
	missing := make([]bool, n)
	for o := first; o < n; o += stride {
		train := append([]float64(nil), y[:o]...)
		gap := recentGaps(train, m)
		train = withoutGaps(train, gap)
		// Scaled by the history Choose rests on: before a long empty run
		// the in-sample error is that of forecasting zeros from zeros, and
		// an origin inside one has no scale (nothing to forecast from).
		scale := naiveScale(train[SinceGap(train, m):], max(m, 1))
		if scale == 0 || math.IsNaN(scale) {
			continue
		}
		fc, err := forecast(train, gap)
		if err != nil {
			continue
		}
		bt.Origins++
		for j, p := range fc[:min(h, n-o)] {
			v := scored[o+j]
			naive := seasonalNaive(train, max(m, 1), j+1)
			if math.IsNaN(v) {
				missing[o+j] = true
				continue
			}
			if math.IsNaN(naive) {
				continue
			}
			e := math.Abs(v - p.Value)
			sumScaled += e / scale
			sumAbs += e
			sumNaive += math.Abs(v - naive)
			sumNaiveScaled += math.Abs(v-naive) / scale
			ho := &held[o+j]
			ho.Forecasts++
			ho.MASE += e / scale
			ho.NaiveMASE += math.Abs(v-naive) / scale
			if v >= p.Lo80 && v <= p.Hi80 {
				in80++
				ho.In80++
			}
			if v >= p.Lo95 && v <= p.Hi95 {
				in95++
				ho.In95++
			}
			bt.Points++
		}
	}
	if bt.Points == 0 {
		return Backtest{}, false
	}
	for i, ho := range held {
		if missing[i] {
			bt.Excluded = append(bt.Excluded, i)
		}
		if ho.Forecasts > 0 {
			k := float64(ho.Forecasts)
			ho.Index, ho.Value, ho.MASE, ho.NaiveMASE = i, y[i], ho.MASE/k, ho.NaiveMASE/k
			bt.HeldOut = append(bt.HeldOut, ho)
		}
	}
	np := float64(bt.Points)
	bt.MASE = sumScaled / np
	bt.NaiveMASE = sumNaiveScaled / np
	bt.RelMAE = sumAbs / sumNaive
	if sumNaive == 0 {
		bt.RelMAE = math.NaN()
	}
	bt.Coverage80 = float64(in80) / np
	bt.Coverage95 = float64(in95) / np
	return bt, true
}

// naiveScale is the in-sample mean absolute error of the one-step
// seasonal-naive forecast ŷ_t = y_{t−m}.
func naiveScale(y []float64, m int) float64 {
	s, n := 0.0, 0
	for t := m; t < len(y); t++ {
		if d := y[t] - y[t-m]; !math.IsNaN(d) {
			s += math.Abs(d)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// seasonalNaive forecasts h steps after the end of y with the last
// observed value of the same season position (NaN when there is none).
func seasonalNaive(y []float64, m, h int) float64 {
	i := len(y) + h - ((h-1)/m+1)*m - 1
	for i >= m && math.IsNaN(y[i]) {
		i -= m
	}
	return y[i]
}
