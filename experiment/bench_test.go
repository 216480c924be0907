package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// benchDataset has users persons with about 8 events each over 60 days;
// every event carries the user's variant, a fifth are purchases with a
// price, as in a typical checkout test.
func benchDataset(users int) *query.Dataset {
	rng := rand.New(rand.NewPCG(5, 6))
	names := []string{"view", "view", "cart", "checkout", "purchase"}
	var evs []query.RawEvent
	for u := range users {
		user := fmt.Sprintf("u%d", u)
		variant := []string{"control", "treatment"}[rng.IntN(2)]
		at := t0 + rng.Int64N(60*day)
		for range 1 + rng.IntN(15) {
			at += rng.Int64N(2 * day)
			name := names[rng.IntN(len(names))]
			props := map[string]string{"exp": variant}
			if name == "purchase" {
				props["price"] = fmt.Sprint(5 + rng.IntN(200))
			}
			evs = append(evs, query.RawEvent{User: user, Event: name, Time: at, Props: props})
		}
	}
	d := query.NewDataset(evs, time.UTC)
	// Load the property columns once, so the benchmark times the scan and
	// not the in-memory test loader.
	for _, key := range []string{"exp", "price"} {
		if _, err := d.Prop(context.Background(), key); err != nil {
			panic(err)
		}
	}
	return d
}

func BenchmarkRun(b *testing.B) {
	for _, users := range []int{10_000, 100_000} {
		d := benchDataset(users)
		ctx := context.Background()
		for _, c := range []struct {
			name string
			q    Query
		}{
			{"goal", Query{Variant: "exp", Goal: "purchase"}},
			{"revenue", Query{Variant: "exp", Goal: "purchase", Revenue: "price"}},
			{"funnel", Query{Variant: "exp", Steps: query.FunnelSteps([]string{"view", "cart", "checkout", "purchase"})}},
		} {
			b.Run(fmt.Sprintf("%s/users=%d/events=%d", c.name, users, d.Len()), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Run(ctx, d, c.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
