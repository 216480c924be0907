package experiment

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// z95 is the two-sided 95% normal quantile, Φ⁻¹(0.975).
var z95 = distuv.UnitNormal.Quantile(0.975)

// Wilson is the Wilson score interval for x successes out of n at normal
// quantile z. Unlike the Wald interval it stays inside [0, 1] and keeps
// its coverage at 0% and 100% (Newcombe 1998, method 3). NaN when n = 0.
func Wilson(x, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	p, fn, z2 := float64(x)/float64(n), float64(n), z*z
	den := 1 + z2/fn
	center := (p + z2/(2*fn)) / den
	half := z / den * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	lo, hi = center-half, center+half
	// At x = 0 and x = n the bound is exactly 0 or 1; rounding must not
	// leave it a hair outside.
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return lo, hi
}

// NewcombeDiff is the 95%-style interval for p1 − p2 (x1/n1 − x2/n2) by
// Newcombe's hybrid score method (1998, method 10), built from the two
// Wilson intervals. It is chosen over the Wald interval because it keeps
// its coverage with small counts and rates near 0 or 1, where Wald
// collapses to a zero-width interval.
func NewcombeDiff(x1, n1, x2, n2 int, z float64) (lo, hi float64) {
	if n1 <= 0 || n2 <= 0 {
		return math.NaN(), math.NaN()
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := Wilson(x1, n1, z)
	l2, u2 := Wilson(x2, n2, z)
	d := p1 - p2
	lo = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return lo, hi
}

// RatioCI is the interval for the relative lift p1/p2 − 1 from the log of
// the risk ratio (Katz et al. 1978): ln(p1/p2) ± z·√((1−p1)/x1 + (1−p2)/x2).
// NaN when either group has no successes, where the ratio has no finite
// interval.
func RatioCI(x1, n1, x2, n2 int, z float64) (lo, hi float64) {
	if x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0 {
		return math.NaN(), math.NaN()
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	se := math.Sqrt((1-p1)/float64(x1) + (1-p2)/float64(x2))
	r := math.Log(p1 / p2)
	return math.Exp(r-z*se) - 1, math.Exp(r+z*se) - 1
}

// ZTest is the pooled two-proportion z-test of x1/n1 against x2/n2. It
// returns the statistic and the two-sided p-value; p = 1 when both
// groups are all successes or all failures (no variance, no evidence).
func ZTest(x1, n1, x2, n2 int) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return math.NaN(), math.NaN()
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pool := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0, 1
	}
	z = (p1 - p2) / se
	return z, 2 * distuv.UnitNormal.Survival(math.Abs(z))
}

// Fisher is the two-sided p-value of Fisher's exact test on the 2×2 table
// [[a, b], [c, d]]: the total probability, with the margins fixed, of
// every table no more likely than the observed one (the convention of R's
// fisher.test, with the same relative tolerance for ties).
func Fisher(a, b, c, d int) float64 {
	row1, col1, n := a+b, a+c, a+b+c+d
	if n == 0 {
		return 1
	}
	lo, hi := max(0, col1-(n-row1)), min(row1, col1)
	logP := func(k int) float64 {
		return lchoose(row1, k) + lchoose(n-row1, col1-k) - lchoose(n, col1)
	}
	observed := logP(a)
	limit := observed + math.Log1p(1e-7)
	p := 0.0
	for k := lo; k <= hi; k++ {
		if lp := logP(k); lp <= limit {
			p += math.Exp(lp)
		}
	}
	return min(p, 1)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// WelchResult is Welch's unequal-variance t-test of mean(x) − mean(y):
// the statistic, the Welch–Satterthwaite degrees of freedom, the two-sided
// p-value and the interval for the difference. Fields are NaN where a
// group has fewer than two values or both have zero variance.
type WelchResult struct {
	MeanX, MeanY float64
	Diff         float64
	T, DF, P     float64
	Lo, Hi       float64
}

// Welch runs the test from summary statistics (count, mean, sample
// variance with n−1) so callers need not keep every value; q is the
// quantile level of the interval, 0.975 for 95%.
func Welch(nx int, meanX, varX float64, ny int, meanY, varY float64, q float64) WelchResult {
	r := WelchResult{MeanX: meanX, MeanY: meanY, Diff: meanX - meanY}
	nan := math.NaN()
	r.T, r.DF, r.P, r.Lo, r.Hi = nan, nan, nan, nan, nan
	if nx < 2 || ny < 2 {
		return r
	}
	ax, ay := varX/float64(nx), varY/float64(ny)
	se := math.Sqrt(ax + ay)
	if se == 0 {
		return r
	}
	r.T = r.Diff / se
	r.DF = (ax + ay) * (ax + ay) / (ax*ax/float64(nx-1) + ay*ay/float64(ny-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: r.DF}
	r.P = 2 * t.Survival(math.Abs(r.T))
	h := t.Quantile(q) * se
	r.Lo, r.Hi = r.Diff-h, r.Diff+h
	return r
}

// ChiSquareGOF is Pearson's chi-square goodness-of-fit test of observed
// counts against expected proportions (weights, any positive scale). It
// returns the statistic and its p-value on len−1 degrees of freedom; NaN
// with fewer than two categories or no observations.
func ChiSquareGOF(observed []int, weights []float64) (chi2, p float64) {
	if len(observed) < 2 || len(observed) != len(weights) {
		return math.NaN(), math.NaN()
	}
	total, wsum := 0, 0.0
	for i, o := range observed {
		total += o
		wsum += weights[i]
	}
	if total == 0 || wsum <= 0 {
		return math.NaN(), math.NaN()
	}
	for i, o := range observed {
		e := float64(total) * weights[i] / wsum
		chi2 += (float64(o) - e) * (float64(o) - e) / e
	}
	return chi2, distuv.ChiSquared{K: float64(len(observed) - 1)}.Survival(chi2)
}

// SampleSize is the users needed per group for a two-sided pooled
// two-proportion z-test at level alpha to detect p1 against p2 with the
// given power (the normal-approximation formula of Fleiss, Levin & Paik,
// without continuity correction; the same as R's power.prop.test). +Inf
// when p1 = p2.
func SampleSize(p1, p2, alpha, power float64) float64 {
	if p1 == p2 {
		return math.Inf(1)
	}
	za := distuv.UnitNormal.Quantile(1 - alpha/2)
	zb := distuv.UnitNormal.Quantile(power)
	pbar := (p1 + p2) / 2
	num := za*math.Sqrt(2*pbar*(1-pbar)) + zb*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	return num * num / ((p1 - p2) * (p1 - p2))
}

// MeanSampleSize is the users needed per group for a two-sided test of a
// difference in means delta at level alpha with the given power, from the
// two groups' variances (normal approximation: n = (z_α/2 + z_β)²·(s₁² +
// s₂²)/δ²). +Inf when delta is 0; NaN when a variance is unknown.
func MeanSampleSize(var1, var2, delta, alpha, power float64) float64 {
	if delta == 0 {
		return math.Inf(1)
	}
	z := distuv.UnitNormal.Quantile(1-alpha/2) + distuv.UnitNormal.Quantile(power)
	return z * z * (var1 + var2) / (delta * delta)
}
