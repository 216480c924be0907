package forecast

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// ahead by hand, from the Holt-Winters state of TestHoltWintersByHand
// (ℓ = 11.5, b = .9, s = (1, −1.2) by position, next point at position 0,
// origin 2): h=1: 11.5+.9+1 = 13.4; h=2: 11.5+1.8−1.2 = 12.1; h=3:
// 11.5+2.7+1 = 15.2. Damped with φ = .5, h=2: 11.5+(.5+.25)·.9−1.2 = 10.975.
func TestAheadByHand(t *testing.T) {
	st := step{m: 2, mod: Model{Trend: true, Seasonal: true}, level: 11.5, slope: 0.9, season: []float64{1, -1.2}}
	for j, w := range []float64{13.4, 12.1, 15.2} {
		near(t, "ahead", st.ahead(2, j+1), w, 1e-12)
	}
	st.mod.Damped, st.p.Phi = true, 0.5
	near(t, "damped ahead", st.ahead(2, 2), 10.975, 1e-12)
	if st.ahead(2, 1) != st.forecast(2) {
		t.Error("one step ahead differs from the one-step forecast")
	}
}

// The benchmarks by hand on y = 1…6 with m = 3, from origin 6. Seasonal
// naive: steps 1, 4, 5 repeat y[3], y[3], y[4] = 4, 4, 5, with spread √1,
// √2, √2 (one season back, then two). Drift: 6 + j·(6−1)/5, spread
// √(j(1+j/5)).
func TestBenchmarksByHand(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6}
	c := &Choice{y: y, clean: y, mask: make([]bool, 6), m: 3}
	sn := c.predictor(Method{Kind: SeasonalNaive}, 6)
	for _, w := range []struct{ j, v, s float64 }{{1, 4, 1}, {3, 6, 1}, {4, 4, math.Sqrt2}, {5, 5, math.Sqrt2}} {
		j := int(w.j)
		near(t, "seasonal naive", sn.point(6, j), w.v, 0)
		near(t, "seasonal naive spread", sn.spread(6, j), w.s, 1e-15)
	}
	dr := c.predictor(Method{Kind: Drift}, 6)
	near(t, "drift h1", dr.point(6, 1), 7, 1e-12)
	near(t, "drift h2", dr.point(6, 2), 8, 1e-12)
	near(t, "drift spread h2", dr.spread(6, 2), math.Sqrt(2.8), 1e-12)
	// From origin 4 the drift is (4−1)/3 = 1 too: 4 + 2 = 6.
	near(t, "drift from origin 4", dr.point(4, 2), 6, 1e-12)
}

// The conformal quantiles by hand, scores 1…19 (n = 19): the 80% is the
// ⌈20·.8⌉ = 16th, the 90% the 18th; 95% asks for the 19th, 97.5% for the
// 20th and gets the largest.
func TestConformalQuantileByHand(t *testing.T) {
	s := make([]float64, 19)
	for i := range s {
		s[i] = float64(i + 1)
	}
	for p, w := range map[float64]float64{0.8: 16, 0.9: 18, 0.95: 19, 0.975: 19} {
		if got := conformalQuantile(s, p); got != w {
			t.Errorf("q(%v) = %v, want %v", p, got, w)
		}
	}
}

// A calibrated interval by hand: seasonal naive on y = (0, 1, 3, 0, 1, 3),
// m = 3, with the 80% score quantiles ±0.5 on log(1+y). Step 1 repeats 0:
// [max(e^−.5 − 1, 0), e^.5 − 1] = [0, 0.6487]; step 2 repeats 1:
// e^(log 2 + .5) − 1 = 2.2974 and 2e^−.5 − 1 = 0.2131, while the 95%
// bound 2e^−1 − 1 < 0 is cut at 0; step 4 repeats 0 two seasons back, spread
// √2: e^(.5·√2) − 1 = 1.0281.
func TestCalibratedIntervalByHand(t *testing.T) {
	y := []float64{0, 1, 3, 0, 1, 3}
	c := &Choice{y: y, clean: y, mask: make([]bool, 6), m: 3, nonNeg: true, Calibrated: true,
		Methods: []Method{{Kind: SeasonalNaive}}, q: [4]float64{-1, -0.5, 0.5, 1}}
	fc := c.Forecast(4)
	near(t, "step 1 value", fc[0].Value, 0, 1e-12)
	near(t, "step 1 lo80", fc[0].Lo80, 0, 0)
	near(t, "step 1 hi80", fc[0].Hi80, math.Expm1(0.5), 1e-12)
	near(t, "step 2 hi80", fc[1].Hi80, math.Expm1(math.Log(2)+0.5), 1e-12)
	near(t, "step 2 lo80", fc[1].Lo80, 2*math.Exp(-0.5)-1, 1e-12)
	near(t, "step 2 lo95 (cut at 0)", fc[1].Lo95, 0, 0)
	near(t, "step 4 hi80", fc[3].Hi80, math.Expm1(0.5*math.Sqrt2), 1e-12)
}

// The cross-validation's smoothing forecasts against the slow way: for
// every origin, filter the series up to it from the fit's start with the
// same parameters and forecast from the end state with Fit.Forecast.
func TestCrossValidationMatchesReplay(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for trial := range 12 {
		y := weekly(40+r.Intn(30), 100, r.Float64()*2-1, 3+5*r.Float64(), int64(trial))
		mask := make([]bool, len(y))
		mask[r.Intn(len(y))] = true
		c := &Choice{y: y, clean: y, mask: mask, m: 7, nonNeg: true}
		me := Method{Kind: Smoothing, Model: Models[trial%len(Models)], Log: trial%2 == 1}
		o0 := cvStart(len(y), 7)
		p := c.predictor(me, o0)
		z := y
		if me.Log {
			z = make([]float64, len(y))
			for i, v := range y {
				z[i] = math.Log1p(v)
			}
		}
		f := FitModel(z[:o0], 7, me.Model, mask[:o0])
		for o := o0; o < len(y); o++ {
			ref := *f
			ref.filter(z[:o], mask[:o], nil, f.start)
			for j, w := range ref.Forecast(9) {
				near(t, me.String()+" forecast", p.point(o, j+1), w.Value, 1e-9*math.Abs(w.Value)+1e-9)
			}
			p.advance(o)
		}
	}
}

// The backtest never shows the forecaster a held-out point: it gets a copy
// of exactly the points before the origin (writing to it changes nothing),
// and the points scored are the ones after.
func TestBacktestNeverSeesHoldout(t *testing.T) {
	y := weekly(60, 200, 1, 5, 11)
	orig := slices.Clone(y)
	var origins []int
	bt, ok := rollingOrigin(y, 7, 5, func(train []float64, gap []bool) ([]Point, error) {
		o := len(train)
		if !slices.Equal(train, y[:o]) {
			t.Fatalf("origin %d: training data differs from the series' first %d points", o, o)
		}
		origins = append(origins, o)
		for i := range train {
			train[i] = 1e9 // must not reach y
		}
		// Forecast the truth: a forecaster that saw the future would score
		// perfectly, so a perfect score shows the scored points are y[o:].
		out := make([]Point, 5)
		for j := range out {
			if o+j < len(orig) {
				v := orig[o+j]
				out[j] = Point{Value: v, Lo80: v, Hi80: v, Lo95: v, Hi95: v}
			}
		}
		return out, nil
	})
	if !ok || !slices.Equal(y, orig) {
		t.Fatal("the forecaster changed the series")
	}
	if bt.MASE != 0 || bt.Coverage80 != 1 || len(origins) != bt.Origins || origins[0] != 39 {
		t.Fatalf("%+v, origins %v", bt, origins)
	}
	// End to end: the real method's forecasts from each origin are the same
	// whatever the held-out points are.
	record := func(y []float64) map[int][]Point {
		got := map[int][]Point{}
		rollingOrigin(y, 7, 7, func(train []float64, gap []bool) ([]Point, error) {
			c, err := chooseGaps(train, gap, 7, 7)
			if err != nil {
				return nil, err
			}
			got[len(train)] = c.Forecast(7)
			return got[len(train)], nil
		})
		return got
	}
	base := record(y)
	for _, cut := range []int{45, 52} {
		z := slices.Clone(y)
		for i := cut; i < len(z); i++ {
			z[i] = 3*z[i] + 1000
		}
		alt := record(z)
		for o, fc := range base {
			if o <= cut && !slices.Equal(fc, alt[o]) {
				t.Errorf("changing the points from %d on changed the forecast from origin %d", cut, o)
			}
		}
	}
	// Nor do the recording gaps the first origin's history has left out
	// depend on later points: days 35–38 of 25 among days of about 220 are
	// a gap to it whether the level comes back after them (a gap in the
	// whole series too) or stays at 30 (in the whole series a drop: the
	// median of their season positions' days either side is about 125).
	y = weekly(60, 200, 1, 5, 11)
	for i := 35; i < 39; i++ {
		y[i] = 25
	}
	base = record(y)
	z := slices.Clone(y)
	for i := 39; i < len(z); i++ {
		z[i] = 30
	}
	alt := record(z)
	if fc := base[39]; fc == nil || !slices.Equal(fc, alt[39]) || fc[0].Value < 150 {
		t.Errorf("from the first origin, after a gap, the forecast is the level before it (about 220) whatever comes later: %v, %v", fc, alt[39])
	}
}

// A series too short to cross-validate (three weeks: 15 days of fit leave
// 6 origins, under a season) keeps the robust ETS forecast and its normal
// intervals; a longer one is calibrated and averages Combine methods, best
// first.
func TestChooseFallsBackWhenShort(t *testing.T) {
	short, err := Choose(weekly(21, 100, 0, 3, 1), 7, 7)
	if err != nil {
		t.Fatal(err)
	}
	if short.Calibrated || len(short.Methods) != 1 || !slices.Equal(short.Forecast(7), short.Robust.Forecast(7)) {
		t.Errorf("21 days: calibrated %v, methods %v", short.Calibrated, short.Methods)
	}
	long, err := Choose(weekly(70, 200, 2, 3, 1), 7, 14)
	if err != nil {
		t.Fatal(err)
	}
	if !long.Calibrated || len(long.Methods) != Combine || long.CVOrigins != 23 {
		t.Errorf("70 days: calibrated %v, methods %v, origins %d", long.Calibrated, long.Methods, long.CVOrigins)
	}
	// Three seasons of hours, the backtest's first origin on hourly data:
	// fitted on the first two, cross-validated from each hour of the third
	// (24 origins, 24+23+…+1 = 300 scores at 48 ahead).
	if got := cvStart(72, 24); got != 48 {
		t.Errorf("cvStart(72, 24) = %d, want 48", got)
	}
	if got := cvStart(21, 7); got != 15 {
		t.Errorf("cvStart(21, 7) = %d, want 15 (ETS(A,Ad,A) has 13 parameters)", got)
	}
	r := rand.New(rand.NewSource(3))
	hours := make([]float64, 72)
	for i := range hours {
		hours[i] = 500 + 300*math.Sin(2*math.Pi*float64(i%24)/24) + 20*r.NormFloat64()
	}
	three, err := Choose(hours, 24, 48)
	if err != nil {
		t.Fatal(err)
	}
	if !three.Calibrated || three.CVOrigins != 24 || three.CVScores != 300 {
		t.Errorf("72 hours: calibrated %v, origins %d, scores %d", three.Calibrated, three.CVOrigins, three.CVScores)
	}
	truth := weekly(84, 200, 2, 0, 1)
	for j, p := range long.Forecast(14) {
		if math.Abs(p.Value-truth[70+j]) > 12 || !(p.Lo95 <= p.Lo80 && p.Lo80 <= p.Value && p.Value <= p.Hi80 && p.Hi80 <= p.Hi95) {
			t.Errorf("step %d: %+v, truth %.1f", j+1, p, truth[70+j])
		}
	}
}

// Choose fits only the latest MaxHistory points: a longer series forecasts
// as its tail does.
func TestChooseUsesTheLatestHistory(t *testing.T) {
	y := weekly(MaxHistory+30, 100, 0.01, 3, 9)
	y[5] = 1e6 // far back: must not matter
	a, err := Choose(y, 7, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Choose(y[30:], 7, 7)
	if !slices.Equal(a.Forecast(7), b.Forecast(7)) {
		t.Fatal("points before the last MaxHistory changed the forecast")
	}
}

// SinceGap by hand, m = 2 (a long empty run is MinPoints(2) = 4 intervals
// of 0 or missing).
func TestSinceGapByHand(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		y    []float64
		want int
	}{
		{nil, 0},
		{[]float64{1, 2, 3}, 0},
		{[]float64{5, 0, 0, 0, 0, 3, 4}, 5},
		{[]float64{5, 0, 0, 0, 3, 4}, 0}, // three empty: not a gap
		{[]float64{1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 7, 8}, 11}, // the last gap
		{[]float64{1, nan, 0, nan, 0, 2}, 5},                   // missing counts as empty
		{[]float64{0, 0, 0, 0, 6, 7}, 4},                       // leading emptiness
		{[]float64{0, 0, 0, 0, 0}, 0},                          // all empty
		{[]float64{3, 4, 0, 0, 0, 0, 0}, 2},                    // it ends in a gap: the gap
		{[]float64{3, 4, 0, 0, 0}, 0},                          // a short trailing run
		{[]float64{3, 0, 0, 0, 0, -1, 2}, 5},                   // any non-zero value ends a run
	} {
		if got := SinceGap(c.y, 2); got != c.want {
			t.Errorf("SinceGap(%v) = %d, want %d", c.y, got, c.want)
		}
	}
}

// One stray event, three empty weeks, then eight weeks of data: Choose
// forecasts as from the eight weeks alone; with only ten days after the
// gap it refuses, and ForSeries says why.
func TestChooseStartsAfterAGap(t *testing.T) {
	data := weekly(56, 100, 0.2, 3, 5)
	y := append(append([]float64{9}, make([]float64, 21)...), data...)
	a, err := Choose(y, 7, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Choose(data, 7, 7)
	if !slices.Equal(a.Forecast(7), b.Forecast(7)) || a.String() != b.String() {
		t.Fatal("the history before the empty weeks changed the forecast")
	}
	short := y[:22+10]
	if _, err := Choose(short, 7, 7); !errors.Is(err, ErrShort) {
		t.Fatalf("10 days after the gap: %v, want ErrShort", err)
	}
	labels := make([]string, len(short))
	for i := range labels {
		labels[i] = fmt.Sprintf("d%d", i)
	}
	s := ForSeries("x", labels, short, 7, 7, func(k int) string { return "" }, true)
	if want := "10 intervals since d22, after 14 or more with no event; a forecast needs at least 14 (two seasons of 7)"; s.Refused != want {
		t.Errorf("refused %q, want %q", s.Refused, want)
	}
}

// The classical decomposition's profile by hand: a line plus a season
// that sums to 0. The centred moving average of a whole season (2×m for
// even m) of such a series is the line itself, so every deviation from it
// is the season term exactly: m = 4, season (2, −1, 0, −1); m = 3,
// season (1, −3, 2). A masked point drops the windows that hold it; a
// position left without one gets 0 before the centring.
func TestSeasonProfileByHand(t *testing.T) {
	for _, season := range [][]float64{{2, -1, 0, -1}, {1, -3, 2}} {
		m := len(season)
		y := make([]float64, 5*m)
		for i := range y {
			y[i] = 10 + 0.5*float64(i) + season[i%m]
		}
		got := seasonProfile(y, make([]bool, len(y)), m, len(y))
		for j, w := range season {
			near(t, fmt.Sprintf("m=%d profile[%d]", m, j), got[j], w, 1e-12)
		}
		// Only the first 2m points: still exact, from fewer windows.
		got = seasonProfile(y, make([]bool, len(y)), m, 2*m)
		for j, w := range season {
			near(t, fmt.Sprintf("m=%d profile[%d] of 2m points", m, j), got[j], w, 1e-12)
		}
	}
	// y = 0, 0, 0, 6 (m = 3, odd): windows centred on t = 1, 2 only; the
	// means are 0 and 2, so the deviations are 0 at position 1 and −2 at
	// position 2, position 0 has none (0); centred: (2/3, 2/3, −4/3).
	got := seasonProfile([]float64{0, 0, 0, 6}, make([]bool, 4), 3, 4)
	for j, w := range []float64{2.0 / 3, 2.0 / 3, -4.0 / 3} {
		near(t, fmt.Sprintf("small profile[%d]", j), got[j], w, 1e-12)
	}
	// Masking point 3 drops the window of t = 2: only t = 1 is left.
	got = seasonProfile([]float64{0, 0, 0, 6}, []bool{false, false, false, true}, 3, 4)
	for j, w := range []float64{0, 0, 0} {
		near(t, fmt.Sprintf("masked profile[%d]", j), got[j], w, 1e-12)
	}
}

// The seasonally adjusted candidates are offered for seasons of 24 and
// more only, on both scales, without and with a damped trend; on a day of
// hours each also with a week's profile.
func TestAdjustedOfferedForLongSeasons(t *testing.T) {
	count := func(m int) int {
		n := 0
		for _, me := range candidates(m, true) {
			if me.Kind == Adjusted {
				n++
				if me.Model.Seasonal {
					t.Errorf("m=%d: %s has a season of its own", m, me)
				}
			}
		}
		return n
	}
	if n := count(7); n != 0 {
		t.Errorf("a week of days got %d adjusted candidates, want none", n)
	}
	if n := count(24); n != 8 {
		t.Errorf("a day of hours got %d adjusted candidates, want 8 (4 of them weekly)", n)
	}
	if n := count(52); n != 4 {
		t.Errorf("a year of weeks got %d adjusted candidates, want 4", n)
	}
	for _, m := range []int{7, 52} {
		for _, me := range candidates(m, true) {
			if me.Weekly {
				t.Errorf("m=%d: %s offered; a week's profile is for a day of hours", m, me)
			}
		}
	}
	if n := count(LongSeason - 1); n != 0 {
		t.Errorf("m=%d got %d adjusted candidates", LongSeason-1, n)
	}
}

// The adjusted candidates' cross-validation forecasts against the slow
// way: the profile of the cleaned points before the first origin o0, ETS
// fitted on the adjusted points before o0, and for every origin o that
// fit filtered with the same parameters up to o: its forecast plus the
// profile. Changing the points from o0 on must not change the forecast
// from o0, and two seasons are too few to fit on.
func TestAdjustedMatchesReplay(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const m = 24
	for trial := range 8 {
		weekly := trial >= 4
		period := m
		if weekly {
			period *= WeekDays
		}
		n := 4*period + 1 + r.Intn(2*m) // cross-validated from more than two seasons
		y := make([]float64, n)
		for i := range y {
			y[i] = math.Max(0, math.Round(20+10*math.Sin(2*math.Pi*float64(i%m)/m)+0.05*float64(i)+4*r.NormFloat64()))
			if weekly && (i/m)%WeekDays == 3 {
				y[i] += 8
			}
		}
		mask := make([]bool, n)
		out := r.Intn(n)
		mask[out] = true
		clean := slices.Clone(y)
		clean[out] = 25
		me := Method{Kind: Adjusted, Model: Models[2*(trial%2)], Log: trial%4 >= 2, Weekly: weekly}
		c := &Choice{y: y, clean: clean, mask: mask, m: m, nonNeg: true}
		if c.predictor(me, 2*period) != nil {
			t.Fatal("fitted on two seasons; stl asks for more")
		}
		o0 := cvStart(n, m)
		p := c.predictor(me, o0)
		if p == nil {
			t.Fatalf("trial %d: no fit from %d of %d points", trial, o0, n)
		}
		scale := func(v float64) float64 {
			if me.Log {
				return math.Log1p(math.Max(v, 0))
			}
			return v
		}
		zc := make([]float64, o0)
		for i := range zc {
			zc[i] = scale(clean[i])
		}
		season := seasonProfile(zc, make([]bool, o0), m, o0)
		if weekly {
			season = weekProfileRef(zc, m)
		}
		adj := make([]float64, n)
		for i := range adj {
			adj[i] = scale(y[i]) - season[i%period]
		}
		f := FitModel(adj[:o0], m, me.Model, mask[:o0])
		// The future of o0 changes nothing from o0.
		c2 := &Choice{y: slices.Clone(y), clean: slices.Clone(clean), mask: mask, m: m, nonNeg: true}
		for i := o0; i < n; i++ {
			c2.y[i], c2.clean[i] = 1e6, 1e6
		}
		q := c2.predictor(me, o0)
		for j := 1; j <= 30; j++ {
			if q.point(o0, j) != p.point(o0, j) {
				t.Fatalf("trial %d: the points after the origin moved its forecast", trial)
			}
		}
		for o := o0; o < n; o++ {
			ref := *f
			ref.filter(adj[:o], mask[:o], nil, f.start)
			for j, w := range ref.Forecast(30) {
				want := w.Value + season[(o+j)%period]
				near(t, me.String()+" forecast", p.point(o, j+1), want, 1e-9*math.Abs(want)+1e-9)
			}
			p.advance(o)
		}
	}
}

// weekProfile by hand. A line plus a season of the day has no weekday
// effect: the week's profile of the adjusted series (the line) is 0, so
// the profile is the day's repeated, exactly. With weekday offsets too,
// the day's moving average straddles two days at every hour, so each
// hour's deviation holds a difference of neighbouring weekdays' offsets;
// they cancel over a week and are 1/(4·weeks) of the largest difference
// at most after 20 weeks, which is the tolerance.
func TestWeekProfileByHand(t *testing.T) {
	day := []float64{2, -1, 0, -1} // m = 4
	off := []float64{3, -1, -1, -1, -1, 2, -1}
	const m, weeks = 4, 20
	for _, withOff := range []bool{false, true} {
		y := make([]float64, weeks*WeekDays*m)
		for i := range y {
			y[i] = 10 + 0.01*float64(i) + day[i%m]
			if withOff {
				y[i] += off[(i/m)%WeekDays]
			}
		}
		tol := 1e-9
		if withOff {
			tol = 4.0 / (4 * weeks)
		}
		got := weekProfile(y, m)
		if len(got) != WeekDays*m {
			t.Fatalf("%d terms, want %d", len(got), WeekDays*m)
		}
		for i, g := range got {
			want := day[i%m]
			if withOff {
				want += off[i/m]
			}
			near(t, fmt.Sprintf("offsets %v: profile[%d]", withOff, i), g, want, tol)
		}
	}
}

// On a noisy day of hours whose weekend is busier, the week's profile is
// what the history shows: the forecast averages a weekly adjusted
// candidate first, and alone it forecasts the next weekend's two days
// closer to the truth than the same model with the day's profile only.
// (Without noise the robust fit would take every weekend hour for an
// outlier: the detector's model has the day's season only.)
func TestWeeklyAdjustedForecastsTheWeekend(t *testing.T) {
	const m = 24
	r := rand.New(rand.NewSource(5))
	truth := func(i int) float64 {
		v := 50 + 20*math.Sin(2*math.Pi*float64(i%m)/m)
		if d := (i / m) % WeekDays; d >= 5 {
			v += 12
		}
		return v
	}
	y := make([]float64, 5*WeekDays*m-2*m) // ends before a weekend
	for i := range y {
		y[i] = math.Round(truth(i) + 3*r.NormFloat64())
	}
	c, err := Choose(y, m, 2*m)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Methods[0].Weekly {
		t.Fatalf("best %s (of %s), want a weekly adjusted candidate", c.Methods[0], c)
	}
	mae := func(me Method) float64 {
		c.Methods = []Method{me}
		sum := 0.0
		for j, p := range c.Forecast(2 * m) {
			sum += math.Abs(p.Value-truth(len(y)+j)) / (2 * m)
		}
		return sum
	}
	weekly := c.Methods[0]
	daily := weekly
	daily.Weekly = false
	if w, d := mae(weekly), mae(daily); w > 2 || w >= d {
		t.Errorf("mean error over the weekend %.2f with the week's profile, %.2f with the day's; want under 2 and less", w, d)
	} else {
		t.Logf("mean error over the weekend %.2f with the week's profile, %.2f with the day's", w, d)
	}
}

// weekProfileRef is weekProfile the slow way, from its definition: the
// deviation of every point from its centred moving average of a day (of a
// week, for the day-adjusted points), averaged by position and centred;
// then each weekday's mean of the week's terms added to the day's.
func weekProfileRef(y []float64, m int) []float64 {
	profile := func(y []float64, m int) []float64 {
		var w []float64 // the centred moving average's weights
		for k := -m / 2; k <= m/2; k++ {
			if m%2 == 0 && (k == -m/2 || k == m/2) {
				w = append(w, 0.5/float64(m))
			} else {
				w = append(w, 1/float64(m))
			}
		}
		sum, cnt := make([]float64, m), make([]float64, m)
		for t := m / 2; t+m/2 < len(y); t++ {
			ma := 0.0
			for k, wk := range w {
				ma += wk * y[t-m/2+k]
			}
			sum[t%m] += y[t] - ma
			cnt[t%m]++
		}
		mean := 0.0
		for j := range sum {
			sum[j] /= cnt[j]
			mean += sum[j] / float64(m)
		}
		for j := range sum {
			sum[j] -= mean
		}
		return sum
	}
	day := profile(y, m)
	adj := make([]float64, len(y))
	for i, v := range y {
		adj[i] = v - day[i%m]
	}
	week := profile(adj, WeekDays*m)
	out := make([]float64, WeekDays*m)
	for i := range out {
		d := i / m
		off := 0.0
		for k := range m {
			off += week[d*m+k] / float64(m)
		}
		out[i] = day[i%m] + off
	}
	return out
}

// The seasonal median by hand, m = 3, on four seasons 1 2 3 | 4 5 6 |
// 10 0 9 | 7 8 20. From the end (o = 12) over 3 seasons: the next point's
// position holds 7, 10, 4 in the last three seasons (median 7), the one
// after 8, 0, 5 (5), the third 20, 9, 6 (9); the fourth point ahead is
// the first's position again, from the same seasons (7). Over 2 seasons
// the first is the mean of the middle two, 7 and 10: 8.5. From o = 4 the
// next point's position has one season known (2): the median of what
// there is. Its spread grows as seasonal naive's, √2 a season ahead.
func TestSeasonalMedianByHand(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6, 10, 0, 9, 7, 8, 20}
	c := &Choice{y: y, clean: y, mask: make([]bool, len(y)), m: 3, nonNeg: true}
	p := c.predictor(Method{Kind: SeasonalMedian, Seasons: 3}, 6)
	for j, want := range []float64{7, 5, 9, 7} {
		near(t, fmt.Sprintf("3 seasons, step %d", j+1), p.point(12, j+1), want, 0)
	}
	near(t, "3 seasons from o=4", p.point(4, 1), 2, 0)
	near(t, "spread a season ahead", p.spread(12, 4), math.Sqrt2, 1e-15)
	p2 := c.predictor(Method{Kind: SeasonalMedian, Seasons: 2}, 6)
	near(t, "2 seasons, step 1", p2.point(12, 1), 8.5, 0)
	for _, m := range []int{1, 7, 24} {
		var got []int
		for _, me := range candidates(m, true) {
			if me.Kind == SeasonalMedian {
				got = append(got, me.Seasons)
			}
		}
		if want := MedianSeasons; m < 2 {
			if len(got) != 0 {
				t.Errorf("m=%d: seasonal medians %v offered without a season", m, got)
			}
		} else if !slices.Equal(got, want) {
			t.Errorf("m=%d: seasonal medians of %v seasons, want %v", m, got, want)
		}
	}
}

// The seasonal median against its definition on random series: the
// median (by sorting) of the values at the step's position in the latest
// season the origin knows it in and the seasons before, up to Seasons of
// them; and nothing from the origin on moves it.
func TestSeasonalMedianMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for trial := range 300 {
		m := 2 + r.Intn(30)
		n := 2*m + r.Intn(20*m)
		y := make([]float64, n)
		for i := range y {
			y[i] = float64(r.Intn(50))
		}
		k := 1 + r.Intn(20)
		o := 2*m + r.Intn(n-2*m+1)
		j := 1 + r.Intn(3*m)
		var vs []float64
		for s := 0; s < k; s++ {
			i := o + j - 1 - m*int(math.Ceil(float64(j)/float64(m))) - s*m
			if i < 0 {
				break
			}
			vs = append(vs, y[i])
		}
		slices.Sort(vs)
		want := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			want = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		me := Method{Kind: SeasonalMedian, Seasons: k}
		clean := slices.Clone(y)
		got := (&Choice{y: y, clean: clean, mask: make([]bool, n), m: m}).predictor(me, o).point(o, j)
		for i := o; i < n; i++ {
			clean[i] = 1e9
		}
		blind := (&Choice{y: y, clean: clean, mask: make([]bool, n), m: m}).predictor(me, o).point(o, j)
		if got != want || blind != want {
			t.Fatalf("trial %d (m=%d, k=%d, o=%d, j=%d): %v (%v with the future changed), want %v", trial, m, k, o, j, got, blind, want)
		}
	}
}

// A forecast of hours says when its history is too short for the
// weekday's pattern: the week's profile candidate is cross-validated from
// 505 hours (its fit before the first origin over two weeks: cvStart(505,
// 24) = 337 > 336) and not from 504 (cvStart 336), and the model's name
// says so with the days of history it rests on — those after a two-day
// empty stretch only. Days of days never get the note.
func TestWithoutWeekdaySaysSo(t *testing.T) {
	const m = 24
	r := rand.New(rand.NewSource(8))
	hours := func(n int) []float64 {
		y := make([]float64, n)
		for i := range y {
			y[i] = math.Round(40 + 15*math.Sin(2*math.Pi*float64(i%m)/m) + 4*r.NormFloat64())
		}
		return y
	}
	weekly := Method{Kind: Adjusted, Weekly: true}
	for _, tc := range []struct {
		n       int
		without bool
	}{{504, true}, {505, false}} {
		c, err := Choose(hours(tc.n), m, 2*m)
		if err != nil {
			t.Fatal(err)
		}
		days, without := c.WithoutWeekday()
		if without != tc.without || days != float64(tc.n)/m {
			t.Errorf("%d hours: WithoutWeekday %v, %v days; want %v, %v", tc.n, without, days, tc.without, float64(tc.n)/m)
		}
		// The note is true of the cross-validation: the week's profile
		// can be fitted before its first origin exactly when it is absent.
		if fits := c.predictor(weekly, cvStart(tc.n, m)) != nil; fits == tc.without {
			t.Errorf("%d hours: week's profile fitted before the first origin: %v", tc.n, fits)
		}
	}
	label := func(n int) []string { return make([]string, n) }
	none := func(int) string { return "" }
	// Six days of hours, and 20 days after 10 empty ones (two seasons and
	// more of zeros: the history starts after them).
	six := hours(6 * m)
	late := append(make([]float64, 10*m), hours(20*m)...)
	for _, tc := range []struct {
		y    []float64
		want string
	}{{six, "; no weekday pattern: 6.0 days of hours, under the three weeks it needs"},
		{late, "; no weekday pattern: 20.0 days of hours, under the three weeks it needs"}} {
		s := ForSeries("x", label(len(tc.y)), tc.y, m, 2*m, none, false)
		if !strings.HasSuffix(s.Model, tc.want) {
			t.Errorf("%d hours: model %q, want it to end in %q", len(tc.y), s.Model, tc.want)
		}
	}
	if s := ForSeries("x", label(22*m), hours(22*m), m, 2*m, none, false); strings.Contains(s.Model, "weekday pattern") {
		t.Errorf("22 days of hours: model %q says it has no weekday pattern", s.Model)
	}
	if s := ForSeries("x", label(20), hours(20), 7, 14, none, false); strings.Contains(s.Model, "weekday pattern") {
		t.Errorf("20 days: model %q", s.Model)
	}
}
