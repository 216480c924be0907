package tui

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/spoorhq/spoor/store"
)

// fixtureDB writes a deterministic small shop into an in-memory database:
// a five-step funnel with drop-offs, repeat visits, two countries, and a
// Chinese event and property value so CJK layout is always exercised.
func fixtureDB(ctx context.Context, users int, seed int64) (*store.DB, error) {
	return fixtureDBAt(ctx, ":memory:", users, seed)
}

// fixtureDBAt is fixtureDB in a database file at path.
func fixtureDBAt(ctx context.Context, path string, users int, seed int64) (*store.DB, error) {
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: "fixture", Format: "sample"})
	if err != nil {
		db.Close()
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const day = int64(24 * time.Hour / time.Millisecond)
	steps := []string{"page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"}
	keep := []float64{1, 0.7, 0.5, 0.7, 0.8}
	countries := []string{"CN", "US", "CN", "DE"}
	devices := []string{"ios", "android", "web"}
	for u := 0; u < users; u++ {
		user := fmt.Sprintf("u%04d", u)
		t := start + rng.Int63n(20*day)
		country, device := countries[rng.Intn(len(countries))], devices[rng.Intn(len(devices))]
		visits := 1 + rng.Intn(4)
		for v := 0; v < visits && t < start+30*day; v++ {
			for i, name := range steps {
				if rng.Float64() > keep[i] {
					break
				}
				// A checkout test: even users see control, odd treatment; a few
				// see the other variant at purchase, so some are excluded.
				variant := []string{"control", "treatment"}[u%2]
				if name == "purchase" && u%37 == 5 {
					variant = []string{"treatment", "control"}[u%2]
				}
				props := []store.Prop{{Key: "country", Value: country}, {Key: "device", Value: device}, {Key: "exp_checkout", Value: variant}}
				if name == "purchase" {
					props = append(props, store.Prop{Key: "revenue", Value: int64(20 + rng.Intn(200))})
				}
				if err := tx.Add(ctx, &store.Event{User: user, Name: name, Time: t, Props: props}); err != nil {
					tx.Rollback()
					db.Close()
					return nil, err
				}
				t += int64(rng.Intn(600_000)) + 1000
			}
			if rng.Intn(4) == 0 {
				city := []string{"北京", "上海", "广州"}[rng.Intn(3)]
				e := &store.Event{User: user, Name: "领取优惠券", Time: t, Props: []store.Prop{{Key: "城市", Value: city}}}
				if err := tx.Add(ctx, e); err != nil {
					tx.Rollback()
					db.Close()
					return nil, err
				}
			}
			t += day/2 + rng.Int63n(6*day)
		}
	}
	if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
