package query

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"strconv"
	"testing"
	"time"
)

// dropKeptBlocks empties blockFree, as at the start of a process.
func dropKeptBlocks() {
	blockFree.Lock()
	defer blockFree.Unlock()
	blockFree.lists = [2][blockClasses][]any{}
	blockFree.bytes = 0
}

// A block kept for the next funnel comes back empty: what the funnel that
// released it wrote is never read again, neither through blocks nor in a
// funnel's answer, which is the one computed with no block kept.
func TestReleasedBlocksNeverLeak(t *testing.T) {
	dropKeptBlocks()
	defer dropKeptBlocks()
	var b blocks[int64]
	for i := range 3000 { // blocks of 256, 512, 1024 and 2048
		b.add(int64(1000 + i))
	}
	b.release()
	if blockFree.bytes != 8*(256+512+1024+2048) {
		t.Fatalf("%d bytes kept, want the four blocks'", blockFree.bytes)
	}
	var c blocks[int64]
	want := []int64{}
	for i := range 300 { // takes the kept 256 and 512
		c.add(int64(i))
		want = append(want, int64(i))
	}
	var got []int64
	c.each(func(vs []int64) { got = append(got, vs...) })
	if !slices.Equal(got, want) || c.Len() != 300 {
		t.Fatalf("a new list over kept blocks holds %v", got)
	}
	if blockFree.bytes != 8*(1024+2048) {
		t.Fatalf("%d bytes kept after two blocks were taken", blockFree.bytes)
	}

	rng := rand.New(rand.NewSource(5))
	ctx := context.Background()
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c", "d"}
	reused := 0
	for it := 0; it < 40; it++ {
		var raw []RawEvent
		for u := 0; u < 50+rng.Intn(300); u++ {
			for e := rng.Intn(30); e > 0; e-- {
				raw = append(raw, RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(4)],
					Time:  base + rng.Int63n(20*86_400_000),
					Props: map[string]string{"p": []string{"x", "y", "z"}[rng.Intn(3)]}})
			}
		}
		d := NewDataset(raw, time.UTC)
		query := func() FunnelQuery {
			q := FunnelQuery{Steps: FunnelSteps([]string{names[rng.Intn(4)], names[rng.Intn(4)], names[rng.Intn(4)]}),
				Window: []string{"1h", "2d", "7d"}[rng.Intn(3)]}
			if rng.Intn(2) == 0 {
				q.By = "p"
			}
			return q
		}
		qa, qb := query(), query()
		answer := func(q FunnelQuery) string {
			r, err := d.Funnel(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			// The times it keeps for FunnelAgain go back (the codes
			// of a breakdown did once grouped).
			defer r.Release()
			j, _ := json.Marshal(struct {
				R   *FunnelResult
				Top []FunnelBreakdown
			}{r, r.TopBreakdown(1)})
			return string(j)
		}
		dropKeptBlocks()
		fresh := answer(qb)
		dropKeptBlocks()
		answer(qa) // its blocks are kept, written with its times
		if blockFree.bytes > 0 {
			reused++
		}
		if got := answer(qb); got != fresh {
			t.Fatalf("iteration %d: %+v after %+v\n%s\nwith no block kept\n%s", it, qb, qa, got, fresh)
		}
		if blockFree.bytes > blockKeep {
			t.Fatalf("%d bytes kept, over %d", blockFree.bytes, blockKeep)
		}
	}
	if reused < 20 {
		t.Fatalf("blocks were kept after only %d of 40 funnels", reused)
	}
}
