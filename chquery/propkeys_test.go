package chquery

import (
	"cmp"
	"context"
	"maps"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// PropKeys counts the events carrying each key, most first, then by key:
// on the single server from the arrays, on the cluster from the property
// columns (the harness's two layouts), both equal to a count of the events.
func TestPropKeysCounted(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(3))
	keys := []string{"p", "国家", "a.b`'\\", "n", ""}
	var raw []query.RawEvent
	want := map[string]int{}
	for i := range 300 {
		e := query.RawEvent{User: "u" + strconv.Itoa(i%17), Event: "e", Time: int64(i) * 1000, Props: map[string]string{}}
		for j, k := range keys {
			if rng.Intn(j+2) == 0 {
				e.Props[k] = strings.Repeat("v", rng.Intn(3))
				want[k]++
			}
		}
		raw = append(raw, e)
	}
	b := f.load(raw, time.UTC)
	wk := slices.SortedFunc(maps.Keys(want), func(a, b string) int {
		if want[a] != want[b] {
			return cmp.Compare(want[b], want[a])
		}
		return strings.Compare(a, b)
	})
	var wn []int
	for _, k := range wk {
		wn = append(wn, want[k])
	}
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		k, n, err := e.PropKeys(context.Background())
		if err != nil || !slices.Equal(k, wk) || !slices.Equal(n, wn) {
			t.Errorf("%s: %q %v %v, want %q %v", name, k, n, err, wk, wn)
		}
	}
}
