// Command chserve starts the test harness's two ClickHouse servers (a
// two-shard cluster on loopback, data in a temporary directory) for a
// script such as bench/run.sh: it prints the two HTTP addresses on one line
// and the cluster's name, then keeps them running until its standard input
// closes or it gets SIGINT/SIGTERM, when it stops them and removes their data.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spoorhq/spoor/clickhouse/chtest"
)

func main() {
	c, err := chtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chserve:", err)
		os.Exit(1)
	}
	fmt.Println(c.Servers[0].HTTPAddr(), c.Servers[1].HTTPAddr(), chtest.ClusterName)
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
	c.Stop()
}
