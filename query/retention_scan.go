package query

import (
	"context"
	"sort"
	"sync"
)

// retCursor finds the calendar bucket of each event along one person's
// timeline. Events are in time order, so only the first event of a person
// needs a search; later ones only step forward.
type retCursor struct {
	cal *Calendar
	b   int // -1 before the calendar, Len() after it
}

// seek places the cursor at instant t, for a person's first event.
func (c *retCursor) seek(t int64) int {
	c.b = c.cal.locate(t)
	return c.b
}

// at returns the bucket of t, which must not be before the previous call's.
// The result is -1 before the calendar and Len() after it.
func (c *retCursor) at(t int64) int {
	starts := c.cal.Starts
	for c.b < len(starts)-1 && t >= starts[c.b+1] {
		c.b++
	}
	return c.b
}

// retParallelMin is the number of events from which a scan uses two
// goroutines; below it the goroutine start-up costs more than it saves.
const retParallelMin = 1 << 18

// retSplit cuts persons into up to n contiguous ranges of about equal event
// counts.
func (d *Dataset) retSplit(n int) [][2]int {
	persons := len(d.Users)
	if n < 2 || d.Len() < retParallelMin || persons < 2 {
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

// retRun calls work once per person range, concurrently, and returns the
// first error. Each call owns its own state, indexed by part.
func (d *Dataset) retRun(ctx context.Context, parts [][2]int, work func(ctx context.Context, part, lo, hi int) error) error {
	if len(parts) == 1 {
		return work(ctx, 0, parts[0][0], parts[0][1])
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, pr := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = work(ctx, i, pr[0], pr[1])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// retCheckEvery is how many persons a scan handles between checks of
// ctx.Err(), so a cancelled query stops within about a millisecond.
const retCheckEvery = 1024
