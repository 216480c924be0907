package importers

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	cases := []struct {
		in     string
		loc    *time.Location
		format string
		want   int64
		err    error
	}{
		{"2024-03-05T10:20:30Z", nil, "", ms("2024-03-05T10:20:30Z"), nil},
		{"2024-03-05T10:20:30.123456789Z", nil, "", ms("2024-03-05T10:20:30.123Z"), nil},
		{"2024-03-05T10:20:30+08:00", nil, "", ms("2024-03-05T02:20:30Z"), nil},
		{"2024-03-05T10:20:30-0530", nil, "", ms("2024-03-05T15:50:30Z"), nil},
		{"2024-03-05T10:20:30+08", nil, "", ms("2024-03-05T02:20:30Z"), nil},
		{"2024-03-05T10:20:30", sh, "", ms("2024-03-05T02:20:30Z"), nil},
		{"2024-03-05 10:20:30", nil, "", ms("2024-03-05T10:20:30Z"), nil},
		{"2024-03-05 10:20:30.5", nil, "", ms("2024-03-05T10:20:30.5Z"), nil},
		{"2019-10-01 00:00:00 UTC", sh, "", ms("2019-10-01T00:00:00Z"), nil}, // the suffix wins over --tz
		{"2024-03-05 10:20:30 +0800", nil, "", ms("2024-03-05T02:20:30Z"), nil},
		{"2024/03/05 10:20", nil, "", ms("2024-03-05T10:20:00Z"), nil},
		{"2024/03/05 10:20:07", nil, "", ms("2024-03-05T10:20:07Z"), nil},
		{"2014-12-06 02", sh, "", ms("2014-12-05T18:00:00Z"), nil},
		{"2016-05-09", nil, "", ms("2016-05-09T00:00:00Z"), nil},
		{"20160913", nil, "", ms("2016-09-13T00:00:00Z"), nil},
		{"20160913", ny, "", ms("2016-09-13T04:00:00Z"), nil},
		{"1511544070", nil, "", 1511544070000, nil},
		{"1396437466.94", nil, "", 1396437466940, nil},
		{"1511544070123", nil, "", 1511544070123, nil},
		{"1511544070123456", nil, "", 1511544070123, nil},
		{"1511544070123456789", nil, "", 1511544070123, nil},
		{"1.5115440701e9", nil, "", 1511544070100, nil},
		{"Mon, 02 Jan 2006 15:04:05 -0700", nil, "", ms("2006-01-02T22:04:05Z"), nil},
		// DST: 2:30 on the spring-forward day does not exist in New York;
		// it is read with the daylight offset (as time.Date does), 06:30Z.
		{"2024-03-10 02:30:00", ny, "", ms("2024-03-10T06:30:00Z"), nil},
		// 1:30 on the fall-back day happens twice; the first (EDT) is taken.
		{"2024-11-03 01:30:00", ny, "", ms("2024-11-03T05:30:00Z"), nil},
		{"05/03/2024 10:20", nil, "%d/%m/%Y %H:%M", ms("2024-03-05T10:20:00Z"), nil},
		{"2024-03-05T10:20", nil, "2006-01-02T15:04", ms("2024-03-05T10:20:00Z"), nil},
		{"1700000000", nil, "unix_ms", 1700000000, nil},
		{"1700000000", nil, "unix", 1700000000000, nil},
		// bad and out of range
		{"", nil, "", 0, errBadTime},
		{"yesterday", nil, "", 0, errBadTime},
		{"2024-02-30", nil, "", 0, errBadTime},
		{"2024-13-01 00:00:00", nil, "", 0, errBadTime},
		{"2024-03-05 25:00:00", nil, "", 0, errBadTime},
		{"2024-03-05T10:20:30+25:00", nil, "", 0, errBadTime},
		{"2024-03-05T10:20:30 PST8", nil, "", 0, errBadTime},
		{"1.2.3", nil, "", 0, errBadTime},
		{"2200-01-01", nil, "", 0, errTimeRange},
		{"1969-12-31T23:59:59Z", nil, "", 0, errTimeRange},
		{"-5", nil, "", 0, errTimeRange},
		{"99999999999999999999999", nil, "", 0, errTimeRange},
		{"05/03/2024", nil, "%d/%m/%Y %H:%M", 0, errBadTime},
	}
	for _, c := range cases {
		p, err := NewTimeParser(c.format, c.loc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Parse(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("Parse(%q, %v, %q) = %d, %v; want %d, %v", c.in, c.loc, c.format, got, err, c.want, c.err)
		}
	}
	if _, err := NewTimeParser("%Q", nil); err == nil {
		t.Error("unknown strftime directive accepted")
	}
}

// The hand-written fast path agrees with time.Parse on random instants in
// every layout it claims, in UTC and in a zone with DST.
func TestParseTimeMatchesReference(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	rng := rand.New(rand.NewSource(7))
	layouts := []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000Z07:00", "2006-01-02 15:04:05", "2006-01-02 15:04:05.000",
		"2006/01/02 15:04", "2006/01/02 15:04:05", "2006-01-02 15", "2006-01-02", "20060102", "2006-01-02T15:04:05"}
	for i := 0; i < 20000; i++ {
		loc := time.UTC
		if i%2 == 1 {
			loc = ny
		}
		inst := time.UnixMilli(rng.Int63n(maxTimeMs-86400000*2) + 86400000).In(loc)
		l := layouts[rng.Intn(len(layouts))]
		s := inst.Format(l)
		want, err := time.ParseInLocation(l, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := NewTimeParser("", loc)
		got, err := p.Parse(s)
		if err != nil || got != want.UnixMilli() {
			t.Fatalf("%q in %v: got %d %v, want %d", s, loc, got, err, want.UnixMilli())
		}
		// Epochs in every unit, integer and fractional.
		ms := inst.UnixMilli()
		if ms < 1e11/1000*1000 { // seconds below 1e11 only
			continue
		}
		for _, e := range []string{fmt.Sprint(ms / 1000), fmt.Sprintf("%d.%03d", ms/1000, ms%1000), fmt.Sprint(ms), fmt.Sprint(ms * 1000), fmt.Sprint(ms * 1000000)} {
			want := ms
			if e == fmt.Sprint(ms/1000) {
				want = ms / 1000 * 1000
			}
			if len(e) == 8 {
				continue // eight digits read as YYYYMMDD
			}
			if got, err := p.Parse(e); err != nil || got != want {
				t.Fatalf("epoch %s: got %d %v want %d", e, got, err, want)
			}
		}
	}
}
