package query

import (
	"slices"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// vendorWhy explains a drop under another product's semantics: what its
// rules did with the next step.
func (e *funnelExplainer) vendorWhy() i18n.Msg {
	p, w := e.p, e.w
	d := p.d
	k := e.level + 1
	if p.sem == SemClickHouse && w.chAt >= 0 {
		at := i18n.M("%s at %s", d.Names[d.Event[w.chAt]], e.when(d.Time[w.chAt]))
		switch w.chStop {
		case chBroken:
			return i18n.M("strict_order: %s meets no step and ends the search", at)
		case chDuplicate:
			return i18n.M("strict_deduplication: %s repeats a step already reached and ends the search", at)
		case chOutOfOrder:
			return i18n.M("strict_order: %s fills a step whose previous step was never reached, which ends the search", at)
		}
	}
	if p.mode == FunnelAny {
		return i18n.M("no window of %s held more than %d of the %d steps (each event counts for the first step it meets)", output.Seconds(float64(p.window)/1000), e.level+1, p.n)
	}
	limit := d.Time[w.cur[0]] + p.window
	closes := i18n.M("the window closed at %s", e.when(limit))
	j := e.nextStep(k)
	var why i18n.Msg
	switch {
	case j < 0:
		why = i18n.M("no %s at or after step %d", e.stepName(k), e.level+1)
	case (p.sem == SemPostHog || p.sem == SemClickHouse) && !p.s.InRange(d.Time[j]) && d.Time[j] <= limit:
		return i18n.M("the next %s, at %s, is after the date range, and %s reads only the range's events", e.stepName(k), e.when(d.Time[j]), p.sem)
	case d.Time[j] > limit:
		why = i18n.M("the next %s, at %s, came after %s", e.stepName(k), e.when(d.Time[j]), closes)
	default:
		why = i18n.M("no %s could follow step %d within the window under %s's rules", e.stepName(k), e.level+1, p.sem)
	}
	if p.sem == SemMixpanel {
		return i18n.M("Mixpanel enters a user once, at their first %s in the range (%s); %s", e.stepName(0), e.when(d.Time[w.cur[0]]), why)
	}
	return why
}

// nextStep is the first considered event at or after the counted chain's
// last event, not in it, that can be step k; -1 when none.
func (e *funnelExplainer) nextStep(k int) int {
	p, d := e.p, e.p.d
	last := d.Time[e.w.cur[e.level]]
	for j := int(d.Start[e.u]); j < int(d.Start[e.u+1]); j++ {
		if d.Time[j] >= last && !slices.Contains(e.w.cur[:e.level+1], int32(j)) && p.s.Match(j) && p.matches(j, k) {
			return j
		}
	}
	return -1
}
