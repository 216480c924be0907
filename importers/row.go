// Package importers reads event exports (CSV/TSV, JSON, JSON Lines, Parquet, and the
// Mixpanel, Amplitude, PostHog, Segment and GA4 layouts, gzip or not, in
// UTF-8, UTF-16 or GB18030) and writes them through store.ImportTx, one
// transaction per file.
//
// The pipeline is: openSource (bytes -> UTF-8 text) -> detectFormat (from
// content) -> a rowReader per format (text -> row, reused) -> import (rows
// -> store, rejects counted by reason).
package importers

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// row is one parsed input record, reused from row to row by its reader.
type row struct {
	ev    store.Event
	links [][2]string // (anonymous id, user id) pairs this record reveals
	// members are ids the vendor itself resolved to one person (Amplitude's
	// amplitude_id, PostHog's person_id), which the file may never link.
	members []member
	line    int64 // 1-based line (JSON array: element) where it starts
	noEvt   bool  // the record only links identities (Segment identify)
}

// member says id belongs to the person the vendor calls node; known marks
// an id the vendor says is an identified user (not an anonymous device).
type member struct {
	id, node string
	known    bool
}

func (r *row) reset(line int64) {
	r.ev = store.Event{Props: r.ev.Props[:0]}
	r.links = r.links[:0]
	r.members = r.members[:0]
	r.line = line
	r.noEvt = false
}

// Reject reasons, as counted in the summary and the report: the JSON and
// the report keep them as they are, a person reads them through the
// catalog (i18n.Text).
var (
	ReasonBadTime      = i18n.N("unparseable time")
	ReasonTimeRange    = i18n.N("time out of range")
	ReasonNoUser       = i18n.N("missing user")
	ReasonNoEvent      = i18n.N("missing event")
	ReasonNoTime       = i18n.N("missing time")
	ReasonBadJSON      = i18n.N("broken JSON")
	ReasonNotObject    = i18n.N("not a JSON object")
	ReasonColumnCount  = i18n.N("wrong column count")
	ReasonBadQuoting   = i18n.N("broken CSV quoting")
	ReasonInvalidBytes = i18n.N("invalid text encoding")
	ReasonTooLong      = i18n.N("value too long")
	ReasonRowTooLong   = i18n.N("row too long")
	ReasonTooManyProps = i18n.N("too many properties")
)

// maxValue bounds one value (a property, the user, the event name, the
// insert id) in bytes of UTF-8. PostHog and Mixpanel refuse events over
// 1 MB at ingestion, so no real export holds more; a longer value is a
// broken or hostile file, and refusing its row early keeps the import's
// memory at a small multiple of the longest line instead of ~10x.
const maxValue = 1 << 20

// maxRow bounds one record (a JSON line or array element, or the cells of
// a CSV row), so that a row of many values just under maxValue cannot cost
// a laptop's memory either: an accepted row costs 6x (JSON) to 14x (CSV)
// its size on its way to the store. A longer JSON line or array element,
// or CSV line, is cut short as it is read, not held.
const maxRow = 16 << 20

// maxProps bounds the properties of one event: the keys of a JSON record
// (nested objects and objects in arrays included) or the columns of a CSV
// file. Mixpanel keeps up to 2,000 properties per event and Amplitude's SDK
// refuses more than 1,000, so no real export comes near; a record of a
// million keys is hostile, and refusing it bounds each event's work.
const maxProps = 10000

// tooManyProps words the reject of a record over maxProps; what is "the
// record" or "the header", unit "keys" or "columns".
func tooManyProps(line int64, raw, what, unit string) *rejectError {
	return &rejectError{reason: ReasonTooManyProps, line: line, raw: raw,
		detail: fmt.Sprintf("%s has more than %d %s; events are kept with up to %d properties (Mixpanel keeps 2,000), so drop the extra fields (or keep them in one field as JSON text) and import the row again", what, maxProps, unit, maxProps)}
}

// clipRaw is a record's text for --rejects: whole, unless it is longer than
// maxValue, when its first 200 bytes stand for it (a rejects file of
// copies of 100 MB lines would help no one).
func clipRaw(b []byte) string {
	if len(b) <= maxValue {
		return string(b)
	}
	return clip(b)
}

// clip is the first 200 bytes of b, cut at a character boundary, and "…".
func clip(b []byte) string {
	n := min(len(b), 200)
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}

// tooLongReject words the reject of a row holding a value over maxValue.
func tooLongReject(line int64, raw string, what string, n int) *rejectError {
	size := fmt.Sprintf("%d bytes (%.1f MB)", n, float64(n)/(1<<20))
	if n <= 0 {
		size = "longer than 1 MB"
	}
	return &rejectError{reason: ReasonTooLong, line: line, raw: raw,
		detail: fmt.Sprintf("%s is %s; values are kept up to 1 MB (PostHog and Mixpanel refuse events over 1 MB), so shorten or drop it and import the row again", what, size)}
}

// rowTooLong words the reject of a record over maxRow; n is its length.
func rowTooLong(line int64, raw string, what string, n int) *rejectError {
	return &rejectError{reason: ReasonRowTooLong, line: line, raw: raw,
		detail: fmt.Sprintf("%s is %d bytes (%.1f MB); rows are kept up to 16 MB and values up to 1 MB (PostHog and Mixpanel refuse events over 1 MB), so split or shorten it and import the row again", what, n, float64(n)/(1<<20))}
}

// longField names the first value of r longer than maxValue, with its
// length; n is 0 when every value fits.
func longField(r *row) (what string, n int) {
	for _, f := range [...]struct{ what, s string }{{"the user id", r.ev.User}, {"the event name", r.ev.Name}, {"the insert id", r.ev.InsertID}} {
		if len(f.s) > maxValue {
			return f.what, len(f.s)
		}
	}
	for _, p := range r.ev.Props {
		if len(p.Key) > maxValue {
			return "a property name", len(p.Key)
		}
		var l int
		switch v := p.Value.(type) {
		case string:
			l = len(v)
		case json.Number:
			l = len(v)
		}
		if l > maxValue {
			return fmt.Sprintf("property %q", p.Key), l
		}
	}
	return "", 0
}

// rejectError is a record skipped for a reason; reading goes on after it.
type rejectError struct {
	reason string
	line   int64
	raw    string // the record as read, for --rejects
	detail string
}

func (e *rejectError) Error() string {
	if e.detail != "" {
		return e.reason + ": " + e.detail
	}
	return e.reason
}

// rowReader yields the records of one file.
type rowReader interface {
	// next fills r; it returns io.EOF at the end, a *rejectError for a
	// record to skip, and any other error for a file that cannot be read on.
	next(r *row) error
	// describe says how fields map to user, event and time, for --dry-run.
	describe() string
	// close stops any goroutine the reader runs; next must not be called
	// after it.
	close()
}

// missing reports whether an id cell means "no value".
func missing(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "undefined", "nil", "-":
		return true
	}
	return false
}

// cellValue is a CSV cell as a property value: a plain short number stays a
// number, anything else (long ids, leading zeros, dates) stays text.
func cellValue(s string) any {
	if isPlainNumber(s) {
		return json.Number(s)
	}
	return s
}

// isPlainNumber: optional minus, digits without a leading zero, optional
// fraction, at most 15 significant digits so a float64 holds it exactly.
func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intLen := i - start
	if intLen == 0 || (intLen > 1 && s[start] == '0') {
		return false
	}
	n := intLen
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == f {
			return false
		}
		n += i - f
	}
	return i == len(s) && n <= 15
}

// jsonValue normalises a decoded JSON value for storage: integers too long
// for a float64 become strings; arrays stay JSON text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") && len(strings.TrimPrefix(s, "-")) > 15 {
			return s
		}
		return x
	case []any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil
		}
		return string(b)
	}
	return v
}

// idString is an id field (user, event name, insert id) as text; ok is
// false when it is absent or empty.
func idString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if missing(x) {
			return "", false
		}
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// keyCache remembers joined property keys ("properties" + "." + "country")
// so the same nested key is not built again for every record. It stops
// growing at maxCachedKeys, so a file with a new key per record cannot
// exhaust memory.
type keyCache map[[2]string]string

const maxCachedKeys = 4096

func (kc keyCache) join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	if s, ok := kc[[2]string{prefix, k}]; ok {
		return s
	}
	s := prefix + "." + k
	if kc != nil && len(kc) < maxCachedKeys {
		kc[[2]string{prefix, k}] = s
	}
	return s
}

// flatten appends the leaves of v under prefix: nested objects become
// dotted keys, arrays JSON text.
func flatten(dst []store.Prop, kc keyCache, prefix string, v any) []store.Prop {
	if m, ok := v.(map[string]any); ok {
		if len(m) == 0 && prefix != "" {
			return append(dst, store.Prop{Key: prefix, Value: "{}"})
		}
		for k, x := range m {
			dst = flatten(dst, kc, kc.join(prefix, k), x)
		}
		return dst
	}
	return append(dst, store.Prop{Key: prefix, Value: jsonValue(v)})
}
