package chquery

import (
	"context"

	"github.com/spoorhq/spoor/clickhouse"
)

// shards are clients for one host of every shard of the table's cluster:
// each holds all the events of its persons.
func (e *Engine) shards(ctx context.Context) ([]*clickhouse.Client, error) {
	hosts, err := clickhouse.Hosts(ctx, e.c)
	if err != nil {
		return nil, err
	}
	var out []*clickhouse.Client
	seen := map[string]bool{}
	for _, h := range hosts {
		if !seen[h.Shard] {
			seen[h.Shard] = true
			out = append(out, h.Client)
		}
	}
	return out, nil
}
