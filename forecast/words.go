package forecast

import (
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// The names of methods and detectors as a person reads them. JSON keeps
// them in English (Method.String, Choice.String, Anomaly.Detector);
// tables and the workbench show them in the interface language.

func (me Method) msg() i18n.Msg {
	switch me.Kind {
	case SeasonalNaive:
		return i18n.M("seasonal naive")
	case SeasonalMedian:
		return i18n.M("seasonal median of up to %d seasons", me.Seasons)
	case Drift:
		return i18n.M("naive with drift")
	case Adjusted:
		if me.Weekly && me.Log {
			return i18n.M("%s of log(1+y) adjusted for the hour and the weekday", me.Model.String())
		}
		if me.Weekly {
			return i18n.M("%s of the series adjusted for the hour and the weekday", me.Model.String())
		}
		if me.Log {
			return i18n.M("%s of the seasonally adjusted log(1+y)", me.Model.String())
		}
		return i18n.M("%s of the seasonally adjusted series", me.Model.String())
	}
	if me.Log {
		return i18n.M("%s of log(1+y)", me.Model.String())
	}
	return i18n.M("%s", me.Model.String())
}

func (c *Choice) msg() i18n.Msg {
	names := make(msgList, len(c.Methods))
	for i, me := range c.Methods {
		names[i] = me.msg()
	}
	if len(names) == 1 {
		return names[0]
	}
	return i18n.M("mean of %s", names)
}

// msgList is messages shown as one list, in the language of the whole.
type msgList []i18n.Msg

func (ms msgList) In(l i18n.Lang) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.In(l)
	}
	return strings.Join(s, l.T(", "))
}

// detectorName is an anomaly's detector (forecast, trailing) in the
// interface language.
func detectorName(l i18n.Lang, d string) string {
	switch d {
	case DetectorForecast:
		return l.T("forecast")
	case DetectorTrailing:
		return l.T("trailing (detector)")
	}
	return d
}
