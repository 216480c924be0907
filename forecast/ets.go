// Package forecast extends a series into the future and says how much to
// trust it: Choose averages the best of seasonal naive, drift and
// exponential smoothing (ETS, the state-space form of Holt-Winters; for a
// season of a day of hours or longer, also of the seasonally adjusted
// series) by
// rolling-origin cross-validation and calibrates the prediction intervals
// on those errors; RollingOrigin backtests the whole method on the
// series' history.
//
// The ETS family is additive error, no/additive/damped trend, no/additive
// seasonality: ETS(A,N,N), (A,A,N), (A,Ad,N), (A,N,A), (A,A,A), (A,Ad,A)
// (Hyndman, Koehler, Ord & Snyder, "Forecasting with Exponential
// Smoothing", 2008). Additive forms only, because event counts may be zero
// (multiplicative forms divide by the level); the log(1+y) scale stands in
// for them. Select chooses one by AICc with the outliers left out: points
// far from the one-step forecast (promotions, holidays, outages), left out
// of the state updates and the likelihood, so a one-day spike is neither
// learnt as trend nor widens every interval. Its one-step band is the
// anomaly detector, and its closed-form variances give the intervals of a
// series too short to cross-validate.
package forecast

import (
	"math"
	"sort"

	"github.com/spoorhq/spoor/i18n"
)

// Model names one member of the family.
type Model struct {
	Trend    bool // additive trend
	Damped   bool // damped trend (Trend must be set)
	Seasonal bool // additive seasonality of the period given to Fit
}

// String is the ETS notation: ETS(A,Ad,A) and so on.
func (m Model) String() string {
	t, s := "N", "N"
	if m.Trend {
		t = "A"
		if m.Damped {
			t = "Ad"
		}
	}
	if m.Seasonal {
		s = "A"
	}
	return "ETS(A," + t + "," + s + ")"
}

// Models is the candidate family, simplest first (ties in AICc go to the
// simpler model).
var Models = []Model{
	{}, {Trend: true}, {Trend: true, Damped: true},
	{Seasonal: true}, {Trend: true, Seasonal: true}, {Trend: true, Damped: true, Seasonal: true},
}

// Params are the smoothing parameters.
type Params struct {
	Alpha, Beta, Gamma, Phi float64
}

// OutlierZ is how many robust standard deviations a one-step error must
// exceed for its point to count as an outlier (Iglewicz & Hoaglin's 3.5,
// as the trailing-baseline detector uses).
const OutlierZ = 3.5

// Fit is a model fitted to a series.
type Fit struct {
	Model  Model
	Params Params
	Period int // seasonal period m (used only by seasonal models)

	// State after the last point: level, slope, and the seasonal terms,
	// Season[0] being the one of the next point's position.
	Level, Slope float64
	Season       []float64

	// Log: the model is of log(1+y); forecasts and bands are transformed
	// back (exp(·)−1, the median of the forecast distribution).
	Log bool

	Fitted   []float64 // one-step-ahead forecast of each point, on the model's scale
	Outliers []int     // indexes of points left out as outliers, ascending: the anomalies
	Sigma    float64   // standard deviation of the one-step errors (least squares, outliers left out)
	Scale    float64   // robust standard deviation of the one-step errors: 1.4826·MAD
	AICc     float64
	N        int // points the likelihood uses (not outliers)
	K        int // estimated parameters counted by AICc

	nonNeg bool    // every observed value ≥ 0: intervals are cut at 0
	missed float64 // the end state's step.missed: left-out points at the end
	start  states  // the state before the first point, to replay the fit
}

// ErrShort says the series is too short to fit any model.
var ErrShort error = i18n.Error(i18n.N("series too short"))

// MinPoints is the shortest series Select fits: two full seasons, so the
// seasonal terms are estimated from more than one occurrence each.
func MinPoints(period int) int { return 2 * max(period, 2) }

// Select fits every model of the family to y with seasonal period m and
// returns the one with the lowest AICc. Seasonal models need m ≥ 2; a
// series shorter than MinPoints(m) is refused with ErrShort. NaN values
// are treated as missing. Near-empty points (nearEmpty: a possible
// recording gap) are left out of the fit from the start, as outliers are
// after the first round, so that a run of them neither drags the level
// down nor widens the band; they are judged against the band of the rest.
func Select(y []float64, m int) (*Fit, error) { return selectGaps(y, m, nil) }

// selectGaps is Select with the recording gaps marked: gap[i] says the
// missing y[i] (NaN) is one, after which the level is diffuse (step.skip);
// nil when there are none. Another missing point is an undefined value.
func selectGaps(y []float64, m int, gap []bool) (*Fit, error) {
	if len(y) < MinPoints(m) {
		return nil, i18n.Errorf("%w: %d points, need %d (two seasons of %d)", ErrShort, len(y), MinPoints(m), m)
	}
	mask := make([]bool, len(y)) // true: left out
	near := nearEmpty(y, m)
	for i, v := range y {
		mask[i] = math.IsNaN(v) || near[i]
	}
	// The family is fitted to y and, for a series that is never negative,
	// to log(1+y) too: seasonal swings and growth proportional to the
	// level (multiplicative forms) are additive on the log scale. AICc
	// compares them after the Jacobian of the transform, 2·Σlog(1+y), is
	// added to the log model's (the likelihood of y, not of log(1+y)).
	var logY []float64
	if nonNegative(y) {
		logY = make([]float64, len(y))
		for i, v := range y {
			logY[i] = math.Log1p(v)
		}
	}
	choose := func() *Fit {
		best := selectWith(y, m, mask, gap)
		if logY == nil {
			return best
		}
		lf := selectWith(logY, m, mask, gap)
		if lf == nil {
			return best
		}
		lf.Log = true
		for i, v := range logY {
			if !mask[i] {
				lf.AICc += 2 * v
			}
		}
		if best == nil || lf.AICc < best.AICc {
			return lf
		}
		return best
	}
	best := choose()
	// Up to two more rounds: mark the points beyond OutlierZ robust
	// deviations of the best model's one-step errors and choose again
	// without them. Every model is compared on the same points, as AICc
	// requires. The robust scale (1.4826·MAD) is not inflated by the
	// outliers themselves, as the least-squares sigma would be.
	for round := 0; round < 2 && best != nil && best.Scale > 0; round++ {
		found := false
		for i, v := range y {
			if best.Log {
				v = logY[i]
			}
			if !mask[i] && math.Abs(v-best.Fitted[i]) > OutlierZ*best.Scale {
				mask[i] = true
				found = true
			}
		}
		if !found {
			break
		}
		// Leaving out so many points that no model fits any more (a
		// series that alternates exactly but for one spike): keep the
		// round before.
		next := choose()
		if next == nil {
			break
		}
		best = next
	}
	if best == nil {
		return nil, i18n.Errorf("%w: %d points", ErrShort, len(y))
	}
	// The anomalies are the forecast detector's verdicts on the final fit
	// (usually the points it left out).
	for i, j := range best.judge(y, OutlierZ) {
		if j.Anomaly {
			best.Outliers = append(best.Outliers, i)
		}
	}
	return best, nil
}

func nonNegative(y []float64) bool {
	for _, v := range y {
		if v < 0 {
			return false
		}
	}
	return true
}

// selectWith fits every model to the unmasked points and returns the one
// with the lowest AICc (nil when none has enough points).
func selectWith(y []float64, m int, mask, gap []bool) *Fit {
	var best *Fit
	for _, mod := range Models {
		if mod.Seasonal && m < 2 {
			continue
		}
		f := fitModel(y, m, mod, mask, gap)
		if f != nil && (best == nil || f.AICc < best.AICc-1e-9) {
			best = f
		}
	}
	return best
}

// FitModel estimates one model on the points mask does not leave out: the
// smoothing parameters by least squares (Nelder-Mead over the admissible
// region) from a decomposition start. It returns nil when there are too
// few points for the model's parameters.
func FitModel(y []float64, m int, mod Model, mask []bool) *Fit {
	return fitModel(y, m, mod, mask, nil)
}

// fitModel is FitModel with the recording gaps marked (selectGaps).
func fitModel(y []float64, m int, mod Model, mask, gap []bool) *Fit {
	if !mod.Seasonal {
		m = 1
	}
	k := paramCount(mod, m)
	init, ok := initialStates(y, mask, m, mod)
	if !ok {
		return nil
	}
	f := &Fit{Model: mod, Params: optimize(y, mask, gap, m, mod, init), Period: m, K: k, nonNeg: nonNegative(y), start: init}
	sse, n := f.filter(y, mask, gap, init)
	if n <= k+1 {
		return nil
	}
	f.N = n
	f.AICc = float64(n)*math.Log(max(sse, 1e-300)/float64(n)) + 2*float64(k) + 2*float64(k*(k+1))/float64(n-k-1)
	errs := make([]float64, 0, len(y))
	for i, v := range y {
		if !mask[i] {
			errs = append(errs, v-f.Fitted[i])
		}
	}
	f.Scale = robustScale(errs, y, mask)
	// The intervals' sigma counts the left-out points too, each error cut
	// to the outlier threshold: surprises keep coming at the rate the
	// history had them, but one sale day should not set the width.
	clip := OutlierZ * f.Scale
	for i, v := range y {
		if mask[i] && !math.IsNaN(v) {
			e := min(math.Abs(v-f.Fitted[i]), clip)
			sse += e * e
			n++
		}
	}
	f.Sigma = math.Sqrt(sse / float64(n-k))
	return f
}

// paramCount is how many parameters AICc counts for mod with period m:
// α, the initial level and σ; β and the initial slope; φ; γ and m − 1
// free initial seasonal terms. FitModel needs more than k+1 points.
func paramCount(mod Model, m int) int {
	k := 1 + 1 + 1
	if mod.Trend {
		k += 2
	}
	if mod.Damped {
		k++
	}
	if mod.Seasonal {
		k += 1 + m - 1
	}
	return k
}

// robustScale is the standard deviation of the one-step errors estimated
// robustly: 1.4826·MAD, or 1.2533 times the mean absolute deviation when
// that is ten times larger — more than half the errors (nearly) equal: a
// regular series fits exactly but for some points, as the trailing
// detector does for MAD = 0. Nearly, because a fit's errors on equal
// values differ by rounding, and a MAD of rounding noise would make every
// other point an outlier (5, 6, 5, 6, … under a weekly model). It is at
// least a millionth of the series' mean size, so rounding noise on an
// exact fit is not a scale every point exceeds.
func robustScale(errs, y []float64, mask []bool) float64 {
	s := 1.4826 * mad(errs)
	if len(errs) > 0 {
		med, meanAD := median(append([]float64(nil), errs...)), 0.0
		for _, e := range errs {
			meanAD += math.Abs(e - med)
		}
		if m := 1.2533 * meanAD / float64(len(errs)); s < m/10 {
			s = m
		}
	}
	size, n := 0.0, 0
	for i, v := range y {
		if !mask[i] {
			size += math.Abs(v)
			n++
		}
	}
	if n > 0 {
		s = max(s, 1e-6*size/float64(n))
	}
	return s
}

// states is the state vector at the start: level, slope, seasonal terms
// (s[j] is the term of position j of the period).
type states struct {
	level, slope float64
	season       []float64
	missed       float64 // step.missed
}

// initialStates is a classical decomposition of the first four seasons
// (Hyndman et al. 2008, 2.6.1): the seasonal terms are the mean deviations
// from a centred moving average of one season, centred to sum to zero;
// the level and slope are a least-squares line through the seasonally
// adjusted points, taken one step before the first. Missing (masked)
// points are skipped. Using several seasons matters when the first one is
// unusual (a product ramping up).
func initialStates(y []float64, mask []bool, m int, mod Model) (states, bool) {
	w := min(len(y), 4*max(m, 3))
	var st states
	if mod.Seasonal {
		st.season = seasonProfile(y, mask, m, w)
	}
	// A line through the seasonally adjusted points.
	var n, sx, sy, sxx, sxy float64
	for t := 0; t < w; t++ {
		if mask[t] {
			continue
		}
		z := y[t]
		if mod.Seasonal {
			z -= st.season[t%m]
		}
		x := float64(t)
		n++
		sx += x
		sy += z
		sxx += x * x
		sxy += x * z
	}
	if n == 0 {
		return st, false
	}
	st.level = sy / n
	if mod.Trend && n >= 2 && n*sxx-sx*sx > 0 {
		st.slope = (n*sxy - sx*sy) / (n*sxx - sx*sx)
		st.level = (sy-st.slope*sx)/n - st.slope
	}
	return st, true
}

// seasonProfile is the seasonal profile of the classical decomposition of
// y[:w]: at each position mod m, the mean deviation of the points from
// their centred moving average (m terms for odd m, 2×m for even m), over
// the windows without a masked point, shifted so the terms sum to 0. A
// position without such a window gets 0.
func seasonProfile(y []float64, mask []bool, m, w int) []float64 {
	season := make([]float64, m)
	sum := make([]float64, m)
	cnt := make([]float64, m)
	half := m / 2
	for t := half; t+half < w; t++ {
		ma, ok := 0.0, !mask[t]
		for k := t - half; k <= t+half && ok; k++ {
			wt := 1.0
			if m%2 == 0 && (k == t-half || k == t+half) {
				wt = 0.5
			}
			ok = !mask[k]
			ma += wt * y[k]
		}
		if ok {
			sum[t%m] += y[t] - ma/float64(m)
			cnt[t%m]++
		}
	}
	mean := 0.0
	for j := range m {
		if cnt[j] > 0 {
			season[j] = sum[j] / cnt[j]
		}
		mean += season[j] / float64(m)
	}
	for j := range m {
		season[j] -= mean
	}
	return season
}

// filter runs the model over y from init, recording the one-step
// forecasts and the end state; masked points are forecast but do not
// update the states. It returns the sum of squared errors over unmasked
// points and their number.
func (f *Fit) filter(y []float64, mask, gap []bool, init states) (float64, int) {
	f.Fitted = make([]float64, len(y))
	sse, n, end := run(y, mask, gap, f.Period, f.Model, f.Params, init, f.Fitted)
	f.Level, f.Slope, f.missed = end.level, end.slope, end.missed
	if f.Model.Seasonal {
		// Rotate so that Season[0] is the term of the next point.
		m := f.Period
		f.Season = make([]float64, m)
		for j := range m {
			f.Season[j] = end.season[(len(y)+j)%m]
		}
	}
	return sse, n
}

// run is the ETS recursion (Hyndman et al. 2008, Table 2.1, additive
// error): ŷ = l + φb + s; e = y − ŷ; l ← l + φb + αe; b ← φb + βe;
// s ← s + γe. fitted, when not nil, receives ŷ of every point. The end
// state's seasonal terms are indexed by position mod m. gap marks the
// missing points that are recording gaps (selectGaps), nil for none.
func run(y []float64, mask, gap []bool, m int, mod Model, p Params, init states, fitted []float64) (sse float64, n int, end states) {
	st := step{m: m, mod: mod, p: p, level: init.level, slope: init.slope}
	if mod.Seasonal {
		st.season = append([]float64(nil), init.season...)
	}
	for i, v := range y {
		yhat := st.forecast(i)
		if fitted != nil {
			fitted[i] = yhat
		}
		if mask[i] {
			st.skip(i, math.IsNaN(v), gap != nil && gap[i])
			continue
		}
		e := v - yhat
		// The first point after a recording gap has an error of unbounded
		// variance (the level is diffuse, step.skip), so it adds nothing
		// to the likelihood (Durbin & Koopman 2012, 7.2.2, the diffuse
		// loglikelihood): it sets the level and does not weigh on the
		// parameters.
		if !st.diffuse() {
			sse += e * e
			n++
		}
		st.update(i, e)
	}
	return sse, n, states{level: st.level, slope: st.slope, season: st.season, missed: st.missed}
}

type step struct {
	m            int
	mod          Model
	p            Params
	level, slope float64
	season       []float64 // by position i mod m
	// missed is the level's prior variance in excess of its steady
	// state, over the one-step error variance: 0 while every point is
	// observed, grown by each undefined point and +Inf after a recording
	// gap (skip: the level is diffuse), back towards 0 as points come in
	// (levelGain).
	missed float64
}

func (s *step) phi() float64 {
	if s.mod.Damped {
		return s.p.Phi
	}
	return 1
}

func (s *step) forecast(i int) float64 {
	v := s.level
	if s.mod.Trend {
		v += s.phi() * s.slope
	}
	if s.mod.Seasonal {
		v += s.season[i%s.m]
	}
	return v
}

// ahead is the j-step forecast from the state before point o: the
// damped sum φ + … + φ^j of the slope and the season term of o+j−1.
func (s *step) ahead(o, j int) float64 {
	v := s.level
	if s.mod.Trend {
		phi, damp, pow := s.phi(), 0.0, 1.0
		for range j {
			pow *= phi
			damp += pow
		}
		v += damp * s.slope
	}
	if s.mod.Seasonal {
		v += s.season[(o+j-1)%s.m]
	}
	return v
}

// update moves the state past observed point i with one-step error e.
// When the level is diffuse (after missing points) the error is all the
// level's: the Kalman gain of a state whose variance is finite, the slope
// or a seasonal term, is its covariance with the level over the level's
// variance, 0 when that variance is unbounded.
func (s *step) update(i int, e float64) {
	phi := s.phi()
	trend := 0.0
	if s.mod.Trend {
		trend = phi * s.slope
		s.slope = trend
	}
	if s.diffuse() {
		s.level += trend + s.levelGain()*e
		return
	}
	if s.mod.Trend {
		s.slope += s.p.Beta * e
	}
	s.level += trend + s.levelGain()*e
	if s.mod.Seasonal {
		s.season[i%s.m] += s.p.Gamma * e
	}
}

// skip moves the state past a left-out point: the forecast goes on and
// nothing is learnt. After a recording gap (gap: nothing was recorded
// where the series is normally observed) the level is unknown — diffuse —
// and the next observed point sets it (levelGain). An outage is an
// intervention of unknown size, not more steps of the level's random
// walk: the tracking that comes back need not count as it did before
// (DIGINETICA's days after its 21–23 April and 11–20 May gaps are at
// levels the days before them never had), and a level that wandered only
// by the walk's noise while nothing was recorded made README's DIGINETICA
// total mase 1.127 where the diffuse level makes it 1.025 (users 0.903 →
// 0.941, Taobao 0.847 → 0.842, no other row has a missing point). Another
// missing point (missing: an undefined value, a ratio with nothing to
// divide by, as every night hour of a quiet product's events per user)
// is a point not observed, no intervention: it leaves the level as
// uncertain as one more step of its random walk makes it, its variance
// grown by q = α²/(1−α) over the error's (Durbin & Koopman 2012, 2.7,
// missing observations). An outlier was recorded, a sale day say, and
// says the level did not wander off; to the Kalman filter an additive
// outlier is a missing observation too, but growing the gain after
// outliers as well took README's YOOCHOOSE hourly mase 1.287 → 1.303 and
// DIGINETICA total only to 1.125.
func (s *step) skip(_ int, missing, gap bool) {
	if s.mod.Trend {
		s.slope *= s.phi()
		s.level += s.slope
	}
	switch {
	case gap:
		s.missed = math.Inf(1)
	case missing:
		s.missed += levelNoise(s.p.Alpha)
	}
}

// levelNoise is q = α²/(1−α): the local level model's level noise over
// its observation noise when its steady-state Kalman gain is α.
func levelNoise(a float64) float64 {
	if a <= 0 || a >= 1 {
		return 0
	}
	return a * a / (1 - a)
}

// diffuse says whether the level is unknown: a recording gap came after
// the last observed point.
func (s *step) diffuse() bool { return math.IsInf(s.missed, 1) }

// levelGain is the weight of a one-step error in the level: α, as long as
// every point is observed; after missing points, the Kalman gain of the
// local level model whose steady-state gain is α (Durbin & Koopman 2012,
// 2.7; the steady state, Harvey 1989: prior variance P = α/(1−α) and
// level noise q = α²/(1−α), both over the error variance; a missing
// point adds q to P, an observed one takes P to its gain P/(1+P), and
// the next step's P is that plus q). The first point after a recording
// gap, the level diffuse (P unbounded), has gain 1: it sets the level. The next P is 1 + q, so the
// next points still count more than α — at α = 0.3 the gains after a gap
// are 1, 0.53, 0.40, 0.35, … — and the gain decays back to α as points
// come in; at α = 0 (a constant level) the gains are 1, 1/2, 1/3, …: the
// mean of the points since the gap. A series with no missing point is
// smoothed with α throughout (missed stays 0).
func (s *step) levelGain() float64 {
	a := s.p.Alpha
	if s.missed == 0 || a >= 1 { // at α = 1 the level is the last point anyway
		s.missed = 0
		return a
	}
	k := 1.0
	if !s.diffuse() {
		p := a/(1-a) + s.missed
		k = p / (1 + p)
	}
	// The next prior variance is k + q; its excess over the steady state
	// α/(1−α) = α + q is k − α.
	s.missed = max(k-a, 0)
	return k
}

// optimize finds the smoothing parameters with the least squared one-step
// error, searching in the usual admissible region 0 < β < α < 1,
// 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98 through a logistic reparametrisation, so
// Nelder-Mead needs no constraints.
func optimize(y []float64, mask, gap []bool, m int, mod Model, init states) Params {
	dims := 1
	if mod.Trend {
		dims++
	}
	if mod.Seasonal {
		dims++
	}
	if mod.Damped {
		dims++
	}
	decode := func(u []float64) Params {
		const lo, hi = 1e-4, 1 - 1e-4
		sig := func(x float64) float64 { return lo + (hi-lo)/(1+math.Exp(-x)) }
		p := Params{Alpha: sig(u[0]), Phi: 1}
		k := 1
		if mod.Trend {
			p.Beta = p.Alpha * sig(u[k])
			k++
		}
		if mod.Seasonal {
			p.Gamma = (1 - p.Alpha) * sig(u[k])
			k++
		}
		if mod.Damped {
			p.Phi = 0.8 + 0.18/(1+math.Exp(-u[k]))
		}
		return p
	}
	cost := func(u []float64) float64 {
		sse, _, _ := run(y, mask, gap, m, mod, decode(u), init, nil)
		return sse
	}
	// Start at α = 0.5, β = 0.1α, γ = 0.1(1−α), φ = 0.89 (logit of the
	// fractions above) and again from a slower level, keeping the better.
	best, bestCost := []float64(nil), math.Inf(1)
	for _, a := range []float64{0, -2} {
		start := make([]float64, dims)
		start[0] = a
		for k := 1; k < dims; k++ {
			start[k] = -2.2
		}
		if mod.Damped {
			start[dims-1] = 0
		}
		u, c := nelderMead(cost, start, 400)
		if c < bestCost {
			best, bestCost = u, c
		}
	}
	return decode(best)
}

// nelderMead minimises f from x0 (Nelder & Mead 1965, standard
// coefficients), stopping after maxEval evaluations or when the simplex's
// values agree to 1e-10 relatively.
func nelderMead(f func([]float64) float64, x0 []float64, maxEval int) ([]float64, float64) {
	n := len(x0)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += 1
		}
		vals[i] = f(pts[i])
	}
	evals := n + 1
	order := make([]int, n+1)
	centroid := make([]float64, n)
	at := func(c float64, worst []float64) []float64 {
		p := make([]float64, n)
		for j := range p {
			p[j] = centroid[j] + c*(worst[j]-centroid[j])
		}
		return p
	}
	for evals < maxEval {
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return vals[order[a]] < vals[order[b]] })
		b, w, sw := order[0], order[n], order[n-1]
		if math.Abs(vals[w]-vals[b]) <= 1e-10*(math.Abs(vals[b])+1e-10) {
			break
		}
		for j := range centroid {
			centroid[j] = 0
			for i := range pts {
				if i != w {
					centroid[j] += pts[i][j] / float64(n)
				}
			}
		}
		r := at(-1, pts[w])
		fr := f(r)
		evals++
		switch {
		case fr < vals[b]:
			e := at(-2, pts[w])
			fe := f(e)
			evals++
			if fe < fr {
				pts[w], vals[w] = e, fe
			} else {
				pts[w], vals[w] = r, fr
			}
		case fr < vals[sw]:
			pts[w], vals[w] = r, fr
		default:
			c := at(0.5, pts[w])
			if fr < vals[w] {
				c = at(-0.5, pts[w])
			}
			fc := f(c)
			evals++
			if fc < min(fr, vals[w]) {
				pts[w], vals[w] = c, fc
			} else {
				for i := range pts {
					if i == b {
						continue
					}
					for j := range pts[i] {
						pts[i][j] = pts[b][j] + 0.5*(pts[i][j]-pts[b][j])
					}
					vals[i] = f(pts[i])
					evals++
				}
			}
		}
	}
	bi := 0
	for i := range vals {
		if vals[i] < vals[bi] {
			bi = i
		}
	}
	return pts[bi], vals[bi]
}

func mad(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	med := median(s)
	for i, v := range s {
		s[i] = math.Abs(v - med)
	}
	return median(s)
}

func median(s []float64) float64 {
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
