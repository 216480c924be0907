package output

import (
	"fmt"
	"math"
	"strconv"
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

// Duration writes a number of seconds for people: 850ms, 45s, 12m 5s,
// 3h 20m, 2d 4h (two units at most, rounded down); NaN (no one to time)
// is "-".
func Duration(sec float64) string {
	if math.IsNaN(sec) {
		return "-"
	}
	if sec < 1 {
		return strconv.Itoa(int(math.Round(sec*1000))) + "ms"
	}
	s := int64(sec)
	switch {
	case s < 60:
		if sec != math.Trunc(sec) {
			return strconv.FormatFloat(sec, 'f', 1, 64) + "s"
		}
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return twoUnits(s/60, "m", s%60, "s")
	case s < 86400:
		return twoUnits(s/3600, "h", s%3600/60, "m")
	}
	return twoUnits(s/86400, "d", s%86400/3600, "h")
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
}
