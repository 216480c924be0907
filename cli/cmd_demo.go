package cli

import (
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sample"
)

func init() {
	register("demo", i18n.N("open the workbench on a generated sample scenario"), runDemo)
}

func runDemo(env *Env, args []string) error {
	fs := newFlags(env, "demo", "[--scenario "+strings.Join(sample.Names(), "|")+"]")
	scenario := fs.String("scenario", "", i18n.T("sample scenario to open (default education under a Chinese interface, else ecommerce)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scenario == "" {
		*scenario = sample.Default()
	}
	return openWorkbench(env, WorkbenchOptions{Scenario: *scenario})
}
