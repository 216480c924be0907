package forecast

import (
	"context"
	"math"

	"github.com/spoorhq/spoor/query"
)

// The detectors, as Judgement.Detector names them.
const (
	DetectorForecast = "forecast" // outside the one-step forecast's band
	DetectorTrailing = "trailing" // robust z against the trailing points (too short to forecast)
)

// Judgement is the anomaly detector's verdict on one point.
type Judgement struct {
	// Judged is false for a missing point, one outside the complete
	// intervals, and, under the trailing detector, one with too little
	// history before it.
	Judged  bool
	Anomaly bool // |Score| > the threshold: the point is outside [Lo, Hi]
	Value   float64
	// Expected is the one-step forecast (trailing: the window's median),
	// and [Lo, Hi] the band around it at the threshold.
	Expected, Lo, Hi float64
	// Scale is the robust standard deviation the score counts in, on the
	// model's scale (log(1+y) for a log model), and Score how far the
	// point is from Expected in those units: ±Inf when the scale is 0.
	Scale, Score float64
	Detector     string
}

// Detect judges every point of y, a series with seasonal period m: the one
// anomaly detector behind spoor forecast's anomalies and band, spoor
// trends --alerts, spoor alerts and the workbench's markers. A point is an
// anomaly when it lies more than threshold robust standard deviations
// (1.4826·MAD of the one-step errors) from its one-step forecast under the
// ETS model Select chooses with the anomalies left out. A series too short
// for that model (under MinPoints(m) points) falls back to the robust z
// against the window points before each point. threshold ≤ 0 means
// OutlierZ, window ≤ 0 TrailingWindow.
func Detect(y []float64, m int, threshold float64, window int) []Judgement {
	if threshold <= 0 {
		threshold = OutlierZ
	}
	if window <= 0 {
		window = TrailingWindow
	}
	if len(y) >= MinPoints(m) {
		if f, err := Select(y, m); err == nil {
			return f.judge(y, threshold)
		}
	}
	return trailing(y, threshold, window)
}

// judge is the forecast detector on the series f was fitted to.
func (f *Fit) judge(y []float64, threshold float64) []Judgement {
	out := make([]Judgement, len(y))
	for i, v := range y {
		w := threshold * f.Scale
		// A missing point keeps its band (charts draw it), unjudged.
		j := Judgement{Value: v, Expected: f.Expected(i), Lo: f.back(f.Fitted[i] - w), Hi: f.back(f.Fitted[i] + w),
			Scale: f.Scale, Detector: DetectorForecast}
		if out[i] = j; math.IsNaN(v) {
			continue
		}
		z := v
		if f.Log {
			z = math.Log1p(v)
		}
		e := z - f.Fitted[i]
		j.Judged = true
		switch {
		case e == 0:
		case f.Scale > 0:
			j.Score = e / f.Scale
		default:
			j.Score = math.Copysign(math.Inf(1), e)
		}
		j.Anomaly = math.Abs(j.Score) > threshold
		out[i] = j
	}
	return out
}

// DetectTrends judges every point of every series of r, the result of
// query q on d, as spoor forecast does: over the complete intervals only
// (a partly covered first or last one is not judged: its count is not
// comparable), with the seasonal period of q's interval. d may be nil (an
// engine that is not a local dataset): every interval is then judged.
// threshold and window are Detect's.
func DetectTrends(ctx context.Context, d *query.Dataset, q query.TrendsQuery, r *query.TrendsResult, threshold float64, window int) ([][]Judgement, error) {
	if d != nil {
		b, err := BoundsOf(d, q.Common)
		if err != nil {
			return nil, err
		}
		return DetectTrendsWithin(b, q, r, threshold, window)
	}
	n := 0
	if len(r.Series) > 0 {
		n = len(r.Series[0].Points)
	}
	return judge(q, r, span{lo: 0, hi: n}, threshold, window)
}

// DetectTrendsWithin is DetectTrends on a result computed anywhere, the
// data's bounds given: over the complete intervals only.
func DetectTrendsWithin(b Bounds, q query.TrendsQuery, r *query.TrendsResult, threshold float64, window int) ([][]Judgement, error) {
	sp, err := complete(b, q, r)
	if err != nil {
		return nil, err
	}
	return judge(q, r, sp, threshold, window)
}

// judge runs Detect over the intervals sp of every series; the others are
// not judged.
func judge(q query.TrendsQuery, r *query.TrendsResult, sp span, threshold float64, window int) ([][]Judgement, error) {
	iv, err := query.ParseInterval(q.Interval)
	if err != nil {
		return nil, err
	}
	out := make([][]Judgement, len(r.Series))
	for k, s := range r.Series {
		out[k] = make([]Judgement, len(s.Points))
		copy(out[k][sp.lo:], Detect(values(s.Points[sp.lo:sp.hi]), SeasonOf(iv), threshold, window))
	}
	return out, nil
}

// values are the points' values, NaN where undefined.
func values(ps []query.TrendPoint) []float64 {
	y := make([]float64, len(ps))
	for i, p := range ps {
		y[i] = float64(p.Value)
	}
	return y
}
