// Command spoor is a terminal workbench for product analytics.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spoorhq/spoor/cli"
	"github.com/spoorhq/spoor/termquery"
	"github.com/spoorhq/spoor/tui"
)

func main() {
	termquery.Restore()
	cli.Workbench = tui.Command
	// Ctrl-C and a plain kill both cancel the command, so an import rolls
	// back and says it was interrupted.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
