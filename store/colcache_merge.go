package store

import (
	"slices"
	"sort"
	"sync"
	"unsafe"
)

// withTail is o's columns, mapped from the column cache (which a write
// would copy page by page: 12 us a page on this VM), with the tail's
// events (sorted by person, time and storage row: freshEvents) merged in,
// in new columns, exactly as a load decoding the segments merges them in
// place (mergeTail). Between two tail persons the segments' events move
// as one block, and the two halves of the persons are merged on two
// cores: at 100M events it copies 1.2 GB, which the analysis then reads
// from anonymous huge pages instead of the mapping.
// read copies each block (columnReader).
func (o *Ordered) withTail(tail []freshEvent, read func(dst, src []byte)) *Ordered {
	np, ne := len(o.Person), len(o.Time)
	// The halves: the persons before the middle one and the tail events
	// of persons before it, then the rest.
	a, b := np, len(tail)
	if np > 1 {
		a = np / 2
		b = sort.Search(len(tail), func(k int) bool { return tail[k].person >= o.Person[a] })
	}
	front, back := addedPersons(o.Person[:a], tail[:b]), addedPersons(o.Person[a:], tail[b:])
	n := &Ordered{Names: o.Names, MinTime: o.MinTime, MaxTime: o.MaxTime,
		Person: HugePages(make([]int32, np+front+back)), Start: HugePages(make([]int32, np+front+back+1)),
		Event: HugePages(make([]int32, ne+len(tail))), Time: HugePages(make([]int64, ne+len(tail)))}
	m := newTailMerge(n, o, tail)
	m.move = read
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.run(a, np, b, len(tail), len(n.Person), len(n.Time))
	}()
	m.run(0, a, 0, b, a+front, int(o.Start[a])+b)
	wg.Wait()
	n.Start[len(n.Person)] = int32(len(n.Time))
	n.tail = m.finish(n)
	return n
}

// mergeTail places the tail's events (sorted by person, time and storage
// row: freshEvents) among o's, decoded into the front of columns with
// room for them, in place, and returns where they went (tailMerge.run).
func (o *Ordered) mergeTail(tail []freshEvent) *loadTail {
	persons, events := len(o.Person), len(o.Time)
	src := &Ordered{Person: o.Person, Start: o.Start[:persons+1], Event: o.Event, Time: o.Time}
	added := addedPersons(o.Person, tail)
	o.Person, o.Start = o.Person[:persons+added], o.Start[:persons+added+1]
	o.Event, o.Time = o.Event[:events+len(tail)], o.Time[:events+len(tail)]
	m := newTailMerge(o, src, tail)
	m.run(0, persons, 0, len(tail), len(o.Person), len(o.Time))
	o.Start[len(o.Person)] = int32(len(o.Time))
	return m.finish(o)
}

// addedPersons counts the persons of tail (sorted by person) that are not
// among persons (ascending).
func addedPersons(persons []int32, tail []freshEvent) int {
	added := 0
	for k := 0; k < len(tail); {
		id := tail[k].person
		if _, ok := slices.BinarySearch(persons, id); !ok {
			added++
		}
		for k < len(tail) && tail[k].person == id {
			k++
		}
	}
	return added
}

// tailMerge merges a tail into the columns of src, writing dst (src's
// columns themselves, with room, when merging in place).
type tailMerge struct {
	dst, src *Ordered
	tail     []freshEvent
	t        *loadTail
	before   []int32 // see snapshotTail
	inPlace  bool
	move     func(dst, src []byte) // copies a block's bytes
}

func newTailMerge(dst, src *Ordered, tail []freshEvent) *tailMerge {
	inPlace := len(src.Time) > 0 && &dst.Time[0] == &src.Time[0]
	return &tailMerge{dst: dst, src: src, tail: tail, inPlace: inPlace, move: func(dst, src []byte) { copy(dst, src) },
		t: &loadTail{rows: make([]int32, len(tail)), cur: make([]int32, len(tail))}, before: make([]int32, len(tail))}
}

// run merges src's persons sp0..sp1-1 with the tail events k0..k1-1 (the
// tail's persons in the same range of ids), writing dst's persons and
// events that end before dp and de, from the back: each event moves only
// towards the end (in place, over events already moved), and a person's
// segment events come before its tail events at equal times (their
// storage rows are lower), as ordering afresh puts them.
func (m *tailMerge) run(sp0, sp1, k0, k1, dp, de int) {
	src, dst, tail := m.src, m.dst, m.tail
	i, j, end := sp1-1, k1-1, int(src.Start[sp1]) // the last src person and tail event not yet placed
	p, at := dp, de
	// block moves src's persons q..i, whose events end at end, as one.
	// (Starts after i's may be written already, in place: none is read.)
	block := func(q int) {
		if q > i {
			return
		}
		from := int(src.Start[q])
		n, np := end-from, i+1-q
		at, p = at-n, p-np
		if shift := int32(at - from); shift != 0 || !m.inPlace {
			m.move(bytesOf(dst.Time[at:at+n]), bytesOf(src.Time[from:end]))
			m.move(bytesOf(dst.Event[at:at+n]), bytesOf(src.Event[from:end]))
			m.move(bytesOf(dst.Person[p:p+np]), bytesOf(src.Person[q:i+1]))
			starts := dst.Start[p : p+np]
			m.move(bytesOf(starts), bytesOf(src.Start[q:i+1]))
			for x := range starts {
				starts[x] += shift
			}
		}
		i, end = q-1, from
	}
	for j >= k0 {
		id := tail[j].person
		// The src persons after the tail's person, as one block.
		q, _ := slices.BinarySearch(src.Person[sp0:i+1], id+1)
		block(sp0 + q)
		a, b := end, end // src person id's events
		if i >= sp0 && src.Person[i] == id {
			a = int(src.Start[i])
			i, end = i-1, a
		}
		k := j // tail events of person id: k+1 .. j
		for k >= k0 && tail[k].person == id {
			k--
		}
		for b > a || j > k {
			at--
			if j == k || b > a && src.Time[b-1] > tail[j].time {
				b--
				dst.Time[at], dst.Event[at] = src.Time[b], src.Event[b]
			} else {
				e := tail[j]
				dst.Time[at], dst.Event[at] = e.time, e.event
				m.t.rows[j], m.t.cur[j] = e.row, int32(at)
				m.before[j] = int32(at - j)
				j--
			}
		}
		p--
		dst.Person[p], dst.Start[p] = id, int32(at)
	}
	block(sp0)
}

// finish returns where the tail went, with dst's time range widened to
// the tail's.
func (m *tailMerge) finish(dst *Ordered) *loadTail {
	events := len(m.src.Time)
	m.t.shift = newSnapshotTail(m.before, events)
	for k, e := range m.tail {
		if k == 0 && events == 0 {
			dst.MinTime, dst.MaxTime = e.time, e.time
		}
		dst.MinTime, dst.MaxTime = min(dst.MinTime, e.time), max(dst.MaxTime, e.time)
	}
	return m.t
}

// bytesOf is the memory of a column, as bytes.
func bytesOf[T int32 | int64](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}
