package clickhouse

import (
	"context"
	"net"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
)

// Host is a client for one host of a cluster and the shard it holds.
type Host struct {
	*Client
	Shard string
}

// Hosts are clients for every host of the URL's cluster, in the order of
// system.clusters (by shard, then replica). Push creates tables on each
// through its HTTP interface (ON CLUSTER needs ZooKeeper, which a plain
// cluster of servers, and 18.16 without it, lacks); a compiled analysis
// runs its per-person work on one host of each shard. A host's HTTP
// address is the URL's shards= list, or else its native port shifted as
// the URL's server's is (the default ports, 9000 and 8123, on every host).
func Hosts(ctx context.Context, c *Client) ([]Host, error) {
	src := c.Source()
	r, err := c.InDatabase("system").Query(ctx, "SELECT host_address, port, is_local, shard_num FROM system.clusters WHERE cluster = "+String(src.Cluster)+" ORDER BY shard_num, replica_num")
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 {
		return nil, i18n.Errorf("ClickHouse at %s has no cluster %s (see SELECT DISTINCT cluster FROM system.clusters)", c.Addr(), src.Cluster)
	}
	if len(src.Shards) > 0 {
		if len(src.Shards) != len(r.Rows) {
			return nil, i18n.Errorf("shards= names %d HTTP addresses but cluster %s has %d hosts", len(src.Shards), src.Cluster, len(r.Rows))
		}
		var hs []Host
		for i, a := range src.Shards {
			hs = append(hs, Host{Client: c.At(a), Shard: r.Rows[i][3]})
		}
		return hs, nil
	}
	offset, found := 0, false
	for _, row := range r.Rows {
		if row[2] == "1" {
			tcp, _ := strconv.Atoi(row[1])
			offset, found = src.Port-tcp, true
			break
		}
	}
	if !found {
		return nil, i18n.Errorf("ClickHouse at %s is not itself a host of cluster %s, so the hosts' HTTP ports cannot be told: name them with &shards=HOST:PORT,HOST:PORT (in the order of system.clusters)", c.Addr(), src.Cluster)
	}
	var hs []Host
	for _, row := range r.Rows {
		tcp, _ := strconv.Atoi(row[1])
		h := Host{Client: c, Shard: row[3]}
		if row[2] != "1" {
			h.Client = c.At(net.JoinHostPort(row[0], strconv.Itoa(tcp+offset)))
		}
		hs = append(hs, h)
	}
	return hs, nil
}
