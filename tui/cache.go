package tui

import (
	"slices"

	"github.com/spoorhq/spoor/i18n"
)

// runKey names what a result answers: the tab's query (its spec) in the
// interface language, since results carry titles and notes in the
// language they were computed in. The data is not part of it: the cache
// is emptied whenever other data is loaded.
func runKey(spec []byte) string { return string(i18n.Current()) + "\x00" + string(spec) }

// cacheSize is how many results are kept for going back to an earlier
// query, at most cachePerTab of one tab. Some hold a few bytes per person
// or conversion (at 10M events a funnel's result is 16 MB, retention's
// 10 MB): three of one tab add at most ~5 bytes an event to the data's.
const (
	cacheSize   = 12
	cachePerTab = 3
)

// resultCache keeps the latest results of each tab's queries on the data
// loaded now, so going back to a query, or to a tab, shows its result
// without running it again. Only the root model's Update uses it.
type resultCache struct {
	entries []cached // least recently used first
}

type cached struct {
	tab int
	key string
	res result
	ms  int64 // how long its run took
}

// get returns the result of tab's query key, making it the most recently used.
func (c *resultCache) get(tab int, key string) (cached, bool) {
	i := slices.IndexFunc(c.entries, func(e cached) bool { return e.tab == tab && e.key == key })
	if i < 0 {
		return cached{}, false
	}
	e := c.entries[i]
	c.entries = append(slices.Delete(c.entries, i, i+1), e)
	return e, true
}

// put keeps a result, dropping the least recently used of its tab beyond
// cachePerTab, then of all beyond cacheSize.
func (c *resultCache) put(e cached) {
	c.entries = slices.DeleteFunc(c.entries, func(o cached) bool { return o.tab == e.tab && o.key == e.key })
	c.entries = append(c.entries, e)
	n := 0
	for _, o := range c.entries {
		if o.tab == e.tab {
			n++
		}
	}
	if n > cachePerTab {
		i := slices.IndexFunc(c.entries, func(o cached) bool { return o.tab == e.tab })
		c.entries = slices.Delete(c.entries, i, i+1)
	}
	if n := len(c.entries) - cacheSize; n > 0 {
		c.entries = slices.Delete(c.entries, 0, n)
	}
}

// drop forgets tab's results.
func (c *resultCache) drop(tab int) {
	c.entries = slices.DeleteFunc(c.entries, func(e cached) bool { return e.tab == tab })
}

// clear forgets every result: the data they were computed on is gone, or
// something they read besides their query (the saved segments) changed.
func (c *resultCache) clear() { c.entries = nil }

// current reports whether t's result answers its query as it is now: a
// result of the query before an edit is never drawn, exported or drilled
// into as the edited query's answer.
func current(t *tabState) bool {
	if t.res == nil || t.a == nil {
		return false
	}
	spec, err := t.a.spec()
	return err == nil && runKey(spec) == t.key
}
