package forecast

import "math"

// Normal quantiles of the two-sided 80% and 95% intervals.
const (
	Z80 = 1.2815515655446004
	Z95 = 1.959963984540054
)

// Point is the forecast of one future step with its prediction intervals.
type Point struct {
	Value      float64
	Lo80, Hi80 float64
	Lo95, Hi95 float64
}

// Forecast returns the next h points. The intervals are the model's
// h-step forecast distribution, normal with variance Variance(h) on the
// model's scale (log-normal back on the series' for a Log model); for a
// series that was never negative (counts) they are cut at 0.
func (f *Fit) Forecast(h int) []Point {
	out := make([]Point, h)
	phi := 1.0
	if f.Model.Damped {
		phi = f.Params.Phi
	}
	damp := 0.0 // φ + φ² + … + φ^j
	pow := 1.0
	for j := 1; j <= h; j++ {
		pow *= phi
		damp += pow
		v := f.Level
		if f.Model.Trend {
			v += damp * f.Slope
		}
		if f.Model.Seasonal {
			v += f.Season[(j-1)%f.Period]
		}
		sd := math.Sqrt(f.Variance(j))
		p := Point{Value: f.back(v), Lo80: f.back(v - Z80*sd), Hi80: f.back(v + Z80*sd), Lo95: f.back(v - Z95*sd), Hi95: f.back(v + Z95*sd)}
		if f.nonNeg {
			p.Lo80, p.Lo95 = max(p.Lo80, 0), max(p.Lo95, 0)
		}
		out[j-1] = p
	}
	return out
}

// Variance of the h-step forecast error, σ²(1 + Σ_{j<h} c_j²) with
// c_j = α + β(φ + … + φ^j) + γ·[j ≡ 0 mod m] (Hyndman et al. 2008, 6.3,
// class 1 models): each past error's weight in the error h steps on.
func (f *Fit) Variance(h int) float64 { return f.Sigma * f.Sigma * f.varianceFactor(h) }

// varianceFactor is Variance over σ²: how the error spread grows with h.
func (f *Fit) varianceFactor(h int) float64 {
	p := f.Params
	phi := 1.0
	if f.Model.Damped {
		phi = p.Phi
	}
	sum, damp, pow := 1.0, 0.0, 1.0
	for j := 1; j < h; j++ {
		pow *= phi
		damp += pow
		c := p.Alpha
		if f.Model.Trend {
			c += p.Beta * damp
		}
		if f.Model.Seasonal && j%f.Period == 0 {
			c += p.Gamma
		}
		sum += c * c
	}
	return sum
}

// Expected is point i's one-step forecast on the series' scale.
func (f *Fit) Expected(i int) float64 { return f.back(f.Fitted[i]) }

// back maps a value of the model's scale to the series'.
func (f *Fit) back(v float64) float64 { return back(v, f.Log) }
