package experiment

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

// Expected bounds: Newcombe RG (1998), "Two-sided confidence intervals for
// the single proportion: comparison of seven methods", Statistics in
// Medicine 17:857-872, Table II, method 3 (score interval without
// continuity correction), examples 81/263, 15/148, 0/20 and 1/29.
func TestWilsonNewcombe1998(t *testing.T) {
	for _, c := range []struct {
		x, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0.0000, 0.1611},
		{1, 29, 0.0061, 0.1718},
	} {
		lo, hi := Wilson(c.x, c.n, z95)
		near(t, "Wilson lower", lo, c.lo, 5e-5)
		near(t, "Wilson upper", hi, c.hi, 5e-5)
	}
	// 100% conversions mirrors 0%: 20/20 is [1 − 0.1611, 1].
	lo, hi := Wilson(20, 20, z95)
	near(t, "Wilson 20/20 lower", lo, 1-0.1611, 5e-5)
	if hi != 1 {
		t.Errorf("Wilson 20/20 upper = %v, want exactly 1", hi)
	}
	if lo, hi := Wilson(0, 0, z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson with no users = %v, %v; want NaN (undefined)", lo, hi)
	}
}

// Expected bounds: Newcombe RG (1998), "Interval estimation for the
// difference between independent proportions: comparison of eleven
// methods", Statistics in Medicine 17:873-890, Table II, method 10
// (hybrid score), examples (a)-(h).
func TestNewcombeDifference1998(t *testing.T) {
	for _, c := range []struct {
		x1, n1, x2, n2 int
		lo, hi         float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{6, 7, 2, 7, 0.0582, 0.8062},
		{5, 56, 0, 29, -0.0381, 0.1926},
		{0, 10, 0, 20, -0.1611, 0.2775},
		{0, 10, 0, 10, -0.2775, 0.2775},
		{10, 10, 0, 20, 0.6791, 1.0000},
		{10, 10, 0, 10, 0.6075, 1.0000},
	} {
		lo, hi := NewcombeDiff(c.x1, c.n1, c.x2, c.n2, z95)
		near(t, "Newcombe lower", lo, c.lo, 5e-5)
		near(t, "Newcombe upper", hi, c.hi, 5e-5)
	}
}

func TestRatioCITextbook(t *testing.T) {
	// Moore, McCabe & Craig, Introduction to the Practice of Statistics,
	// 9th ed., Example 8.18 (aspirin and blood clots): 45 of 411 major
	// events on aspirin, 73 of 411 on placebo; relative risk 0.62, 95%
	// confidence interval 0.4364 to 0.8707. RatioCI gives it as a lift
	// (ratio − 1).
	lo, hi := RatioCI(45, 411, 73, 411, z95)
	near(t, "RR lower", lo+1, 0.4364, 5e-5)
	near(t, "RR upper", hi+1, 0.8707, 5e-5)
	if lo, hi := RatioCI(0, 10, 3, 10, z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("no conversions: %v, %v; want NaN", lo, hi)
	}
}

func TestZTestTextbook(t *testing.T) {
	// OpenIntro Statistics (Diez, Çetinkaya-Rundel, Barr), 4th ed., section
	// 6.2.3: mammogram group 500 deaths of 44,925, control 505 of 44,910;
	// pooled proportion 0.0112, Z = −0.17, two-sided p-value 0.87. The book
	// rounds its intermediates (difference −0.00012, SE 0.00070); unrounded
	// Z is −0.164, hence the tolerance.
	z, p := ZTest(500, 44925, 505, 44910)
	near(t, "mammogram z", z, -0.17, 0.01)
	near(t, "mammogram p", p, 0.87, 0.01)
	// Minitab "Test and CI for Two Proportions" with the pooled estimate,
	// 48 of 550 against 56 of 450: Z = -1.92, P-Value = 0.055 (output
	// quoted in stats.stackexchange.com question 531604).
	z, p = ZTest(48, 550, 56, 450)
	near(t, "Minitab z", z, -1.92, 0.005)
	near(t, "Minitab p", p, 0.055, 0.0005)
	// No variance at all (0% against 0%, 100% against 100%): no evidence.
	for _, c := range [][4]int{{0, 10, 0, 30}, {10, 10, 30, 30}} {
		if z, p := ZTest(c[0], c[1], c[2], c[3]); z != 0 || p != 1 {
			t.Errorf("ZTest%v = %v, %v; want 0, 1", c, z, p)
		}
	}
}

func TestFisherTeaTasting(t *testing.T) {
	// Agresti, Categorical Data Analysis (2002), section 3.5.2, Fisher's tea
	// tasting: [[3,1],[1,3]], one-sided P = 0.243, two-sided P = 0.486.
	near(t, "tea two-sided", Fisher(3, 1, 1, 3), 0.4857, 5e-5)
	// The most extreme table: P = 2 × 1/70 = 0.0286.
	near(t, "tea extreme", Fisher(4, 0, 0, 4), 2.0/70, 1e-9)
	// Every table is at most as likely as the most likely one.
	near(t, "balanced", Fisher(2, 2, 2, 2), 1, 1e-12)
}

func TestWelchSleep(t *testing.T) {
	// R documentation, t.test(extra ~ group, data = sleep) (Student 1908,
	// Cushny & Peebles data): t = -1.8608, df = 17.776, p-value = 0.07939,
	// 95 percent CI -3.3654832 0.2054832.
	x := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	y := []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
	mx, vx := meanVar(x)
	my, vy := meanVar(y)
	r := Welch(len(x), mx, vx, len(y), my, vy, 0.975)
	near(t, "t", r.T, -1.8608, 5e-5)
	near(t, "df", r.DF, 17.776, 5e-4)
	near(t, "p", r.P, 0.07939, 5e-6)
	near(t, "lo", r.Lo, -3.3654832, 1e-6)
	near(t, "hi", r.Hi, 0.2054832, 1e-6)
	if r := Welch(1, 3, 0, 5, 1, 2, 0.975); !math.IsNaN(r.P) {
		t.Errorf("Welch with one value in a group: p = %v, want NaN", r.P)
	}
	if r := Welch(3, 0, 0, 5, 0, 0, 0.975); !math.IsNaN(r.P) || r.Diff != 0 {
		t.Errorf("Welch with no variance: %+v, want NaN p and diff 0", r)
	}
}

func TestChiSquareMendel(t *testing.T) {
	// Agresti, Categorical Data Analysis (2nd ed., 2002), section 1.5.4,
	// testing Mendel's theories: 6,022 yellow and 2,001 green seeds against
	// 3:1 give X² = 0.015, P-value = 0.90.
	chi2, p := ChiSquareGOF([]int{6022, 2001}, []float64{3, 1})
	near(t, "yellow/green X²", chi2, 0.015, 5e-4)
	near(t, "yellow/green p", p, 0.90, 0.005)
	// Mendel's dihybrid cross (round yellow 315, round green 108, wrinkled
	// yellow 101, wrinkled green 32) against 9:3:3:1, the classic
	// goodness-of-fit example: X² = 0.470, df = 3, P = 0.925 (R:
	// chisq.test(c(315,108,101,32), p = c(9,3,3,1)/16) prints X-squared =
	// 0.47002, p-value = 0.9254).
	chi2, p = ChiSquareGOF([]int{315, 108, 101, 32}, []float64{9, 3, 3, 1})
	near(t, "X²", chi2, 0.47002, 5e-6)
	near(t, "p", p, 0.9254, 5e-5)
	// Even split with one category: no test.
	if _, p := ChiSquareGOF([]int{5}, []float64{1}); !math.IsNaN(p) {
		t.Errorf("one category: p = %v, want NaN", p)
	}
}

func TestSampleSizeMatchesPowerPropTest(t *testing.T) {
	// R documentation example power.prop.test(p1 = .50, p2 = .75,
	// power = .90) gives n = 76.7 per group.
	near(t, "n", SampleSize(0.5, 0.75, 0.05, 0.90), 76.65, 0.1)
	if n := SampleSize(0.3, 0.3, 0.05, 0.8); !math.IsInf(n, 1) {
		t.Errorf("no lift: n = %v, want +Inf", n)
	}
}

func meanVar(x []float64) (float64, float64) {
	s := 0.0
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	q := 0.0
	for _, v := range x {
		q += (v - m) * (v - m)
	}
	return m, q / float64(len(x)-1)
}

// naiveWilson inverts the score test by bisection: the interval is every
// p with |x/n − p| ≤ z·√(p(1−p)/n).
func naiveWilson(x, n int, z float64) (float64, float64) {
	ph := float64(x) / float64(n)
	inside := func(p float64) bool { return math.Abs(ph-p) <= z*math.Sqrt(p*(1-p)/float64(n)) }
	bound := func(out, in float64) float64 {
		for range 200 {
			mid := (out + in) / 2
			if inside(mid) {
				in = mid
			} else {
				out = mid
			}
		}
		return in
	}
	lo, hi := 0.0, 1.0
	if !inside(0) {
		lo = bound(0, ph)
	}
	if !inside(1) {
		hi = bound(1, ph)
	}
	return lo, hi
}

// naiveFisher enumerates every table with the observed margins, with
// probabilities from products of factorial ratios in float.
func naiveFisher(a, b, c, d int) float64 {
	r1, c1, n := a+b, a+c, a+b+c+d
	choose := func(n, k int) float64 {
		v := 1.0
		for i := 1; i <= k; i++ {
			v = v * float64(n-k+i) / float64(i)
		}
		return v
	}
	prob := func(k int) float64 { return choose(r1, k) * choose(n-r1, c1-k) / choose(n, c1) }
	obs, p := prob(a), 0.0
	for k := 0; k <= min(r1, c1); k++ {
		if c1-k > n-r1 {
			continue
		}
		if q := prob(k); q <= obs*(1+1e-7) {
			p += q
		}
	}
	return p
}

func TestStatsAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		n1, n2 := 1+rng.IntN(60), 1+rng.IntN(60)
		x1, x2 := rng.IntN(n1+1), rng.IntN(n2+1)
		lo, hi := Wilson(x1, n1, z95)
		nlo, nhi := naiveWilson(x1, n1, z95)
		near(t, "Wilson lo vs naive", lo, nlo, 1e-9)
		near(t, "Wilson hi vs naive", hi, nhi, 1e-9)
		near(t, "Fisher vs naive", Fisher(x1, n1-x1, x2, n2-x2), naiveFisher(x1, n1-x1, x2, n2-x2), 1e-9)
		// The pooled z-test is the Pearson chi-square on the 2×2 table.
		z, p := ZTest(x1, n1, x2, n2)
		obs := [2][2]float64{{float64(x1), float64(n1 - x1)}, {float64(x2), float64(n2 - x2)}}
		rows := [2]float64{float64(n1), float64(n2)}
		cols := [2]float64{float64(x1 + x2), float64(n1 + n2 - x1 - x2)}
		x2stat, ok := 0.0, cols[0] > 0 && cols[1] > 0
		for i := range 2 {
			for j := range 2 {
				if ok {
					e := rows[i] * cols[j] / float64(n1+n2)
					x2stat += (obs[i][j] - e) * (obs[i][j] - e) / e
				}
			}
		}
		near(t, "z² vs Pearson X²", z*z, x2stat, 1e-6*(1+x2stat))
		if ok {
			near(t, "z p vs chi-square p", p, distuv.ChiSquared{K: 1}.Survival(x2stat), 1e-9)
		}
		// The difference interval contains the observed difference and
		// stays inside [−1, 1].
		dlo, dhi := NewcombeDiff(x1, n1, x2, n2, z95)
		d := float64(x1)/float64(n1) - float64(x2)/float64(n2)
		if dlo > d+1e-12 || dhi < d-1e-12 || dlo < -1-1e-12 || dhi > 1+1e-12 {
			t.Fatalf("Newcombe %d/%d − %d/%d = [%v, %v] misses %v or leaves [−1, 1]", x1, n1, x2, n2, dlo, dhi, d)
		}
	}
	// At the computed sample size the normal-approximation power is 80%.
	for range 200 {
		p1, p2 := 0.01+0.98*rng.Float64(), 0.01+0.98*rng.Float64()
		n := SampleSize(p1, p2, 0.05, 0.8)
		pbar := (p1 + p2) / 2
		pow := distuv.UnitNormal.CDF((math.Sqrt(n)*math.Abs(p1-p2) - z95*math.Sqrt(2*pbar*(1-pbar))) / math.Sqrt(p1*(1-p1)+p2*(1-p2)))
		near(t, "power at SampleSize", pow, 0.8, 1e-9)
	}
}

// NaN and infinities are not shares (--mde NaN was accepted: NaN <= 0 is
// false).
func TestParseShareFinite(t *testing.T) {
	for _, v := range []string{"NaN", "nan%", "Inf", "-inf", "+Inf%"} {
		if _, err := ParseShare(v); err == nil {
			t.Errorf("ParseShare(%q) accepted", v)
		}
	}
	if f, err := ParseShare("10%"); err != nil || f != 0.1 {
		t.Errorf("ParseShare(10%%) = %v, %v", f, err)
	}
}
