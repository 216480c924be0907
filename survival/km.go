package survival

import (
	"math"

	"github.com/spoorhq/spoor/query"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// z95 is the two-sided 95% normal quantile.
var z95 = distuv.UnitNormal.Quantile(0.975)

// kaplanMeier is the curve of one group's users, sorted by time. At a
// time with both events and censorings the events come first: a user
// censored at t was still at risk at t (the usual convention).
//
// The band is the log-log ("exponential Greenwood") interval, as R's
// survfit(conf.type = "log-log"): with Greenwood's sum
// g = Σ d/(n(n−d)) over the event times so far, s = √g / |ln S|, the
// bounds are S^exp(+z·s) and S^exp(−z·s). It stays inside [0, 1]
// without clipping, unlike the plain Greenwood interval S ± z·S·√g, and
// is undefined (null) where S = 0.
func kaplanMeier(os []obs) Group {
	g := Group{Users: len(os), Curve: []Point{},
		MedianSeconds: query.Undefined, MedianLo95: query.Undefined, MedianHi95: query.Undefined}
	surv, green := 1.0, 0.0
	for i := 0; i < len(os); {
		t, atRisk, events, j := os[i].ms, len(os)-i, 0, i
		for ; j < len(os) && os[j].ms == t; j++ {
			if os[j].event {
				events++
			}
		}
		g.Events += events
		g.Censored += j - i - events
		i = j
		if events == 0 {
			continue
		}
		n, e := float64(atRisk), float64(events)
		surv *= 1 - e/n
		pt := Point{TSeconds: float64(t) / 1000, AtRisk: atRisk, Events: events, Survival: surv,
			Lo95: query.Undefined, Hi95: query.Undefined}
		if events < atRisk {
			green += e / (n * (n - e))
			s := math.Sqrt(green) / -math.Log(surv)
			pt.Lo95 = query.Num(math.Pow(surv, math.Exp(z95*s)))
			pt.Hi95 = query.Num(math.Pow(surv, math.Exp(-z95*s)))
		} else {
			surv = 0 // exactly, whatever rounding the product had
			pt.Survival = 0
		}
		g.Curve = append(g.Curve, pt)
	}
	g.MedianSeconds = firstAtOrBelowHalf(g.Curve, func(p Point) float64 { return p.Survival })
	g.MedianLo95 = firstAtOrBelowHalf(g.Curve, func(p Point) float64 { return p.Lo95.Or(p.Survival) })
	g.MedianHi95 = firstAtOrBelowHalf(g.Curve, func(p Point) float64 { return p.Hi95.Or(p.Survival) })
	return g
}

// firstAtOrBelowHalf is the first time the curve f falls to 0.5 or below:
// on the estimate, the median; on the band's lower and upper bounds, the
// lower and upper ends of its interval (Brookmeyer and Crowley 1982, the way R's
// quantile.survfit reads it off the band). Where the band is undefined
// the survival is 0, so both bounds count as 0 there.
func firstAtOrBelowHalf(curve []Point, f func(Point) float64) query.Num {
	for _, p := range curve {
		if f(p) <= 0.5 {
			return query.Num(p.TSeconds)
		}
	}
	return query.Undefined
}

// logrank tests whether k groups' curves differ (Mantel–Haenszel): at
// each distinct event time t, with n users at risk of whom n_g in group g
// and d events, group g expects d·n_g/n events, and the covariance of the
// observed counts is V_gh = d(n−d)/(n−1) · (n_g/n)(δ_gh − n_h/n). The
// statistic is (O−E)ᵀ V⁺ (O−E), chi-square on rank(V) degrees of freedom
// (k−1 when every group is at risk at some event time), as R's survdiff.
//
// The sums are kept per group, not per event time: n_g changes only when
// a user of g leaves the risk set, and between two changes its terms
// are n_g (or n_g·n_h) times a running sum over the event times, so the
// whole test costs O(k) per leaving user instead of O(k²) per event time.
// os is every user, sorted by time.
func logrank(os []obs, k int) (chi2 query.Num, df int, p query.Num) {
	chi2, p = query.Undefined, query.Undefined
	n := make([]float64, k)
	obsv := make([]float64, k)
	for _, o := range os {
		n[o.group]++
		if o.event {
			obsv[o.group]++
		}
	}
	// Running sums over event times of d/n, w/n and w/n² with
	// w = d(n−d)/(n−1); since[g] holds their values when n_g last changed.
	var sumD, sumW1, sumW2 float64
	type mark struct{ d, w1, w2 float64 }
	since := make([]mark, k)
	expct, v1 := make([]float64, k), make([]float64, k)
	v2 := mat.NewDense(k, k, nil)
	flush := func(g int) { // add g's terms since its last change
		expct[g] += n[g] * (sumD - since[g].d)
		v1[g] += n[g] * (sumW1 - since[g].w1)
		for h := range k {
			// The pair's product last changed when g or h did.
			from := max(since[g].w2, since[h].w2)
			if h == g {
				from = since[g].w2
			}
			v2.Set(g, h, v2.At(g, h)+n[g]*n[h]*(sumW2-from))
			if h != g {
				v2.Set(h, g, v2.At(g, h))
			}
		}
		since[g] = mark{sumD, sumW1, sumW2}
	}
	atRisk := float64(len(os))
	left := make([]float64, k)
	var changed []int
	for i := 0; i < len(os); {
		t, d := os[i].ms, 0.0
		j := i
		for ; j < len(os) && os[j].ms == t; j++ {
			if os[j].event {
				d++
			}
		}
		if d > 0 {
			sumD += d / atRisk
			if atRisk > 1 {
				w := d * (atRisk - d) / (atRisk - 1)
				sumW1 += w / atRisk
				sumW2 += w / (atRisk * atRisk)
			}
		}
		changed = changed[:0]
		for ; i < j; i++ {
			g := os[i].group
			if left[g] == 0 {
				changed = append(changed, int(g))
			}
			left[g]++
		}
		// Flush every changed group with the old counts first: a pair of
		// two changed groups must not be flushed with one count new.
		for _, g := range changed {
			flush(g)
		}
		for _, g := range changed {
			n[g] -= left[g]
			atRisk -= left[g]
			left[g] = 0
		}
	}
	for g := range k {
		flush(g)
	}
	diff := mat.NewVecDense(k, nil)
	cov := mat.NewSymDense(k, nil)
	for g := range k {
		diff.SetVec(g, obsv[g]-expct[g])
		for h := g; h < k; h++ {
			v := -v2.At(g, h)
			if g == h {
				v += v1[g]
			}
			cov.SetSym(g, h, v)
		}
	}
	stat, rank := pinvQuad(cov, diff)
	if rank < 1 {
		return
	}
	return query.Num(stat), rank, query.Num(distuv.ChiSquared{K: float64(rank)}.Survival(stat))
}

// pinvQuad is xᵀ A⁺ x for a symmetric positive semi-definite A, through
// its eigen-decomposition, and A's rank: eigenvalues below a relative
// tolerance count as zero (a group never at risk at an event time).
func pinvQuad(a *mat.SymDense, x *mat.VecDense) (float64, int) {
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return math.NaN(), 0
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := 0.0
	for _, v := range vals {
		top = max(top, v)
	}
	q, rank := 0.0, 0
	for i, v := range vals {
		if v <= top*1e-9 || v <= 0 {
			continue
		}
		rank++
		proj := mat.Dot(vecs.ColView(i), x)
		q += proj * proj / v
	}
	return q, rank
}
