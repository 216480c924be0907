package output

import (
	"math"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
)

// The numbers of a result are written the same way wherever they appear:
// the tables and exports of every command and the workbench's charts
// beside them. A chart saying "median 3.5h" above a table saying
// "3h 30m", or a bar labelled 2,500 over a cell of 2500, reads as two
// different answers.

// Count writes a count of events or users: plain digits, as the tables
// and CSV carry them.
func Count(n int) string { return strconv.Itoa(n) }

// Percent writes a share (0..1) as 12.3%, and an undefined one (NaN,
// infinite: a ratio over zero) as "-".
func Percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

// Duration writes a number of seconds for people, in the current
// language: 850ms, 45s, 12m 5s, 3h 20m, 2d 4h (two units at most, rounded
// down; 1小时46分 in Chinese); NaN (no one to time) is "-".
func Duration(sec float64) string { return Seconds(sec).In(i18n.Current()) }

// Seconds is a duration kept to be shown later in either language: give
// it, not Duration's text, to an i18n.M sentence, whose English form goes
// into JSON.
type Seconds float64

// String is the duration in the current language.
func (s Seconds) String() string { return s.In(i18n.Current()) }

// In is the duration in l. The counts are passed as strings: a catalog
// number would be grouped (1,234d), and the English text stays as it was.
func (s Seconds) In(l i18n.Lang) string {
	sec := float64(s)
	if math.IsNaN(sec) {
		return "-"
	}
	if sec < 1 {
		return l.T("%sms", strconv.Itoa(int(math.Round(sec*1000))))
	}
	n := int64(sec)
	switch {
	case n < 60:
		if sec != math.Trunc(sec) {
			return l.T("%ss", strconv.FormatFloat(sec, 'f', 1, 64))
		}
		return l.T("%ss", itoa(n))
	case n < 3600:
		if n%60 == 0 {
			return l.T("%sm", itoa(n/60))
		}
		return l.T("%sm %ss", itoa(n/60), itoa(n%60))
	case n < 86400:
		if n%3600/60 == 0 {
			return l.T("%sh", itoa(n/3600))
		}
		return l.T("%sh %sm", itoa(n/3600), itoa(n%3600/60))
	}
	if n%86400/3600 == 0 {
		return l.T("%sd", itoa(n/86400))
	}
	return l.T("%sd %sh", itoa(n/86400), itoa(n%86400/3600))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
