// Command spoor is a terminal workbench for product analytics.
//
// Its packages stand in floors, and a package imports only packages on
// floors below its own (layers_test.go keeps this true):
//
//	6  main                                  wires the front ends: cli parses the workbench's flags, tui.Run opens it
//	5  cli, tui                              the command line and the workbench; neither imports the other
//	4  chquery                               the engine's analyses, A/B tests and churn compiled to ClickHouse SQL
//	4  specfile, alert                       spec files: the kinds of analysis a saved spec may name; saved alerts, judged by forecast's detector
//	4  chquery                               the engine's analyses and segments compiled to ClickHouse SQL
//	3  segment, experiment, forecast, why, attribution, survival, recommend, sequence  built on the engine: segments, A/B tests, forecasts and the anomaly detector, contribution analysis, attribution and ROI, survival curves, recommendations, sequence patterns
//	2  query, importers, sample, push        the analysis engine; reading exports; generated data; copying to ClickHouse
//	1  store, output, termquery, clickhouse  the SQLite file; tables as text, CSV, JSON, Markdown; asking the terminal; a ClickHouse server
//	0  i18n                                  the interface language: every text a person reads, in English or Chinese
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spoorhq/spoor/cli"
	"github.com/spoorhq/spoor/termquery"
	"github.com/spoorhq/spoor/tui"
)

func main() {
	termquery.Restore()
	// Ctrl-C and a plain kill both cancel the command, so an import rolls
	// back and says it was interrupted.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, workbench, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// workbench wires the command line to the workbench: cli parses its flags,
// tui runs it, and neither imports the other.
func workbench(ctx context.Context, o cli.WorkbenchOptions, in io.Reader, out io.Writer) error {
	return tui.Run(ctx, tui.Options(o), in, out)
}
