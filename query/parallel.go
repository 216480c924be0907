package query

import (
	"context"
	"runtime"
	"sort"
	"sync"
)

// Every analysis that scans persons (trends, funnel, paths, retention,
// lifecycle) runs the same way: d.personRanges cuts the persons into
// contiguous ranges of about equal event counts, eachRange scans them
// concurrently, one goroutine per range, and each scan calls stopped once
// per person so a cancelled query ends within checkEvery persons.

// parallelMin is the number of events from which a scan is split; below
// it the goroutines cost more than they save.
const parallelMin = 1 << 18

// checkEvery is how many persons a scan handles between looks at
// ctx.Err(): a cancelled query stops within about a millisecond. A power
// of two, so the test is a mask.
const checkEvery = 1024

// stopped is ctx's error at every checkEvery-th person u of a range
// starting at lo, else nil.
func stopped(ctx context.Context, lo, u int) error {
	if (u-lo)&(checkEvery-1) != 0 {
		return nil
	}
	return ctx.Err()
}

// personRanges cuts persons into up to GOMAXPROCS contiguous ranges of
// about equal event counts: one range for small data.
func (d *Dataset) personRanges() [][2]int {
	return d.splitPersons(runtime.GOMAXPROCS(0))
}

// splitPersons cuts persons into up to n contiguous ranges of about equal
// event counts.
func (d *Dataset) splitPersons(n int) [][2]int {
	persons := len(d.Users)
	if n < 2 || d.Len() < parallelMin || persons < 2 {
		return [][2]int{{0, persons}}
	}
	out := make([][2]int, 0, n)
	lo := 0
	for k := 1; k < n; k++ {
		target := int32(int64(d.Len()) * int64(k) / int64(n))
		hi := sort.Search(persons, func(p int) bool { return d.Start[p] >= target })
		if hi < lo {
			hi = lo
		}
		out = append(out, [2]int{lo, hi})
		lo = hi
	}
	return append(out, [2]int{lo, persons})
}

// eachRange calls work once per range, concurrently (part is the range's
// index, for per-range state), and returns the first range's error, or
// ctx's: a cancelled query never returns a result.
func eachRange(ctx context.Context, ranges [][2]int, work func(part, lo, hi int) error) error {
	errs := make([]error, len(ranges))
	if len(ranges) == 1 {
		errs[0] = work(0, ranges[0][0], ranges[0][1])
	} else {
		var wg sync.WaitGroup
		for i, r := range ranges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = work(i, r[0], r[1])
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
