package recommend

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// refBaskets is the slow, obvious reading of the sessions: each user's
// item events sorted by time (ties in input order), cut where two item
// events are more than gap apart, each session's distinct items in order
// of first appearance, in user order of first appearance.
func refBaskets(evs []query.RawEvent, gap int64) (baskets [][]string, bought map[string]map[string]bool) {
	var users []string
	byUser := map[string][]query.RawEvent{}
	for _, e := range evs {
		if _, ok := byUser[e.User]; !ok {
			users = append(users, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	bought = map[string]map[string]bool{}
	for _, u := range users {
		list := byUser[u]
		sort.SliceStable(list, func(i, j int) bool { return list[i].Time < list[j].Time })
		var cur []string
		var last int64
		first := true
		for _, e := range list {
			it, ok := e.Props["item"]
			if !ok {
				continue
			}
			if e.Event == "purchase" {
				if bought[u] == nil {
					bought[u] = map[string]bool{}
				}
				bought[u][it] = true
			}
			if !first && gap > 0 && e.Time-last > gap {
				baskets = append(baskets, cur)
				cur = nil
			}
			first, last = false, e.Time
			if !slices.Contains(cur, it) {
				cur = append(cur, it)
			}
		}
		if cur != nil {
			baskets = append(baskets, cur)
		}
	}
	return baskets, bought
}

// randomShop is users with sessions of random lengths, some far longer
// than Window, over items of skewed popularity, some viewed twice in a
// row, some bought.
func randomShop(r *rand.Rand) []query.RawEvent {
	var evs []query.RawEvent
	items := 20 + r.Intn(150)
	for u := range 1 + r.Intn(40) {
		t := int64(r.Intn(1000)) * 60_000
		for range 1 + r.Intn(4) {
			n := 1 + r.Intn(8)
			if r.Intn(6) == 0 {
				n = 60 + r.Intn(100)
			}
			for range n {
				it := "i" + strconv.Itoa(int(float64(items)*r.Float64()*r.Float64()))
				name := "view"
				switch r.Intn(10) {
				case 0:
					name = "purchase"
				case 1:
					name = "page_view"
				}
				e := query.RawEvent{User: fmt.Sprint("u", u), Event: name, Time: t}
				if name != "page_view" {
					e.Props = map[string]string{"item": it}
				}
				evs = append(evs, e)
				if r.Intn(5) == 0 {
					evs = append(evs, query.RawEvent{User: e.User, Event: "view", Time: t, Props: e.Props})
				}
				t += int64(r.Intn(20)) * 60_000
			}
			t += int64(31+r.Intn(300)) * 60_000
		}
	}
	r.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	return evs
}

// TestCooccurrenceAgainstReference counts, on random shops, every pair of
// items within Window places of each other in the reference's baskets and
// compares the kept neighbours (all of them, and the best 3 by the stated
// order), the item method's top 10 with bought items left out (scores
// summed from every association), and the popularity order.
func TestCooccurrenceAgainstReference(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	capped := 0 // baskets longer than Window+1: the cap applies
	for trial := range 40 {
		evs := randomShop(r)
		gap := []int64{DefaultGap, 0, 90 * 60_000}[trial%3]
		d := query.NewDataset(evs, time.UTC)
		s, _ := d.Resolve(bg, query.Common{})
		h, err := Build(bg, d, s, "item", "", gap)
		if err != nil {
			t.Fatal(err)
		}
		baskets, bought := refBaskets(evs, gap)
		count := map[string]int{}
		together := map[[2]string]int{}
		for _, b := range baskets {
			if len(b) > Window+1 {
				capped++
			}
			for p, a := range b {
				count[a]++
				for q := p + 1; q < len(b) && q-p <= Window; q++ {
					together[[2]string{a, b[q]}]++
					together[[2]string{b[q], a}]++
				}
			}
		}
		x := newIndex(sessions(h), len(h.Items))
		if x.total != len(baskets) {
			t.Fatalf("trial %d: %d baskets, reference %d", trial, x.total, len(baskets))
		}
		index := map[string]int32{}
		for i, v := range h.Items {
			index[v] = int32(i)
		}
		// ref lists item i's associations best first: similarity, then
		// together, then the lower item index.
		partners := map[string][]string{}
		for pair := range together {
			partners[pair[0]] = append(partners[pair[0]], pair[1])
		}
		ref := func(i string) []string {
			out := slices.Clone(partners[i])
			simOf := func(j string) float64 {
				return similarity(float64(together[[2]string{i, j}]), float64(count[i]), float64(count[j]))
			}
			sort.Slice(out, func(p, q int) bool {
				a, b := out[p], out[q]
				if simOf(a) != simOf(b) {
					return simOf(a) > simOf(b)
				}
				if together[[2]string{i, a}] != together[[2]string{i, b}] {
					return together[[2]string{i, a}] > together[[2]string{i, b}]
				}
				return index[a] < index[b]
			})
			return out
		}
		all, err := x.neighbours(bg, len(h.Items))
		if err != nil {
			t.Fatal(err)
		}
		top3, _ := x.neighbours(bg, 3)
		refs := map[string][]string{}
		for i, v := range h.Items {
			refs[v] = ref(v)
			if int(x.count[i]) != count[v] {
				t.Fatalf("trial %d: %s in %d baskets, reference %d", trial, v, x.count[i], count[v])
			}
			want := refs[v]
			items, tog, _ := all.of(int32(i))
			if got := h.values(items); !slices.Equal(got, want) {
				t.Fatalf("trial %d: %s's associations %v, reference %v", trial, v, got, want)
			}
			for k, j := range items {
				if int(tog[k]) != together[[2]string{v, h.Items[j]}] {
					t.Fatalf("trial %d: %s with %s together %d, reference %d", trial, v, h.Items[j], tog[k], together[[2]string{v, h.Items[j]}])
				}
			}
			items, _, _ = top3.of(int32(i))
			if got := h.values(items); !slices.Equal(got, want[:min(3, len(want))]) {
				t.Fatalf("trial %d: %s's top 3 %v, reference %v", trial, v, got, want)
			}
		}
		// The item method, every association kept: the sum over the query.
		m, err := Train(bg, h, ItemKNN, len(h.Items))
		if err != nil {
			t.Fatal(err)
		}
		popular := slices.Clone(h.Items)
		popular = slices.DeleteFunc(popular, func(v string) bool { return count[v] == 0 })
		sort.SliceStable(popular, func(p, q int) bool {
			if count[popular[p]] != count[popular[q]] {
				return count[popular[p]] > count[popular[q]]
			}
			return index[popular[p]] < index[popular[q]]
		})
		if got := h.values(m.pop); !slices.Equal(got, popular) {
			t.Fatalf("trial %d: popularity %v, reference %v", trial, got, popular)
		}
		recs, err := m.ForUsers(bg, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		for u, id := range h.Users {
			// The query: the last ContextItems distinct items, newest
			// weighing 1, the d-th newest 1/d.
			var query []string
			es := h.values(h.Entries(u))
			for e := len(es) - 1; e >= 0 && len(query) < ContextItems; e-- {
				if !slices.Contains(query, es[e]) {
					query = append(query, es[e])
				}
			}
			slices.Reverse(query)
			score := map[string]float64{}
			for k, c := range query {
				for _, j := range refs[c] {
					// Similarities are kept as float32 (half the memory).
					sim := float32(similarity(float64(together[[2]string{c, j}]), float64(count[c]), float64(count[j])))
					score[j] += 1 / float64(len(query)-k) * float64(sim)
				}
			}
			var cand []string
			for j := range score {
				if !bought[id][j] {
					cand = append(cand, j)
				}
			}
			sort.Slice(cand, func(p, q int) bool {
				a, b := cand[p], cand[q]
				if score[a] != score[b] {
					return score[a] > score[b]
				}
				if count[a] != count[b] {
					return count[a] > count[b]
				}
				return index[a] < index[b]
			})
			cand = cand[:min(10, len(cand))]
			for _, j := range popular {
				if len(cand) < 10 && !bought[id][j] && !slices.Contains(cand, j) {
					cand = append(cand, j)
				}
			}
			if got := h.values(recs[u]); !slices.Equal(got, cand) {
				t.Fatalf("trial %d: %s gets %v, reference %v", trial, id, got, cand)
			}
		}
	}
	if capped < 10 {
		t.Fatalf("only %d baskets over Window+1 items: the cap went untested", capped)
	}
}
