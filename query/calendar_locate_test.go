package query

import (
	"math/rand"
	"testing"
	"time"
)

// locate's arithmetic path (equal buckets) and search path (DST days,
// months) both agree with a plain scan of the bucket starts.
func TestCalendarLocate(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	zones := []string{"UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"}
	uniform := 0
	for trial := 0; trial < 400; trial++ {
		loc, err := time.LoadLocation(zones[rng.Intn(len(zones))])
		if err != nil {
			t.Skipf("timezone data not available: %v", err)
		}
		iv := []Interval{Hour, Day, Week, Month}[rng.Intn(4)]
		from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() + rng.Int63n(365*86_400_000)
		to := from + rng.Int63n(90*86_400_000)
		c := NewCalendar(iv, loc, from, to)
		if c.width > 0 {
			uniform++
		}
		for k := 0; k < 200; k++ {
			x := c.Starts[0] - 86_400_000 + rng.Int63n(c.Starts[len(c.Starts)-1]-c.Starts[0]+2*86_400_000)
			if k%10 == 0 { // bucket edges exactly
				x = c.Starts[rng.Intn(len(c.Starts))]
			}
			want := -1
			for i, s := range c.Starts {
				if s <= x {
					want = i
				}
			}
			if got := c.locate(x); got != want {
				t.Fatalf("%s %v calendar from %d: locate(%d) = %d, want %d", loc, iv, c.Starts[0], x, got, want)
			}
			wantBucket := want
			if want == c.Len() {
				wantBucket = -1
			}
			if got := c.Bucket(x); got != wantBucket {
				t.Fatalf("Bucket(%d) = %d, want %d", x, got, wantBucket)
			}
		}
	}
	if uniform == 0 || uniform == 400 {
		t.Fatalf("%d of 400 calendars uniform: both paths must be exercised", uniform)
	}
}
