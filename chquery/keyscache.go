package chquery

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
)

// eventKeys is, per event name, how many of the base table's events carry
// each property key. Counting them reads every property column of every
// event (1.5 s of server CPU at 10M events, more than the analysis that
// asks), so they are kept across processes as the facts are
// (factscache.go), under the same key: the table's parts. With scan false
// it is only what is at hand (nil when nothing is): for a caller that
// can do without.
func (e *Engine) eventKeys(ctx context.Context, scan bool) (map[string]map[string]int64, error) {
	e.cache.mu.Lock()
	defer e.cache.mu.Unlock()
	if e.cache.keys != nil {
		return e.cache.keys, nil
	}
	t := e.base
	// What the counts depend on besides the rows: the table's columns of
	// properties are in its metadata time, part of the key, too.
	file, id, cached := e.factsFile(strings.Join([]string{"event keys 1", t.From, t.Where, t.Event, strings.Join(t.PropColumnKeys(), ",")}, "\x00"))
	var key string
	if cached {
		key, cached = e.factsKey(ctx)
	}
	if cached {
		if b, err := os.ReadFile(file); err == nil {
			var c cachedKeys
			if json.Unmarshal(b, &c) == nil && c.ID == id && c.Key == key && c.Events != nil {
				e.cache.keys = c.Events
				return c.Events, nil
			}
		}
	}
	if !scan {
		return nil, nil
	}
	keys, err := clickhouse.KeyCountsBy(ctx, e.client(ctx), t, t.Where, t.Event)
	if err != nil {
		return nil, err
	}
	e.cache.keys = keys
	// Rows that arrived during the scan may or may not be counted.
	if now, ok := e.factsKey(ctx); cached && ok && now == key {
		storeJSON(file, cachedKeys{ID: id, Key: key, Events: keys})
	}
	return keys, nil
}

// cachedKeys is a cache file of eventKeys.
type cachedKeys struct {
	ID     string                      `json:"id"`
	Key    string                      `json:"key"`
	Events map[string]map[string]int64 `json:"events"`
}
