package importers

import (
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

const day = int64(24 * time.Hour / time.Millisecond)

func TestFindOutliers(t *testing.T) {
	base := int64(1511568000000) // 2017-11-25T00:00Z
	bulk := func(n int, span int64) []int64 {
		var t []int64
		for i := range n {
			t = append(t, base+span*int64(i)/int64(n-1))
		}
		return t
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	cases := []struct {
		name           string
		times          []int64
		loc            *time.Location
		before, after  int64
		from, to, text string
	}{
		{"none", bulk(100, 9*day), time.UTC, 0, 0, "", "", ""},
		{"too few", []int64{base - 90*day, base, base + 1, base + 2, base + 3}, time.UTC, 0, 0, "", "", ""},
		// Taobao's shape: one event 75 days before nine days of data.
		{"one before", append([]int64{base - 75*day}, bulk(200, 9*day)...), time.UTC, 1, 0, "2017-11-25", "",
			"1 event lies far before the rest (earliest 2017-09-11, 75 days before the bulk starts on 2017-11-25): --from 2017-11-25 leaves it out"},
		// The dates follow the display zone: 2017-11-25T00:00Z is 08:00 in Shanghai.
		{"zone", append([]int64{base - 75*day}, bulk(200, 9*day)...), shanghai, 1, 0, "2017-11-25", "", ""},
		{"two before, one after", append(append([]int64{base - 60*day, base - 40*day}, bulk(300, 9*day)...), base+9*day+400*day), time.UTC, 2, 1, "2017-11-25", "2017-12-04",
			"2 events lie far before the rest (earliest 2017-09-26, 60 days before the bulk starts on 2017-11-25): --from 2017-11-25 leaves them out; 1 event lies far after the rest (latest 2019-01-08, 400 days after the bulk ends on 2017-12-04): --to 2017-12-04 leaves it out"},
		// A slow start is no outlier: the gap is shorter than the rest.
		{"slow start", append([]int64{base - 60*day}, bulk(200, 300*day)...), time.UTC, 0, 0, "", "", ""},
		// More than 1% apart is a second bulk, not stray events.
		{"two bulks", append(append([]int64{}, bulk(100, 9*day)...), base-60*day, base-60*day+1, base-59*day), time.UTC, 0, 0, "", "", ""},
		// Under a day apart is the week's rhythm.
		{"hours", append([]int64{base - 20*time.Hour.Milliseconds()}, bulk(200, time.Hour.Milliseconds())...), time.UTC, 0, 0, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := slices.Sorted(slices.Values(c.times))
			o := FindOutliers(ts, c.loc)
			if c.before+c.after == 0 {
				if o != nil {
					t.Fatalf("found %+v", o)
				}
				return
			}
			if o == nil || o.Before != c.before || o.After != c.after || o.From != c.from || o.To != c.to {
				t.Fatalf("%+v; want %d before (--from %s), %d after (--to %s)", o, c.before, c.from, c.after, c.to)
			}
			if c.text != "" && o.Text(i18n.English) != c.text {
				t.Fatalf("text %q\nwant %q", o.Text(i18n.English), c.text)
			}
			if c.name == "two before, one after" {
				want := "2 个事件远早于其余数据（最早 2017-09-26，比主体早 60 天，主体始于 2017-11-25）：--from 2017-11-25 可将其排除；1 个事件远晚于其余数据（最晚 2019-01-08，比主体晚 400 天，主体止于 2017-12-04）：--to 2017-12-04 可将其排除"
				if got := o.Text(i18n.Chinese); got != want {
					t.Fatalf("Chinese text %q\nwant %q", got, want)
				}
			}
		})
	}
}

// Randomized: a bulk of events spread over up to 60 days with k <= 1% of
// stray events planted further away than the bulk is long, on either side,
// is found exactly; the bulk alone gives nothing.
func TestFindOutliersRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for iter := range 500 {
		n := 100 + rng.Intn(2000)
		span := day + rng.Int63n(60*day)
		var ts []int64
		for range n {
			ts = append(ts, rng.Int63n(span))
		}
		ts = append(ts, 0, span) // the bulk's ends
		// The bulk's ends are pinned, so no gap inside it can be wider
		// than what remains.
		if o := FindOutliers(slices.Sorted(slices.Values(ts)), time.UTC); o != nil {
			t.Fatalf("iter %d: found %+v in a bulk", iter, o)
		}
		maxOut := (n + 2) / 100
		before, after := rng.Intn(maxOut+1), rng.Intn(maxOut+1)
		if before+after > maxOut {
			after = maxOut - before
		}
		for range before {
			ts = append(ts, -span-day-rng.Int63n(100*day))
		}
		for range after {
			ts = append(ts, 2*span+day+rng.Int63n(100*day))
		}
		for i := range ts {
			ts[i] += 1500000000000
		}
		o := FindOutliers(slices.Sorted(slices.Values(ts)), time.UTC)
		if before+after == 0 {
			continue
		}
		if o == nil || o.Before != int64(before) || o.After != int64(after) || o.BulkFrom != 1500000000000 || o.BulkTo != 1500000000000+span {
			t.Fatalf("iter %d (n %d, span %d days): %+v; want %d before, %d after", iter, n, span/day, o, before, after)
		}
	}
}
