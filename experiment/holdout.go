package experiment

// HoldoutGroup is one side of a campaign measured against its holdout.
type HoldoutGroup struct {
	Users     int `json:"users"`
	Converted int `json:"converted"`
}

// HoldoutLift compares the people a campaign reached (treated) with the
// people held out of it (control), with the statistics of an A/B test:
// Lift is relative (treated rate / control rate − 1) with the log
// risk-ratio interval (RatioCI); P is the two-proportion z-test, or
// Fisher's exact test when a cell of the 2×2 table is below 5, as for a
// variant; Incremental is the treated conversions beyond what the
// control's rate predicts for them, converted − users × control rate.
type HoldoutLift struct {
	Treated     HoldoutGroup `json:"treated"`
	Control     HoldoutGroup `json:"control"`
	Lift        Num          `json:"lift"`
	Low         Num          `json:"ci_low"`
	High        Num          `json:"ci_high"`
	P           Num          `json:"p_value"`
	Incremental Num          `json:"incremental"`
	Test        string       `json:"test,omitempty"` // "z" or "fisher"
}

// CompareHoldout fills in the statistics; a ratio with nothing to divide
// by (no control conversions, an empty group) is undefined.
func CompareHoldout(t, c HoldoutGroup) HoldoutLift {
	r := HoldoutLift{Treated: t, Control: c, Lift: nan, Low: nan, High: nan, P: nan, Incremental: nan}
	if t.Users == 0 || c.Users == 0 {
		return r
	}
	pc := float64(c.Converted) / float64(c.Users)
	r.Incremental = Num(float64(t.Converted) - float64(t.Users)*pc)
	if c.Converted > 0 {
		r.Lift = Num(float64(t.Converted)/float64(t.Users)/pc - 1)
	}
	lo, hi := RatioCI(t.Converted, t.Users, c.Converted, c.Users, z95)
	r.Low, r.High = Num(lo), Num(hi)
	cells := []int{t.Converted, t.Users - t.Converted, c.Converted, c.Users - c.Converted}
	if slicesMin(cells) < 5 {
		r.Test, r.P = "fisher", Num(Fisher(cells[0], cells[1], cells[2], cells[3]))
	} else {
		_, p := ZTest(t.Converted, t.Users, c.Converted, c.Users)
		r.Test, r.P = "z", Num(p)
	}
	return r
}
