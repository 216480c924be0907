package query

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
)

// storedDataset stores evs (in that order) in a new database and loads it,
// so property columns come through the store (chunks, positions).
func storedDataset(t *testing.T, evs []RawEvent) *Dataset {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		ev := store.Event{User: e.User, Name: e.Event, Time: e.Time}
		for _, k := range []string{"a", "b", "c", "d"} { // a fixed order: the stored JSON does not vary
			if v, ok := e.Props[k]; ok {
				ev.Props = append(ev.Props, store.Prop{Key: k, Value: v})
			}
		}
		if err := tx.Add(ctx, &ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
		t.Fatal(err)
	}
	d, err := Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// randomProps is n events of 30 users in random time order, each with
// some of the properties a..d (d is never set).
func randomProps(rng *rand.Rand, n int) []RawEvent {
	evs := make([]RawEvent, n)
	for i := range evs {
		props := map[string]string{}
		for _, k := range []string{"a", "b", "c"} {
			if rng.Intn(4) > 0 {
				props[k] = fmt.Sprint(k, rng.Intn(1+rng.Intn(20)))
			}
		}
		if rng.Intn(5) == 0 {
			props["a"] = fmt.Sprint(rng.Intn(100)) // numbers too
		}
		evs[i] = RawEvent{User: fmt.Sprint("u", rng.Intn(30)), Event: fmt.Sprint("e", rng.Intn(3)), Time: int64(rng.Intn(1000)), Props: props}
	}
	return evs
}

// text is event i's value of p, "-" when unset.
func text(p *Prop, i int) string {
	if v, ok := p.Value(i); ok {
		return v
	}
	return "-"
}

// TestPropConcurrent loads every key from many goroutines at once (run
// under -race): each caller gets the one column, equal to the in-memory
// dataset's, and every key loads once.
func TestPropConcurrent(t *testing.T) {
	ctx := context.Background()
	evs := randomProps(rand.New(rand.NewSource(5)), 3000)
	d, ref := storedDataset(t, evs), NewDataset(evs, time.UTC)
	keys := []string{"a", "b", "c", "d"}
	got := make([][]*Prop, 16)
	var wg sync.WaitGroup
	for g := range got {
		got[g] = make([]*Prop, len(keys))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range keys {
				k := (n + g) % len(keys) // callers start on different keys
				p, err := d.Prop(ctx, keys[k])
				if err != nil {
					t.Error(err)
					return
				}
				got[g][k] = p
			}
		}()
	}
	wg.Wait()
	for k, key := range keys {
		want, _ := ref.Prop(ctx, key)
		for g := range got {
			if got[g][k] != got[0][k] {
				t.Fatalf("key %s: goroutine %d got another column than goroutine 0 (loaded twice)", key, g)
			}
		}
		p := got[0][k]
		// Both datasets order events by person then time, storage order
		// breaking ties: event i is the same event in each.
		for i := range d.Len() {
			if text(p, i) != text(want, i) {
				t.Fatalf("key %s event %d: %q, want %q", key, i, text(p, i), text(want, i))
			}
		}
	}
}

// TestPickMatchesProp cross-checks Picked.Prop against the whole column,
// with repeated events, read through the store, in memory, and from a
// column already loaded.
func TestPickMatchesProp(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(9))
	for trial := range 20 {
		evs := randomProps(rng, 1+rng.Intn(400))
		for _, d := range []*Dataset{storedDataset(t, evs), NewDataset(evs, time.UTC)} {
			idx := make([]int32, rng.Intn(2*len(evs)))
			for k := range idx {
				idx[k] = int32(rng.Intn(len(evs)))
			}
			pick, err := d.Pick(ctx, idx)
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"a", "b", "c", "d"} {
				for pass := range 2 { // the second pass reads the loaded column
					p, err := pick.Prop(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					full, err := d.Prop(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Codes) != len(idx) || fmt.Sprint(p.Values) != fmt.Sprint(full.Values) {
						t.Fatalf("trial %d key %s pass %d: %d codes of values %q, want %d of %q", trial, key, pass, len(p.Codes), p.Values, len(idx), full.Values)
					}
					for k, i := range idx {
						if p.Codes[k] != full.Codes[i] {
							t.Fatalf("trial %d key %s pass %d: slot %d (event %d) code %d, want %d", trial, key, pass, k, i, p.Codes[k], full.Codes[i])
						}
					}
				}
			}
		}
	}
}
