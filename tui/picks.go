package tui

import (
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
	slot := eventSlots(d, events)
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
// of each of the n candidates, one after the other; slot maps an event id
// to its candidate, -1 for none. A person's times ascend, so an event is done on
// two days when the last time it is done is past the last instant of the
// day it was first done: one comparison a run of it, not a division an
// event (which took most of the choices' time at 100M events).
func pickCountsIn(d *query.Dataset, slot []int, n, lo, hi int) []int {
	counts := make([]int, 3*n)
	users, followed, repeaters := counts[:n], counts[n:2*n], counts[2*n:]
	dayEnd := make([]int64, n)
	did, wasFollowed, repeated := make([]bool, n), make([]bool, n), make([]bool, n)
	for p := lo; p < hi; p++ {
		clear(did)
		clear(wasFollowed)
		clear(repeated)
		lo, hi := d.Start[p], d.Start[p+1]
		// A run of one event at a time: the next other event follows the
		// run's last, so whether it is followed is the run's, not each's.
		for i := lo; i < hi; {
			e := d.Event[i]
			j := i + 1
			for j < hi && d.Event[j] == e {
				j++
			}
			s := slot[e]
			if s < 0 {
				i = j
				continue
			}
			if !did[s] {
				did[s], dayEnd[s] = true, lastOfDay(d.Time[i])
			}
			if d.Time[j-1] > dayEnd[s] {
				repeated[s] = true
			}
			// Followed: the next event that is not a repeat of this one
			// comes within the gap of the one before it.
			if j < hi && d.Time[j]-d.Time[j-1] <= followGap {
				wasFollowed[s] = true
			}
			i = j
		}
		for s := 0; s < n; s++ {
			if did[s] {
				users[s]++
			}
			if wasFollowed[s] {
				followed[s]++
			}
			if repeated[s] {
				repeaters[s]++
			}
		}
	}
	return counts
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
