package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEncodePropsManyKeys is the hostile event of issue 20 (one event with a
// huge number of keys, which an insertion sort took minutes over), scaled to
// 200k keys with repeats: the encoding must equal the obvious reference
// (stable sort, last value of a key wins) and come back without quadratic
// work (at 200k keys an insertion sort would take about a minute).
func TestEncodePropsManyKeys(t *testing.T) {
	rng := rand.New(rand.NewSource(20))
	props := make([]Prop, 200_000)
	for i := range props {
		props[i] = Prop{Key: "k" + strconv.Itoa(rng.Intn(150_000)), Value: int64(i)}
	}
	// Reference: the last value per key, keys in byte order.
	last := map[string]int64{}
	for _, p := range props {
		last[p.Key] = p.Value.(int64)
	}
	keys := make([]string, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var want strings.Builder
	want.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			want.WriteByte(',')
		}
		b, _ := json.Marshal(k)
		want.Write(b)
		want.WriteString(":" + strconv.FormatInt(last[k], 10))
	}
	want.WriteByte('}')
	if got := string(EncodeProps(nil, props)); got != want.String() {
		t.Fatalf("encoding of %d props (%d keys) differs from the reference", len(props), len(keys))
	}
	// Small and large paths agree on a small input with repeats.
	small := []Prop{{"b", int64(1)}, {"a", int64(2)}, {"b", int64(3)}}
	big := append(append([]Prop(nil), small...), make([]Prop, 20)...)
	for i := 3; i < len(big); i++ {
		big[i] = Prop{Key: "z" + strconv.Itoa(i), Value: nil}
	}
	if got := string(EncodeProps(nil, big)); !strings.HasPrefix(got, `{"a":2,"b":3,"z10":null`) {
		t.Fatalf("large path: %s", got)
	}
	if got := string(EncodeProps(nil, small)); got != `{"a":2,"b":3}` {
		t.Fatalf("small path: %s", got)
	}
}

// TestChunkEndsAtKeyAndByteBounds: rows of many distinct keys, or of long
// distinct values, end a chunk early instead of growing one without bound,
// and every value still reads back.
func TestChunkEndsAtKeyAndByteBounds(t *testing.T) {
	db := openTemp(t)
	var evs []Event
	// 8 events of 10,000 distinct keys each: 80,000 keys, over chunkKeys.
	for i := 0; i < 8; i++ {
		e := Event{User: "u", Name: "wide", Time: int64(1_700_000_000_000 + i)}
		for k := 0; k < 10_000; k++ {
			e.Props = append(e.Props, Prop{"k" + strconv.Itoa(i*10_000+k), int64(k)})
		}
		evs = append(evs, e)
	}
	// 24 events of a distinct 2 MB value: 4 MB held each (literal and
	// dictionary key), over chunkBytes after 16 of them.
	long := strings.Repeat("x", 2<<20)
	for i := 0; i < 24; i++ {
		evs = append(evs, Event{User: "u", Name: "long", Time: int64(1_700_000_001_000 + i),
			Props: []Prop{{"v", long[:len(long)-8] + strconv.Itoa(10_000_000+i)}}})
	}
	importEvents(t, db, evs)
	// Chunk 1: the first 7 wide events (70,000 keys >= chunkKeys); chunk 2:
	// the 8th and 16 long ones (64 MB); chunk 3: the other 8.
	var sizes []int
	rows, err := db.SQL.Query("SELECT n FROM chunks ORDER BY first_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int
		rows.Scan(&n)
		sizes = append(sizes, n)
	}
	rows.Close()
	if fmt.Sprint(sizes) != "[7 17 8]" {
		t.Fatalf("chunk sizes %v, want [7 17 8]: chunks must end at %d keys and %d bytes", sizes, chunkKeys, chunkBytes)
	}
	ctx := context.Background()
	col, err := db.LoadProp(ctx, "v", mustVersion(t, db))
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Values) != 24 {
		t.Fatalf("%d distinct long values read back, want 24", len(col.Values))
	}
	last, err := db.LoadProp(ctx, "k79999", mustVersion(t, db))
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Values) != 1 || last.Values[0] != "9999" {
		t.Fatalf("k79999 = %q", last.Values)
	}
}
