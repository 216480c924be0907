package tui

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

// demoOpener opens a generated sample scenario in memory; "" is the
// default sample of the interface language (defaultScenario).
func demoOpener(scenario string) opener {
	return func(ctx context.Context) (*store.DB, string, error) {
		if scenario == "" {
			scenario = defaultScenario()
		}
		db, err := sample.OpenDemo(ctx, scenario)
		return db, i18n.T("sample (%s)", scenario), err
	}
}

// defaultScenario is the sample shown when there is no database: the
// education sample, whose events and values are Chinese, under a Chinese
// interface; the first scenario (ecommerce) otherwise.
func defaultScenario() string {
	if i18n.Current() == i18n.Chinese {
		return "education"
	}
	return sample.Scenarios[0].Name
}
