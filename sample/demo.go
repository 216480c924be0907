package sample

import (
	"context"
	"fmt"
	"strings"

	"github.com/spoorhq/spoor/store"
)

// Demo sizes: rich enough for every analysis to show something, small
// enough that generating, storing and loading it stays well under a second.
const (
	DemoUsers = 2500
	DemoDays  = 60
	DemoSeed  = 1
)

// OpenDemo returns an in-memory database holding the default sample of
// scenario ("" means ecommerce); the workbench opens it when there is no
// ./spoor.db.
func OpenDemo(ctx context.Context, scenario string) (*store.DB, error) {
	db, err := store.Open(":memory:", store.Options{Create: true})
	if err != nil {
		return nil, err
	}
	cfg := Config{Scenario: scenario, Users: DemoUsers, Days: DemoDays, Seed: DemoSeed}
	if _, err := Import(ctx, db, cfg, false); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Import writes the events of cfg into db as one import, and gives the
// database the scenario's display timezone unless it already has one. It
// returns the number of events stored. deferRows leaves the SQL rows of the
// events unwritten, as bulk imports do (typed SQL reads them from the columns).
func Import(ctx context.Context, db *store.DB, cfg Config, deferRows bool) (int64, error) {
	r, err := Resolve(cfg)
	if err != nil {
		return 0, err
	}
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: Describe(r), Format: "sample", Timezone: r.TZ, DeferRows: deferRows})
	if err != nil {
		return 0, err
	}
	var read int64
	err = Generate(ctx, r.Config, func(e *store.Event) error {
		read++
		err := tx.Add(ctx, e)
		return err
	})
	if err != nil {
		tx.Rollback()
		return 0, err
	}
	imported, _, err := tx.Counts(ctx)
	if err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(ctx, store.ImportStats{RowsRead: read}); err != nil {
		return 0, err
	}
	if tz, err := db.Setting(ctx, "timezone", ""); err != nil {
		return imported, err
	} else if tz == "" {
		if err := db.SetSetting(ctx, "timezone", r.TZ); err != nil {
			return imported, err
		}
	}
	return imported, nil
}

// Describe names a resolved configuration the way the imports ledger shows
// it, e.g. "sample:ecommerce users=2000 days=60 seed=1 to=2026-06-30 tz=UTC".
func Describe(r *Resolved) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sample:%s", r.Scenario.Name)
	if r.Users > 0 {
		fmt.Fprintf(&b, " users=%d", r.Users)
	}
	if r.MaxEvents > 0 {
		fmt.Fprintf(&b, " events=%d", r.MaxEvents)
	}
	lastDay := r.End.In(r.Loc).Add(-1).Format("2006-01-02")
	fmt.Fprintf(&b, " days=%d seed=%d to=%s tz=%s", r.Days, r.Seed, lastDay, r.TZ)
	return b.String()
}
