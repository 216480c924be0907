package query

import (
	"encoding/json"
	"math"
)

// Num is a ratio or statistic that may be undefined, such as a conversion
// from a step nobody reached (0/0): NaN, written as JSON null (docs/json.md)
// and "-" in tables, never a made-up 0.
type Num float64

// Undefined is the Num of a ratio with nothing to divide by.
var Undefined = Num(math.NaN())

// MarshalJSON writes NaN and ±Inf as null.
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.Valid() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// Valid reports whether the statistic is defined.
func (n Num) Valid() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

// Or is the value, or v when it is undefined (where a chart needs a
// length: an empty bar).
func (n Num) Or(v float64) float64 {
	if !n.Valid() {
		return v
	}
	return float64(n)
}

// Ratio is a/b, Undefined when b is 0.
func Ratio[T int | int64](a, b T) Num {
	if b == 0 {
		return Undefined
	}
	return Num(float64(a) / float64(b))
}
