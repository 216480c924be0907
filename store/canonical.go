package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// EncodeProps appends the canonical JSON object for props (keys sorted, last
// value of a repeated key wins) to dst. The encoding is part of the dedup
// key, so it must stay stable.
func EncodeProps(dst []byte, props []Prop) []byte {
	dst, _ = encodeProps(dst, props, nil)
	return dst
}

// propSpan locates one property's JSON value literal in an encoding.
type propSpan struct {
	prop       int // index in props
	start, end int // dst[start:end] is the value literal
}

// encodeProps is EncodeProps that also records where each kept value's
// literal lies, so the column chunk reuses the encoding.
func encodeProps(dst []byte, props []Prop, spans []propSpan) ([]byte, []propSpan) {
	if len(props) == 0 {
		return append(dst, "{}"...), spans
	}
	var small [16]int
	idx := small[:0]
	text := 0
	for i := range props {
		idx = append(idx, i)
		if s, ok := props[i].Value.(string); ok {
			text += len(s)
		}
	}
	if text > 64<<10 {
		// Long values (up to the importers' 1 MB each): one allocation
		// instead of a buffer grown append by append, which left about
		// five times the row behind.
		dst = slices.Grow(dst, text+len(props)*32)
	}
	// Equal keys stay in input order, so the last value can win.
	if len(idx) <= len(small) {
		// Insertion sort: events mostly carry few properties, and it
		// needs no allocation.
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && props[idx[j]].Key < props[idx[j-1]].Key; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
	} else {
		// O(k log k): insertion sort took minutes on one event of a
		// million keys. Ties broken by index keep the input order.
		slices.SortFunc(idx, func(a, b int) int {
			if c := strings.Compare(props[a].Key, props[b].Key); c != 0 {
				return c
			}
			return a - b
		})
	}
	dst = append(dst, '{')
	first := true
	for n, i := range idx {
		if n+1 < len(idx) && props[idx[n+1]].Key == props[i].Key {
			continue // a later value of the same key wins
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, props[i].Key)
		dst = append(dst, ':')
		start := len(dst)
		dst = appendValue(dst, props[i].Value)
		spans = append(spans, propSpan{i, start, len(dst)})
	}
	return append(dst, '}'), spans
}

func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendJSONString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case json.Number:
		return append(dst, x...)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
}

// jsonPlain marks the bytes json.Marshal writes into a string as they
// are: not control characters, '"', '\\', '<', '>', '&' or non-ASCII. A
// table lookup a byte instead of seven comparisons: the keys and values
// of every event pass here (a tenth of a bulk import's writer CPU).
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = true
	}
	for _, c := range `"\\<>&` {
		t[c] = false
	}
	return t
}()

func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			b, _ := json.Marshal(s) // rare path: escapes and non-ASCII
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
