package segment

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"
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
//
// Users share most of their numbers and signals (at 10M events 92,121
// users have 1,372 scores, 1,824 lists of signals, each list one slice
// shared by its users): each is written once and then copied (jsonMemo).
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
	m := new(jsonMemo)
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
			b = r.Users[i].appendJSON(b, m)
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
func (u *ChurnUser) appendJSON(b []byte, m *jsonMemo) []byte {
	b = append(b, "\n    {\n      \"user\": "...)
	b = appendJSONString(b, u.User)
	b = append(b, ",\n      \"score\": "...)
	b = m.float(b, u.Score)
	b = append(b, ",\n      \"days_since_last_seen\": "...)
	b = strconv.AppendInt(b, int64(u.DaysSinceLastSeen), 10)
	b = append(b, ",\n      \"recent_events\": "...)
	b = strconv.AppendInt(b, int64(u.RecentEvents), 10)
	b = append(b, ",\n      \"baseline_events\": "...)
	b = strconv.AppendInt(b, int64(u.BaselineEvents), 10)
	b = append(b, ",\n      \"activity_ratio\": "...)
	b = m.float(b, u.ActivityRatio)
	b = append(b, ",\n      \"usual_gap_days\": "...)
	if u.UsualGapDays == nil {
		b = append(b, "null"...)
	} else {
		b = m.float(b, *u.UsualGapDays)
	}
	b = append(b, ",\n      \"active_days\": "...)
	b = strconv.AppendInt(b, int64(u.ActiveDays), 10)
	b = append(b, ",\n      \"expected_gap_days\": "...)
	b = m.float(b, u.ExpectedGapDays)
	b = append(b, ",\n      \"gaps_overdue\": "...)
	b = m.float(b, u.GapsOverdue)
	b = append(b, ",\n      \"last_key_event\": "...)
	b = appendJSONString(b, u.LastKeyEvent)
	b = append(b, ",\n      \"last_key_event_time\": "...)
	b = appendJSONString(b, u.LastKeyEventTime)
	b = append(b, ",\n      \"signals\": "...)
	b = m.signals(b, u.Signals)
	return append(b, "\n    }"...)
}

// appendSignals appends a user's signals as appendJSON does.
func appendSignals(b []byte, signals []string) []byte {
	switch {
	case signals == nil:
		return append(b, "null"...)
	case len(signals) == 0:
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, s := range signals {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n        "...)
		b = appendJSONString(b, s)
	}
	return append(b, "\n      ]"...)
}

// jsonMemoSlots is how many values of each kind jsonMemo remembers (a
// power of two): a value is remembered in one slot, chosen by a hash, so
// values that meet there take turns.
const jsonMemoSlots = 4096

// jsonMemo remembers the text of the floats and lists of signals it
// wrote last, by value (a float's bits) and by slice (the address of its
// first element and its length: users given the same list share it), so
// that writing one again copies it. Its zero value is empty.
type jsonMemo struct {
	floats [jsonMemoSlots]memoFloat
	lists  [jsonMemoSlots]memoSignals
}

type memoFloat struct {
	bits uint64
	n    uint8 // the text's length; 0: the slot is empty
	text [31]byte
}

type memoSignals struct {
	first *string
	n     int
	text  []byte
}

// float appends f as appendJSONFloat does.
func (m *jsonMemo) float(b []byte, f float64) []byte {
	bits := math.Float64bits(f)
	e := &m.floats[(bits*0x9E3779B97F4A7C15)>>(64-12)]
	if e.n > 0 && e.bits == bits {
		return append(b, e.text[:e.n]...)
	}
	from := len(b)
	b = appendJSONFloat(b, f)
	if n := len(b) - from; n <= len(e.text) {
		e.bits, e.n = bits, uint8(n)
		copy(e.text[:], b[from:])
	}
	return b
}

// signals appends a user's signals as appendSignals does.
func (m *jsonMemo) signals(b []byte, signals []string) []byte {
	if len(signals) == 0 {
		return appendSignals(b, signals)
	}
	first := unsafe.SliceData(signals)
	e := &m.lists[(uint64(uintptr(unsafe.Pointer(first)))*0x9E3779B97F4A7C15)>>(64-12)]
	if e.first == first && e.n == len(signals) {
		return append(b, e.text...)
	}
	from := len(b)
	b = appendSignals(b, signals)
	e.first, e.n, e.text = first, len(signals), append(e.text[:0], b[from:]...)
	return b
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
