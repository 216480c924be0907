package recommend

import (
	"context"
	"slices"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Options choose the method and what a user is offered.
type Options struct {
	Method        string // ItemKNN (default), SKNN or Popular
	Top           int    // items per user (default 5)
	Neighbours    int    // associations kept per item (default DefaultNeighbours)
	IncludeBought bool   // offer items the user bought too
}

// Recommendations is every user's top items.
type Recommendations struct {
	Item   string      `json:"item"`
	Method string      `json:"method"`
	Buy    string      `json:"buy"` // the buy event; "" when none carries the item
	Top    int         `json:"top"`
	Users  []UserItems `json:"users"`
}

// UserItems is one user's items, best first.
type UserItems struct {
	User  string   `json:"user"`
	Items []string `json:"items"`
}

// Usable says why a History cannot make recommendations, or nil.
func (h *History) Usable() error {
	if h.Len() == 0 {
		return i18n.Errorf("no event in the range carries %s: nothing to learn from (check --item, the date range and --where; spoor props lists the keys)", h.Item)
	}
	distinct := map[int32]bool{}
	for u := range h.Users {
		for _, it := range h.Entries(u) {
			distinct[it] = true
			if len(distinct) > 1 {
				return nil
			}
		}
	}
	for it := range distinct {
		return i18n.Errorf("every event in the range with %s has the same value (%s): recommendations need two items or more", h.Item, h.Items[it])
	}
	return nil
}

// Recommend gives every user of h (those with an item) their top items.
func Recommend(ctx context.Context, h *History, opt Options) (*Recommendations, error) {
	if err := h.Usable(); err != nil {
		return nil, err
	}
	opt = opt.defaults()
	m, err := Train(ctx, h, opt.Method, opt.Neighbours)
	if err != nil {
		return nil, err
	}
	recs, err := m.ForUsers(ctx, opt.Top, opt.IncludeBought)
	if err != nil {
		return nil, err
	}
	r := &Recommendations{Item: h.Item, Method: opt.Method, Buy: h.Buy, Top: opt.Top, Users: make([]UserItems, 0, len(recs))}
	for u, items := range recs {
		if len(items) == 0 {
			continue // bought every item there is
		}
		r.Users = append(r.Users, UserItems{User: h.Users[u], Items: h.values(items)})
	}
	return r, nil
}

// ForIDs gives each user of ids their top items, as Recommend does; a user
// with no item in h (no history to go on) gets the most popular items.
func ForIDs(ctx context.Context, h *History, opt Options, ids []string) ([][]string, error) {
	if err := h.Usable(); err != nil {
		return nil, err
	}
	opt = opt.defaults()
	m, err := Train(ctx, h, opt.Method, opt.Neighbours)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, h.Len())
	for u, id := range h.Users {
		at[id] = u
	}
	out := make([][]string, len(ids))
	err = m.each(ctx, opt.Top, len(ids), func(k int, w *workspace) {
		if u, ok := at[ids[k]]; ok {
			out[k] = h.values(m.recommend(u, opt.Top, opt.IncludeBought, w))
		} else {
			out[k] = h.values(m.pop[:min(opt.Top, len(m.pop))])
		}
	})
	return out, err
}

func (o Options) defaults() Options {
	if o.Method == "" {
		o.Method = ItemKNN
	}
	if o.Top <= 0 {
		o.Top = 5
	}
	if o.Neighbours <= 0 {
		o.Neighbours = DefaultNeighbours
	}
	return o
}

func (h *History) values(items []int32) []string {
	out := make([]string, len(items))
	for k, it := range items {
		out[k] = h.Items[it]
	}
	return out
}

func (r *Recommendations) Tables(l i18n.Lang) []output.Table {
	title := l.T("Top %d %s per user by %s, %d users", r.Top, r.Item, r.Method, len(r.Users))
	if r.Buy != "" {
		title += l.T("; items bought (%s) left out", r.Buy)
	}
	cols := []string{l.T("user")}
	for k := 1; k <= r.Top; k++ {
		cols = append(cols, "item_"+strconv.Itoa(k))
	}
	t := output.Table{Title: title, Columns: cols}
	for _, u := range r.Users {
		row := append([]string{u.User}, u.Items...)
		for len(row) < len(cols) {
			row = append(row, "")
		}
		t.Rows = append(t.Rows, row)
	}
	return []output.Table{t}
}

// Association is how often two items go together, over baskets (sessions
// for co-viewed, users' purchases for co-bought): support is the share of
// baskets holding both, confidence the share of the item's baskets that
// hold the other, lift confidence over the other's share of baskets;
// similarity (shrunk cosine, see similarity) ranks an item's associations.
type Association struct {
	Item       string  `json:"item"`
	Other      string  `json:"other"`
	Together   int     `json:"together"`
	Support    float64 `json:"support"`
	Confidence float64 `json:"confidence"`
	Lift       float64 `json:"lift"`
	Similarity float64 `json:"similarity"`
}

// Associations are items' top associated items.
type Associations struct {
	Item    string        `json:"item"`
	Co      string        `json:"co"`      // viewed or bought
	Baskets int           `json:"baskets"` // sessions, or users who bought
	Rows    []Association `json:"associations"`
}

// Co-occurrence kinds.
const (
	CoViewed = "viewed" // in the same session
	CoBought = "bought" // bought by the same user
)

// Associate lists, for every item (most frequent first) or only the item
// of, its top associated items with their support, confidence and lift.
// k is the number of associations kept per item while counting.
func Associate(ctx context.Context, h *History, co, of string, top, k int) (*Associations, error) {
	if err := h.Usable(); err != nil {
		return nil, err
	}
	var b *baskets
	switch co {
	case CoViewed, "":
		co, b = CoViewed, sessions(h)
	case CoBought:
		if h.Buy == "" {
			return nil, i18n.Errorf("--co bought: no buy event carries %s; name it with --buy EVENT", h.Item)
		}
		b = purchases(h)
	default:
		return nil, i18n.Errorf("--co %q: use viewed (in one session) or bought (by one user)", co)
	}
	x := newIndex(b, len(h.Items))
	nb, err := x.neighbours(ctx, max(k, top))
	if err != nil {
		return nil, err
	}
	var items []int32
	if of != "" {
		at := slices.Index(h.Items, of)
		if at < 0 || x.count[at] == 0 {
			return nil, i18n.Errorf("no basket holds %s = %s", h.Item, of)
		}
		items = []int32{int32(at)}
	} else {
		for i, c := range x.count {
			if c > 0 {
				items = append(items, int32(i))
			}
		}
		slices.SortStableFunc(items, func(a, b int32) int { return int(x.count[b] - x.count[a]) })
	}
	a := &Associations{Item: h.Item, Co: co, Baskets: x.total, Rows: []Association{}}
	n := float64(x.total)
	for _, i := range items {
		others, together, _ := nb.of(i)
		for r := range min(top, len(others)) {
			j, c := others[r], float64(together[r])
			ci, cj := float64(x.count[i]), float64(x.count[others[r]])
			a.Rows = append(a.Rows, Association{Item: h.Items[i], Other: h.Items[j], Together: int(together[r]),
				Support: c / n, Confidence: c / ci, Lift: c * n / (ci * cj), Similarity: similarity(c, ci, cj)})
		}
	}
	return a, nil
}

func (a *Associations) Tables(l i18n.Lang) []output.Table {
	title := l.T("Items %s together (%d baskets)", a.Co, a.Baskets)
	t := output.Table{Title: title, Columns: []string{l.T("item"), l.T("other"), l.T("together"), l.T("support"), l.T("confidence"), l.T("lift"), l.T("similarity")}}
	for _, r := range a.Rows {
		t.Rows = append(t.Rows, []string{r.Item, r.Other, strconv.Itoa(r.Together), strconv.FormatFloat(r.Support, 'f', 4, 64),
			strconv.FormatFloat(r.Confidence, 'f', 4, 64), strconv.FormatFloat(r.Lift, 'f', 2, 64), strconv.FormatFloat(r.Similarity, 'f', 4, 64)})
	}
	return []output.Table{t}
}
