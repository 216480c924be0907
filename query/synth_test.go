package query

import (
	"math/rand"
	"sync"
	"testing"
	"time"
)

// synthNames are the event names of the synthetic benchmark data, in
// funnel order first.
var synthNames = []string{"view_item", "add_to_cart", "begin_checkout", "purchase", "page_view", "search", "login", "share"}

var synthCache sync.Map

// synthDataset builds a deterministic dataset of about n events over 60
// days with n/55 users, each user a chronological session-ish timeline, for
// benchmarks. It is cached per size.
func synthDataset(tb testing.TB, n int) *Dataset {
	if d, ok := synthCache.Load(n); ok {
		return d.(*Dataset)
	}
	rng := rand.New(rand.NewSource(42))
	users := n / 55
	if users < 1 {
		users = 1
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	span := int64(60 * 86400_000)
	person := make([]int32, 0, n)
	event := make([]int32, 0, n)
	tm := make([]int64, 0, n)
	names := make([]string, len(synthNames))
	copy(names, synthNames)
	userNames := make([]string, users)
	for u := 0; u < users; u++ {
		userNames[u] = "u" + itoa(u)
	}
	for len(tm) < n {
		u := int32(rng.Intn(users))
		t := start + rng.Int63n(span)
		k := 1 + rng.Intn(12)
		for j := 0; j < k && len(tm) < n; j++ {
			e := int32(4 + rng.Intn(4))
			if rng.Intn(3) > 0 {
				e = int32(min(j, 3))
			}
			person = append(person, u)
			event = append(event, e)
			tm = append(tm, t)
			t += int64(rng.Intn(600_000))
		}
	}
	d := build(userNames, names, person, event, tm, time.UTC)
	synthCache.Store(n, d)
	return d
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	p := len(b)
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	return string(b[p:])
}
