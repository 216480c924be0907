package cli

import (
	"fmt"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// refreshAudiences re-evaluates the saved audience rules after an import
// added data (imported: at least one file went in), so audience list shows
// the size now and before. A failure is reported but does not fail the
// import, which is already committed.
func refreshAudiences(env *Env, db *store.DB, imported bool) {
	if !imported {
		return
	}
	if err := segment.RefreshAudiences(env.Ctx, db); err != nil {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("warning: %s", i18n.T("audience rules not re-evaluated: %v", err)))
	}
}
