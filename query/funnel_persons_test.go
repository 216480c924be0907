package query

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestFunnelFromPersonsMatchesScan: the result assembled from per-person
// outcomes equals the Dataset's own for the same persons (u1 converts in
// 5m then 55m, u2 stops at cart, u3 at view, u4 never views).
func TestFunnelFromPersonsMatchesScan(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	at := func(h, m int) int64 { return day + int64(h)*3_600_000 + int64(m)*60_000 }
	raw := []RawEvent{
		{User: "u1", Event: "view", Time: at(10, 0), Props: map[string]string{"c": "CN"}}, {User: "u1", Event: "cart", Time: at(10, 5)}, {User: "u1", Event: "buy", Time: at(11, 0)},
		{User: "u2", Event: "view", Time: at(10, 0)}, {User: "u2", Event: "cart", Time: at(34, 0)},
		{User: "u3", Event: "view", Time: at(12, 0), Props: map[string]string{"c": "CN"}},
		{User: "u4", Event: "cart", Time: at(10, 0)},
		{User: "zz", Event: "other", Time: at(24*30, 0)},
	}
	d := NewDataset(raw, time.UTC)
	q := FunnelQuery{Steps: FunnelSteps([]string{"view", "cart", "buy"}), Common: Common{By: "c"}}
	want, err := d.Funnel(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	persons := []FunnelPerson{
		{User: "u1", Level: 2, Start: at(10, 0), By: "CN", HasBy: true, Deltas: []int64{5 * 60_000, 55 * 60_000}},
		{User: "u2", Level: 1, Start: at(10, 0), Deltas: []int64{24 * 3_600_000}},
		{User: "u3", Level: 0, Start: at(12, 0), By: "CN", HasBy: true, Deltas: []int64{}},
	}
	span, err := q.Span(time.UTC, d.MinTime, d.MaxTime)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FunnelFromPersons(q, span, persons)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Fatalf("got  %s\nwant %s", gj, wj)
	}
	if u := got.DroppedAt(1); !slices.Equal(u, []string{"u2"}) {
		t.Fatalf("dropped at cart: %v, want u2", u)
	}
	if _, err := FunnelFromPersons(q, span, []FunnelPerson{{User: "x", Level: 1}}); err == nil {
		t.Fatal("a person at level 1 without a time to convert was accepted")
	}
}

// TestFunnelPersonsUserOrder: persons added in any order are listed in
// the order of their names, whatever their first 8 bytes (short names,
// shared prefixes, zero and high bytes), as strings sort.
func TestFunnelPersonsUserOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 12))
	alphabet := []byte{0, 1, '0', '1', 'u', 0x7f, 0x80, 0xff}
	q := FunnelQuery{Steps: FunnelSteps([]string{"a", "b"})}
	span := Span{From: 0, To: 86_400_000, Loc: time.UTC}
	for round := range 200 {
		b, err := NewFunnelPersons(q, span)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var want []string
		for range rng.IntN(40) {
			name := make([]byte, rng.IntN(12))
			for i := range name {
				name[i] = alphabet[rng.IntN(len(alphabet))]
			}
			if seen[string(name)] {
				continue
			}
			seen[string(name)] = true
			want = append(want, string(name))
			if err := b.Add(FunnelPerson{User: string(name), Start: 1000}); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(want)
		if got := b.Result().UsersAt(0); !slices.Equal(got, want) {
			t.Fatalf("round %d: users %q, want %q", round, got, want)
		}
	}
	if NamePrefix("u1") != NamePrefix("u1\x00") || NamePrefix("u1\x00") >= NamePrefix("u10") {
		t.Fatal("a name padded with zero bytes must tie with the name, and sort before its other extensions")
	}
}
