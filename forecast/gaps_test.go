package forecast

import (
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"testing"
)

// nearEmpty by hand, m = 2, GapShare 0.15, GapMin 10:
//
//	i  0   1  2   3  4  5   6   7  8   9
//	y  1  50 100 50  0 50 100 50 14 50
//
// Point 4's reference is the median of y[0], y[2], y[6], y[8] = (14+100)/2
// = 57, and 0 ≤ 8.55: marked. Point 8's is the median of y[2], y[4], y[6]
// = 100, and 14 ≤ 15: marked. Point 0 is not (the series had not started:
// nothing before it is recorded), though its reference is 100.
func TestNearEmptyByHand(t *testing.T) {
	y := []float64{1, 50, 100, 50, 0, 50, 100, 50, 14, 50}
	got := nearEmpty(y, 2)
	want := []bool{false, false, false, false, true, false, false, false, true, false}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// The same point once the series has started: 1 ≤ 15 against y[0],
	// y[4], y[6] = 50, 100, 100.
	if got := nearEmpty([]float64{50, 50, 1, 50, 100, 50, 100, 50}, 2); !slices.Equal(got, []bool{false, false, true, false, false, false, false, false}) {
		t.Errorf("a started series' near-empty point: %v", got)
	}
	// A quiet series' zeros are noise: references under GapMin.
	if got := nearEmpty([]float64{3, 2, 0, 4, 3, 0, 2, 5, 0, 3}, 3); slices.Contains(got, true) {
		t.Errorf("a quiet series: %v", got)
	}
}

// nearEmpty against a slow reference written from its definition, on
// random series with gaps and missing points.
func TestNearEmptyAgainstReference(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for trial := 0; trial < 300; trial++ {
		m, n := 1+r.Intn(8), 5+r.Intn(60)
		y := make([]float64, n)
		for i := range y {
			switch r.Intn(8) {
			case 0:
				y[i] = float64(r.Intn(5))
			case 1:
				y[i] = math.NaN()
			default:
				y[i] = float64(r.Intn(200))
			}
		}
		got := nearEmpty(y, m)
		started := false
		for i, v := range y {
			want := false
			if !math.IsNaN(v) {
				var ref []float64
				for j := range y {
					if j != i && (j-i)%m == 0 && abs(j-i) <= 3*m && !math.IsNaN(y[j]) {
						ref = append(ref, y[j])
					}
				}
				sort.Float64s(ref)
				near := false
				if k := len(ref); k >= 2 {
					med := (ref[(k-1)/2] + ref[k/2]) / 2
					near = med >= GapMin && v <= GapShare*med
				}
				want = started && near
				started = started || !near && v > 0
			}
			if got[i] != want {
				t.Fatalf("trial %d (m %d) point %d: got %v, want %v; y %v", trial, m, i, got[i], want, y)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

// A recording gap — five days of 0–3 events in a weekly series of about
// 300 — is an anomaly marked as a gap; the forecast treats it as missing:
// the backtest lists the gap's held-out days as excluded and scores every
// other reached day as it does with those days undefined, and the
// forecast is the one of the series with those days missing as a
// recording gap (the level diffuse after it), not as undefined values.
func TestGapIsMissing(t *testing.T) {
	y := weekly(70, 300, 0.5, 6, 3)
	gap := []int{55, 56, 57, 58, 59}
	for k, i := range gap {
		y[i] = float64(k % 4)
	}
	labels := make([]string, len(y))
	for i := range labels {
		labels[i] = "d" + strconv.Itoa(i)
	}
	s := ForSeries("x", labels, y, 7, 7, func(k int) string { return "f" + strconv.Itoa(k) }, true)
	var marked []string
	for _, a := range s.Anomalies {
		if a.Gap {
			marked = append(marked, a.T)
		}
	}
	want := []string{"d55", "d56", "d57", "d58", "d59"}
	if !slices.Equal(marked, want) {
		t.Errorf("gaps %v, want %v (anomalies %+v)", marked, want, s.Anomalies)
	}
	b := s.Backtest
	if b == nil || !slices.Equal(b.Excluded, want) {
		t.Fatalf("excluded %+v, want %v", b, want)
	}
	for _, ho := range b.HeldOut {
		if slices.Contains(want, ho.T) {
			t.Errorf("gap day %s scored: %+v", ho.T, ho)
		}
	}
	missing := append([]float64(nil), y...)
	for _, i := range gap {
		missing[i] = math.NaN()
	}
	ref := ForSeries("x", labels, missing, 7, 7, func(k int) string { return "f" + strconv.Itoa(k) }, true)
	if ref.Backtest.Points != b.Points || !slices.Equal(ref.Backtest.Excluded, b.Excluded) {
		t.Errorf("with the gap: %+v\nwith the days undefined: %+v", b, ref.Backtest)
	}
	gaps := make([]bool, len(y))
	for _, i := range gap {
		gaps[i] = true
	}
	c, err := chooseGaps(missing, gaps, 7, 7)
	if err != nil {
		t.Fatal(err)
	}
	for j, p := range c.Forecast(7) {
		if s.Forecast[j].Value != p.Value || s.Forecast[j].Lo80 != p.Lo80 {
			t.Errorf("step %d: %+v, want the forecast with the gap missing %+v", j+1, s.Forecast[j], p)
		}
		if ref.Forecast[j].Value == p.Value {
			t.Errorf("step %d: the days undefined gave the gap's forecast %v", j+1, p.Value)
		}
	}
	// Without a gap nothing is excluded, and the key is there, empty.
	if c := ForSeries("x", labels, weekly(70, 300, 0.5, 6, 3), 7, 7, func(k int) string { return "" }, true); c.Backtest == nil || c.Backtest.Excluded == nil || len(c.Backtest.Excluded) != 0 {
		t.Errorf("no gap: %+v", c.Backtest)
	}
}

// A launch's first days are no gap: recording had not started. Nor is a
// lasting drop to a tenth, past its first days: the forecast follows the
// new level.
func TestNoGapInALaunchOrALevelDrop(t *testing.T) {
	y := weekly(70, 300, 0, 6, 5)
	for i := range 4 {
		y[i] = float64(i)
	}
	if g := Gaps(Detect(y, 7, OutlierZ, TrailingWindow)); slices.Contains(g, true) {
		t.Errorf("gaps in a launch: %v", g)
	}
	y = weekly(70, 300, 0, 6, 5)
	for i := 40; i < len(y); i++ {
		y[i] *= 0.1
	}
	for i, g := range Gaps(Detect(y, 7, OutlierZ, TrailingWindow)) {
		if g && (i < 40 || i > 42) {
			t.Errorf("day %d of a level drop at day 40 taken for a gap", i)
		}
	}
	s := ForSeries("x", make([]string, len(y)), y, 7, 7, func(k int) string { return "" }, false)
	for _, p := range s.Forecast {
		if p.Value < 20 || p.Value > 40 {
			t.Errorf("forecast %+v after a drop to about 30", p)
		}
	}
}

// gapEdges by hand, every expected value 100 (EdgeShare 0.3: weak ≤ 30):
//
//	i  0   1  2   3   4   5  6  7   8  9  10  11  12  13
//	y 100 90 20 NaN NaN 25 30 31 100 20 100 100 NaN 29
//
// 2 and 5 touch the gap; 6 is weak but only next to 5 (a run of low
// points after a gap is a level, not an edge); 9 is weak but touches no
// missing point; 11 touches one but is not weak; 13, the last, touches 12.
func TestGapEdgesByHand(t *testing.T) {
	nan := math.NaN()
	y := []float64{100, 90, 20, nan, nan, 25, 30, 31, 100, 20, 100, 100, nan, 29}
	flat := func(v float64, log bool) *Fit {
		f := &Fit{Log: log, Fitted: make([]float64, len(y))}
		for i := range f.Fitted {
			f.Fitted[i] = v
		}
		return f
	}
	want := []int{2, 5, 13}
	if got := gapEdges(y, flat(100, false)); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A log model's expected value is exp(fitted)−1.
	if got := gapEdges(y, flat(math.Log1p(100), true)); !slices.Equal(got, want) {
		t.Errorf("log fit: got %v, want %v", got, want)
	}
	// Expected 60: weak ≤ 18, which none of 2, 5 and 13 is.
	if got := gapEdges(y, flat(60, false)); len(got) != 0 {
		t.Errorf("expected 60: got %v, want none", got)
	}
}

// gapEdges against its definition, written slowly: an observed point is an
// edge when it is at most EdgeShare of its expected value and the point
// before or after it is missing.
func TestGapEdgesMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for draw := range 300 {
		n := 1 + r.Intn(40)
		y := make([]float64, n)
		f := &Fit{Fitted: make([]float64, n)}
		for i := range y {
			y[i] = float64(r.Intn(160))
			if r.Float64() < 0.15 {
				y[i] = math.NaN()
			}
			f.Fitted[i] = 50 + float64(r.Intn(100))
		}
		var want []int
		for i, v := range y {
			missing := func(j int) bool { return j >= 0 && j < n && math.IsNaN(y[j]) }
			if !math.IsNaN(v) && v <= EdgeShare*f.Fitted[i] && (missing(i-1) || missing(i+1)) {
				want = append(want, i)
			}
		}
		if got := gapEdges(y, f); !slices.Equal(got, want) {
			t.Fatalf("draw %d: y %v, expected %v: got %v, want %v", draw, y, f.Fitted, got, want)
		}
	}
}

// A gap with partly recorded days in it and after it (16 and 12 among
// days of about 100, above GapShare of them, so not gaps themselves), the
// last the series' last day, as DIGINETICA's 11–20 May gap is to the
// origins just after it: Choose leaves them out of every fit as outliers —
// in Robust.Outliers, masked, the clean series holding the expected value
// there — while they stay observed values; and the forecast's level is the
// level before the gap, where with them in the fit it falls. The fixture
// is noisy enough that Select alone keeps both in its fit (checked first,
// or the test would not test gapEdges).
func TestChooseLeavesGapEdgesOut(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const m = 7
	y := make([]float64, 84)
	for i := range y {
		y[i] = math.Round(100 * (1 + 0.3*math.Sin(2*math.Pi*float64(i%m)/m)) * math.Exp(0.45*r.NormFloat64()))
	}
	for _, i := range []int{77, 78, 79, 81, 82} {
		y[i] = math.NaN()
	}
	y[80], y[83] = 16, 12
	f := mustSelect(t, y, m)
	if slices.Contains(f.Outliers, 80) || slices.Contains(f.Outliers, 83) {
		t.Fatalf("fixture: Select alone leaves out %v; want 80 and 83 kept", f.Outliers)
	}
	c, err := Choose(y, m, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{80, 83} {
		if !slices.Contains(c.Robust.Outliers, i) || !c.mask[i] || c.y[i] != y[i] || c.clean[i] != c.Robust.Expected(i) {
			t.Errorf("point %d (%v): outliers %v, masked %v, kept %v, clean %v (expected %v)",
				i, y[i], c.Robust.Outliers, c.mask[i], c.y[i], c.clean[i], c.Robust.Expected(i))
		}
	}
	if !sort.IntsAreSorted(c.Robust.Outliers) {
		t.Errorf("outliers %v not ascending", c.Robust.Outliers)
	}
	before := 0.0
	for _, v := range y[70:77] {
		before += v / m
	}
	mean := func(ps []Point) float64 {
		s := 0.0
		for _, p := range ps {
			s += p.Value / float64(len(ps))
		}
		return s
	}
	without, with := mean(c.Forecast(m)), mean(chooseOn(c.y, c.gap, m, m, f).Forecast(m))
	if math.Abs(without-before) > before/5 || with > without-before/10 {
		t.Errorf("a week's forecast %.1f without the edges, %.1f with them; the week before the gap %.1f", without, with, before)
	}
}

func mustSelect(t *testing.T, y []float64, m int) *Fit {
	t.Helper()
	f, err := Select(y, m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
