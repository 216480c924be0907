package recommend

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Window caps co-occurrence counting: two items of a basket count as
// together only when at most Window places apart in it (places are the
// items' first appearances). Baskets of up to Window+1 distinct items are
// counted in full; a longer one (a crawler, a shop-wide scroll) costs
// 2×Window per item instead of its length, so counting stays linear in the
// events whatever the longest session.
const Window = 50

// DefaultNeighbours is how many associated items each item keeps: memory
// is items × neighbours, never items².
const DefaultNeighbours = 50

// baskets are sets of distinct items, each in order of first appearance.
type baskets struct {
	start []int32 // basket b's items are items[start[b]:start[b+1]]
	items []int32
	user  []int32 // basket -> history user
	when  []int64 // basket -> time of its last entry
}

func (b *baskets) len() int             { return len(b.user) }
func (b *baskets) of(k int32) []int32   { return b.items[b.start[k]:b.start[k+1]] }
func (b *baskets) add(u int32, t int64) { b.user, b.when = append(b.user, u), append(b.when, t) }

// sessions are the co-viewed baskets: every session's distinct items.
func sessions(h *History) *baskets {
	b := &baskets{start: []int32{0}}
	seen := make([]bool, len(h.Items))
	for u := range h.Users {
		for e := h.start[u]; e < h.end[u]; e++ {
			if h.sessAt[e] && e > h.start[u] {
				b.close(seen, int32(u), h.when[e-1])
			}
			if it := h.item[e]; !seen[it] {
				seen[it] = true
				b.items = append(b.items, it)
			}
		}
		if h.end[u] > h.start[u] {
			b.close(seen, int32(u), h.when[h.end[u]-1])
		}
	}
	return b
}

// close ends the basket being filled and clears its marks.
func (b *baskets) close(seen []bool, u int32, t int64) {
	for _, it := range b.items[b.start[len(b.start)-1]:] {
		seen[it] = false
	}
	b.start = append(b.start, int32(len(b.items)))
	b.add(u, t)
}

// purchases are the co-bought baskets: each user's distinct bought items
// (users who bought nothing have none).
func purchases(h *History) *baskets {
	b := &baskets{start: []int32{0}}
	seen := make([]bool, len(h.Items))
	for u := range h.Users {
		got := h.boughtBy(u, seen)
		if len(got) == 0 {
			continue
		}
		b.items = append(b.items, got...)
		b.close(seen, int32(u), h.when[h.end[u]-1])
	}
	return b
}

// index is baskets with each item's baskets, oldest first (by time, then
// basket).
type index struct {
	*baskets
	count  []int32 // item -> baskets holding it
	pstart []int32 // item i's postings are post[pstart[i]:pstart[i+1]]
	post   []int32 // basket
	pos    []int32 // the item's place in that basket
	ptime  []int64 // that basket's time: sknn's merge reads it in order, not at random
	total  int     // baskets
}

func newIndex(b *baskets, items int) *index {
	x := &index{baskets: b, count: make([]int32, items), pstart: make([]int32, items+1), total: b.len()}
	for _, it := range b.items {
		x.count[it]++
	}
	for i, c := range x.count {
		x.pstart[i+1] = x.pstart[i] + c
	}
	order := make([]int32, b.len())
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(p, q int32) int { // by time, then basket
		if c := cmp.Compare(b.when[p], b.when[q]); c != 0 {
			return c
		}
		return cmp.Compare(p, q)
	})
	x.post = make([]int32, len(b.items))
	x.pos = make([]int32, len(b.items))
	x.ptime = make([]int64, len(b.items))
	fill := append([]int32(nil), x.pstart[:items]...)
	for _, k := range order {
		for p, it := range b.of(k) {
			x.post[fill[it]], x.pos[fill[it]], x.ptime[fill[it]] = k, int32(p), b.when[k]
			fill[it]++
		}
	}
	return x
}

// neighbours are each item's most associated items, best first.
type neighbours struct {
	start    []int32 // item i's are item[start[i]:start[i+1]]
	item     []int32
	together []int32   // baskets holding both (within Window places)
	sim      []float32 // similarity(together, count_i, count_j)
}

// Shrink damps the similarity of items seen in few baskets: two items
// seen once each, in the same session, are no evidence of a bond. With it
// the item method's hit rate rose on all four public datasets (README).
const Shrink = 20

// similarity is the cosine of two items' basket vectors, shrunk:
// together / (sqrt(count_i × count_j) + Shrink).
func similarity(together, ci, cj float64) float64 {
	return together / (math.Sqrt(ci*cj) + Shrink)
}

func (n *neighbours) of(i int32) (items, together []int32, sim []float32) {
	a, b := n.start[i], n.start[i+1]
	return n.item[a:b], n.together[a:b], n.sim[a:b]
}

// neighbours counts, item by item, the baskets each other item shares with
// it (within Window places), and keeps the k most similar
// (ties: more baskets together, then the lower item index) in a bounded
// heap. Memory: a count per item per worker, and items × k kept.
func (x *index) neighbours(ctx context.Context, k int) (*neighbours, error) {
	items := len(x.count)
	kept := make([]int32, items) // item -> how many of its k slots are used
	item := make([]int32, items*k)
	together := make([]int32, items*k)
	sim := make([]float32, items*k)
	var next atomic.Int64
	const block = 64
	workers := max(1, runtime.GOMAXPROCS(0))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cnt := make([]int32, items)
			var touched []int32
			top := newTopK(k)
			for {
				lo := int(next.Add(block)) - block
				if lo >= items {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				for i := lo; i < min(lo+block, items); i++ {
					touched = touched[:0]
					for q := x.pstart[i]; q < x.pstart[i+1]; q++ {
						b, p := x.post[q], int(x.pos[q])
						its := x.of(b)
						for _, j := range its[max(0, p-Window):min(len(its), p+Window+1)] {
							if j == int32(i) {
								continue
							}
							if cnt[j] == 0 {
								touched = append(touched, j)
							}
							cnt[j]++
						}
					}
					top.reset()
					ni := float64(x.count[i])
					for _, j := range touched {
						top.push(j, similarity(float64(cnt[j]), ni, float64(x.count[j])), float64(cnt[j]))
					}
					at := i * k
					for r, s := range top.sorted() {
						item[at+r], together[at+r], sim[at+r] = s.id, cnt[s.id], float32(s.score)
					}
					kept[i] = int32(top.len())
					for _, j := range touched {
						cnt[j] = 0
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// Compact the k slots per item into one run.
	n := &neighbours{start: make([]int32, items+1)}
	w := int32(0)
	for i := range items {
		n.start[i] = w
		copy(item[w:], item[i*k:i*k+int(kept[i])])
		copy(together[w:], together[i*k:i*k+int(kept[i])])
		copy(sim[w:], sim[i*k:i*k+int(kept[i])])
		w += kept[i]
	}
	n.start[items] = w
	n.item, n.together, n.sim = slices.Clip(item[:w]), slices.Clip(together[:w]), slices.Clip(sim[:w])
	return n, nil
}

// scored is a candidate with its score and a tie-breaker (higher first),
// then the lower id first.
type scored struct {
	id    int32
	score float64
	tie   float64
}

// better orders candidates best first.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.tie != b.tie {
		return a.tie > b.tie
	}
	return a.id < b.id
}

// topK keeps the k best candidates pushed: a min-heap with the worst kept
// at the root, so memory is k whatever the number pushed.
type topK struct {
	k int
	h []scored
}

func newTopK(k int) *topK { return &topK{k: k, h: make([]scored, 0, k)} }

func (t *topK) reset()   { t.h = t.h[:0] }
func (t *topK) len() int { return len(t.h) }

func (t *topK) push(id int32, score, tie float64) {
	s := scored{id, score, tie}
	if len(t.h) < t.k {
		t.h = append(t.h, s)
		for c := len(t.h) - 1; c > 0; {
			p := (c - 1) / 2
			if !better(t.h[p], t.h[c]) {
				break
			}
			t.h[p], t.h[c] = t.h[c], t.h[p]
			c = p
		}
		return
	}
	if t.k == 0 || !better(s, t.h[0]) {
		return
	}
	t.h[0] = s
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(t.h) {
			break
		}
		if c+1 < len(t.h) && better(t.h[c], t.h[c+1]) {
			c++
		}
		if !better(t.h[p], t.h[c]) {
			break
		}
		t.h[p], t.h[c] = t.h[c], t.h[p]
		p = c
	}
}

// sorted returns the kept candidates best first (it reorders the heap:
// reset before pushing again).
func (t *topK) sorted() []scored {
	slices.SortFunc(t.h, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return t.h
}
