package query

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Issue 20.10: --window 106751991167d overflowed to a negative window and
// a funnel that converted nobody; every duration and relative range is now
// bounded at 100 years, and NaN, infinities and negatives are refused.
func TestDurationsRangeChecked(t *testing.T) {
	for v, want := range map[string]int64{
		"36500d": MaxDuration,
		"5214w":  5214 * 7 * 86_400_000,
		"90s":    90_000,
		"1.5h":   5_400_000,
		"0":      0,
	} {
		if got, err := ParseDuration(v); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", v, got, err, want)
		}
	}
	for v, msg := range map[string]string{
		"106751991167d": "too long: at most 36500d",
		"36501d":        "too long",
		"5215w":         "too long",
		"1e300":         "too long",
		"1e400d":        "cannot read",
		"NaN":           "cannot read",
		"nand":          "cannot read",
		"inf":           "cannot read",
		"-infd":         "cannot read",
		"-1d":           "cannot read",
	} {
		if _, err := ParseDuration(v); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseDuration(%q): %v, want %q", v, err, msg)
		}
	}
	for v, want := range map[string]int{"36500d": 36500, "5214w": 36498, "30": 30} {
		if got, err := parseLast(v); err != nil || got != want {
			t.Errorf("parseLast(%q) = %d, %v", v, got, err)
		}
	}
	for _, v := range []string{"36501d", "5215w", "9223372036854775807w", "1317624576693539402w"} {
		if _, err := parseLast(v); err == nil || !strings.Contains(err.Error(), `relative range "`+v+`" is too long`) {
			t.Errorf("parseLast(%q): %v", v, err)
		}
	}
	// The attack itself: the funnel refuses the window instead of running.
	d := NewDataset([]RawEvent{{User: "a", Event: "view", Time: 1000}, {User: "a", Event: "buy", Time: 2000}}, time.UTC)
	_, err := d.Funnel(context.Background(), FunnelQuery{Steps: []FunnelStep{{Event: "view"}, {Event: "buy"}}, Window: "106751991167d"})
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("funnel with the overflowing window: %v", err)
	}
	r, err := d.Funnel(context.Background(), FunnelQuery{Steps: []FunnelStep{{Event: "view"}, {Event: "buy"}}, Window: "36500d"})
	if err != nil || r.Steps[1].Users != 1 {
		t.Fatalf("funnel with the longest window: %v", err)
	}
}

// price > NaN was accepted and matched nothing; comparisons take finite
// numbers only.
func TestFilterRefusesNaNAndInf(t *testing.T) {
	for _, expr := range []string{"price > NaN", "price >= nan", "price < Inf", "price <= -Infinity", "price > +inf", "price > 1e400"} {
		if _, err := ParseFilter(expr); err == nil || !strings.Contains(err.Error(), "is not a finite number") {
			t.Errorf("%s: %v", expr, err)
		}
	}
	for _, expr := range []string{"price > 1e300", "price > -5", "name = NaN", "name in (NaN, Inf)"} {
		if _, err := ParseFilter(expr); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}
