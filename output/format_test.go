package output

import (
	"math"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

func TestFormats(t *testing.T) {
	for sec, want := range map[float64]string{0.85: "850ms", 45: "45s", 2.5: "2.5s", 725: "12m 5s", 720: "12m", 12600: "3h 30m", 187200: "2d 4h", 1234 * 86400: "1234d", math.NaN(): "-"} {
		if got := Duration(sec); got != want {
			t.Errorf("Duration(%v) = %q, want %q", sec, got, want)
		}
	}
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	for sec, want := range map[float64]string{0.85: "850毫秒", 45: "45秒", 2.5: "2.5秒", 725: "12分5秒", 720: "12分钟", 6360: "1小时46分", 12600: "3小时30分", 10800: "3小时", 187200: "2天4小时", 172800: "2天", 1234 * 86400: "1234天", math.NaN(): "-"} {
		if got := Duration(sec); got != want {
			t.Errorf("in Chinese, Duration(%v) = %q, want %q", sec, got, want)
		}
	}
	// A duration kept in a sentence says itself in the sentence's language.
	if en, zh := i18n.M("window %s", Seconds(6360)).In(i18n.English), Seconds(6360).In(i18n.Chinese); en != "window 1h 46m" || zh != "1小时46分" {
		t.Errorf("Seconds(6360): %q in English, %q in Chinese", en, zh)
	}
	i18n.Set(i18n.English)
	for f, want := range map[float64]string{0.425: "42.5%", 1: "100.0%", 0: "0.0%", math.Inf(1): "-", math.NaN(): "-"} {
		if got := Percent(f); got != want {
			t.Errorf("Percent(%v) = %q, want %q", f, got, want)
		}
	}
	if got := Count(2500); got != "2500" {
		t.Errorf("Count(2500) = %q", got)
	}
}
