package forecast

import (
	"errors"
	"math"
	"math/rand"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (±%g)", what, got, want, tol)
	}
}

// The recursion on three points, by hand: ETS(A,N,N), α = 0.5, ℓ0 = 10.
// ŷ1 = 10, e1 = 0, ℓ1 = 10; ŷ2 = 10, e2 = 2, ℓ2 = 11; ŷ3 = 11, e3 = 0.
func TestRunSimpleByHand(t *testing.T) {
	y := []float64{10, 12, 11}
	fitted := make([]float64, 3)
	sse, n, end := run(y, make([]bool, 3), nil, 1, Model{}, Params{Alpha: 0.5}, states{level: 10}, fitted)
	if n != 3 || sse != 4 || end.level != 11 {
		t.Fatalf("sse %v n %d level %v, want 4 3 11", sse, n, end.level)
	}
	for i, w := range []float64{10, 10, 11} {
		if fitted[i] != w {
			t.Errorf("fitted[%d] = %v, want %v", i, fitted[i], w)
		}
	}
}

// ETS(A,A,A) with m = 2, α = .5, β = .1, γ = .2, ℓ0 = 10, b0 = 1,
// s = (1, −1), y = (12, 10):
// ŷ1 = 10+1+1 = 12, e = 0: ℓ = 11, b = 1.
// ŷ2 = 11+1−1 = 11, e = −1: ℓ = 11+1−.5 = 11.5, b = 1−.1 = .9, s2 = −1.2.
// Forecasts: h=1 (position 0): 11.5+.9+1 = 13.4; h=2: 11.5+1.8−1.2 = 12.1.
func TestHoltWintersByHand(t *testing.T) {
	f := &Fit{Model: Model{Trend: true, Seasonal: true}, Params: Params{Alpha: .5, Beta: .1, Gamma: .2}, Period: 2}
	sse, n := f.filter([]float64{12, 10}, make([]bool, 2), nil, states{level: 10, slope: 1, season: []float64{1, -1}})
	if n != 2 || sse != 1 {
		t.Fatalf("sse %v n %d, want 1 2", sse, n)
	}
	near(t, "level", f.Level, 11.5, 1e-12)
	near(t, "slope", f.Slope, 0.9, 1e-12)
	fc := f.Forecast(2)
	near(t, "h1", fc[0].Value, 13.4, 1e-12)
	near(t, "h2", fc[1].Value, 12.1, 1e-12)
	// A masked point is forecast but changes no state.
	g := &Fit{Model: Model{}, Params: Params{Alpha: .5}, Period: 1}
	sse, n = g.filter([]float64{10, 50, 12}, []bool{false, true, false}, nil, states{level: 10})
	if n != 2 || sse != 4 || g.Level != 11 {
		t.Fatalf("masked: sse %v n %d level %v, want 4 2 11", sse, n, g.Level)
	}
}

// After a recording gap the level is diffuse, by hand: the next observed
// point sets it (gain 1), adds nothing to the squared errors, and moves
// neither the slope nor the seasonal terms; the gains after it decay back
// to α. α = .5: steady prior variance P = α/(1−α) = 1, level noise
// q = α²/(1−α) = .5 (over the error variance).
//
// No trend, y = (10, NaN, 12, 13.2), ℓ0 = 10: ŷ1 = 10, e = 0; the missing
// point makes the level diffuse; ŷ3 = 10, e = 2, gain 1: ℓ = 12, not in
// the sse; the next P is 1 + q = 1.5, so ŷ4 = 12, e = 1.2, gain
// 1.5/2.5 = .6: ℓ = 12.72, sse 1.44 over 2 points, and the excess of the
// next P over the steady one is .6 + .5 − 1 = .1.
//
// Seasonal, m = 2, γ = .2, s = (1, −1), y = (10, NaN, 14, 8): ŷ1 = 11,
// e = −1: ℓ = 9.5, s0 = .8; ŷ3 = 10.3, e = 3.7, all the level's: ℓ = 13.2,
// s0 stays .8; ŷ4 = 13.2 − 1 = 12.2, e = −4.2, gain .6: ℓ = 10.68,
// s1 = −1 − .84 = −1.84; sse 1 + 17.64.
//
// Trend, β = .1, ℓ0 = 10, b0 = 1, y = (11, NaN, 20): ŷ1 = 11, e = 0;
// skipped: ℓ = 12; ŷ3 = 13, e = 7: ℓ = 20, b stays 1, sse 0 over 1 point.
// An outlier (masked, observed) leaves the gain at α
// (TestHoltWintersByHand), an undefined value raises it
// (TestUndefinedRaisesLevelGain).
func TestGapMakesLevelDiffuse(t *testing.T) {
	nan := math.NaN()
	gap4 := []bool{false, true, false, false} // left out, and a recording gap
	fitted := make([]float64, 4)
	sse, n, end := run([]float64{10, nan, 12, 13.2}, gap4, gap4, 1, Model{}, Params{Alpha: 0.5}, states{level: 10}, fitted)
	if n != 2 || math.Abs(sse-1.44) > 1e-12 {
		t.Fatalf("sse %v n %d, want 1.44 2", sse, n)
	}
	near(t, "fitted[2]", fitted[2], 10, 1e-12)
	near(t, "fitted[3]", fitted[3], 12, 1e-12)
	near(t, "level", end.level, 12.72, 1e-12)
	near(t, "missed", end.missed, 0.1, 1e-12)

	sse, n, end = run([]float64{10, nan, 14, 8}, gap4, gap4, 2, Model{Seasonal: true},
		Params{Alpha: 0.5, Gamma: 0.2}, states{level: 10, season: []float64{1, -1}}, fitted)
	if n != 2 || math.Abs(sse-18.64) > 1e-12 {
		t.Fatalf("seasonal: sse %v n %d, want 18.64 2", sse, n)
	}
	near(t, "seasonal fitted[3]", fitted[3], 12.2, 1e-12)
	near(t, "seasonal level", end.level, 10.68, 1e-12)
	near(t, "s0", end.season[0], 0.8, 1e-12)
	near(t, "s1", end.season[1], -1.84, 1e-12)

	sse, n, end = run([]float64{11, nan, 20}, gap4[:3], gap4[:3], 1, Model{Trend: true},
		Params{Alpha: 0.5, Beta: 0.1}, states{level: 10, slope: 1}, fitted[:3])
	if n != 1 || sse != 0 {
		t.Fatalf("trend: sse %v n %d, want 0 1", sse, n)
	}
	near(t, "trend level", end.level, 20, 1e-12)
	near(t, "trend slope", end.slope, 1, 1e-12)
}

// An undefined value (missing, not a recording gap) raises the next level
// gain, by hand: α = .5, so P = 1 and q = .5. y = (10, NaN, 12, 13.2),
// ℓ0 = 10: ŷ1 = 10, e = 0 (gain .5, P stays 1); the missing point adds
// q: P = 1.5; ŷ3 = 10, e = 2, gain 1.5/2.5 = .6 (not .5 nor 1): ℓ = 11.2,
// and P = .6 + .5 = 1.1; ŷ4 = 11.2, e = 2, gain 1.1/2.1: ℓ = 11.2 +
// 2.2/2.1 = 12.247619…; then P = 1.1/2.1 + .5, excess 1.1/2.1 − .5 =
// .0238095…. Every error is in the sse: 0 + 4 + 4.
func TestUndefinedRaisesLevelGain(t *testing.T) {
	y := []float64{10, math.NaN(), 12, 13.2}
	mask := []bool{false, true, false, false}
	fitted := make([]float64, 4)
	sse, n, end := run(y, mask, nil, 1, Model{}, Params{Alpha: 0.5}, states{level: 10}, fitted)
	if n != 3 || math.Abs(sse-8) > 1e-12 {
		t.Fatalf("sse %v n %d, want 8 3", sse, n)
	}
	near(t, "fitted[3]", fitted[3], 11.2, 1e-12)
	near(t, "level", end.level, 11.2+2.2/2.1, 1e-12)
	near(t, "missed", end.missed, 1.1/2.1-0.5, 1e-12)
}

// The closed-form variances of Hyndman et al. (2008, Table 6.1) for the
// simple cases, with σ = 2.
func TestVarianceClosedForms(t *testing.T) {
	a, b, g, s2 := 0.3, 0.1, 0.2, 4.0
	ann := &Fit{Model: Model{}, Params: Params{Alpha: a}, Sigma: 2, Period: 1}
	aan := &Fit{Model: Model{Trend: true}, Params: Params{Alpha: a, Beta: b}, Sigma: 2, Period: 1}
	ana := &Fit{Model: Model{Seasonal: true}, Params: Params{Alpha: a, Gamma: g}, Sigma: 2, Period: 4}
	aaa := &Fit{Model: Model{Trend: true, Seasonal: true}, Params: Params{Alpha: a, Beta: b, Gamma: g}, Sigma: 2, Period: 4}
	for h := 1; h <= 12; h++ {
		hf := float64(h)
		k := float64((h - 1) / 4)
		near(t, "ANN", ann.Variance(h), s2*(1+a*a*(hf-1)), 1e-9)
		near(t, "AAN", aan.Variance(h), s2*(1+(hf-1)*(a*a+a*b*hf+b*b*hf*(2*hf-1)/6)), 1e-9)
		near(t, "ANA", ana.Variance(h), s2*(1+a*a*(hf-1)+g*k*(2*a+g)), 1e-9)
		near(t, "AAA", aaa.Variance(h), s2*(1+(hf-1)*(a*a+a*b*hf+b*b*hf*(2*hf-1)/6)+g*k*(2*a+g+b*4*(k+1))), 1e-9)
	}
}

// A randomized cross-check of Forecast against the slow definition:
// simulate the state-space model forward with normal errors many times;
// the paths' mean and variance at each step must match the closed forms.
func TestForecastMatchesSimulation(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for trial := 0; trial < 6; trial++ {
		mod := Models[trial]
		m := 3
		f := &Fit{Model: mod, Period: m, Sigma: 0.5 + r.Float64(), Level: 10 * r.Float64(), Slope: r.Float64() - 0.5,
			Params: Params{Alpha: 0.1 + 0.6*r.Float64(), Phi: 0.8 + 0.18*r.Float64()}}
		f.Params.Beta = f.Params.Alpha * r.Float64()
		f.Params.Gamma = (1 - f.Params.Alpha) * r.Float64()
		if !mod.Trend {
			f.Slope = 0
		}
		if mod.Seasonal {
			f.Season = []float64{1, -2, 1}
		} else {
			f.Period = 1
		}
		const h, paths = 7, 40000
		sum := make([]float64, h)
		sq := make([]float64, h)
		for p := 0; p < paths; p++ {
			st := step{m: f.Period, mod: mod, p: f.Params, level: f.Level, slope: f.Slope}
			if mod.Seasonal {
				st.season = append([]float64(nil), f.Season...)
			}
			for j := 0; j < h; j++ {
				e := r.NormFloat64() * f.Sigma
				v := st.forecast(j) + e
				st.update(j, e)
				sum[j] += v
				sq[j] += v * v
			}
		}
		fc := f.Forecast(h)
		for j := 0; j < h; j++ {
			mean := sum[j] / paths
			vr := sq[j]/paths - mean*mean
			sd := math.Sqrt(f.Variance(j + 1))
			near(t, mod.String()+" mean", mean, fc[j].Value, 4*sd/math.Sqrt(paths))
			near(t, mod.String()+" variance", vr, f.Variance(j+1), 0.05*f.Variance(j+1))
		}
	}
}

// weekly builds a daily series: level + slope·t + a weekly pattern + noise.
func weekly(n int, level, slope, noise float64, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	pattern := []float64{30, 10, 0, -5, -10, -15, -10}
	y := make([]float64, n)
	for i := range y {
		y[i] = level + slope*float64(i) + pattern[i%7] + noise*r.NormFloat64()
	}
	return y
}

func TestSelectFindsTrendAndSeason(t *testing.T) {
	y := weekly(70, 200, 2, 3, 1)
	f, err := Select(y, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Model.Seasonal || !f.Model.Trend {
		t.Fatalf("chose %s, want a trend and a season", f.Model)
	}
	truth := weekly(84, 200, 2, 0, 1)
	for j, p := range f.Forecast(14) {
		w := truth[70+j]
		if math.Abs(p.Value-w) > 12 {
			t.Errorf("step %d: forecast %.1f, truth %.1f", j+1, p.Value, w)
		}
		if !(p.Lo95 <= p.Lo80 && p.Lo80 <= p.Value && p.Value <= p.Hi80 && p.Hi80 <= p.Hi95) {
			t.Errorf("step %d: intervals out of order: %+v", j+1, p)
		}
	}
	// Without a season, the seasonal models must lose.
	flat := weekly(70, 200, 0, 3, 2)
	for i := range flat {
		flat[i] -= []float64{30, 10, 0, -5, -10, -15, -10}[i%7]
	}
	if g, _ := Select(flat, 7); g.Model.Seasonal || g.Model.Trend {
		t.Errorf("white noise around a level chose %s", g.Model)
	}
}

// A one-day spike (a 618 sale) is an outlier: flagged, and it neither
// shifts the forecast nor widens the intervals much.
func TestSpikeIsOutlierNotTrend(t *testing.T) {
	y := weekly(63, 200, 1, 3, 3)
	clean, _ := Select(append([]float64(nil), y...), 7)
	y[50] += 400
	f, err := Select(y, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Outliers) != 1 || f.Outliers[0] != 50 {
		t.Fatalf("outliers %v, want [50]", f.Outliers)
	}
	if j := f.judge(y, OutlierZ)[50]; y[50] >= j.Lo && y[50] <= j.Hi || !j.Anomaly {
		t.Errorf("the spike is inside its band [%v, %v]", j.Lo, j.Hi)
	}
	a, b := f.Forecast(7), clean.Forecast(7)
	for j := range a {
		near(t, "forecast after a spike", a[j].Value, b[j].Value, 6)
		if a[j].Hi95-a[j].Lo95 > 1.5*(b[j].Hi95-b[j].Lo95) {
			t.Errorf("step %d: the spike widened the 95%% interval from %.1f to %.1f", j+1, b[j].Hi95-b[j].Lo95, a[j].Hi95-a[j].Lo95)
		}
	}
}

func TestRefusesUnderTwoSeasons(t *testing.T) {
	_, err := Select(weekly(13, 100, 0, 1, 1), 7)
	if !errors.Is(err, ErrShort) {
		t.Fatalf("13 days with a weekly season: err %v, want ErrShort", err)
	}
	if _, err := Select(weekly(14, 100, 0, 1, 1), 7); err != nil {
		t.Fatalf("14 days: %v", err)
	}
}

// Counts never go negative, so neither do their intervals.
func TestCountIntervalsCutAtZero(t *testing.T) {
	y := make([]float64, 28)
	for i := range y {
		y[i] = float64([]int{0, 1, 0, 3, 0, 0, 2}[i%7])
	}
	f, err := Select(y, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Forecast(7) {
		if p.Lo95 < 0 || p.Lo80 < 0 {
			t.Fatalf("negative bound for a count: %+v", p)
		}
	}
}
