package recommend

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/spoorhq/spoor/i18n"
)

// The methods. item is the default: it scored best on the public datasets
// (README, "Recommendations").
const (
	ItemKNN = "item"    // item co-occurrence: items most often in a session with the user's recent items
	SKNN    = "sknn"    // session-based kNN: items of the sessions most like the user's recent items
	Popular = "popular" // the items in the most sessions (the baseline)
)

// Methods lists the methods in the order the evaluation shows them.
var Methods = []string{ItemKNN, SKNN, Popular}

// The fixed parameters of the methods, from the literature's defaults for
// session-based kNN (Ludewig & Jannach 2018) and checked by the evaluation.
const (
	ContextItems   = 10  // a user's most recent distinct items that make the query
	SampleSessions = 500 // sknn: the most recent sessions holding a query item that may be neighbours
	NeighbourSess  = 100 // sknn: the most similar of those that vote
)

// Model answers recommendations from a History.
type Model struct {
	h      *History
	method string
	x      *index      // the sessions and their postings
	nb     *neighbours // item: each item's associations; nil for the others
	pop    []int32     // items by sessions holding them, most first (ties: lower index)
}

// Train builds method's model of h. k is the number of neighbours each
// item keeps for the item method (0: DefaultNeighbours).
func Train(ctx context.Context, h *History, method string, k int) (*Model, error) {
	if !slices.Contains(Methods, method) {
		return nil, i18n.Errorf("unknown method %q: use item, sknn or popular", method)
	}
	m := &Model{h: h, method: method, x: newIndex(sessions(h), len(h.Items))}
	m.pop = make([]int32, 0, len(h.Items))
	for i, c := range m.x.count {
		if c > 0 {
			m.pop = append(m.pop, int32(i))
		}
	}
	slices.SortStableFunc(m.pop, func(a, b int32) int { return int(m.x.count[b] - m.x.count[a]) })
	if method == ItemKNN {
		if k <= 0 {
			k = DefaultNeighbours
		}
		nb, err := m.x.neighbours(ctx, k)
		if err != nil {
			return nil, err
		}
		m.nb = nb
	}
	return m, nil
}

// workspace is one worker's scratch, sized to the model.
type workspace struct {
	score   []float64 // item -> score
	scored  []int32   // items with a score
	skip    []bool    // item -> excluded (bought)
	acc     []float64 // sknn: basket -> similarity so far
	accd    []int32   // baskets with a similarity
	cur     []int32   // sknn: per query item, its next posting to merge
	ctx     []int32   // the query: the user's recent items, oldest first
	weight  []float64 // their weights
	top     *topK     // the n best items
	nearest *topK     // sknn: the NeighbourSess most similar sessions
}

func (m *Model) workspace(n int) *workspace {
	w := &workspace{score: make([]float64, len(m.h.Items)), skip: make([]bool, len(m.h.Items)), top: newTopK(n)}
	if m.method == SKNN {
		w.acc = make([]float64, m.x.len())
		w.nearest = newTopK(NeighbourSess)
	}
	return w
}

// query is user u's most recent ContextItems distinct items, newest last,
// weighted by recency: for sknn the r-th oldest of n weighs r/n (V-SKNN's
// linear decay), for item the d-th newest 1/d (harmonic: it scored better
// than linear on all four public datasets; sknn did not gain from it).
func (m *Model) query(u int, w *workspace) {
	w.ctx, w.weight = w.ctx[:0], w.weight[:0]
	es := m.h.Entries(u)
	for e := len(es) - 1; e >= 0 && len(w.ctx) < ContextItems; e-- {
		if !slices.Contains(w.ctx, es[e]) {
			w.ctx = append(w.ctx, es[e])
		}
	}
	slices.Reverse(w.ctx)
	for r := range w.ctx {
		n := float64(len(w.ctx))
		if m.method == SKNN {
			w.weight = append(w.weight, float64(r+1)/n)
		} else {
			w.weight = append(w.weight, 1/(n-float64(r)))
		}
	}
}

// recommend returns user u's top n items, best first: the method's
// candidates, then the most popular items to fill n. Items u bought are
// left out unless includeBought.
func (m *Model) recommend(u, n int, includeBought bool, w *workspace) []int32 {
	var bought []int32
	if !includeBought {
		bought = m.h.boughtBy(u, w.skip)
	}
	m.query(u, w)
	switch m.method {
	case ItemKNN:
		for k, c := range w.ctx {
			items, _, sim := m.nb.of(c)
			for r, j := range items {
				w.add(j, w.weight[k]*float64(sim[r]))
			}
		}
	case SKNN:
		m.neighbourSessions(u, w)
	}
	w.top.reset()
	for _, j := range w.scored {
		if !w.skip[j] {
			w.top.push(j, w.score[j], float64(m.x.count[j]))
		}
		w.score[j] = 0
	}
	w.scored = w.scored[:0]
	out := make([]int32, 0, n)
	for _, s := range w.top.sorted() {
		out = append(out, s.id)
		w.skip[s.id] = true
	}
	for _, j := range m.pop {
		if len(out) >= n {
			break
		}
		if !w.skip[j] {
			out = append(out, j)
		}
	}
	for _, j := range out {
		w.skip[j] = false
	}
	for _, j := range bought {
		w.skip[j] = false
	}
	return out
}

func (w *workspace) add(j int32, s float64) {
	if w.score[j] == 0 {
		w.scored = append(w.scored, j)
	}
	w.score[j] += s
}

// neighbourSessions scores by session-based kNN with recency-weighted
// query items (V-SKNN): the candidates are the SampleSessions most recent
// sessions of other users holding a query item (the user's own sessions
// hold the query itself); a candidate's similarity is the sum of the
// weights of the query items it holds (ties: the more recent session);
// the NeighbourSess most similar vote for each of their items with their
// similarity. The candidates come from merging the query items' postings
// from their newest end, so the work is bounded by SampleSessions × the
// query's length whatever the items' popularity.
func (m *Model) neighbourSessions(u int, w *workspace) {
	x := m.x
	w.cur = w.cur[:0]
	for _, c := range w.ctx {
		w.cur = append(w.cur, x.pstart[c+1]-1)
	}
	for {
		best := -1 // the query item whose next posting is the newest (time, then basket)
		for k, q := range w.cur {
			if q < x.pstart[w.ctx[k]] {
				continue
			}
			if best < 0 || newer(x, q, w.cur[best]) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		b := x.post[w.cur[best]]
		w.cur[best]--
		if x.user[b] == int32(u) {
			continue
		}
		if w.acc[b] == 0 {
			if len(w.accd) == SampleSessions {
				break
			}
			w.accd = append(w.accd, b)
		}
		w.acc[b] += w.weight[best]
	}
	w.nearest.reset()
	for _, b := range w.accd {
		w.nearest.push(b, w.acc[b], float64(x.when[b]))
		w.acc[b] = 0
	}
	w.accd = w.accd[:0]
	for _, s := range w.nearest.sorted() {
		for _, j := range x.of(s.id) {
			w.add(j, s.score)
		}
	}
}

// newer orders postings p and q as they lie in each item's list: by
// time, then basket.
func newer(x *index, p, q int32) bool {
	return x.ptime[p] > x.ptime[q] || x.ptime[p] == x.ptime[q] && x.post[p] > x.post[q]
}

// ForUsers returns the top n items of every user of the History, by
// user, in parallel.
func (m *Model) ForUsers(ctx context.Context, n int, includeBought bool) ([][]int32, error) {
	out := make([][]int32, m.h.Len())
	err := m.each(ctx, n, len(out), func(u int, w *workspace) {
		out[u] = m.recommend(u, n, includeBought, w)
	})
	return out, err
}

// each calls f for k = 0 to count-1, spread over the processors in
// blocks, each worker with its own workspace; it stops early when ctx
// ends.
func (m *Model) each(ctx context.Context, n, count int, f func(k int, w *workspace)) error {
	var next atomic.Int64
	const block = 256
	workers := max(1, min(runtime.GOMAXPROCS(0), count/block+1))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := m.workspace(n)
			for {
				lo := int(next.Add(block)) - block
				if lo >= count || ctx.Err() != nil {
					return
				}
				for k := lo; k < min(lo+block, count); k++ {
					f(k, w)
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
