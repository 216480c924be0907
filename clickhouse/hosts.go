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
	addrs, err := HostAddrs(ctx, c)
	if err != nil {
		return nil, err
	}
	return HostsAt(c, addrs), nil
}

// HostAddrs are the addresses of Hosts.
func HostAddrs(ctx context.Context, c *Client) ([]HostAddr, error) {
	r, err := c.InDatabase("system").Query(ctx, "SELECT "+HostColumns+" FROM system.clusters WHERE cluster = "+String(c.Source().Cluster)+" ORDER BY shard_num, replica_num")
	if err != nil {
		return nil, err
	}
	return HostAddrsOf(c, r.Rows)
}

// HostColumns are the columns of system.clusters HostAddrsOf reads, in
// its rows' first places.
const HostColumns = "host_address, port, is_local, shard_num"

// HostAddr is a host of a cluster: its HTTP address ("" for the URL's
// server itself) and its shard.
type HostAddr struct{ Addr, Shard string }

// HostAddrsOf reads the hosts of the URL's cluster, by which c reached it,
// from rows of system.clusters that begin with HostColumns, ordered by
// shard then replica (Hosts).
func HostAddrsOf(c *Client, rows [][]string) ([]HostAddr, error) {
	src := c.Source()
	if len(rows) == 0 {
		return nil, i18n.Errorf("ClickHouse at %s has no cluster %s (see SELECT DISTINCT cluster FROM system.clusters)", c.Addr(), src.Cluster)
	}
	if len(src.Shards) > 0 {
		if len(src.Shards) != len(rows) {
			return nil, i18n.Errorf("shards= names %d HTTP addresses but cluster %s has %d hosts", len(src.Shards), src.Cluster, len(rows))
		}
		var hs []HostAddr
		for i, a := range src.Shards {
			hs = append(hs, HostAddr{Addr: a, Shard: rows[i][3]})
		}
		return hs, nil
	}
	offset, found := 0, false
	for _, row := range rows {
		if row[2] == "1" {
			tcp, _ := strconv.Atoi(row[1])
			offset, found = src.Port-tcp, true
			break
		}
	}
	if !found {
		return nil, i18n.Errorf("ClickHouse at %s is not itself a host of cluster %s, so the hosts' HTTP ports cannot be told: name them with &shards=HOST:PORT,HOST:PORT (in the order of system.clusters)", c.Addr(), src.Cluster)
	}
	var hs []HostAddr
	for _, row := range rows {
		tcp, _ := strconv.Atoi(row[1])
		h := HostAddr{Shard: row[3]}
		if row[2] != "1" {
			h.Addr = net.JoinHostPort(row[0], strconv.Itoa(tcp+offset))
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// HostsAt are clients for the hosts addrs, made from c (its settings and
// credentials).
func HostsAt(c *Client, addrs []HostAddr) []Host {
	hs := make([]Host, len(addrs))
	for i, a := range addrs {
		hs[i] = Host{Client: c, Shard: a.Shard}
		if a.Addr != "" {
			hs[i].Client = c.At(a.Addr)
		}
	}
	return hs
}
