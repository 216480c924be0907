package attribution

import (
	"context"
	"math"
	"strconv"
	"time"
)

// Remote credits timelines computed elsewhere (on a ClickHouse table,
// package chquery): per person, their conversions that the range and
// --where keep and the touches that may get credit, in timeline order.
// They are credited by the code Compute runs, so the numbers are the same.
type Remote struct {
	cr      *crediter
	codes   map[string]int32
	values  []string
	persons int
	ev      remoteEvents
}

// Remote starts crediting remote timelines.
func (p *Plan) Remote() *Remote {
	return &Remote{cr: p.crediter(1), codes: map[string]int32{}}
}

// Person credits one person's events: at each, its time, whether it is
// a conversion (else a touch), and its text: a touch's value, or the
// conversion's revenue ("" for none).
func (r *Remote) Person(ctx context.Context, times []int64, conv []bool, texts []string) error {
	ev := &r.ev
	ev.t, ev.conv = times, conv
	ev.code, ev.rev = ev.code[:0], ev.rev[:0]
	for i, s := range texts {
		var code int32
		var micro int64
		if conv[i] {
			if r.cr.Revenue != "" {
				if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) {
					micro = revenueMicro(x)
				}
			}
		} else {
			code = r.code(s)
		}
		ev.code = append(ev.code, code)
		ev.rev = append(ev.rev, micro)
	}
	r.persons++
	return creditPerson(ctx, r.cr, *ev, 0, len(times), r.persons-1)
}

// code is a touch value's code, the credit's slots grown for a new one.
func (r *Remote) code(v string) int32 {
	if c, ok := r.codes[v]; ok {
		return c
	}
	r.values = append(r.values, v)
	c := int32(len(r.values))
	r.codes[v] = c
	cr := r.cr
	cr.c.units = append(cr.c.units, 0)
	cr.c.revMicro = append(cr.c.revMicro, 0)
	cr.c.users = append(cr.c.users, 0)
	cr.c.lastUser = append(cr.c.lastUser, 0)
	cr.w.slot = append(cr.w.slot, 0)
	return c
}

// Result is the credit of the persons given, for conversions in [from,
// to) of loc.
func (r *Remote) Result(from, to int64, loc *time.Location) (*Result, error) {
	return r.cr.result(from, to, loc, r.values)
}

// remoteEvents are one person's events given to Remote.Person.
type remoteEvents struct {
	t    []int64
	conv []bool
	code []int32
	rev  []int64
}

func (e remoteEvents) time(i int) int64      { return e.t[i] }
func (e remoteEvents) conversion(i int) bool { return e.conv[i] }
func (e remoteEvents) touch(i int) int32     { return e.code[i] }
func (e remoteEvents) micro(i int) int64     { return e.rev[i] }
