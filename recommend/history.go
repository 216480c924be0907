// Package recommend suggests items to users from behaviour: item-to-item
// associations (co-viewed in a session, co-bought by a user; support,
// confidence, lift), per-user top-N next items by session-based kNN, item
// co-occurrence or popularity, and a leave-last-item-out evaluation of
// those methods against each other.
//
// Everything works on a History: each user's interactions with items (the
// events in range that carry the item property), time ordered, with
// consecutive repeats of one item inside a session collapsed into one
// entry. A session ends at a gap longer than the session gap between two
// of the user's item events (paths' default, 30 minutes); a gap of 0
// makes each user's whole timeline one session.
package recommend

import (
	"context"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// DefaultGap is the session gap in milliseconds (30 minutes, as paths).
const DefaultGap = 30 * 60 * 1000

// buyNames are the event names that mean "bought" when --buy is not
// given, in order of preference: the first one that carries the item
// property is the buy event.
var buyNames = []string{"purchase", "buy", "order_completed", "Order Completed", "order", "checkout_completed", "transaction"}

// History is every user's item interactions. Entries of user u are
// start[u] to end[u]; a copy with some ends moved back (the evaluation's
// training data) shares the rest.
type History struct {
	Item   string   // the item property
	Items  []string // item index -> the property's value
	Users  []string // history user -> the dataset's user id (only users with an item)
	Buy    string   // the buy event ("" when none carries the item)
	start  []int32
	end    []int32
	item   []int32 // entry -> item index
	when   []int64 // entry -> time (ms) of its first event
	bought []bool  // entry -> one of its events is the buy event
	sessAt []bool  // entry -> a session starts here
}

// Len is the number of users with at least one item.
func (h *History) Len() int { return len(h.Users) }

// Entries returns user u's items, oldest first.
func (h *History) Entries(u int) []int32 { return h.item[h.start[u]:h.end[u]] }

// Build reads the History of the events s keeps (date range, --where,
// --segment) that carry the item property. buy names the event that
// means bought: "" detects one (buyNames) and finds none when no such
// event carries the item; gap is the session gap in ms.
func Build(ctx context.Context, d *query.Dataset, s *query.Scope, item, buy string, gap int64) (*History, error) {
	if item == "" {
		return nil, i18n.Errorf("name the item property with --item (e.g. --item product_id; spoor props lists the keys)")
	}
	if err := d.CheckProp(ctx, item); err != nil {
		return nil, i18n.Errorf("--item: %w", err)
	}
	p, err := d.Prop(ctx, item)
	if err != nil {
		return nil, err
	}
	buyID, buyName, err := buyEvent(d, p, buy)
	if err != nil {
		return nil, err
	}
	h := &History{Item: item, Items: p.Values, Buy: buyName}
	n := 0 // events with an item: the most entries there can be
	for _, c := range p.Codes {
		if c != 0 {
			n++
		}
	}
	h.item, h.when = make([]int32, 0, n), make([]int64, 0, n)
	h.bought, h.sessAt = make([]bool, 0, n), make([]bool, 0, n)
	for u := range d.Users {
		if u%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !s.Person(u) {
			continue
		}
		first := len(h.item)
		var last int64
		for i := int(d.Start[u]); i < int(d.Start[u+1]); i++ {
			c := p.Codes[i]
			if c == 0 || !s.Keep(i) {
				continue
			}
			t, it, b := d.Time[i], c-1, d.Event[i] == buyID
			newSess := len(h.item) == first || gap > 0 && t-last > gap
			last = t
			if !newSess && h.item[len(h.item)-1] == it {
				h.bought[len(h.item)-1] = h.bought[len(h.item)-1] || b
				continue
			}
			h.item = append(h.item, it)
			h.when = append(h.when, t)
			h.bought = append(h.bought, b)
			h.sessAt = append(h.sessAt, newSess)
		}
		if len(h.item) > first {
			h.Users = append(h.Users, d.Users[u])
			h.start = append(h.start, int32(first))
			h.end = append(h.end, int32(len(h.item)))
		}
	}
	return h, nil
}

// buyEvent resolves the buy event: the one named, which must carry the
// item property, or the first of buyNames that does. id is -1 for none.
func buyEvent(d *query.Dataset, p *query.Prop, name string) (id int32, _ string, _ error) {
	carries := make([]bool, len(d.Names)) // event -> some event of that name has the item
	for i, c := range p.Codes {
		if c != 0 {
			carries[d.Event[i]] = true
		}
	}
	if name != "" {
		if err := d.CheckEvent(name); err != nil {
			return -1, "", i18n.Errorf("--buy: %w", err)
		}
		id, _ := d.EventID(name)
		if !carries[id] {
			return -1, "", i18n.Errorf("--buy %s: no %s event carries %s, so no item counts as bought; name the event that does (spoor props EVENT lists the keys an event carries)", name, name, p.Key)
		}
		return id, name, nil
	}
	for _, n := range buyNames {
		for id, dn := range d.Names {
			if strings.EqualFold(dn, n) && carries[int32(id)] {
				return int32(id), dn, nil
			}
		}
	}
	return -1, "", nil
}

// boughtBy returns the items user u bought, marked in seen (indexed by
// item; the caller clears the returned ones).
func (h *History) boughtBy(u int, seen []bool) []int32 {
	var out []int32
	for e := h.start[u]; e < h.end[u]; e++ {
		if it := h.item[e]; h.bought[e] && !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}

// withoutLast is the evaluation's split: the History with each user's last
// entry hidden (users with a single entry keep it: they are no test case,
// and their item still counts as behaviour), and the hidden item per user,
// -1 for those not tested.
func (h *History) withoutLast() (*History, []int32) {
	t := *h
	t.end = append([]int32(nil), h.end...)
	hidden := make([]int32, len(h.Users))
	for u := range hidden {
		hidden[u] = -1
		if h.end[u]-h.start[u] >= 2 {
			t.end[u]--
			hidden[u] = h.item[t.end[u]]
		}
	}
	return &t, hidden
}
