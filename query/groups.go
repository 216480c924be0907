package query

import (
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// GroupName is a breakdown group as a person reads it in l: the group of
// everyone outside a --by segment:NAME (the value "not NAME") and the
// group of events without the property (NoneValue) in l's words, a value
// of the data as it is. CSV and JSON keep the value itself.
func GroupName(l i18n.Lang, by, value string) string {
	if value == NoneValue {
		return l.T("(none)")
	}
	if name, ok := strings.CutPrefix(by, "segment:"); ok && value == "not "+name {
		return l.T("not %s", name)
	}
	return value
}

// SeriesText is a trends series' label as a person reads it in l: its
// breakdown value through GroupName (非 buyers under zh), after its
// event when it has one, or SeriesName's words.
func (r *TrendsResult) SeriesText(l i18n.Lang, s TrendSeries) string {
	if r.by == "" || s.Value == "" {
		return SeriesName(l, s.Label)
	}
	v := GroupName(l, r.by, s.Value)
	if s.Event == "" {
		return v
	}
	return s.Event + " · " + v
}
