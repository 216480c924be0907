package query

import (
	"context"
	"sort"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// CheckEvent returns an error naming the closest known event names when
// name is not an event of the dataset.
func (d *Dataset) CheckEvent(name string) error {
	if _, ok := d.byName[name]; ok {
		return nil
	}
	near := Closest(name, d.Names, 3)
	if len(near) == 0 {
		return i18n.Errorf("unknown event %q; run spoor events to list the %d known names", name, len(d.Names))
	}
	return i18n.Errorf("unknown event %q; closest known: %s", name, strings.Join(near, i18n.T(", ")))
}

// CheckProp returns an error naming the closest known property keys when
// no stored event has the property key. A filter or breakdown on a
// misspelt key would otherwise answer quietly with nothing or "(none)".
// Datasets built in memory (tests) do not check.
func (d *Dataset) CheckProp(ctx context.Context, key string) error {
	if d.keys == nil || d.Len() == 0 {
		return nil
	}
	keys, err := d.keys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k == key {
			return nil
		}
	}
	near := Closest(key, keys, 3)
	if len(near) == 0 {
		return i18n.Errorf("no event has the property %q; run spoor props to list the %d known keys", key, len(keys))
	}
	return i18n.Errorf("no event has the property %q; closest known: %s", key, strings.Join(near, i18n.T(", ")))
}

// Closest returns up to n known names nearest to s by edit distance.
func Closest(s string, known []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	ls := strings.ToLower(s)
	for _, k := range known {
		d := editDistance(ls, strings.ToLower(k))
		if strings.Contains(strings.ToLower(k), ls) || strings.Contains(ls, strings.ToLower(k)) {
			d = min(d, 1)
		}
		if d <= max(2, len([]rune(s))/2) {
			cs = append(cs, cand{k, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
