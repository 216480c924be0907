package experiment

import (
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// comparison is one treatment against the control on the primary metric:
// the conversion rate, or the mean revenue with --revenue.
type comparison struct {
	v      *Variant
	p      Num
	effect float64 // treatment − control
	needed Num     // users per variant for 80% power at the observed effect
}

// verdict states the outcome in plain words. A treatment significantly
// better than the control makes the best of them the winner; the control
// wins when every treatment is significantly worse. Otherwise the test is
// inconclusive, and the question is whether it had the users to see a lift
// of MDE: if it had, there is "no detectable difference"; if not, "too few
// users", with the users needed for the lift actually observed.
func (r *Result) verdict(q Query, level float64) {
	c := &r.Variants[0]
	if len(r.Variants) == 1 {
		r.Verdict = VerdictOneVariant
		r.say(i18n.M("only one variant (%s, %s users) was exposed: nothing to compare", c.Name, count(c.Users)))
		return
	}
	revenue := q.Revenue != ""
	var mdeUsers float64
	if revenue {
		cv := float64(c.Rev.SD * c.Rev.SD)
		mdeUsers = math.NaN()
		if cv > 0 { // with no spread every size "suffices": no answer
			mdeUsers = MeanSampleSize(cv, cv, q.MDE*float64(c.Rev.Mean), level, 0.8)
		}
	} else {
		pc := float64(c.Rate)
		target := pc * (1 + q.MDE)
		if target > 1 {
			target = pc * (1 - q.MDE)
		}
		mdeUsers = SampleSize(pc, target, level, 0.8)
	}
	r.MDEUsers = Num(math.Ceil(mdeUsers))
	var cmps []comparison
	for i := 1; i < len(r.Variants); i++ {
		v := &r.Variants[i]
		if revenue {
			cmps = append(cmps, comparison{v, v.Rev.P, float64(v.Rev.Diff), v.Rev.Needed})
		} else {
			cmps = append(cmps, comparison{v, v.P, float64(v.Diff), v.Needed})
		}
	}
	sig := func(cm comparison) bool { return cm.p.Valid() && float64(cm.p) < level }
	var best *comparison
	worse := 0
	for k := range cmps {
		cm := &cmps[k]
		if sig(*cm) && cm.effect > 0 && (best == nil || cm.effect > best.effect) {
			best = cm
		}
		if sig(*cm) && cm.effect < 0 {
			worse++
		}
	}
	var parts sentences
	switch {
	case best != nil:
		r.Verdict, r.Winner = VerdictWinner, best.v.Name
		parts = append(parts, i18n.M("%s beats %s: %s", best.v.Name, controlName(c.Name), r.compare(*best, revenue)))
	case worse == len(cmps):
		r.Verdict, r.Winner = VerdictWinner, c.Name
		parts = append(parts, i18n.M("%s wins", controlName(c.Name)))
	default:
		r.Verdict = VerdictNoDifference
		minUsers := c.Users
		for _, cm := range cmps {
			if !sig(cm) {
				minUsers = min(minUsers, cm.v.Users)
			}
		}
		if !r.MDEUsers.Valid() || float64(r.MDEUsers) > float64(minUsers) {
			r.Verdict = VerdictTooFew
		}
	}
	for _, cm := range cmps {
		if best != nil && cm.v == best.v {
			continue
		}
		switch {
		case sig(cm) && cm.effect > 0:
			parts = append(parts, i18n.M("%s is also better: %s", cm.v.Name, r.compare(cm, revenue)))
		case sig(cm):
			parts = append(parts, i18n.M("%s is significantly worse: %s", cm.v.Name, r.compare(cm, revenue)))
		default:
			line := i18n.M("%s vs %s: %s, not significant", cm.v.Name, controlName(c.Name), r.compare(cm, revenue))
			if r.Verdict == VerdictTooFew && cm.needed.Valid() {
				line = i18n.M("%s vs %s: %s, not significant; detecting a difference this size at 80%% power needs about %s users per variant (have %s)",
					cm.v.Name, controlName(c.Name), r.compare(cm, revenue), count(int(cm.needed)), count(min(cm.v.Users, c.Users)))
			}
			parts = append(parts, line)
		}
	}
	lift := strconv.FormatFloat(q.MDE*100, 'f', -1, 64)
	switch r.Verdict {
	case VerdictNoDifference:
		parts = append(parts, i18n.M("the test had the users to detect a lift of ±%s%% at 80%% power", lift))
	case VerdictTooFew:
		if r.MDEUsers.Valid() {
			parts = append(parts, i18n.M("detecting a lift of ±%s%% needs about %s users per variant", lift, count(int(r.MDEUsers))))
		} else {
			parts = append(parts, noBaseline(c, revenue))
		}
	}
	if r.SRMMismatch {
		parts = append(parts, i18n.M("WARNING: sample ratio mismatch (%s): the split differs from the intended one, so the assignment or its logging may be broken and the comparison biased", pEquals(r.SRMP)))
	}
	r.say(i18n.M("%s: %s", verdictName(r.Verdict), parts))
}

// say sets the verdict's sentence: Text in English for the JSON, text for
// the tables and the workbench (VerdictText).
func (r *Result) say(m i18n.Msg) {
	r.text, r.Text = m, m.In(i18n.English)
}

// VerdictText is the verdict's sentence in the interface language (Text
// is the JSON's English).
func (r *Result) VerdictText() string { return r.text.String() }

// verdictName is a verdict as a person reads it.
func verdictName(v string) i18n.Msg {
	switch v {
	case VerdictWinner:
		return i18n.M("significant winner")
	case VerdictNoDifference:
		return i18n.M("no detectable difference")
	case VerdictTooFew:
		return i18n.M("too few users")
	case VerdictOneVariant:
		return i18n.M("one variant only")
	}
	return i18n.M("no exposure")
}

// sentences are a verdict's parts, joined as the language writes a list
// of clauses.
type sentences []i18n.Msg

func (s sentences) In(l i18n.Lang) string {
	parts := make([]string, len(s))
	for i, m := range s {
		parts[i] = m.In(l)
	}
	return strings.Join(parts, i18n.M("; ").In(l))
}

// noBaseline says why no sample size can be given for a lift of MDE: the
// control has nothing to measure a relative lift against.
func noBaseline(c *Variant, revenue bool) i18n.Msg {
	switch {
	case !revenue:
		return i18n.M("the control has no conversions yet, so there is no rate to measure a lift against")
	case c.Users < 2:
		return i18n.M("the control has %s user, too few to measure the spread of revenue per user", count(c.Users))
	case float64(c.Rev.Mean) == 0:
		return i18n.M("the control has no revenue yet, so there is no mean to measure a lift against")
	default:
		return i18n.M("every control user has the same revenue, so the spread of revenue per user cannot be measured")
	}
}

// controlName is "control A", or just the name when it says control.
func controlName(name string) i18n.Msg {
	if strings.Contains(strings.ToLower(name), "control") {
		return i18n.M("%s", name)
	}
	return i18n.M("control %s", name)
}

// compare describes a treatment against the control.
func (r *Result) compare(cm comparison, revenue bool) i18n.Msg {
	c := r.Variants[0]
	v := cm.v
	test := i18n.M("z-test")
	if revenue {
		return i18n.M("mean %s vs %s per user (%s, %s, %s)",
			money2(float64(v.Rev.Mean)), money2(float64(c.Rev.Mean)), signed(float64(v.Rev.Diff), false), pEquals(cm.p), i18n.M("Welch t-test"))
	}
	if v.Test == "fisher" {
		test = i18n.M("Fisher's exact test")
	}
	if v.Lift.Valid() {
		return i18n.M("%s vs %s (%s, %s, %s)", percent(float64(v.Rate)), percent(float64(c.Rate)), signed(float64(v.Lift), true), pEquals(cm.p), test)
	}
	return i18n.M("%s vs %s (%s, %s)", percent(float64(v.Rate)), percent(float64(c.Rate)), pEquals(cm.p), test)
}

func percent(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return strconv.FormatFloat(f*100, 'f', 2, 64) + "%"
}

func signed(f float64, pct bool) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	s := ""
	if f >= 0 {
		s = "+"
	}
	if pct {
		return s + strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	}
	return s + money2(f)
}

func money2(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func pvalue(p Num) string {
	switch {
	case !p.Valid():
		return "-"
	case p < 0.0001:
		return "<0.0001"
	}
	return strconv.FormatFloat(float64(p), 'f', 4, 64)
}

// pEquals writes "p = 0.0123" or "p < 0.0001".
func pEquals(p Num) string {
	if p.Valid() && p < 0.0001 {
		return "p < 0.0001"
	}
	return "p = " + pvalue(p)
}

// count writes n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
