package survival

import (
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Tables are the groups' summary, then every curve point.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	title := l.T("time from first %s to %s", r.Start, r.Event)
	if r.By != "" {
		title += l.T(" by %s", r.By)
		switch {
		case r.LogrankP.Valid():
			title += l.T("; log-rank chi-square %.2f on %d df, p = %s", float64(r.LogrankChi2), r.LogrankDF, pValue(r.LogrankP))
		case len(r.Groups) > MaxLogrankGroups:
			title += l.T("; no log-rank test over %d groups", MaxLogrankGroups)
		case len(r.Groups) > 1:
			title += l.T("; no log-rank test: fewer than two groups at risk at an event time")
		}
	}
	sum := output.Table{Title: title, Columns: []string{l.T("group"), l.T("users"), l.T("events (count)"), l.T("censored"), l.T("median"), l.T("median_lo95"), l.T("median_hi95")}}
	curve := output.Table{Title: l.T("survival after each event time (95%% log-log band)"),
		Columns: []string{l.T("group"), l.T("t"), l.T("t_seconds"), l.T("at_risk"), l.T("events (count)"), l.T("survival (probability)"), l.T("lo95"), l.T("hi95")}}
	for _, g := range r.Groups {
		sum.Rows = append(sum.Rows, []string{r.GroupName(l, g), output.Count(g.Users), output.Count(g.Events), output.Count(g.Censored),
			duration(l, g.MedianSeconds), duration(l, g.MedianLo95), duration(l, g.MedianHi95)})
		for _, p := range g.Curve {
			curve.Rows = append(curve.Rows, []string{r.GroupName(l, g), output.Seconds(p.TSeconds).In(l), strconv.FormatFloat(p.TSeconds, 'f', -1, 64),
				output.Count(p.AtRisk), output.Count(p.Events), fraction(query.Num(p.Survival)), fraction(p.Lo95), fraction(p.Hi95)})
		}
	}
	return []output.Table{sum, curve}
}

// GroupName is g's name as a person reads it: the --by value (the group
// outside a segment and the one without the property in l's words,
// query.GroupName), or "all users" in l for the one group without --by
// (JSON keeps the names).
func (r *Result) GroupName(l i18n.Lang, g Group) string {
	if r.By == "" && g.Name == AllUsers {
		return l.T("all users")
	}
	return query.GroupName(l, r.By, g.Name)
}

// duration is a median as a readable duration; "-" when not reached.
func duration(l i18n.Lang, n query.Num) string {
	if !n.Valid() {
		return "-"
	}
	return output.Seconds(float64(n)).In(l)
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
