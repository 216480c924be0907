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

// seedSteps is how many of the most common events the first funnel has.
const seedSteps = 4

// firstChoices makes the first queries' choices from the data's events,
// most frequent first: the first funnel's steps (funnelOrder) and the
// picks, counted in one pass over the persons.
func firstChoices(d *query.Dataset, events []named) (funnel []string, p picks) {
	c := countChoices(d, events[:min(pickCandidates, len(events))], seedSteps)
	return funnelOrder(events, c), choosePicks(events, c.users, c.followed, c.repeaters)
}

// pickCounts counts, for each candidate event, the users who did it,
// those who followed it with another event within followGap, and those
// who did it on two or more days (UTC); a ClickHouse table counts the
// same on the server (chquery's PickCounts).
func pickCounts(d *query.Dataset, events []named) (users, followed, repeaters []int) {
	c := countChoices(d, events, 0)
	return c.users, c.followed, c.repeaters
}

// choiceCounts are what the first queries' choices are made from: per
// candidate its users, followed and repeaters (pickCounts); per event of
// the first funnel, the first candidates, its users and the sum of its
// ranks among them in each user's first occurrences (funnelOrder).
type choiceCounts struct {
	users, followed, repeaters []int
	seedUsers, rankSum         []int
}

// countChoices counts the candidates events, the first seedN of them
// (at most all) for the first funnel, a part of the persons per CPU.
func countChoices(d *query.Dataset, events []named, seedN int) choiceCounts {
	n, m := len(events), min(seedN, len(events))
	// Every other event goes to slot n, counted and never read: the pass
	// over the events then tests nothing per event.
	slot := eventSlots(d, events)
	for e, s := range slot {
		if s < 0 {
			slot[e] = n
		}
	}
	c := choiceCounts{users: make([]int, n), followed: make([]int, n), repeaters: make([]int, n), seedUsers: make([]int, m), rankSum: make([]int, m)}
	// Persons count apart, summed after; the sums are of whole numbers,
	// so exact in any order.
	chunks := personChunks(d, runtime.GOMAXPROCS(0))
	for _, part := range eachPart(len(chunks), func(lo, hi int) []int {
		return countChoicesIn(d, slot, n, m, chunks[lo][0], chunks[hi-1][1])
	}) {
		for s := range n {
			c.users[s] += part[s]
			c.followed[s] += part[n+s]
			c.repeaters[s] += part[2*n+s]
		}
		for s := range m {
			c.seedUsers[s] += part[3*n+s]
			c.rankSum[s] += part[3*n+m+s]
		}
	}
	return c
}

// countChoicesIn counts persons lo to hi: the users, followed and
// repeaters of each of the n candidates, then the users and rank sums of
// the first m; slot maps an event id to its candidate, n for none. A
// person's times ascend, so an event is done on two days when the last
// time it is done is past the last instant of the day it was first done:
// one division a candidate a person, not one an event. The pass over a
// person's events keeps, per slot, where it is first and last done and
// whether one of its runs was followed, with no branch on the data (the
// least index is the first): the branches of a walk run by run
// mispredicted at most events, and at 10M events took 142 of the first
// screen's ~190 ms of CPU for its choices.
func countChoicesIn(d *query.Dataset, slot []int, n, m, lo, hi int) []int {
	counts := make([]int, 3*n+2*m)
	users, followed, repeaters := counts[:n], counts[n:2*n], counts[2*n:3*n]
	seedUsers, rankSum := counts[3*n:3*n+m], counts[3*n+m:]
	// Per candidate, then slot n: the index of its first and last event
	// in the person's, whether it was done, whether a run of it was
	// followed.
	type seen struct {
		first, last int
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
			at[s] = seen{first: math.MaxInt}
		}
		end := len(ev) - 1
		tm = tm[:len(ev)]
		for i, e := range ev[:end] {
			c := &at[slot[e]]
			c.did, c.first, c.last = true, min(c.first, i), i
			// Followed: the next event is another one (e is the last of
			// a run of it) and comes within the gap.
			c.followed |= bit(ev[i+1] != e) & bit(tm[i+1]-tm[i] <= followGap)
		}
		c := &at[slot[ev[end]]]
		c.did, c.first, c.last = true, min(c.first, end), end
		for s, c := range at[:n] {
			if !c.did {
				continue
			}
			users[s]++
			followed[s] += int(c.followed)
			if tm[c.last] > lastOfDay(tm[c.first]) {
				repeaters[s]++
			}
			if s < m {
				// Its rank: how many of the first m this person did first.
				seedUsers[s]++
				for _, o := range at[:m] {
					if o.did && o.first < c.first {
						rankSum[s]++
					}
				}
			}
		}
	}
	return counts
}

// funnelOrder orders the first funnel's events, the first candidates, by
// the mean rank of each user's first occurrence among them, so the first
// funnel on screen reads like a journey (visit, view, cart, buy).
func funnelOrder(events []named, c choiceCounts) []string {
	order := make([]int, len(c.seedUsers))
	for i := range order {
		order[i] = i
	}
	mean := func(s int) float64 { return float64(c.rankSum[s]) / float64(max(c.seedUsers[s], 1)) }
	sort.SliceStable(order, func(a, b int) bool { return mean(order[a]) < mean(order[b]) })
	out := make([]string, len(order))
	for i, s := range order {
		out[i] = events[s].name
	}
	return out
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
