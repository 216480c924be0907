package segment

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// WriteJSON writes r as --format json does (json.Encoder indented by two
// spaces, HTML left unescaped, a newline at the end: the same bytes), from
// the fields directly into a buffer of 64 KB written as it fills. At
// 92,121 users at risk (10M events, 42 MB) the reflecting encoder and
// its indenting pass took about half of the command's CPU after the
// scoring (0.59 of 1.2 s, three profiled runs at load 24), most of it
// copying and first touches of the 100 MB of blocks it held until the
// end. done is false, and nothing written, when a number has no JSON
// form (NaN, ±Inf): the reflecting encoder then reports it, writing
// nothing. The only error is w's.
func (r *ChurnReport) WriteJSON(w io.Writer) (done bool, err error) {
	if !finite(r.MinScore) {
		return false, nil
	}
	for i := range r.Users {
		u := &r.Users[i]
		if !finite(u.Score) || !finite(u.ActivityRatio) || !finite(u.ExpectedGapDays) || !finite(u.GapsOverdue) ||
			u.UsualGapDays != nil && !finite(*u.UsualGapDays) {
			return false, nil
		}
	}
	j := jsonOut{w: w, b: make([]byte, 0, 64<<10)}
	b := append(j.b, "{\n  \"window_days\": "...)
	b = strconv.AppendInt(b, int64(r.WindowDays), 10)
	b = append(b, ",\n  \"baseline_days\": "...)
	b = strconv.AppendInt(b, int64(r.BaselineDays), 10)
	b = append(b, ",\n  \"min_score\": "...)
	b = appendJSONFloat(b, r.MinScore)
	b = append(b, ",\n  \"eligible\": "...)
	b = strconv.AppendInt(b, int64(r.Eligible), 10)
	b = append(b, ",\n  \"too_little_history\": "...)
	b = strconv.AppendInt(b, int64(r.TooLittleHistory), 10)
	b = append(b, ",\n  \"at_risk\": "...)
	b = strconv.AppendInt(b, int64(r.AtRisk), 10)
	b = append(b, ",\n  \"users\": "...)
	switch {
	case r.Users == nil:
		b = append(b, "null"...)
	case len(r.Users) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i := range r.Users {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.Users[i].appendJSON(b)
			if len(b) >= 60<<10 {
				b = j.flush(b)
			}
		}
		b = append(b, "\n  ]"...)
	}
	b = append(b, "\n}\n"...)
	j.flush(b)
	return true, j.err
}

// appendJSON appends u as an element of the report's users, at their
// depth, from the newline before its "{".
func (u *ChurnUser) appendJSON(b []byte) []byte {
	b = append(b, "\n    {\n      \"user\": "...)
	b = appendJSONString(b, u.User)
	b = append(b, ",\n      \"score\": "...)
	b = appendJSONFloat(b, u.Score)
	b = append(b, ",\n      \"days_since_last_seen\": "...)
	b = strconv.AppendInt(b, int64(u.DaysSinceLastSeen), 10)
	b = append(b, ",\n      \"recent_events\": "...)
	b = strconv.AppendInt(b, int64(u.RecentEvents), 10)
	b = append(b, ",\n      \"baseline_events\": "...)
	b = strconv.AppendInt(b, int64(u.BaselineEvents), 10)
	b = append(b, ",\n      \"activity_ratio\": "...)
	b = appendJSONFloat(b, u.ActivityRatio)
	b = append(b, ",\n      \"usual_gap_days\": "...)
	if u.UsualGapDays == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONFloat(b, *u.UsualGapDays)
	}
	b = append(b, ",\n      \"active_days\": "...)
	b = strconv.AppendInt(b, int64(u.ActiveDays), 10)
	b = append(b, ",\n      \"expected_gap_days\": "...)
	b = appendJSONFloat(b, u.ExpectedGapDays)
	b = append(b, ",\n      \"gaps_overdue\": "...)
	b = appendJSONFloat(b, u.GapsOverdue)
	b = append(b, ",\n      \"last_key_event\": "...)
	b = appendJSONString(b, u.LastKeyEvent)
	b = append(b, ",\n      \"last_key_event_time\": "...)
	b = appendJSONString(b, u.LastKeyEventTime)
	b = append(b, ",\n      \"signals\": "...)
	switch {
	case u.Signals == nil:
		b = append(b, "null"...)
	case len(u.Signals) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i, s := range u.Signals {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n        "...)
			b = appendJSONString(b, s)
		}
		b = append(b, "\n      ]"...)
	}
	return append(b, "\n    }"...)
}

// jsonOut writes WriteJSON's buffer and keeps the first error.
type jsonOut struct {
	w   io.Writer
	b   []byte
	err error
}

// flush writes b (once an error was met, nothing) and returns it emptied.
func (j *jsonOut) flush(b []byte) []byte {
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
	return b[:0]
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendJSONFloat appends f as encoding/json writes a finite float64:
// the shortest form, in exponent form below 1e-6 and from 1e21, an
// exponent's leading zero dropped.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s quoted as encoding/json writes it without
// HTML escaping. A string it would copy as it is (printable ASCII other
// than " and \, valid UTF-8 other than U+2028 and U+2029) is copied
// here; any other goes through encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	i := 0
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return appendEncoded(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendEncoded(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonPlain are the bytes encoding/json copies as they are: printable
// ASCII other than " and \ (one look-up a byte instead of three tests).
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendEncoded appends s as json.Encoder encodes it with SetEscapeHTML
// false.
func appendEncoded(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
