package importers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Shaping flags: exports that need a hand to become events. --event-map
// names coded events, --time A+B:UNIT adds an offset column to a base time,
// --source-tz (in TimeParser) reads epoch numbers as a zone's wall clock.

// UsageError is a shaping flag that cannot be understood; the CLI exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// parseShaping reads the shaping flags: opt.Time becomes the base column
// of A+B, and --source-tz is set on tp. The shapeReader returned wraps the
// file's reader when it has anything to do.
func parseShaping(opt *Options, tp *TimeParser) (*shapeReader, error) {
	sh := &shapeReader{unmapped: map[string]int64{}}
	var err error
	if opt.Time, sh.sum, err = parseTimeFlag(opt.Time); err != nil {
		return nil, err
	}
	if sh.names, err = ParseEventMap(opt.EventMap); err != nil {
		return nil, err
	}
	if opt.SourceTZ != "" {
		if tp.epochLoc, err = time.LoadLocation(opt.SourceTZ); err != nil {
			return nil, &UsageError{fmt.Sprintf("--source-tz %s: unknown timezone (use an IANA name such as America/Los_Angeles)", opt.SourceTZ)}
		}
	}
	return sh, nil
}

// CheckShaping validates the shaping flags before any file is read, so a
// mistake is a usage error.
func CheckShaping(opt Options) error {
	tp, err := NewTimeParser(opt.TimeFormat, nil)
	if err != nil {
		return &UsageError{err.Error()}
	}
	_, err = parseShaping(&opt, tp)
	return err
}

// timeSum is --time A+B:UNIT: the time is column A plus column B in UNIT.
type timeSum struct {
	base, offset string
	unit         string
	ms           float64 // milliseconds per unit; 0 for clock
}

// offsetUnits are the units --time A+B:UNIT takes, in milliseconds.
var offsetUnits = map[string]float64{"ms": 1, "s": 1000, "us": 0.001, "min": 60000, "h": 3600000, "clock": 0}

// parseTimeFlag splits --time into the base column and, for A+B:UNIT, the
// offset. A "+" inside the name without ":UNIT" is refused, asking for the
// unit (forgetting it is the likely mistake); a name starting or ending
// with "+" is returned whole.
func parseTimeFlag(flag string) (string, *timeSum, error) {
	plus := strings.LastIndex(flag, "+")
	if plus <= 0 || plus == len(flag)-1 {
		return flag, nil, nil
	}
	base, rest := flag[:plus], flag[plus+1:]
	colon := strings.LastIndex(rest, ":")
	if colon < 0 {
		return "", nil, &UsageError{fmt.Sprintf("--time %s: say the unit of %s: --time %s+%s:ms (or :s, :us, :min, :h for a number, :clock for HH:MM[:SS])", flag, rest, base, rest)}
	}
	off, unit := rest[:colon], rest[colon+1:]
	ms, ok := offsetUnits[unit]
	if !ok || off == "" {
		return "", nil, &UsageError{fmt.Sprintf("--time %s: unknown unit %q after the offset column (use ms, s, us, min, h or clock)", flag, unit)}
	}
	return base, &timeSum{base: base, offset: off, unit: unit, ms: ms}, nil
}

func (ts *timeSum) String() string {
	if ts.unit == "clock" {
		return fmt.Sprintf("%s + %s (time of day)", ts.base, ts.offset)
	}
	return fmt.Sprintf("%s + %s (%s)", ts.base, ts.offset, ts.unit)
}

// add returns t plus the offset cell v.
func (ts *timeSum) add(t int64, v any) (int64, error) {
	s, ok := idString(v)
	if !ok {
		return 0, errors.New("empty")
	}
	s = strings.TrimSpace(s)
	if ts.unit == "clock" {
		ms, ok := clockMs(s)
		if !ok {
			return 0, errors.New("not a time of day HH:MM[:SS[.fff]]")
		}
		return t + ms, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e15 || f < -1e15 {
		return 0, errors.New("not a number")
	}
	out := t + int64(f*ts.ms+0.5)
	if out < minTimeMs || out >= maxTimeMs {
		return 0, errTimeRange
	}
	return out, nil
}

// clockMs reads HH:MM[:SS[.fff]] as milliseconds since midnight.
func clockMs(s string) (int64, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 {
		return 0, false
	}
	var sec float64
	if len(parts) == 3 {
		var err error
		if sec, err = strconv.ParseFloat(parts[2], 64); err != nil || sec < 0 || sec >= 61 {
			return 0, false
		}
	}
	return int64(h)*3600000 + int64(m)*60000 + int64(sec*1000+0.5), true
}

// maxEventMap bounds --event-map's file: a code list, not a data file.
const maxEventMap = 1 << 20

// ParseEventMap reads --event-map: CODE=NAME pairs separated by commas, or
// the name of a file with one CODE=NAME (or CODE,NAME or CODE<tab>NAME)
// per line, # comments and blank lines ignored.
func ParseEventMap(flag string) (map[string]string, error) {
	if flag == "" {
		return nil, nil
	}
	var lines []string
	where := "--event-map"
	if st, err := os.Stat(flag); err == nil && !st.IsDir() {
		f, err := os.Open(flag)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(io.LimitReader(f, maxEventMap+1))
		n := 0
		for sc.Scan() {
			n += len(sc.Bytes()) + 1
			lines = append(lines, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return nil, i18n.Errorf("--event-map %s: %w", flag, err)
		}
		if n > maxEventMap {
			return nil, &UsageError{fmt.Sprintf("--event-map %s: over 1 MB; a map of event codes to names is a short list", flag)}
		}
		where = "--event-map " + flag
	} else if !strings.Contains(flag, "=") {
		return nil, &UsageError{fmt.Sprintf("--event-map %s: no such file, and not CODE=NAME pairs (e.g. --event-map 1=view,2=fav,3=cart,4=buy)", flag)}
	} else {
		lines = strings.Split(flag, ",")
	}
	m := map[string]string{}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		sep := strings.IndexAny(l, "=,\t")
		if sep <= 0 || strings.TrimSpace(l[sep+1:]) == "" {
			return nil, &UsageError{fmt.Sprintf("%s: %q (entry %d) is not CODE=NAME", where, l, i+1)}
		}
		code, name := strings.TrimSpace(l[:sep]), strings.TrimSpace(l[sep+1:])
		if prev, dup := m[code]; dup && prev != name {
			return nil, &UsageError{fmt.Sprintf("%s: code %q is mapped twice (%q and %q)", where, code, prev, name)}
		}
		m[code] = name
	}
	if len(m) == 0 {
		return nil, &UsageError{where + ": no CODE=NAME entries"}
	}
	return m, nil
}

// describeEventMap lists a map for --dry-run, codes sorted.
func describeEventMap(m map[string]string) string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, 0, len(codes))
	for i, c := range codes {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(codes)))
			break
		}
		parts = append(parts, c+" -> "+m[c])
	}
	return strings.Join(parts, ", ")
}

// shapeReader applies --event-map and --time A+B to each row its reader
// yields. It runs in the reader's goroutine; its counts are read after.
type shapeReader struct {
	rowReader
	names    map[string]string
	sum      *timeSum
	unmapped map[string]int64 // event names not in the map, kept as they are
}

// maxUnmapped bounds the names remembered for the unmapped report.
const maxUnmapped = 100

func (s *shapeReader) next(r *row) error {
	if err := s.rowReader.next(r); err != nil || r.noEvt {
		return err
	}
	if s.names != nil {
		if n, ok := s.names[r.ev.Name]; ok {
			r.ev.Name = n
		} else if _, seen := s.unmapped[r.ev.Name]; seen || len(s.unmapped) < maxUnmapped {
			s.unmapped[r.ev.Name]++
		}
	}
	if s.sum != nil {
		var v any
		found := false
		for _, p := range r.ev.Props {
			if p.Key == s.sum.offset {
				v, found = p.Value, true
				break
			}
		}
		if !found {
			return &rejectError{reason: ReasonNoTime, line: r.line, detail: fmt.Sprintf("no %s (the offset in --time %s)", s.sum.offset, s.sum)}
		}
		t, err := s.sum.add(r.ev.Time, v)
		if err != nil {
			reason := ReasonBadTime
			if errors.Is(err, errTimeRange) {
				reason = ReasonTimeRange
			}
			return &rejectError{reason: reason, line: r.line, detail: fmt.Sprintf("%s is %v: %v (the offset in --time %s)", s.sum.offset, v, err, s.sum)}
		}
		r.ev.Time = t
	}
	return nil
}

func (s *shapeReader) describe() string {
	d := s.rowReader.describe()
	if s.sum != nil {
		d += "; time = " + s.sum.String()
	}
	if s.names != nil {
		d += fmt.Sprintf("; event names mapped by --event-map (%d codes)", len(s.names))
	}
	return d
}

// unmappedNames lists the names the map did not cover, most frequent first.
func (s *shapeReader) unmappedNames() []string {
	var out []string
	for n := range s.unmapped {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := s.unmapped[out[i]], s.unmapped[out[j]]
		return a > b || a == b && out[i] < out[j]
	})
	return out
}

// checkOffsetColumn resolves the offset column of --time A+B against a
// table's header (a JSON field need not be in the first object).
func checkOffsetColumn(rd rowReader, sum *timeSum) error {
	if z, ok := rd.(*zipReader); ok {
		rd = z.cur
	}
	c, ok := rd.(*csvReader)
	if !ok {
		return nil
	}
	for _, n := range c.names {
		if n == sum.offset {
			return nil
		}
	}
	for _, n := range c.names {
		if normName(n) == normName(sum.offset) {
			sum.offset = n
			return nil
		}
	}
	return &UsageError{fmt.Sprintf("--time %s: no column %s; the columns are %s", sum, sum.offset, listFields(c.names))}
}
