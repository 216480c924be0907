package recommend

import (
	"context"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// EvalK is the cut-off of the evaluation's hit rate and MRR.
const EvalK = 10

// Evaluation is the leave-last-item-out test of every method.
type Evaluation struct {
	Item    string       `json:"item"`
	K       int          `json:"k"`
	Users   int          `json:"users"` // users with an item
	Cases   int          `json:"cases"` // users with two entries or more: each one test
	Items   int          `json:"items"` // distinct items in the training data
	Methods []EvalMethod `json:"methods"`
}

// EvalMethod is one method's score: HitRate is the share of cases whose
// hidden item is among the top K, MRR the mean of 1/rank (0 past K).
type EvalMethod struct {
	Method  string  `json:"method"`
	HitRate float64 `json:"hit_rate"`
	MRR     float64 `json:"mrr"`
	Hits    int     `json:"hits"`
}

// Evaluate hides each user's last entry (the last item they touched, its
// consecutive repeats being one entry), trains every method on what is
// left of every user's history, and asks each for the user's top EvalK
// from that user's remaining history, leaving out what they bought in it
// unless includeBought. A user with a single entry is no case, but their
// entry stays in the training data. Users are sessions for data imported
// with the session as the user (yoochoose, diginetica).
func Evaluate(ctx context.Context, h *History, k int, includeBought bool) (*Evaluation, error) {
	if err := h.Usable(); err != nil {
		return nil, err
	}
	train, hidden := h.withoutLast()
	ev := &Evaluation{Item: h.Item, K: EvalK, Users: h.Len()}
	for _, it := range hidden {
		if it >= 0 {
			ev.Cases++
		}
	}
	if ev.Cases == 0 {
		return nil, i18n.Errorf("nothing to evaluate: no user has two items or more in a row (each test hides a user's last item and asks for it from the ones before)")
	}
	for _, method := range Methods {
		m, err := Train(ctx, train, method, k)
		if err != nil {
			return nil, err
		}
		ev.Items = len(m.pop)
		hits := make([]int, h.Len()) // user -> rank of the hidden item, 1-based; 0: missed
		err = m.each(ctx, EvalK, h.Len(), func(u int, w *workspace) {
			if hidden[u] < 0 {
				return
			}
			for r, it := range m.recommend(u, EvalK, includeBought, w) {
				if it == hidden[u] {
					hits[u] = r + 1
				}
			}
		})
		if err != nil {
			return nil, err
		}
		em := EvalMethod{Method: method}
		for _, r := range hits {
			if r > 0 {
				em.Hits++
				em.MRR += 1 / float64(r)
			}
		}
		em.HitRate = float64(em.Hits) / float64(ev.Cases)
		em.MRR /= float64(ev.Cases)
		ev.Methods = append(ev.Methods, em)
	}
	return ev, nil
}

func (e *Evaluation) Tables(l i18n.Lang) []output.Table {
	title := l.T("Leave-last-item-out on %s: %d users tested of %d, %d items; the hidden item among the top %d", e.Item, e.Cases, e.Users, e.Items, e.K)
	k := strconv.Itoa(e.K)
	t := output.Table{Title: title, Columns: []string{l.T("method"), "hit_rate@" + k, "mrr@" + k, l.T("hits")}}
	for _, m := range e.Methods {
		t.Rows = append(t.Rows, []string{m.Method, strconv.FormatFloat(m.HitRate, 'f', 4, 64), strconv.FormatFloat(m.MRR, 'f', 4, 64), strconv.Itoa(m.Hits)})
	}
	return []output.Table{t}
}
