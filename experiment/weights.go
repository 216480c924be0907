package experiment

import (
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// ParseWeights reads an intended split as the command line's --weights
// takes it, "50,50" (positional: control first, then the others by name)
// or "A=90,B=10" (named), and also with slashes ("90/10") as people
// write splits. Empty or "even" is an even split (nil). Each share must
// be a positive number, optionally with %.
func ParseWeights(v string) ([]Weight, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "even") {
		return nil, nil
	}
	var out []Weight
	for _, part := range strings.Split(strings.ReplaceAll(v, "/", ","), ",") {
		name, share, named := strings.Cut(part, "=")
		if !named {
			share, name = name, ""
		}
		f, err := ParseShare(share)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, i18n.Errorf("cannot read %q (use e.g. 50,50 or A=90,B=10)", part)
		}
		out = append(out, Weight{Name: strings.TrimSpace(name), Share: f})
	}
	return out, nil
}

// ParseShare reads "10%" as 0.1 and plain numbers as they are; NaN and
// infinities are errors.
func ParseShare(v string) (float64, error) {
	v = strings.TrimSpace(v)
	div := 1.0
	if strings.HasSuffix(v, "%") {
		v, div = strings.TrimSuffix(v, "%"), 100
	}
	f, err := strconv.ParseFloat(v, 64)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		err = i18n.Errorf("%q is not a finite number", v)
	}
	return f / div, err
}
