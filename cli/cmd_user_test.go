package cli

import (
	"context"
	"encoding/json"
	"math/rand"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"

	"github.com/spoorhq/spoor/query"
)

func TestUserGolden(t *testing.T) {
	shop, edu := exShopDB(t), exEduDB(t)
	exGolden(t, "user_linked_table", "user", "u3", "--db", shop, "--format", "table")
	exGolden(t, "user_anon_csv", "user", "anon-3", "--db", shop, "--format", "csv")
	exGolden(t, "user_json", "user", "u5", "--db", shop, "--format", "json", "--tz", "Asia/Tokyo")
	exGolden(t, "user_edu_table", "user", "u2", "--db", edu, "--format", "table")
}

// TestUserLinks checks that every id of one person gives the same
// timeline, which holds the linked ids' events in time order.
func TestUserLinks(t *testing.T) {
	shop := exShopDB(t)
	var first query.Timeline
	for i, id := range []string{"u3", "anon-3", "dev-9"} {
		code, out, errs := exRun(t, "user", id, "--db", shop, "--format", "json")
		if code != 0 {
			t.Fatal(errs)
		}
		var tl query.Timeline
		if err := json.Unmarshal([]byte(out), &tl); err != nil {
			t.Fatal(err)
		}
		if tl.User != "u3" || strings.Join(tl.IDs, ",") != "u3,anon-3,dev-9" || tl.Asked != id {
			t.Fatalf("%s: user %s ids %v asked %s", id, tl.User, tl.IDs, tl.Asked)
		}
		seen := map[string]int{}
		for j, e := range tl.Events {
			seen[e.ID]++
			if j > 0 && tl.Events[j-1].Time > e.Time {
				t.Fatalf("%s: events out of order at %d", id, j)
			}
		}
		if seen["anon-3"] != 2 || seen["dev-9"] != 1 || seen["u3"] == 0 {
			t.Fatalf("%s: events by id %v", id, seen)
		}
		if i == 0 {
			first = tl
		} else if len(tl.Events) != len(first.Events) {
			t.Fatalf("%s: %d events, u3 has %d", id, len(tl.Events), len(first.Events))
		}
	}
}

func TestUserErrors(t *testing.T) {
	shop := exShopDB(t)
	code, _, errs := exRun(t, "user", "u33", "--db", shop)
	if code != 1 || !strings.Contains(errs, `unknown user "u33"; closest known ids: u3`) {
		t.Errorf("unknown user: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "user", "zzzzzzzzzzzzzzzzzz", "--db", shop)
	if code != 1 || !strings.Contains(errs, "SELECT distinct_id FROM users") {
		t.Errorf("unknown user, nothing close: exit %d %q", code, errs)
	}
	if code, _, _ := exRun(t, "user", "--db", shop); code != 2 {
		t.Errorf("no id: exit %d", code)
	}
}

// TestUserRandomLinks builds random timelines with random identity links
// (chains, conflicting second links, links to ids without events) and checks every id's
// timeline against a naive reference: follow links (first link wins) to the
// person, take every event whose id leads there, order by time then input.
func TestUserRandomLinks(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewSource(4))
	for round := 0; round < 12; round++ {
		path := filepath.Join(t.TempDir(), "r.db")
		db, err := store.Open(path, store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginImport(ctx, store.ImportInfo{File: "r", DeferRows: round%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		type ev struct {
			id, name string
			at       int64
			props    string
		}
		var evs []ev
		for i := 0; i < 60; i++ {
			e := ev{id: ids[r.Intn(len(ids)-1)], name: []string{"x", "y", "z"}[r.Intn(3)], at: int64(r.Intn(20)) * 1000}
			var props []store.Prop
			if r.Intn(2) == 0 {
				v := []string{"1", "two", "三"}[r.Intn(3)]
				props = append(props, store.Prop{Key: "k", Value: v})
				e.props = `{"k":"` + v + `"}`
			} else {
				e.props = "{}"
			}
			// Same id, name, time and props twice is a real repeat: kept.
			if err := tx.Add(ctx, &store.Event{User: e.id, Name: e.name, Time: e.at, Props: props}); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
		link := map[string]string{}
		mentioned := map[string]bool{}
		canon := func(x string) string {
			for i := 0; i < 32; i++ {
				next, ok := link[x]
				if !ok {
					break
				}
				x = next
			}
			return x
		}
		for i := 0; i < 5; i++ {
			a, u := ids[r.Intn(len(ids))], ids[r.Intn(len(ids))]
			// A link closing a cycle has no right person; the loader picks
			// one arbitrarily, so the reference cannot say which.
			if _, ok := link[a]; a == u || !ok && canon(u) == a {
				continue
			}
			if err := tx.Link(ctx, a, u); err != nil {
				t.Fatal(err)
			}
			mentioned[a], mentioned[u] = true, true // stored ids, even when the link conflicts
			if _, ok := link[a]; !ok {
				link[a] = u
			}
		}
		if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, id := range ids {
			code, out, errs := exRun(t, "user", id, "--db", path, "--format", "json")
			known := false
			for _, e := range evs {
				known = known || e.id == id
			}
			if !known && !mentioned[id] {
				if code != 1 || !strings.Contains(errs, "unknown user") {
					t.Fatalf("round %d %s: exit %d %s", round, id, code, errs)
				}
				continue
			}
			if code != 0 {
				t.Fatalf("round %d %s: %s", round, id, errs)
			}
			var tl query.Timeline
			if err := json.Unmarshal([]byte(out), &tl); err != nil {
				t.Fatal(err)
			}
			person := canon(id)
			var want []ev
			for _, e := range evs {
				if canon(e.id) == person {
					want = append(want, e)
				}
			}
			sort.SliceStable(want, func(i, j int) bool { return want[i].at < want[j].at })
			if tl.User != person || len(tl.Events) != len(want) {
				t.Fatalf("round %d %s: person %s with %d events, want %s with %d", round, id, tl.User, len(tl.Events), person, len(want))
			}
			for i, e := range tl.Events {
				w := want[i]
				tm, _ := time.Parse(time.RFC3339Nano, e.Time)
				var got, wantProps any
				json.Unmarshal(e.Properties, &got)
				json.Unmarshal([]byte(w.props), &wantProps)
				if e.ID != w.id || e.Event != w.name || tm.UnixMilli() != w.at || !reflect.DeepEqual(got, wantProps) {
					t.Fatalf("round %d %s event %d: %+v (%s), want %+v", round, id, i, e, e.Properties, w)
				}
			}
		}
	}
}
