package experiment

import (
	"math"
	"testing"
)

// TestCompareHoldoutHandChecked: 40 of 200 treated and 10 of 100 held out
// converted. Rates 0.2 and 0.1: lift 1 (+100%), incremental 40 − 200·0.1
// = 20. z-test: pooled 50/300, se √(1/6·5/6·(1/200+1/100)) = 0.045644,
// z = 2.19089, p = 0.028460. Interval: ln 2 ± 1.959964·√(0.8/40 + 0.9/10)
// → e^… − 1 = 0.044043 .. 2.831260 (computed apart, in Python).
func TestCompareHoldoutHandChecked(t *testing.T) {
	r := CompareHoldout(HoldoutGroup{200, 40}, HoldoutGroup{100, 10})
	for _, c := range []struct {
		name      string
		got, want Num
	}{
		{"lift", r.Lift, 1}, {"incremental", r.Incremental, 20}, {"p", r.P, 0.02845973691631043},
		{"ci_low", r.Low, 0.04404298984699251}, {"ci_high", r.High, 2.8312598608475037},
	} {
		if math.Abs(float64(c.got-c.want)) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r.Test != "z" {
		t.Errorf("test %q", r.Test)
	}
	// Small cells: Fisher's exact test. 3 of 10 against 1 of 10: the
	// two-sided p of the table [[3,7],[1,9]] is 0.5820433 (summed apart in Python).
	r = CompareHoldout(HoldoutGroup{10, 3}, HoldoutGroup{10, 1})
	if r.Test != "fisher" || math.Abs(float64(r.P)-0.5820433) > 1e-6 || math.Abs(float64(r.Lift)-2) > 1e-12 || r.Incremental != 2 {
		t.Errorf("small: %+v", r)
	}
	// No control conversion: lift and its interval undefined; the
	// incremental conversions are all the treated ones.
	r = CompareHoldout(HoldoutGroup{50, 5}, HoldoutGroup{10, 0})
	if r.Lift.Valid() || r.Low.Valid() || r.Incremental != 5 || !r.P.Valid() {
		t.Errorf("no control conversion: %+v", r)
	}
	// An empty group: nothing to compare.
	r = CompareHoldout(HoldoutGroup{50, 5}, HoldoutGroup{})
	if r.Lift.Valid() || r.P.Valid() || r.Incremental.Valid() {
		t.Errorf("empty control: %+v", r)
	}
}
