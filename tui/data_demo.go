package tui

import (
	"context"

	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

// demoOpener opens a generated sample scenario in memory ("" is the
// default sample, ecommerce).
func demoOpener(scenario string) opener {
	return func(ctx context.Context) (*store.DB, string, error) {
		if scenario == "" {
			scenario = sample.Scenarios[0].Name
		}
		db, err := sample.OpenDemo(ctx, scenario)
		return db, "sample (" + scenario + ")", err
	}
}
