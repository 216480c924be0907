package query

import "github.com/spoorhq/spoor/i18n"

// The keyword values of a query and a result (a funnel mode, a trends
// measure, an interval, a path's end marker) are stable English in specs,
// flags and JSON; a person reads them in the interface language. Each
// *Msg below is the value as a message, shown in whichever language its
// text is asked for (i18n.Msg.In), so that a table title built from one
// is English in CSV and Chinese on a Chinese screen; a value it does not
// know is shown as it is.

// ModeMsg is a funnel mode (ordered, strict, any).
func ModeMsg(mode string) i18n.Msg {
	switch mode {
	case FunnelOrdered:
		return i18n.M("ordered")
	case FunnelStrict:
		return i18n.M("strict")
	case FunnelAny:
		return i18n.M("any")
	}
	return i18n.M("%s", mode)
}

// ModeName is ModeMsg in the interface language.
func ModeName(mode string) string { return ModeMsg(mode).String() }

// MeasureMsg is a trends measure (total, users, avg, dau, wau, mau,
// stickiness).
func MeasureMsg(measure string) i18n.Msg {
	switch measure {
	case MeasureTotal:
		return i18n.M("total")
	case MeasureUsers:
		return i18n.M("users")
	case MeasureAvg:
		return i18n.M("avg")
	case MeasureDAU:
		return i18n.M("dau")
	case MeasureWAU:
		return i18n.M("wau")
	case MeasureMAU:
		return i18n.M("mau")
	case MeasureStickiness:
		return i18n.M("stickiness")
	}
	return i18n.M("%s", measure)
}

// MeasureName is MeasureMsg in the interface language.
func MeasureName(measure string) string { return MeasureMsg(measure).String() }

// PeriodMsg is an interval or retention period (hour, day, week, month).
func PeriodMsg(p string) i18n.Msg {
	switch p {
	case "hour":
		return i18n.M("hour")
	case "day":
		return i18n.M("day")
	case "week":
		return i18n.M("week")
	case "month":
		return i18n.M("month")
	}
	return i18n.M("%s", p)
}

// PathStepName is a step of a path as a person reads it: an event name,
// or the marker of a session that ended ((end)) or started ((start))
// before the path's depth.
func PathStepName(l i18n.Lang, step string) string {
	switch step {
	case PathEnd:
		return l.T("(end)")
	case PathStart:
		return l.T("(start)")
	}
	return step
}

// SeriesName is a trends series' label as a person reads it: the events
// and breakdown value it counts, or "all events" (AnyEventLabel) in the
// interface language.
func SeriesName(l i18n.Lang, label string) string {
	if label == AnyEventLabel {
		return l.T("all events")
	}
	return label
}

// ExplainStatusName is a funnel explanation's status (converted, dropped,
// in_progress, not_counted) as a person reads it; in English, as the CSV
// and JSON keep it.
func ExplainStatusName(l i18n.Lang, status string) string {
	switch status {
	case ExplainConverted:
		return l.T("converted")
	case ExplainDropped:
		return l.T("dropped")
	case ExplainInProgress:
		return l.T("in_progress")
	case ExplainNotCounted:
		return l.T("not_counted")
	}
	return status
}
