package importers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Time values are parsed by hand for the layouts exports actually use,
// because time.Parse per row dominates a 10M-row import. An explicit
// --time-format falls back to time.Parse.

var (
	errBadTime   = errors.New("unparseable time")
	errTimeRange = errors.New("time out of range")
)

// Times outside [1970, 2100) are refused: they are corrupt cells (a price in
// the time column, an offset mistaken for an epoch) rather than events.
// Events before 2000 are still imported and flagged by the quality report.
const (
	minTimeMs = 0
	maxTimeMs = 4102444800000 // 2100-01-01T00:00:00Z
)

// TimeParser reads one time cell as epoch milliseconds.
type TimeParser struct {
	loc    *time.Location // zone for naive times
	layout string         // explicit Go layout, "" for automatic
	unit   int64          // explicit epoch unit in ns (0: by magnitude)
	naive  int64          // accepted values read without a zone, so in loc
	// epochLoc (--source-tz) is the zone whose wall clock epoch numbers
	// were written in (legacy Mixpanel projects): nil for true UTC.
	epochLoc *time.Location

	wasNaive bool // the value being parsed had no zone
	wasEpoch bool // the value being parsed was an epoch number
}

// NewTimeParser makes a parser. format is "" (detect each value), a Go
// layout ("2006-01-02T15:04"), a strftime pattern ("%d/%m/%Y %H:%M"), or
// one of unix, unix_ms, unix_us, unix_ns to force the epoch unit.
func NewTimeParser(format string, loc *time.Location) (*TimeParser, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := &TimeParser{loc: loc}
	switch format {
	case "":
	case "unix", "unix_s", "epoch":
		p.unit = int64(time.Second)
	case "unix_ms", "epoch_ms":
		p.unit = int64(time.Millisecond)
	case "unix_us", "epoch_us":
		p.unit = int64(time.Microsecond)
	case "unix_ns", "epoch_ns":
		p.unit = int64(time.Nanosecond)
	default:
		if strings.Contains(format, "%") {
			l, err := strftimeLayout(format)
			if err != nil {
				return nil, err
			}
			format = l
		}
		p.layout = format
	}
	return p, nil
}

// Parse returns the time as epoch milliseconds UTC.
func (p *TimeParser) Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errBadTime
	}
	var ms int64
	var err error
	p.wasNaive, p.wasEpoch = false, false
	switch {
	case p.layout != "":
		var t time.Time
		t, err = time.ParseInLocation(p.layout, s, p.loc)
		if err != nil {
			err = errBadTime
		}
		ms = t.UnixMilli()
	case p.unit != 0:
		ms, err = parseEpoch(s, p.unit)
		p.wasEpoch = true
	default:
		ms, err = p.auto(s)
	}
	if err != nil {
		return 0, err
	}
	if p.wasEpoch && p.epochLoc != nil {
		ms = wallToUTC(ms, p.epochLoc)
	}
	if ms < minTimeMs || ms >= maxTimeMs {
		return 0, errTimeRange
	}
	if p.wasNaive || p.layout != "" && !strings.ContainsAny(p.layout, "Z-+") {
		p.naive++
	}
	return ms, nil
}

func (p *TimeParser) auto(s string) (int64, error) {
	if s[0] == '-' || s[0] == '+' || allEpochChars(s) {
		if len(s) == 8 && digits(s) {
			// YYYYMMDD, unless it cannot be a date: then an epoch.
			if ms, ok := p.civil(num(s[0:4]), num(s[4:6]), num(s[6:8]), 0, 0, 0, 0); ok {
				p.wasNaive = true
				return ms, nil
			}
		}
		p.wasEpoch = true
		return parseEpoch(s, 0)
	}
	if isDigit(s[0]) && isExponent(s) {
		p.wasEpoch = true
		return parseEpoch(s, 0) // 1.5e9 from a spreadsheet
	}
	if len(s) >= 10 && isDigit(s[0]) {
		return p.calendar(s)
	}
	// Rarer layouts (mail-style dates) go through the standard parser.
	for _, l := range fallbackLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, errBadTime
}

// isExponent reports a number in exponent notation: only digits, '.', '+',
// '-', 'e' and 'E', with an 'e' or 'E'. It stops at the first other byte,
// an ISO time's T (strings.ContainsAny then strings.Trim read every time
// whole and built their byte sets each time: a third of parsing one).
func isExponent(s string) bool {
	e := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'e' || c == 'E':
			e = true
		case isDigit(c) || c == '.' || c == '+' || c == '-':
		default:
			return false
		}
	}
	return e
}

var fallbackLayouts = []string{time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, time.UnixDate, "2 Jan 2006 15:04:05", "Jan 2, 2006 15:04:05"}

// calendar parses YYYY-MM-DD or YYYY/MM/DD followed optionally by
// [T ]HH[:MM[:SS[.frac]]] and a zone (Z, ±HH[:MM], " UTC", " GMT").
func (p *TimeParser) calendar(s string) (int64, error) {
	if len(s) < 10 || !digits(s[0:4]) || !digits(s[5:7]) || !digits(s[8:10]) {
		return 0, errBadTime
	}
	sep := s[4]
	if (sep != '-' && sep != '/') || s[7] != sep {
		return 0, errBadTime
	}
	y, mo, d := num(s[0:4]), num(s[5:7]), num(s[8:10])
	var h, mi, sec, nsec int
	rest := s[10:]
	if len(rest) > 0 && (rest[0] == 'T' || rest[0] == ' ' || rest[0] == 't') && len(rest) >= 3 && digits(rest[1:3]) {
		h = num(rest[1:3])
		rest = rest[3:]
		if len(rest) >= 3 && rest[0] == ':' && digits(rest[1:3]) {
			mi = num(rest[1:3])
			rest = rest[3:]
			if len(rest) >= 3 && rest[0] == ':' && digits(rest[1:3]) {
				sec = num(rest[1:3])
				rest = rest[3:]
				if len(rest) > 1 && (rest[0] == '.' || rest[0] == ',') {
					i := 1
					scale := 100000000
					for i < len(rest) && isDigit(rest[i]) {
						nsec += int(rest[i]-'0') * scale
						scale /= 10
						i++
					}
					if i == 1 {
						return 0, errBadTime
					}
					rest = rest[i:]
				}
			}
		}
	}
	loc := p.loc
	offset, hasZone, ok := parseZone(rest)
	if !ok {
		return 0, errBadTime
	}
	if hasZone {
		loc = time.UTC
	} else {
		p.wasNaive = true
	}
	ms, ok := p.civilIn(loc, y, mo, d, h, mi, sec, nsec)
	if !ok {
		return 0, errBadTime
	}
	return ms - int64(offset)*1000, nil
}

// parseZone reads what follows the clock: nothing (naive), Z, ±HH, ±HHMM,
// ±HH:MM, or a space then UTC / GMT / Z / an offset.
func parseZone(z string) (offsetSec int, hasZone, ok bool) {
	if z == "" {
		return 0, false, true
	}
	if z[0] == ' ' {
		z = strings.TrimLeft(z, " ")
		switch z {
		case "UTC", "GMT", "Z", "utc", "gmt", "+0000", "+00:00":
			return 0, true, true
		}
		if strings.HasPrefix(z, "UTC") || strings.HasPrefix(z, "GMT") {
			z = z[3:]
		}
	}
	if z == "Z" || z == "z" {
		return 0, true, true
	}
	if z[0] != '+' && z[0] != '-' {
		return 0, false, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = z[1:]
	var h, m int
	switch {
	case len(z) == 2 && digits(z):
		h = num(z)
	case len(z) == 4 && digits(z):
		h, m = num(z[0:2]), num(z[2:4])
	case len(z) == 5 && z[2] == ':' && digits(z[0:2]) && digits(z[3:5]):
		h, m = num(z[0:2]), num(z[3:5])
	default:
		return 0, false, false
	}
	if h > 18 || m > 59 {
		return 0, false, false
	}
	return sign * (h*3600 + m*60), true, true
}

func (p *TimeParser) civil(y, mo, d, h, mi, s, ns int) (int64, bool) {
	return p.civilIn(p.loc, y, mo, d, h, mi, s, ns)
}

// civilIn validates the fields (time.Date would silently normalise
// 2024-02-31) and converts them in loc.
func (p *TimeParser) civilIn(loc *time.Location, y, mo, d, h, mi, s, ns int) (int64, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 60 {
		return 0, false
	}
	if s == 60 { // a leap second reads as the next second's start
		s = 59
		ns = 999999999
	}
	if loc == time.UTC {
		return (daysFromCivil(y, mo, d)*86400+int64(h*3600+mi*60+s))*1000 + int64(ns/1e6), true
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, loc).UnixMilli(), true
}

// daysFromCivil is Howard Hinnant's days_from_civil: days since 1970-01-01.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// wallToUTC reads epoch ms whose "UTC" clock is really loc's wall clock
// (Mixpanel projects created before 2023 export times that way) and
// returns the true UTC instant. In a DST gap or overlap time.Date's rule
// picks the instant.
func wallToUTC(ms int64, loc *time.Location) int64 {
	t := time.UnixMilli(ms).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UnixMilli()
}

// parseEpoch reads an integer or fractional epoch number exactly (no float).
// With unit 0 the unit is told by the magnitude of the integer part:
// below 1e11 seconds, 1e14 milliseconds, 1e17 microseconds, else nanoseconds.
func parseEpoch(s string, unit int64) (int64, error) {
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var ip int64
	i := 0
	for i < len(s) && isDigit(s[i]) {
		if ip > (1<<62)/10 {
			return 0, errTimeRange
		}
		ip = ip*10 + int64(s[i]-'0')
		i++
	}
	intDigits := i
	// fraction as nanoseconds-of-unit scaled later; keep up to 9 digits.
	var frac int64
	fracScale := int64(1)
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			if fracScale < 1e9 {
				frac = frac*10 + int64(s[i]-'0')
				fracScale *= 10
			}
			i++
		}
	}
	if i != len(s) || (intDigits == 0 && fracScale == 1) {
		// Scientific notation (1.5e9) from spreadsheets is read through a float.
		return parseSci(s, unit, neg)
	}
	if unit == 0 {
		unit = epochUnit(ip)
	}
	ms := msOf(ip, frac, fracScale, unit)
	if neg {
		ms = -ms
	}
	return ms, nil
}

func epochUnit(ip int64) int64 {
	switch {
	case ip < 1e11:
		return int64(time.Second)
	case ip < 1e14:
		return int64(time.Millisecond)
	case ip < 1e17:
		return int64(time.Microsecond)
	}
	return int64(time.Nanosecond)
}

// msOf converts integer part ip plus frac/fracScale of unit (in ns) to ms,
// truncating below the millisecond.
func msOf(ip, frac, fracScale, unit int64) int64 {
	if unit >= int64(time.Millisecond) {
		per := unit / int64(time.Millisecond)
		if ip > (1<<62)/per {
			return 1 << 62 // out of range; the caller refuses it
		}
		return ip*per + frac*per/fracScale
	}
	return ip / (int64(time.Millisecond) / unit)
}

func parseSci(s string, unit int64, neg bool) (int64, error) {
	e := strings.IndexAny(s, "eE")
	if e <= 0 {
		return 0, errBadTime
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f {
		return 0, errBadTime
	}
	if f >= 1e19 {
		return 0, errTimeRange
	}
	if unit == 0 {
		unit = epochUnit(int64(f))
	}
	ms := int64(f * float64(unit) / 1e6)
	if neg {
		ms = -ms
	}
	return ms, nil
}

func allEpochChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// strftimeLayout translates the strftime directives analysts know into a Go
// layout.
func strftimeLayout(f string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i == len(f) {
			return "", i18n.Errorf("--time-format ends with a lone %%")
		}
		switch f[i] {
		case 'Y':
			b.WriteString("2006")
		case 'y':
			b.WriteString("06")
		case 'm':
			b.WriteString("01")
		case 'd':
			b.WriteString("02")
		case 'e':
			b.WriteString("_2")
		case 'H':
			b.WriteString("15")
		case 'I':
			b.WriteString("03")
		case 'p':
			b.WriteString("PM")
		case 'M':
			b.WriteString("04")
		case 'S':
			b.WriteString("05")
		case 'f':
			b.WriteString("000000")
		case 'L':
			b.WriteString("000")
		case 'z':
			b.WriteString("-0700")
		case 'Z':
			b.WriteString("MST")
		case 'b', 'h':
			b.WriteString("Jan")
		case 'B':
			b.WriteString("January")
		case 'a':
			b.WriteString("Mon")
		case 'A':
			b.WriteString("Monday")
		case 'j':
			b.WriteString("002")
		case 'T':
			b.WriteString("15:04:05")
		case 'F':
			b.WriteString("2006-01-02")
		case '%':
			b.WriteByte('%')
		default:
			return "", i18n.Errorf("--time-format: unsupported directive %%%c", f[i])
		}
	}
	return b.String(), nil
}
