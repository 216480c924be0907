package forecast

import (
	"math"
	"slices"
	"sort"

	"github.com/spoorhq/spoor/i18n"
)

// Kind is a family of forecasting methods.
type Kind uint8

// The candidate families: exponential smoothing (of the series, or of the
// seasonally adjusted series for a long season), and the two benchmarks a
// forecast must beat to be worth drawing.
const (
	Smoothing     Kind = iota // ETS: Model on y or log(1+y)
	SeasonalNaive             // the last observed value of the same season position
	Drift                     // the last value plus the mean change per step so far
	// Adjusted is ETS without a season on the seasonally adjusted series:
	// the season's profile (seasonProfile over the whole history fitted)
	// taken out and added back to the forecast, as Hyndman's stlf does
	// with a periodic STL season. Offered for long seasons only (LongSeason),
	// and on a day of hours with a week's profile too (Method.Weekly).
	Adjusted
	// SeasonalMedian is the median of the same season position over the
	// last Method.Seasons seasons (all there are, when fewer): seasonal
	// naive with its noise averaged out (see MedianSeasons).
	SeasonalMedian
)

// Method is one candidate: a family and, for Smoothing and Adjusted, its
// model and scale.
type Method struct {
	Kind  Kind
	Model Model // Smoothing and Adjusted (no season) only
	Log   bool  // Smoothing and Adjusted only: the model is of log(1+y)
	// Weekly (Adjusted only, on a day of hours): the profile taken out is
	// a week long, weekProfile's.
	Weekly bool
	// Seasons (SeasonalMedian only) is how many seasons the median is of.
	Seasons int
}

// String is the method's name as JSON gives it (methodMsg in English).
func (me Method) String() string { return me.msg().In(i18n.English) }

// LongSeason is the shortest season the Adjusted candidates are offered
// for: a day of hours, or a year of weeks. ETS updates each of its m
// seasonal terms once a season, from one point's error, so over a long
// season of noisy counts (a night hour's 0–3 events) the terms learn
// slowly and noisily, and fitting m−1 initial terms costs as many
// parameters (R's ets() refuses seasons over 24 for this and points to
// stlf). A profile averaged over every season of the history is steadier.
// Measured on README's backtest table: with them every hourly series
// scores a lower mase (GA360 0.728 → 0.719, YOOCHOOSE 1.405 → 1.382,
// Tianchi 1.083 → 1.059, Taobao 0.874 → 0.846), and no other row moves;
// offered for a week of days too, they took education's 80% coverage
// under 70% (67% and 66%) and incident total's rel_mae over 1.
const LongSeason = 24

// WeekDays is how many seasons make a week on a day of hours (m = 24),
// where the Adjusted candidates are offered with a week's profile too.
const WeekDays = 7

// candidates lists the methods Choose compares, benchmarks first so that a
// tie goes to the simpler method. The log scale is offered only for a
// series that is never negative.
func candidates(m int, nonNeg bool) []Method {
	out := []Method{{Kind: SeasonalNaive}, {Kind: Drift}}
	if m >= 2 {
		for _, k := range MedianSeasons {
			out = append(out, Method{Kind: SeasonalMedian, Seasons: k})
		}
	}
	for _, log := range []bool{false, true} {
		if log && !nonNeg {
			continue
		}
		for _, mod := range Models {
			if mod.Seasonal && m < 2 {
				continue
			}
			out = append(out, Method{Kind: Smoothing, Model: mod, Log: log})
		}
		if m >= LongSeason {
			for _, mod := range []Model{{}, {Trend: true, Damped: true}} {
				out = append(out, Method{Kind: Adjusted, Model: mod, Log: log})
				if m == 24 {
					out = append(out, Method{Kind: Adjusted, Model: mod, Log: log, Weekly: true})
				}
			}
		}
	}
	return out
}

// MedianSeasons are the windows of the SeasonalMedian candidates, in
// seasons. Seasonal naive repeats one season's noise; on counts of a few
// events an hour (a night hour's 0–3) that noise is most of its error, and
// the median of the same position over several seasons keeps the profile
// and drops the noise — the median because the forecast is judged by its
// absolute error, whose best constant is the median, and because an
// unflagged outage or sale day moves it less than a mean. Two windows, a
// shorter one that follows a change of level sooner and a longer, steadier
// one; the cross-validation chooses. Measured on README's backtest table
// against no such candidate: YOOCHOOSE 1.382 → 1.288, Tianchi 1.059 →
// 1.033, DIGINETICA total 1.170 → 1.159, GA360 daily 0.624 → 0.606 and
// 0.635 → 0.616; GA360 hourly 0.701 → 0.703 and Taobao 0.846 → 0.847,
// no other row moved, no verdict changed; {7} or {14} alone improved
// less, adding 3 barely moved any row.
var MedianSeasons = []int{7, 14}

// Combine is how many of the best candidates the forecast averages.
// Averaging the few best forecasts is steadier than picking one when the
// cross-validation has a few hundred points to rank fourteen methods by
// (Bates & Granger 1969; the M4 competition's lesson): on the sample
// scenarios and the public datasets, 5 beat 1, 2 and 3 in the README's
// backtest table.
const Combine = 5

// Choice is the forecast Choose makes for one series.
type Choice struct {
	// Robust is the ETS fit chosen by AICc with the outliers left out —
	// the fit Detect makes of the same points — and its outliers are left
	// out of (or, for the benchmarks, replaced by their expected value in)
	// every candidate's fit.
	Robust *Fit
	// Methods are the candidates averaged, best first by cross-validated
	// error. When the history is too short to cross-validate, it is
	// Robust's model alone.
	Methods []Method
	// Calibrated: the intervals come from the rolling-origin errors on the
	// series' own past; false when the history is too short for that, and
	// the forecast is then Robust's, with its normal intervals.
	Calibrated bool
	// CVOrigins and CVScores count the rolling origins and the (origin,
	// step) errors the choice and the calibration rest on.
	CVOrigins, CVScores int
	// Break is the position in the series given to Choose of the first
	// point of the history after a break (Break), 0 when the forecast
	// rests on the whole history.
	Break int

	y      []float64 // the series, as given
	gap    []bool    // the missing points of y that are recording gaps (chooseGaps), nil for none
	clean  []float64 // y with outliers and missing points replaced by Robust's one-step forecast
	mask   []bool    // left out of the fits: missing or outlier
	m      int
	nonNeg bool
	q      [4]float64 // score quantiles for lo95, lo80, hi80, hi95: −q95, −q80, q80, q95
}

// MaxHistory is how many of the latest points Choose fits: six weeks of
// hours, almost three years of days. Exponential smoothing weighs the
// recent past, so older points barely move the forecast, but every fit
// reads them all: a year of hours (8,784) took 67 s to forecast and
// backtest, the last 1,000 of them 6 s (shared machine, load 18).
const MaxHistory = 1000

// SinceGap is where the history a forecast rests on starts: after the last
// run of at least MinPoints(m) intervals (two seasons) without a single
// event (0 or missing), 0 when there is none. Nothing was recorded in such
// a run — tracking off, a product not launched yet, one stray early event
// before it — so what came before says nothing of the level since, and the
// run itself would teach every method that the series is zero. A series
// that ends in such a run starts at the run: nothing has been recorded
// for two seasons, and that is the history to forecast from.
func SinceGap(y []float64, m int) int {
	start, run := 0, 0
	for i, v := range y {
		if v == 0 || math.IsNaN(v) {
			run++
			continue
		}
		if run >= MinPoints(m) {
			start = i
		}
		run = 0
	}
	if run >= MinPoints(m) {
		start = len(y) - run
	}
	return start
}

// MinScores is the fewest rolling-origin errors Choose calibrates
// intervals on; with fewer, it keeps the model's normal intervals.
const MinScores = 30

// Choose forecasts y (seasonal period m) for horizons up to h.
//
// Every candidate method is judged by rolling-origin cross-validation on
// y's own past: its parameters are estimated on y[:o0] only; then from
// each origin o ≥ o0 it forecasts y[o], …, y[o+h−1] from its state after
// the points before o (parameters fixed). The forecast is the mean of the
// Combine candidates with the least mean absolute error over those points
// (outliers, which no method foresees, not scored), each refitted on the
// whole of y.
//
// The 80% and 95% intervals are the point forecast ± the 80% and 95%
// empirical quantiles of the combination's own absolute cross-validation
// errors, each divided by the growth of the error spread with the step
// (the mean of the methods' theoretical growth): a normalised
// split-conformal interval, on log(1+y) for counts so that errors of busy
// and quiet intervals are comparable. Symmetric, because the bias of the
// cross-validation window (a growth phase, say) need not last; the normal
// approximation it replaces held 55% to 95% of held-out points on real
// series instead of 80%.
//
// Only the points from SinceGap on are used, the last MaxHistory of them,
// and of those only the ones after a break in the series (Break) when the
// history after it is long enough to cross-validate and calibrate on.
// Deterministic: the same y gives the same forecast. Under MinPoints(m)
// points it returns ErrShort, like Select.
func Choose(y []float64, m, h int) (*Choice, error) { return chooseGaps(y, nil, m, h) }

// chooseGaps is Choose with the recording gaps of y marked: gap[i] says
// y[i] is missing as one (withoutGaps), after which the level is diffuse
// (step.skip); nil when there are none, every missing point then being an
// undefined value.
func chooseGaps(y []float64, gap []bool, m, h int) (*Choice, error) {
	start := max(SinceGap(y, m), len(y)-MaxHistory)
	y, gap = y[start:], from(gap, start)
	robust, err := selectBesideGaps(y, gap, m)
	if err != nil {
		return nil, err
	}
	if b := Break(y, m, robust); b > 0 {
		if after, err := selectBesideGaps(y[b:], from(gap, b), m); err == nil {
			if c := chooseOn(y[b:], from(gap, b), m, h, after); c.Calibrated {
				c.Break = start + b
				return c, nil
			}
		}
	}
	return chooseOn(y, gap, m, h, robust), nil
}

// from is gap[i:], nil when gap is.
func from(gap []bool, i int) []bool {
	if gap == nil {
		return nil
	}
	return gap[i:]
}

// EdgeShare is how near empty a point next to a missing one must be to
// be taken for the partly recorded edge of a recording gap: at most this
// share of its expected value, twice GapShare — hysteresis, as Canny's
// edge detector keeps weak points next to strong ones (his ratio of
// two). An outage seldom starts or ends on an interval's boundary, so the
// intervals at its edges hold part of a normal count: DIGINETICA's 11–20
// May gap is flanked by days of 16 and 11 views among days of about 110,
// above GapShare of theirs, and from the origins just after it they
// pulled the forecast's level to about 75 a day. On README's backtest
// table DIGINETICA total's mase is 1.133, 1.125 and 1.125 with shares
// 0.3, 0.4 and 0.5 (1.159 without; 1.167 with any point below its
// expected value), users 0.921–0.925 (0.927; 0.909); no other row moves.
const EdgeShare = 2 * GapShare

// gapEdges lists, ascending, the observed points of y next to a missing
// one and at most EdgeShare of their expected value under f (its one-step
// forecast): the partly recorded edges of a gap. Only the next point on
// each side: an outage starts within one interval and ends within one, and
// a run of low points after a gap is a new level (a lasting drop), not an
// edge.
func gapEdges(y []float64, f *Fit) []int {
	var out []int
	for i, v := range y {
		next := i > 0 && math.IsNaN(y[i-1]) || i+1 < len(y) && math.IsNaN(y[i+1])
		if next && !math.IsNaN(v) && v <= EdgeShare*f.Expected(i) {
			out = append(out, i)
		}
	}
	return out
}

// selectBesideGaps is Select with the edges of recording gaps (gapEdges of
// Select's fit) left out as outliers are, when there are any and enough
// points are left: out of the fit, so they neither pull the level down nor
// widen the band, and among Fit.Outliers, so that every method leaves them
// out as it does a sale day. They are observed values still: the
// calibration and the backtest count them, the anomalies are Detect's.
func selectBesideGaps(y []float64, gap []bool, m int) (*Fit, error) {
	f, err := selectGaps(y, m, gap)
	if err != nil {
		return nil, err
	}
	// Up to two more rounds, as Select's for outliers: an edge the fit
	// followed down (a partly recorded day inside the gap) hides the next
	// one from the expected value it lowered; refitted without it, the
	// next one shows.
	var left []int
	for round := 0; round < 3; round++ {
		grown := slices.Clone(left)
		for _, i := range gapEdges(y, f) {
			if !slices.Contains(grown, i) {
				grown = append(grown, i)
			}
		}
		if len(grown) == len(left) {
			break
		}
		cut := append([]float64(nil), y...)
		for _, i := range grown {
			cut[i] = math.NaN()
		}
		g, err := selectGaps(cut, m, gap)
		if err != nil {
			break
		}
		f, left = g, grown
	}
	f.Outliers = append(f.Outliers, left...)
	sort.Ints(f.Outliers)
	return f, nil
}

// chooseOn is chooseGaps on the whole of y, robust being selectGaps' fit
// of y.
func chooseOn(y []float64, gap []bool, m, h int, robust *Fit) *Choice {
	n := len(y)
	c := &Choice{Robust: robust, Methods: []Method{{Kind: Smoothing, Model: robust.Model, Log: robust.Log}},
		y: y, gap: gap, m: m, nonNeg: nonNegative(y), clean: make([]float64, n), mask: make([]bool, n)}
	out := map[int]bool{}
	for _, i := range robust.Outliers {
		out[i] = true
	}
	for i, v := range y {
		c.mask[i] = math.IsNaN(v) || out[i]
		c.clean[i] = v
		if c.mask[i] {
			c.clean[i] = robust.Expected(i)
		}
	}
	o0 := cvStart(n, m)
	if n-o0 < max(m, 1) {
		return c
	}
	type run struct {
		me     Method
		mae    float64
		fc, sp []float64
	}
	var runs []run
	for _, me := range candidates(m, c.nonNeg) {
		fc, sp := c.crossValidate(me, o0, h)
		if fc != nil {
			runs = append(runs, run{me, c.cvMAE(o0, h, fc), fc, sp})
		}
	}
	if len(runs) == 0 {
		return c
	}
	sort.SliceStable(runs, func(a, b int) bool { return runs[a].mae < runs[b].mae })
	k := min(Combine, len(runs))
	fc := make([]float64, len(runs[0].fc))
	sp := make([]float64, len(runs[0].fc))
	var methods []Method
	for _, r := range runs[:k] {
		methods = append(methods, r.me)
		for i := range fc {
			fc[i] += r.fc[i] / float64(k)
			sp[i] += r.sp[i] / float64(k)
		}
	}
	scores := c.cvScores(o0, h, fc, sp)
	if len(scores) < MinScores {
		return c
	}
	c.Methods, c.Calibrated, c.CVOrigins, c.CVScores = methods, true, n-o0, len(scores)
	for i, v := range scores {
		scores[i] = math.Abs(v)
	}
	sort.Float64s(scores)
	q80, q95 := conformalQuantile(scores, 0.8), conformalQuantile(scores, 0.95)
	c.q = [4]float64{-q95, -q80, q80, q95}
	return c
}

// WithoutWeekday says whether c forecasts hours (m = 24) from a history
// too short for the week's profile (Method.Weekly) to have been a
// candidate: the cross-validation fits it on the points before its first
// origin, which must hold more than two weeks (two seasons, as for every
// profile), so the history must be over three weeks (505 hours). Such a
// forecast knows the hours of the day but not the weekdays: six days of
// hours tell nothing of a Sunday that differs from a Friday. days is the
// history it rests on, in days.
func (c *Choice) WithoutWeekday() (days float64, ok bool) {
	return float64(len(c.y)) / float64(c.m), c.m == 24 && cvStart(len(c.y), c.m) <= 2*WeekDays*c.m
}

// String names the forecast, the methods averaged, as JSON gives it.
func (c *Choice) String() string { return c.msg().In(i18n.English) }

// cvStart is the first cross-validation origin: the last third of the
// series (at least two seasons of origins), leaving the fit before it two
// seasons (MinPoints) and enough points for every candidate, the damped
// seasonal ETS's parameters and two (FitModel's least): 15 days for a
// weekly season, 48 hours for a daily one. So a series of three seasons of
// hours — the backtest's first origin on hourly data — is cross-validated
// over its third; with 49 hours of fit such a series got the single AICc
// model instead, whose error from YOOCHOOSE's first origin was 1.52 times
// seasonal naive's.
func cvStart(n, m int) int {
	fit := max(MinPoints(m), paramCount(Model{Trend: true, Damped: true, Seasonal: m >= 2}, m)+2)
	return max(fit, n-max(n/3, 2*max(m, 1)))
}

// conformalQuantile is the p-quantile of sorted scores with the
// split-conformal finite-sample correction: the ⌈(n+1)p⌉-th smallest,
// the largest when that is past the end.
func conformalQuantile(s []float64, p float64) float64 {
	k := int(math.Ceil(float64(len(s)+1) * p))
	return s[min(k, len(s))-1]
}

// predictor forecasts from an origin: point(o, j) is the j-step forecast
// made with the points before o known, on the method's scale; spread(o, j)
// is how the error's standard deviation grows with j, relative to one step.
type predictor struct {
	point  func(o, j int) float64
	spread func(o, j int) float64
	// advance moves the state past point o (Smoothing only).
	advance func(o int)
	log     bool
}

// crossValidate runs method me from origins o0…n−1 with steps 1…h, as
// Choose describes, and returns its forecasts on the series' scale and
// their spreads, origin by origin and step by step (as far as y goes); nil
// when me cannot be fitted on y[:o0].
func (c *Choice) crossValidate(me Method, o0, h int) (fc, sp []float64) {
	p := c.predictor(me, o0)
	if p == nil {
		return nil, nil
	}
	n := len(c.y)
	for o := o0; o < n; o++ {
		for j := 1; j <= h && o+j-1 < n; j++ {
			fc = append(fc, back(p.point(o, j), p.log))
			sp = append(sp, p.spread(o, j))
		}
		if p.advance != nil {
			p.advance(o)
		}
	}
	return fc, sp
}

// cvMAE is the mean absolute error of forecasts fc (in crossValidate's
// order) over the points not left out.
func (c *Choice) cvMAE(o0, h int, fc []float64) float64 {
	n, i := len(c.y), 0
	var sum float64
	var cnt int
	for o := o0; o < n; o++ {
		for j := 1; j <= h && o+j-1 < n; j++ {
			if !c.mask[o+j-1] {
				sum += math.Abs(c.y[o+j-1] - fc[i])
				cnt++
			}
			i++
		}
	}
	if cnt == 0 {
		return math.Inf(1)
	}
	return sum / float64(cnt)
}

// cvScores are the errors of forecasts fc on the calibration scale, each
// divided by its spread sp, over every observed point: outliers count
// here, since the future will have them at the rate the past did.
func (c *Choice) cvScores(o0, h int, fc, sp []float64) []float64 {
	n, i := len(c.y), 0
	var out []float64
	for o := o0; o < n; o++ {
		for j := 1; j <= h && o+j-1 < n; j++ {
			if t := c.y[o+j-1]; !math.IsNaN(t) {
				out = append(out, (c.scale(t)-c.scale(fc[i]))/sp[i])
			}
			i++
		}
	}
	return out
}

// predictor fits me on the first o points (ETS parameters by least
// squares; Adjusted's profile from them too; the benchmarks, on the
// cleaned series, need none) and returns its forecasts from any origin
// from o on; nil when me cannot be fitted.
func (c *Choice) predictor(me Method, o int) *predictor {
	m := max(c.m, 1)
	switch me.Kind {
	case SeasonalNaive:
		return &predictor{
			point:  func(o, j int) float64 { return c.clean[o+j-1-m*((j-1)/m+1)] },
			spread: func(_, j int) float64 { return seasonsAhead(m, j) },
		}
	case SeasonalMedian:
		vs := make([]float64, 0, me.Seasons)
		return &predictor{
			// The j-th point ahead's position in the latest season the
			// origin knows it in (the one seasonal naive repeats) and in
			// the seasons before, up to Seasons of them.
			point: func(o, j int) float64 {
				vs = vs[:0]
				for i := o + j - 1 - m*((j-1)/m+1); i >= 0 && len(vs) < me.Seasons; i -= m {
					vs = append(vs, c.clean[i])
				}
				return median(vs)
			},
			spread: func(_, j int) float64 { return seasonsAhead(m, j) },
		}
	case Drift:
		if o < 2 {
			return nil
		}
		return &predictor{
			point: func(o, j int) float64 {
				return c.clean[o-1] + float64(j)*(c.clean[o-1]-c.clean[0])/float64(o-1)
			},
			// A random walk's error grows as √j, the drift's estimate's as j/√o.
			spread: func(o, j int) float64 { return math.Sqrt(float64(j) * (1 + float64(j)/float64(o-1))) },
		}
	}
	z := c.y
	if me.Log {
		z = make([]float64, len(c.y))
		for i, v := range c.y {
			z[i] = math.Log1p(v)
		}
	}
	// Adjusted: the profile of the points before o, taken out of every
	// point (the later ones only move the state, as for Smoothing). It is
	// the profile of the cleaned series, outliers and missing points
	// replaced by their expected value: on a few days of hours, skipping
	// each moving-average window with a left-out point would leave some
	// positions with one window or none.
	var season []float64
	if me.Kind == Adjusted {
		period := c.m
		if me.Weekly {
			period *= WeekDays
		}
		if o <= 2*period { // more than two seasons, as R's stl() asks
			return nil
		}
		clean := make([]float64, o)
		for i, v := range c.clean[:o] {
			clean[i] = v
			if me.Log {
				clean[i] = math.Log1p(max(v, 0))
			}
		}
		if me.Weekly {
			season = weekProfile(clean, c.m)
		} else {
			season = seasonProfile(clean, make([]bool, o), c.m, o)
		}
		adj := make([]float64, len(z))
		for i, v := range z {
			adj[i] = v - season[i%period]
		}
		z = adj
	}
	var gap []bool
	if c.gap != nil {
		gap = c.gap[:o]
	}
	f := fitModel(z[:o], c.m, me.Model, c.mask[:o], gap)
	if f == nil {
		return nil
	}
	// The fitted state after y[:o] goes on through the later points with
	// the parameters fixed: the state at each origin has seen only the
	// points before it.
	st := step{m: f.Period, mod: me.Model, p: f.Params, level: f.Level, slope: f.Slope, missed: f.missed}
	if me.Model.Seasonal {
		st.season = make([]float64, f.Period)
		for j, s := range f.Season {
			st.season[(o+j)%f.Period] = s
		}
	}
	point := st.ahead
	if season != nil {
		point = func(o, j int) float64 { return st.ahead(o, j) + season[(o+j-1)%len(season)] }
	}
	return &predictor{
		point:  point,
		spread: func(_, j int) float64 { return math.Sqrt(f.varianceFactor(j)) },
		advance: func(o int) {
			if c.mask[o] {
				st.skip(o, math.IsNaN(z[o]), c.gap != nil && c.gap[o])
				return
			}
			st.update(o, z[o]-st.forecast(o))
		},
		log: me.Log,
	}
}

// seasonsAhead is how the error of a forecast that repeats the latest
// season (seasonal naive, the seasonal median) grows with the step j: as a
// random walk's over the seasons it reaches ahead, √(⌈j/m⌉).
func seasonsAhead(m, j int) float64 { return math.Sqrt(float64((j-1)/m + 1)) }

// Forecast returns the next h points. With Calibrated, the point is the
// mean of the methods' forecasts and the interval at step j the point plus
// the cross-validation quantiles times the mean spread at j, on the
// calibration scale; otherwise it is Robust's forecast with its normal
// intervals. Bounds of a series never negative are cut at 0.
func (c *Choice) Forecast(h int) []Point {
	if !c.Calibrated {
		return c.Robust.Forecast(h)
	}
	n := len(c.y)
	ps := make([]*predictor, len(c.Methods))
	for i, me := range c.Methods {
		if ps[i] = c.predictor(me, n); ps[i] == nil { // cannot happen: it was fitted on fewer points
			return c.Robust.Forecast(h)
		}
	}
	k := float64(len(ps))
	out := make([]Point, h)
	for j := 1; j <= h; j++ {
		var v, s float64
		for _, p := range ps {
			v += back(p.point(n, j), p.log) / k
			s += p.spread(n, j) / k
		}
		v = c.scale(v)
		b := func(q float64) float64 {
			x := c.unscale(v + q*s)
			if c.nonNeg {
				x = max(x, 0)
			}
			return x
		}
		out[j-1] = Point{Value: b(0), Lo95: b(c.q[0]), Lo80: b(c.q[1]), Hi80: b(c.q[2]), Hi95: b(c.q[3])}
	}
	return out
}

// scale is the scale the errors are calibrated on: log(1+y) for a series
// never negative, whose errors grow with its level (a night hour's count
// and a noon one's differ tenfold, and so do their errors), y otherwise.
// A forecast below 0 of such a series counts as 0.
func (c *Choice) scale(v float64) float64 {
	if c.nonNeg {
		return math.Log1p(max(v, 0))
	}
	return v
}

func (c *Choice) unscale(v float64) float64 {
	if c.nonNeg {
		return math.Expm1(v)
	}
	return v
}

// back maps a value of a method's scale to the series'.
func back(v float64, log bool) float64 {
	if log {
		return math.Expm1(v)
	}
	return v
}

// weekProfile is the profile of a week of seasons m (a week of hours) of
// y: the season's profile (seasonProfile) plus, for each of the WeekDays
// seasons of the week, one offset — the mean over that season of the
// week's profile of the seasonally adjusted series. A multiple seasonal
// decomposition (as MSTL's, Bandara, Hyndman & Bergmeir 2021) with the
// week's part a step a day: the hours of the day are averaged over every
// day, the weekday's level over every week, so each of the 168 positions
// does not rest on the five or six points a week's worth of history gives
// it (a week's profile of 168 free terms was never among the five best on
// README's hourly rows, the offsets took GA360 hourly's mase 0.719 →
// 0.701). Without missing points: it is taken of the cleaned series.
func weekProfile(y []float64, m int) []float64 {
	n, w := len(y), WeekDays*m
	day := seasonProfile(y, make([]bool, n), m, n)
	adj := make([]float64, n)
	for i, v := range y {
		adj[i] = v - day[i%m]
	}
	week := seasonProfile(adj, make([]bool, n), w, n)
	out := make([]float64, w)
	for d := range WeekDays {
		off := 0.0
		for k := range m {
			off += week[d*m+k] / float64(m)
		}
		for k := range m {
			out[d*m+k] = day[k] + off
		}
	}
	return out
}
