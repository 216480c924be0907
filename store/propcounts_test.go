package store

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
)

// CountProps agrees with counting whole property columns, for every
// event and for one event name, across several chunks.
func TestCountProps(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	rng := rand.New(rand.NewSource(11))
	for f := 0; f < 3; f++ {
		var evs []Event
		for i := 0; i < 400; i++ {
			var props []Prop
			if rng.Intn(3) > 0 {
				props = append(props, Prop{"city", fmt.Sprint("c", rng.Intn(6))})
			}
			if rng.Intn(2) == 0 {
				props = append(props, Prop{"n", float64(rng.Intn(4))})
			}
			evs = append(evs, Event{User: fmt.Sprint("u", rng.Intn(30)), Name: fmt.Sprint("e", rng.Intn(3)), Time: int64(rng.Intn(1e6)), Props: props})
		}
		importEvents(t, db, evs)
	}
	r, err := db.LoadRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, event := range []string{"", "e0", "e2"} {
		events, got, ok, err := db.CountProps(ctx, event)
		if err != nil || !ok {
			t.Fatalf("%q: %v %v", event, ok, err)
		}
		want := map[string]int{}
		wantEvents := 0
		for _, e := range r.Event {
			if event == "" || r.Names[e] == event {
				wantEvents++
			}
		}
		for _, key := range []string{"city", "n"} {
			col, err := db.LoadProp(ctx, key, r.Version)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range col.Codes {
				if c != 0 && (event == "" || r.Names[r.Event[i]] == event) {
					want[key+"="+col.Values[c-1]]++
				}
			}
		}
		have := map[string]int{}
		for _, kc := range got {
			for i, v := range kc.Values {
				have[kc.Key+"="+v] += kc.Counts[i]
			}
		}
		if events != wantEvents || fmt.Sprint(have) != fmt.Sprint(want) {
			t.Fatalf("%q: %d events %v, want %d %v", event, events, have, wantEvents, want)
		}
	}
	if _, _, ok, err := db.CountProps(ctx, "nope"); ok || err != nil {
		t.Fatalf("unknown event: ok %v err %v", ok, err)
	}
}
