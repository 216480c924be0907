package cli

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/spoorhq/spoor/i18n"

	"github.com/spoorhq/spoor/sample"
)

// WorkbenchOptions are the workbench's flags, parsed here. Its fields are
// those of tui.Options, so main converts one into the other.
type WorkbenchOptions struct {
	DB       string // --db; "" means $SPOOR_DB, else ./spoor.db, else the built-in sample
	Scenario string // a generated sample scenario instead of a database (spoor demo)
	KeepLang bool   // --lang or $SPOOR_LANG chose the language: the database's remembered one does not replace it
}

// Workbench opens the interactive workbench. main passes tui.Run to Run:
// cli does not import tui, tui does not import cli.
type Workbench func(ctx context.Context, o WorkbenchOptions, in io.Reader, out io.Writer) error

// runWorkbench is spoor [--db PATH] [--scenario NAME].
func runWorkbench(env *Env, args []string) error {
	fs := flag.NewFlagSet("spoor", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dbPath := fs.String("db", "", i18n.T("database file (default $SPOOR_DB, else ./spoor.db, else the built-in sample)"))
	scenario := fs.String("scenario", "", i18n.T("open a generated sample scenario instead of a database"))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{Msg: err.Error()}
	}
	return openWorkbench(env, WorkbenchOptions{DB: *dbPath, Scenario: *scenario})
}

// openWorkbench checks the scenario's name (a usage error) and hands over
// to the workbench.
func openWorkbench(env *Env, o WorkbenchOptions) error {
	if o.Scenario != "" {
		if _, err := sample.Lookup(o.Scenario); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	o.KeepLang = env.keepLang
	if env.workbench == nil {
		return i18n.Errorf("the workbench is not built into this binary")
	}
	return env.workbench(env.Ctx, o, env.Stdin, env.Stdout)
}
