package query

import (
	"context"
	"strings"
	"testing"
	"time"
)

func calLabels(c *Calendar) []string {
	var out []string
	for i := 0; i < c.Len(); i++ {
		out = append(out, c.Label(i))
	}
	return out
}

// TestHourLabelsOnDSTDays: the hour repeated when clocks fall back names
// its zone; the hour skipped when they spring forward is simply absent.
func TestHourLabelsOnDSTDays(t *testing.T) {
	utc := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	for _, c := range []struct {
		zone, from, to string // UTC
		want           []string
	}{
		// New York falls back at 02:00 EDT (06:00 UTC) to 01:00 EST.
		{"America/New_York", "2024-11-03 04:00", "2024-11-03 09:00",
			[]string{"2024-11-03 00:00", "2024-11-03 01:00 EDT", "2024-11-03 01:00 EST", "2024-11-03 02:00", "2024-11-03 03:00"}},
		// New York springs forward at 02:00 EST (07:00 UTC) to 03:00 EDT.
		{"America/New_York", "2024-03-10 05:00", "2024-03-10 09:00",
			[]string{"2024-03-10 00:00", "2024-03-10 01:00", "2024-03-10 03:00", "2024-03-10 04:00"}},
		// Berlin falls back at 03:00 CEST (01:00 UTC) to 02:00 CET.
		{"Europe/Berlin", "2024-10-26 23:00", "2024-10-27 03:00",
			[]string{"2024-10-27 01:00", "2024-10-27 02:00 CEST", "2024-10-27 02:00 CET", "2024-10-27 03:00"}},
		// Berlin springs forward at 02:00 CET (01:00 UTC) to 03:00 CEST.
		{"Europe/Berlin", "2024-03-31 00:00", "2024-03-31 03:00",
			[]string{"2024-03-31 01:00", "2024-03-31 03:00", "2024-03-31 04:00"}},
		// An ordinary night in New York: no zone.
		{"America/New_York", "2024-11-04 04:00", "2024-11-04 07:00",
			[]string{"2024-11-03 23:00", "2024-11-04 00:00", "2024-11-04 01:00"}},
	} {
		got := calLabels(NewCalendar(Hour, fnLoc(t, c.zone), utc(c.from), utc(c.to)))
		if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
			t.Errorf("%s from %s UTC:\n got %q\nwant %q", c.zone, c.from, got, c.want)
		}
	}
}

// TestDayWeekMonthLabelsUnchanged: labels coarser than an hour are dates,
// DST or not.
func TestDayWeekMonthLabelsUnchanged(t *testing.T) {
	ny := fnLoc(t, "America/New_York")
	from := time.Date(2024, 10, 31, 0, 0, 0, 0, ny).UnixMilli()
	to := time.Date(2024, 11, 5, 0, 0, 0, 0, ny).UnixMilli()
	for iv, want := range map[Interval]string{
		Day:   "2024-10-31 2024-11-01 2024-11-02 2024-11-03 2024-11-04",
		Week:  "2024-10-28 2024-11-04",
		Month: "2024-10-01 2024-11-01",
	} {
		if got := strings.Join(calLabels(NewCalendar(iv, ny, from, to)), " "); got != want {
			t.Errorf("%s: %s, want %s", iv, got, want)
		}
	}
	sh := fnLoc(t, "Asia/Shanghai")
	got := calLabels(NewCalendar(Hour, sh, time.Date(2024, 11, 3, 23, 0, 0, 0, sh).UnixMilli(), time.Date(2024, 11, 4, 1, 0, 0, 0, sh).UnixMilli()))
	if strings.Join(got, " | ") != "2024-11-03 23:00 | 2024-11-04 00:00" {
		t.Errorf("Shanghai hours: %q", got)
	}
}

// TestHourLabelsAllYear: over a whole year in zones with and without DST
// (Lord Howe shifts by 30 minutes), hour labels are unique, and a label
// names its zone exactly when another bucket starts in the same wall-clock
// hour; otherwise it is the plain wall-clock start.
func TestHourLabelsAllYear(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, zone := range []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Shanghai", "America/Havana"} {
		loc := fnLoc(t, zone)
		c := NewCalendar(Hour, loc, from, to)
		wallHours := map[string]int{}
		for _, s := range c.Starts[:c.Len()] {
			wallHours[time.UnixMilli(s).In(loc).Format("2006-01-02 15")]++
		}
		seen := map[string]bool{}
		zoned := 0
		for i := 0; i < c.Len(); i++ {
			l, tm := c.Label(i), time.UnixMilli(c.Starts[i]).In(loc)
			if seen[l] {
				t.Errorf("%s: label %q twice", zone, l)
			}
			seen[l] = true
			plain := tm.Format("2006-01-02 15:04")
			repeated := wallHours[tm.Format("2006-01-02 15")] > 1
			if repeated && (l == plain || !strings.HasPrefix(l, plain+" ")) || !repeated && l != plain {
				t.Errorf("%s: bucket at %s labelled %q", zone, tm, l)
			}
			if repeated {
				zoned++
			}
		}
		t.Logf("%s: %d hours, %d labelled with their zone", zone, c.Len(), zoned)
	}
}

// TestHourLabelsInResults: the trends points and the funnel's conversion
// trend of the autumn night in New York keep the two 01:00 hours apart.
func TestHourLabelsInResults(t *testing.T) {
	ny := fnLoc(t, "America/New_York")
	// 05:30 and 06:30 UTC are 01:30 EDT and 01:30 EST.
	at := func(h, m int) int64 { return time.Date(2024, 11, 3, h, m, 0, 0, time.UTC).UnixMilli() }
	d := NewDataset([]RawEvent{
		{User: "a", Event: "view", Time: at(5, 30)},
		{User: "a", Event: "buy", Time: at(5, 40)},
		{User: "b", Event: "view", Time: at(6, 30)},
		{User: "c", Event: "view", Time: at(6, 35)},
		{User: "c", Event: "buy", Time: at(7, 5)},
	}, ny)
	common := Common{From: "2024-11-03", To: "2024-11-03", TZ: "America/New_York"}
	tr, err := d.Trends(context.Background(), TrendsQuery{Common: common, Events: []string{"view"}, Interval: "hour"})
	if err != nil {
		t.Fatal(err)
	}
	pts := tr.Series[0].Points
	if len(pts) != 25 {
		t.Fatalf("%d hourly points on a 25-hour day", len(pts))
	}
	if pts[1].T != "2024-11-03 01:00 EDT" || pts[1].Value != 1 || pts[2].T != "2024-11-03 01:00 EST" || pts[2].Value != 2 || pts[3].T != "2024-11-03 02:00" {
		t.Errorf("trends points 1-3: %+v", pts[1:4])
	}
	fr, err := d.Funnel(context.Background(), FunnelQuery{Common: common, Steps: steps("view", "buy"), Interval: "hour"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range fr.Trend[1:3] {
		got = append(got, p.T+": "+Percent(p.Conversion))
	}
	if strings.Join(got, ", ") != "2024-11-03 01:00 EDT: 100.0%, 2024-11-03 01:00 EST: 50.0%" {
		t.Errorf("funnel trend: %s", strings.Join(got, ", "))
	}
}
