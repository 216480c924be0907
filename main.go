// Command spoor is a terminal workbench for product analytics.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/spoorhq/spoor/cli"
	"github.com/spoorhq/spoor/tui"
)

func main() {
	cli.Workbench = tui.Command
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
