package sample

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// Writer writes events as a file spoor import reads back without flags:
// CSV with the header user_id,event,time,<keys...>, or JSON Lines objects
// {"user_id","event","time","properties"}. Times are RFC 3339 UTC with
// milliseconds. It appends bytes by hand: writing ten million events is a
// benchmark's first step, and fmt per field would dominate it.
type Writer struct {
	w     *bufio.Writer
	jsonl bool
	keys  []string
	buf   []byte
	slot  []int // per key: index into the current event's Props, or -1
}

// FormatOf tells the file format from a file name: "csv" or "jsonl".
func FormatOf(name string) (string, error) {
	lower := strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch {
	case strings.HasSuffix(lower, ".csv"):
		return "csv", nil
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return "jsonl", nil
	}
	return "", i18n.Errorf("cannot tell the format of %q: name it .csv or .jsonl", name)
}

// NewWriter starts a file of format "csv" or "jsonl"; keys are the CSV
// property columns (a scenario's Keys).
func NewWriter(w io.Writer, format string, keys []string) (*Writer, error) {
	fw := &Writer{w: bufio.NewWriterSize(w, 1<<16), keys: keys, slot: make([]int, len(keys))}
	switch format {
	case "jsonl":
		fw.jsonl = true
	case "csv":
		b := append(fw.buf[:0], "user_id,event,time"...)
		for _, k := range keys {
			b = appendCSV(append(b, ','), k)
		}
		fw.buf = append(b, '\n')
		if _, err := fw.w.Write(fw.buf); err != nil {
			return nil, err
		}
	default:
		return nil, i18n.Errorf("unknown sample format %q (use csv or jsonl)", format)
	}
	return fw, nil
}

// Write writes one event.
func (fw *Writer) Write(e *store.Event) error {
	if fw.jsonl {
		fw.buf = fw.appendJSONL(fw.buf[:0], e)
	} else {
		fw.buf = fw.appendCSVRow(fw.buf[:0], e)
	}
	_, err := fw.w.Write(fw.buf)
	return err
}

// Flush writes what is buffered.
func (fw *Writer) Flush() error { return fw.w.Flush() }

func (fw *Writer) appendCSVRow(b []byte, e *store.Event) []byte {
	b = appendCSV(b, e.User)
	b = appendCSV(append(b, ','), e.Name)
	b = appendTime(append(b, ','), e.Time)
	for i := range fw.slot {
		fw.slot[i] = -1
	}
	for j, p := range e.Props {
		for i, k := range fw.keys {
			if k == p.Key {
				fw.slot[i] = j
				break
			}
		}
	}
	for _, j := range fw.slot {
		b = append(b, ',')
		if j < 0 {
			continue
		}
		switch v := e.Props[j].Value.(type) {
		case string:
			b = appendCSV(b, v)
		case nil:
		default:
			b = appendScalar(b, v)
		}
	}
	return append(b, '\n')
}

func (fw *Writer) appendJSONL(b []byte, e *store.Event) []byte {
	b = appendJSONString(append(b, `{"user_id":`...), e.User)
	b = appendJSONString(append(b, `,"event":`...), e.Name)
	b = appendTime(append(b, `,"time":"`...), e.Time)
	b = append(b, `","properties":{`...)
	for j, p := range e.Props {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, p.Key), ':')
		switch v := p.Value.(type) {
		case string:
			b = appendJSONString(b, v)
		case nil:
			b = append(b, "null"...)
		default:
			b = appendScalar(b, v)
		}
	}
	return append(b, "}}\n"...)
}

// appendScalar writes a number or bool the same way in CSV and JSON.
func appendScalar(b []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

// appendTime writes epoch milliseconds as 2006-01-02T15:04:05.000Z. It
// converts days to a civil date itself (H. Hinnant's days_from_civil,
// inverted) because time.AppendFormat was a quarter of the cost of a row.
func appendTime(b []byte, ms int64) []byte {
	secs := floorDiv(ms, 1000)
	frac := ms - secs*1000
	days := floorDiv(secs, 86400)
	sod := secs - days*86400
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	if y < 0 || y > 9999 {
		return time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	}
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, '-'), m, 2)
	b = appendDigits(append(b, '-'), d, 2)
	b = appendDigits(append(b, 'T'), sod/3600, 2)
	b = appendDigits(append(b, ':'), sod/60%60, 2)
	b = appendDigits(append(b, ':'), sod%60, 2)
	b = appendDigits(append(b, '.'), frac, 3)
	return append(b, 'Z')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// appendDigits writes v (non-negative) zero-padded to width digits.
func appendDigits(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || width > 0 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	return append(b, tmp[i:]...)
}

// needsQuotes reports whether a CSV cell must be quoted.
func needsQuotes(s string) bool {
	if s != "" && s[0] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

func appendCSV(b []byte, s string) []byte {
	if !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON, keeping non-ASCII text (Chinese names)
// as it is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
