// Package why explains a change in a metric between two periods: every
// property value (and pair of values of two properties) ranked by how
// much of the change it accounts for, with a test of whether the value
// changed differently from the rest.
//
// For a count (events, users, a property's sum) the groups of a property
// partition the units, so the contributions after − before·scale add up to
// the change exactly. For a rate (funnel conversion) R = Σ w_g r_g with
// w_g a group's share of the entrants, and the change splits exactly into
// mix (w moved) and rate (r moved) effects, symmetrically:
//
//	rate_g = (r1 − r0)·(w0 + w1)/2
//	mix_g  = (w1 − w0)·((r0 + r1)/2 − (R0 + R1)/2)
//
// The mix term is measured against the average rate, so a group that grew
// while converting like everyone else moves nothing; since Σ(w1 − w0) = 0
// this changes no total. A group present in one period only takes its
// rate from that period, so it is all mix.
package why

import "math"

// Cell accumulates one group in one period: Num is the metric's amount
// (count, sum or conversions), Den the entrants of a rate, N the units.
type Cell struct {
	Num, Den, N float64
}

func (c *Cell) add(num, den float64) {
	c.Num += num
	c.Den += den
	c.N++
}

// Kind says how a group's amounts combine.
type Kind int

const (
	Count Kind = iota // events or users: additive, chi-square tested
	Sum               // a property's sum: additive, not tested
	Rate              // conversions over entrants
)

// Contribution of one group: before and after on the metric's scale
// (before scaled to the after period's length for counts), the group's
// contribution to the change, and for rates its mix and rate effects.
type Contribution struct {
	Before, After float64
	Contribution  float64
	Mix, Rate     float64 // rates only; Mix + Rate = Contribution
	P             float64 // two-sided p-value of the test; NaN when not tested
}

// contribute computes the contribution of group g given the totals
// (b, a: the group before and after; tb, ta: everything). scale turns a
// before amount into the after period's length.
func contribute(kind Kind, g0, g1, t0, t1 Cell, scale float64) Contribution {
	switch kind {
	case Rate:
		R0, R1 := ratio(t0.Num, t0.Den), ratio(t1.Num, t1.Den)
		w0, w1 := ratio(g0.Den, t0.Den), ratio(g1.Den, t1.Den)
		r0, r1 := ratio(g0.Num, g0.Den), ratio(g1.Num, g1.Den)
		if g0.Den == 0 {
			r0 = r1
		}
		if g1.Den == 0 {
			r1 = r0
		}
		// Before and after are the group's own rates.
		c := Contribution{Before: r0, After: r1}
		c.Rate = (r1 - r0) * (w0 + w1) / 2
		c.Mix = (w1 - w0) * ((r0+r1)/2 - (R0+R1)/2)
		c.Contribution = c.Mix + c.Rate
		c.P = twoProportionP(g0.Num, g0.Den, g1.Num, g1.Den)
		return c
	case Sum:
		c := Contribution{Before: g0.Num * scale, After: g1.Num}
		c.Contribution = c.After - c.Before
		c.P = math.NaN()
		return c
	}
	c := Contribution{Before: g0.Num * scale, After: g1.Num}
	c.Contribution = c.After - c.Before
	c.P = chiSquareP(g0.Num, t0.Num-g0.Num, g1.Num, t1.Num-g1.Num)
	return c
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// chiSquareP tests whether a group's share of the units is the same in
// both periods: Pearson's chi-square on the 2×2 table (group, rest) ×
// (before, after), 1 degree of freedom. For Poisson counts this is the
// test of equal rate ratios; it does not depend on the periods' lengths.
func chiSquareP(g0, r0, g1, r1 float64) float64 {
	n := g0 + r0 + g1 + r1
	row := [2]float64{g0 + g1, r0 + r1}
	col := [2]float64{g0 + r0, g1 + r1}
	obs := [2][2]float64{{g0, g1}, {r0, r1}}
	x := 0.0
	for i := range 2 {
		for j := range 2 {
			e := row[i] * col[j] / n
			if e == 0 {
				return math.NaN()
			}
			d := obs[i][j] - e
			x += d * d / e
		}
	}
	return math.Erfc(math.Sqrt(x / 2))
}

// twoProportionP is the pooled two-proportion z-test of x0/n0 against
// x1/n1, two-sided.
func twoProportionP(x0, n0, x1, n1 float64) float64 {
	if n0 == 0 || n1 == 0 {
		return math.NaN()
	}
	p := (x0 + x1) / (n0 + n1)
	se := math.Sqrt(p * (1 - p) * (1/n0 + 1/n1))
	if se == 0 {
		return math.NaN()
	}
	z := (x1/n1 - x0/n0) / se
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}
