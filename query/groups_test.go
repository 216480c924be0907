package query

import (
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// A breakdown's generated groups read in the interface language; values
// of the data, even one spelt like a generated group of another
// breakdown, stay as they are.
func TestGroupName(t *testing.T) {
	for _, c := range []struct {
		l               i18n.Lang
		by, value, want string
	}{
		{i18n.Chinese, "segment:buyers", "not buyers", "非 buyers"},
		{i18n.English, "segment:buyers", "not buyers", "not buyers"},
		{i18n.Chinese, "segment:buyers", "buyers", "buyers"},
		{i18n.Chinese, "segment:audience:cart", "not audience:cart", "非 audience:cart"},
		{i18n.Chinese, "plan", "not buyers", "not buyers"},
		{i18n.Chinese, "segment:buyers", "not sellers", "not sellers"},
		{i18n.Chinese, "country", NoneValue, "（无）"},
		{i18n.English, "country", NoneValue, "(none)"},
		{i18n.Chinese, "country", "CN", "CN"},
	} {
		if got := GroupName(c.l, c.by, c.value); got != c.want {
			t.Errorf("%s: --by %s value %q reads %q, want %q", c.l, c.by, c.value, got, c.want)
		}
	}
}

// A trends series under --by segment:NAME names the group outside it in
// the interface language, after its event; without --by the label (or
// SeriesName's words) stays.
func TestSeriesText(t *testing.T) {
	r := &TrendsResult{by: "segment:buyers"}
	for _, c := range []struct {
		s    TrendSeries
		want string
	}{
		{TrendSeries{Label: "not buyers", Value: "not buyers"}, "非 buyers"},
		{TrendSeries{Label: "view · not buyers", Event: "view", Value: "not buyers"}, "view · 非 buyers"},
		{TrendSeries{Label: "view · buyers", Event: "view", Value: "buyers"}, "view · buyers"},
	} {
		if got := r.SeriesText(i18n.Chinese, c.s); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
		if got := r.SeriesText(i18n.English, c.s); got != c.s.Label {
			t.Errorf("%+v in English: %q", c.s, got)
		}
	}
	if got := (&TrendsResult{}).SeriesText(i18n.Chinese, TrendSeries{Label: AnyEventLabel}); got != "全部事件" {
		t.Errorf("all events: %q", got)
	}
}
