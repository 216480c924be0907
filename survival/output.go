package survival

import (
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Tables are the groups' summary, then every curve point.
func (r *Result) Tables() []output.Table {
	title := i18n.T("time from first %s to %s", r.Start, r.Event)
	if r.By != "" {
		title += i18n.T(" by %s", r.By)
		switch {
		case r.LogrankP.Valid():
			title += i18n.T("; log-rank chi-square %.2f on %d df, p = %s", float64(r.LogrankChi2), r.LogrankDF, pValue(r.LogrankP))
		case len(r.Groups) > MaxLogrankGroups:
			title += i18n.T("; no log-rank test over %d groups", MaxLogrankGroups)
		case len(r.Groups) > 1:
			title += i18n.T("; no log-rank test: fewer than two groups at risk at an event time")
		}
	}
	sum := output.Table{Title: title, Columns: []string{i18n.T("group"), i18n.T("users"), i18n.T("events (count)"), i18n.T("censored"), i18n.T("median"), i18n.T("median_lo95"), i18n.T("median_hi95")}}
	curve := output.Table{Title: i18n.T("survival after each event time (95%% log-log band)"),
		Columns: []string{i18n.T("group"), i18n.T("t"), i18n.T("t_seconds"), i18n.T("at_risk"), i18n.T("events (count)"), i18n.T("survival (probability)"), i18n.T("lo95"), i18n.T("hi95")}}
	for _, g := range r.Groups {
		sum.Rows = append(sum.Rows, []string{r.GroupName(g), output.Count(g.Users), output.Count(g.Events), output.Count(g.Censored),
			duration(g.MedianSeconds), duration(g.MedianLo95), duration(g.MedianHi95)})
		for _, p := range g.Curve {
			curve.Rows = append(curve.Rows, []string{r.GroupName(g), output.Duration(p.TSeconds), strconv.FormatFloat(p.TSeconds, 'f', -1, 64),
				output.Count(p.AtRisk), output.Count(p.Events), fraction(query.Num(p.Survival)), fraction(p.Lo95), fraction(p.Hi95)})
		}
	}
	return []output.Table{sum, curve}
}

// GroupName is g's name as a person reads it: the --by value, or "all
// users" in the interface language for the one group without --by (JSON
// keeps AllUsers).
func (r *Result) GroupName(g Group) string {
	if r.By == "" && g.Name == AllUsers {
		return i18n.T("all users")
	}
	return g.Name
}

// duration is a median as a readable duration; "-" when not reached.
func duration(n query.Num) string {
	if !n.Valid() {
		return "-"
	}
	return output.Duration(float64(n))
}

func fraction(n query.Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'f', 4, 64)
}

func pValue(p query.Num) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return strconv.FormatFloat(float64(p), 'f', 4, 64)
}
