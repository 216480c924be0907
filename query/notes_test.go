package query

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// Issue 14.18: an empty result says why when a --where value is not
// stored or the range misses the data.
func TestEmptyNotes(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-02 10:00 country=US price=5
u2 view 2026-03-03 11:00 country=CN price=12.5
u2 buy  2026-03-04 12:00 country=cn
`)
	for _, c := range []struct {
		common Common
		want   []string
	}{
		{Common{Where: []string{"country = US"}}, nil},
		{Common{Where: []string{"country != us"}}, nil},
		{Common{Where: []string{"country = us"}}, []string{`--where "country = us": no event has country "us"; closest stored values: "US"`}},
		{Common{Where: []string{"country in (us, CN)"}}, nil},
		{Common{Where: []string{"country in (de, fr)"}}, []string{`--where "country in (de, fr)": no event has country "de" or "fr"; closest stored values: "US", "CN", "cn"`}},
		{Common{Where: []string{"country = CM"}}, []string{`--where "country = CM": no event has country "CM"; closest stored values: "CN", "cn", "US"`}},
		{Common{Where: []string{"price > 12.5"}}, []string{`--where "price > 12.5": no event has price > 12.5; its numbers run from 5 to 12.5`}},
		{Common{Where: []string{"price >= 12.5"}}, nil},
		{Common{Where: []string{"country > 1"}}, []string{`--where "country > 1": no event has a numeric country`}},
		{Common{Where: []string{"country contains x"}}, []string{`--where "country contains x": no value of country contains "x"`}},
		{Common{Where: []string{"price = 5.0"}}, nil}, // compared as numbers
		{Common{From: "2026-03-04", To: "2026-03-09"}, nil},
		{Common{From: "2026-03-05", To: "2026-03-09"}, []string{"the date range 2026-03-05 to 2026-03-09 lies outside the data, which runs from 2026-03-02 to 2026-03-04"}},
		{Common{From: "2027-01-01"}, []string{"the date range from 2027-01-01 lies outside the data, which runs from 2026-03-02 to 2026-03-04"}},
		{Common{To: "2026-03-01", Where: []string{"country = us"}}, []string{
			"the date range up to 2026-03-01 lies outside the data, which runs from 2026-03-02 to 2026-03-04",
			`--where "country = us": no event has country "us"; closest stored values: "US"`}},
		{Common{Where: []string{"nosuch = 1"}}, []string{`--where "nosuch = 1": no event has nosuch "1"; spoor props nosuch lists its values`}},
		{Common{Where: []string{"country in (a"}}, nil}, // the analysis reports the broken filter
		{Common{From: "yesterday"}, nil},                // and the bad date
	} {
		if got := d.EmptyNotes(context.Background(), c.common); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v:\n got %q\nwant %q", c.common, got, c.want)
		}
	}
}
