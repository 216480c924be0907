package cli

import "github.com/spoorhq/spoor/i18n"

func init() {
	register("demo", i18n.N("open the workbench on a generated sample scenario"), runDemo)
}

func runDemo(env *Env, args []string) error {
	fs := newFlags(env, "demo", "[--scenario ecommerce|saas|education]")
	scenario := fs.String("scenario", "ecommerce", i18n.T("sample scenario to open"))
	if err := parse(fs, args); err != nil {
		return err
	}
	return openWorkbench(env, WorkbenchOptions{Scenario: *scenario})
}
