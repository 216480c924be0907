package query

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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

// TestFunnelPersonsUserOrder: persons added in any order, to any number
// of parts, are listed in the order of their Order, then of their names,
// whatever their first 8 bytes (short names, shared prefixes, zero and
// high bytes), as strings sort; enough of them take sortKeys' byte passes.
func TestFunnelPersonsUserOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 12))
	alphabet := []byte{0, 1, '0', '1', 'u', 0x7f, 0x80, 0xff}
	q := FunnelQuery{Steps: FunnelSteps([]string{"a", "b"})}
	span := Span{From: 0, To: 86_400_000, Loc: time.UTC}
	orders := []uint64{0, 1, 255, 256, 1 << 40, 1<<63 + 5}
	for round := range 200 {
		b, err := NewFunnelPersons(q, span)
		if err != nil {
			t.Fatal(err)
		}
		parts := append([]*FunnelPersonsPart{nil}, b.Parts(rng.IntN(4))...)
		seen := map[string]bool{}
		type person struct {
			order uint64
			name  string
		}
		var want []person
		n := rng.IntN(40)
		if round%10 == 0 {
			n = 600 + rng.IntN(2000)
		}
		for range n {
			name := make([]byte, rng.IntN(12))
			for i := range name {
				name[i] = alphabet[rng.IntN(len(alphabet))]
			}
			if seen[string(name)] {
				continue
			}
			seen[string(name)] = true
			ps := FunnelPerson{User: string(name), Start: 1000}
			if round%3 == 1 {
				ps.Order = orders[rng.IntN(len(orders))]
			}
			want = append(want, person{ps.Order, ps.User})
			if i := rng.IntN(len(parts)); i == 0 {
				err = b.Add(ps)
			} else {
				err = parts[i].Add(ps)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.SortFunc(want, func(x, y person) int {
			if x.order != y.order {
				return cmp.Compare(x.order, y.order)
			}
			return strings.Compare(x.name, y.name)
		})
		var names []string
		for _, p := range want {
			names = append(names, p.name)
		}
		if got := b.Result().UsersAt(0); !slices.Equal(got, names) {
			t.Fatalf("round %d: users %q, want %q", round, got, names)
		}
	}
	if NamePrefix("u1") != NamePrefix("u1\x00") || NamePrefix("u1\x00") >= NamePrefix("u10") {
		t.Fatal("a name padded with zero bytes must tie with the name, and sort before its other extensions")
	}
}

// TestFunnelPersonsParts: persons added to several parts (as chquery reads
// its answers at once) give the result one part gives. By hand: u1 (CN)
// and u3 (CN) in different parts are one breakdown row of 2 persons, u2
// (no value) another; u1 converts in 5 minutes, u3 in 1 hour, u2 stops at
// step 1. Then 300 random persons, split at random, against one part.
func TestFunnelPersonsParts(t *testing.T) {
	q := FunnelQuery{Steps: FunnelSteps([]string{"a", "b"}), Common: Common{By: "c"}}
	span := Span{From: 0, To: 10 * 86_400_000, Loc: time.UTC}
	b, err := NewFunnelPersons(q, span)
	if err != nil {
		t.Fatal(err)
	}
	parts := b.Parts(2)
	for _, add := range []error{
		parts[1].Add(FunnelPerson{User: "u3", Level: 1, Start: 2000, By: "CN", HasBy: true, Deltas: []int64{3_600_000}}),
		parts[0].Add(FunnelPerson{User: "u1", Level: 1, Start: 1000, By: "CN", HasBy: true, Deltas: []int64{300_000}}),
		parts[1].Add(FunnelPerson{User: "u2", Level: 0, Start: 86_400_000, Deltas: []int64{}}),
	} {
		if add != nil {
			t.Fatal(add)
		}
	}
	r := b.Result()
	if len(r.Breakdown) != 2 || r.Breakdown[0].Value != "CN" || r.Breakdown[0].Steps[0].Users != 2 || r.Breakdown[0].Steps[1].Users != 2 ||
		r.Breakdown[1].Value != NoneValue || r.Breakdown[1].Steps[0].Users != 1 || r.Breakdown[1].Steps[1].Users != 0 {
		t.Fatalf("breakdown %+v", r.Breakdown)
	}
	if r.Steps[0].Users != 3 || r.Steps[1].Users != 2 || r.Steps[1].MedianSeconds == nil || *r.Steps[1].MedianSeconds != (300+3600)/2.0 {
		t.Fatalf("steps %+v", r.Steps)
	}
	if r.Trend[0].Users != 2 || r.Trend[0].Converted != 2 || r.Trend[1].Users != 1 || r.Trend[1].Converted != 0 {
		t.Fatalf("trend %+v", r.Trend[:2])
	}
	if got := r.UsersAt(0); !slices.Equal(got, []string{"u1", "u2", "u3"}) {
		t.Fatalf("users %q", got)
	}

	rng := rand.New(rand.NewPCG(5, 7))
	q = FunnelQuery{Steps: FunnelSteps([]string{"a", "b", "c"}), Common: Common{By: "c"}}
	var persons []FunnelPerson
	for i := range 300 {
		l := rng.IntN(3)
		ps := FunnelPerson{User: fmt.Sprintf("p%d", rng.IntN(1000)*1000+i), Level: l, Start: rng.Int64N(span.To), Open: rng.IntN(4) == 0, Deltas: []int64{}}
		for range l {
			ps.Deltas = append(ps.Deltas, rng.Int64N(86_400_000))
		}
		if rng.IntN(5) > 0 {
			ps.By, ps.HasBy = []string{"x", "y", "z", NoneValue}[rng.IntN(4)], true
		}
		persons = append(persons, ps)
	}
	one, err := FunnelFromPersons(q, span, persons)
	if err != nil {
		t.Fatal(err)
	}
	b, err = NewFunnelPersons(q, span)
	if err != nil {
		t.Fatal(err)
	}
	parts = b.Parts(3)
	for _, ps := range persons {
		if err := parts[rng.IntN(3)].Add(ps); err != nil {
			t.Fatal(err)
		}
	}
	split := b.Result()
	oj, _ := json.Marshal(one)
	sj, _ := json.Marshal(split)
	if string(oj) != string(sj) {
		t.Fatalf("split in parts:\n%s\none part:\n%s", sj, oj)
	}
	for k := range 3 {
		if !slices.Equal(one.UsersAt(k), split.UsersAt(k)) || !slices.Equal(one.DroppedAt(k), split.DroppedAt(k)) || !slices.Equal(one.InProgressAt(k), split.InProgressAt(k)) {
			t.Fatalf("step %d: the lists differ", k+1)
		}
	}
}

// TestMergeKeys: parts that are ranges one after another (push's layout,
// empty parts among them) come back as they are; parts out of order, or
// overlapping, are merged.
func TestMergeKeys(t *testing.T) {
	rows := []personRow{{user: "a"}, {user: "b"}, {user: "c"}, {user: "d"}, {user: "e"}}
	key := func(i int) userKey { return userKey{prefix: NamePrefix(rows[i].user), i: int32(i)} }
	names := func(keys []userKey) string {
		var s string
		for _, k := range keys {
			s += rows[k.i].user
		}
		return s
	}
	for _, c := range []struct {
		order []int // the row of each key, as the parts hold them
		base  []int
		want  string
	}{
		{[]int{0, 1, 2, 3, 4}, []int{0, 2, 5}, "abcde"},
		{[]int{0, 1, 2, 3, 4}, []int{0, 0, 2, 2, 5, 5}, "abcde"},
		{[]int{3, 4, 0, 1, 2}, []int{0, 2, 5}, "abcde"},
		{[]int{1, 3, 0, 2, 4}, []int{0, 2, 5}, "abcde"},
		{[]int{4, 2, 3, 0, 1}, []int{0, 1, 3, 5}, "abcde"},
		{[]int{0, 1, 4, 2, 3}, []int{0, 2, 3, 5}, "abcde"},
	} {
		keys := make([]userKey, len(c.order))
		for i, r := range c.order {
			keys[i] = key(r)
		}
		if got := names(mergeKeys(keys, c.base, rows)); got != c.want {
			t.Errorf("parts %v at %v: %s, want %s", c.order, c.base, got, c.want)
		}
	}
}
