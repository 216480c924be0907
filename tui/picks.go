package tui

import (
	"math"
	"runtime"
	"slices"
	"sort"

	"github.com/spoorhq/spoor/query"
)

// picks are the first queries' choices made from the data rather than
// from fixed names, so each demo and each imported file opens on
// something true: a system event (a trial expiring on its own) is no
// return, and a path from an event nothing follows is empty.
type picks struct {
	// repeat is the event most users do on two or more days: what
	// retention counts as a return and what the segment hint counts.
	repeat string
	// anchor is where the paths open: a common event that most of its
	// users follow with another within a session.
	anchor string
}

// pickCandidates is how many of the most common events are considered.
const pickCandidates = 8

// followGap is how soon another event must come for a path to go on; the
// paths tab's default session gap.
const followGap = 30 * 60 * 1000

func pickDefaults(d *query.Dataset, events []named) picks {
	users, followed, repeaters := pickCounts(d, events[:min(pickCandidates, len(events))])
	return choosePicks(events, users, followed, repeaters)
}

// pickCounts counts, for each candidate event, the users who did it,
// those who followed it with another event within followGap, and those
// who did it on two or more days (UTC); a ClickHouse table counts the
// same on the server (chquery's PickCounts).
func pickCounts(d *query.Dataset, events []named) (users, followed, repeaters []int) {
	n := len(events)
	// Every other event goes to slot n, counted and never read: the pass
	// over the events then tests nothing per event.
	slot := eventSlots(d, events)
	for e, s := range slot {
		if s < 0 {
			slot[e] = n
		}
	}
	users, followed, repeaters = make([]int, n), make([]int, n), make([]int, n)
	// Persons count apart: a part of them per CPU, summed after.
	chunks := personChunks(d, runtime.GOMAXPROCS(0))
	for _, part := range eachPart(len(chunks), func(lo, hi int) []int {
		return pickCountsIn(d, slot, n, chunks[lo][0], chunks[hi-1][1])
	}) {
		for s := range n {
			users[s] += part[s]
			followed[s] += part[n+s]
			repeaters[s] += part[2*n+s]
		}
	}
	return users, followed, repeaters
}

// pickCountsIn counts persons lo to hi: the users, followed and repeaters
// of each of the n candidates; slot maps an event id to its candidate, n
// for none. A person's times ascend, so an event is done on two days
// when the last time it is done is past the last instant of the day it
// was first done: one division a candidate a person, not one an event.
// The pass over a person's events keeps, per slot, its first and last
// time and whether one of its runs was followed, with no branch on the
// data (the least time is the first, as the times ascend): the branches
// of a walk run by run mispredicted at most events, and at 10M events
// took 142 of the first screen's ~190 ms of CPU for its choices.
func pickCountsIn(d *query.Dataset, slot []int, n, lo, hi int) []int {
	counts := make([]int, 3*n)
	users, followed, repeaters := counts[:n], counts[n:2*n], counts[2*n:]
	// Per candidate, then slot n: its first and last time in the
	// person's events, whether it was done, and whether one of its runs
	// was followed.
	type seen struct {
		first, last int64
		did         bool
		followed    uint8
	}
	at := make([]seen, n+1)
	for p := lo; p < hi; p++ {
		ev, tm := d.Event[d.Start[p]:d.Start[p+1]], d.Time[d.Start[p]:d.Start[p+1]]
		if len(ev) == 0 {
			continue
		}
		for s := range at {
			at[s] = seen{first: math.MaxInt64}
		}
		end := len(ev) - 1
		tm = tm[:len(ev)]
		for i, e := range ev[:end] {
			c, t := &at[slot[e]], tm[i]
			c.did, c.first, c.last = true, min(c.first, t), t
			// Followed: the next event is another one (e is the last of
			// a run of it) and comes within the gap.
			c.followed |= bit(ev[i+1] != e) & bit(tm[i+1]-t <= followGap)
		}
		c, t := &at[slot[ev[end]]], tm[end]
		c.did, c.first, c.last = true, min(c.first, t), t
		for s, c := range at[:n] {
			if !c.did {
				continue
			}
			users[s]++
			followed[s] += int(c.followed)
			if c.last > lastOfDay(c.first) {
				repeaters[s]++
			}
		}
	}
	return counts
}

// bit is 1 for true: a flag set without a branch.
func bit(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// lastOfDay is the latest time in t's day, days being epoch milliseconds
// divided by a day's (towards zero, so day 0 runs from one day before the
// epoch to one day after).
func lastOfDay(t int64) int64 {
	const dayMs = 24 * 60 * 60 * 1000
	switch day := t / dayMs; {
	case day == 0:
		return dayMs - 1
	case t < 0:
		return day * dayMs
	default:
		return day*dayMs + dayMs - 1
	}
}

// choosePicks chooses among the first len(users) events (most frequent
// first) by their counts.
func choosePicks(events []named, users, followed, repeaters []int) picks {
	n := len(users)
	if n == 0 {
		return picks{}
	}
	var out picks
	if best := slices.Index(repeaters, slices.Max(repeaters)); repeaters[best] > 0 {
		out.repeat = events[best].name
	}
	// The second most common event first: the first is usually a page
	// view that everything follows. Then the others, by frequency; failing
	// a majority followed, the most followed.
	order := []int{}
	if n > 1 {
		order = append(order, 1)
	}
	order = append(order, 0)
	for i := 2; i < n; i++ {
		order = append(order, i)
	}
	best := order[0]
	for _, s := range order {
		if 2*followed[s] >= users[s] && users[s] > 0 {
			out.anchor = events[s].name
			return out
		}
		if followed[s] > followed[best] {
			best = s
		}
	}
	out.anchor = events[best].name
	return out
}

// eventSlots maps each event id of d to its index in events, -1 for
// events not among them: a slice, read once per event of the data.
func eventSlots(d *query.Dataset, events []named) []int {
	slot := make([]int, len(d.Names))
	for i := range slot {
		slot[i] = -1
	}
	for i, e := range events {
		if id, ok := d.EventID(e.name); ok {
			slot[id] = i
		}
	}
	return slot
}

// personChunks cuts d's persons into up to n contiguous ranges [lo, hi)
// of about as many events each.
func personChunks(d *query.Dataset, n int) [][2]int {
	persons := len(d.Start) - 1
	if persons <= 0 {
		return nil
	}
	n = max(1, min(n, persons))
	out := make([][2]int, 0, n)
	lo := 0
	for k := 1; k < n; k++ {
		target := int32(int64(d.Len()) * int64(k) / int64(n))
		hi := max(lo, sort.Search(persons, func(p int) bool { return d.Start[p] >= target }))
		out = append(out, [2]int{lo, hi})
		lo = hi
	}
	return append(out, [2]int{lo, persons})
}
