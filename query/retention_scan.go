package query

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
