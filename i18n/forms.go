package i18n

import (
	"fmt"
	"time"
)

// Int is n with thousands separators, as a person reads it: 1,234,567.
func Int(n int64) string { return Current().printer().Sprintf("%d", n) }

// MonthDay is a day as a person reads it in a chart or a sentence:
// "Jun 18" in English, "6月18日" in Chinese. Tables keep ISO dates.
func MonthDay(t time.Time) string {
	if Current() == Chinese {
		return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
	}
	return t.Format("Jan 2")
}

// YearMonth is a month: "Jun 2026", "2026年6月".
func YearMonth(t time.Time) string {
	if Current() == Chinese {
		return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
	}
	return t.Format("Jan 2006")
}

// Weekday is a day of the week: "Mon", "周一".
func Weekday(d time.Weekday) string {
	if Current() == Chinese {
		return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[d]
	}
	return d.String()[:3]
}
