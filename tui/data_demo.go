package tui

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

// demoOpener opens a generated sample scenario in memory; "" is the
// default sample of the interface language (sample.Default).
func demoOpener(scenario string) opener {
	return func(ctx context.Context) (*store.DB, string, error) {
		if scenario == "" {
			scenario = sample.Default()
		}
		db, err := sample.OpenDemo(ctx, scenario)
		return db, i18n.T("sample (%s)", scenario), err
	}
}
