package query

import (
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func fnRun(t *testing.T, d *Dataset, q FunnelQuery) *FunnelResult {
	t.Helper()
	r, err := d.Funnel(context.Background(), q)
	if err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	return r
}

// fnLevels renders the per-person result: "u1:2 u2:1* u3:-" (* in
// progress, - not counted).
func fnLevels(d *Dataset, r *FunnelResult) string {
	var parts []string
	for u, id := range d.Users {
		s := id + ":"
		if r.Level[u] < 0 {
			s += "-"
		} else {
			s += strconv.Itoa(int(r.Level[u]))
		}
		if r.InProgress[u] {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// fnCounts renders users per step: "3/2/1".
func fnCounts(r *FunnelResult) string {
	var parts []string
	for _, s := range r.Steps {
		parts = append(parts, strconv.Itoa(s.Users))
	}
	return strings.Join(parts, "/")
}

func steps(names ...string) []FunnelStep { return FunnelSteps(names) }

// "zz" events far after everything else close every window, so users
// count as dropped rather than in progress unless a case says otherwise.
const closeWindows = "zz search 2026-06-01 00:00"

func fnLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("timezone %s not available: %v", name, err)
	}
	return loc
}

func TestFunnelEmptyDataset(t *testing.T) {
	d := NewDataset(nil, time.UTC)
	_, err := d.Funnel(context.Background(), FunnelQuery{Steps: steps("view", "buy")})
	if err == nil || !strings.Contains(err.Error(), `unknown event "view"`) {
		t.Fatalf("empty dataset: err %v, want unknown event", err)
	}
}

func TestFunnelErrors(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 purchase 2026-01-01 10:01`)
	for _, c := range []struct {
		q    FunnelQuery
		want string
	}{
		{FunnelQuery{Steps: steps("view", "purchse")}, `closest known: purchase`},
		{FunnelQuery{}, "at least one step"},
		{FunnelQuery{Steps: steps("view"), Mode: "sideways"}, "unknown funnel mode"},
		{FunnelQuery{Steps: steps("view"), Window: "soon"}, "--window"},
		{FunnelQuery{Steps: steps("view", "purchase"), Exclude: []Exclusion{{Event: "view", From: 1, To: 1}}}, "not two steps"},
		{FunnelQuery{Steps: steps("view", "purchase"), Exclude: []Exclusion{{Event: "nope"}}}, "exclusion: unknown event"},
		{FunnelQuery{Steps: steps("view", "purchase"), Mode: "any", Exclude: []Exclusion{{Event: "view"}}}, "ordered or strict"},
		{FunnelQuery{Steps: FunnelSteps([]string{"view where price >"})}, "step 1 (view)"},
		{FunnelQuery{Steps: steps("view"), Interval: "fortnight"}, "unknown interval"},
	} {
		_, err := d.Funnel(context.Background(), c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.q, err, c.want)
		}
	}
}

func TestFunnelCancelled(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 view 2026-01-01 10:00")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Funnel(ctx, FunnelQuery{Steps: steps("view")}); err == nil {
		t.Fatal("a cancelled query returned a result")
	}
}

func TestFunnelJSONShape(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 buy  2026-01-01 10:01
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "buy")})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	st := m["steps"].([]any)[1].(map[string]any)
	for _, k := range []string{"event", "users", "conversion", "step_conversion", "median_seconds", "p25_seconds", "p75_seconds", "drop_off", "in_progress"} {
		if _, ok := st[k]; !ok {
			t.Errorf("step JSON lacks %q: %s", k, b)
		}
	}
	if st["median_seconds"].(float64) != 60 || st["users"].(float64) != 1 {
		t.Errorf("step 2 JSON %v", st)
	}
	if bd, ok := m["breakdown"].([]any); !ok || len(bd) != 0 {
		t.Errorf("breakdown without --by should be [], got %s", b)
	}
	if _, ok := m["trend"].([]any); !ok {
		t.Errorf("no trend in %s", b)
	}
}

// TestQuantileSelection checks the quartiles, selected in place
// (quartileSeconds) and from runs left where they are (quartilesOf), bit
// for bit against a full sort: small and wide spreads (one value a
// bucket, buckets to gather), negative times, most times equal beside a
// few far ones, counts of 1 to thousands.
func TestQuantileSelection(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for it := 0; it < 600; it++ {
		n := 1 + rng.Intn([]int{10, 500, 20000}[it%3])
		ts := make([]int64, n)
		spread := []int64{1, 3, 1000, 70_000, 1 << 40, 1 << 62}[rng.Intn(6)] // few values: long runs of equal times
		shape := rng.Intn(3)
		for i := range ts {
			ts[i] = rng.Int63n(spread)
			switch {
			case shape == 1:
				ts[i] -= spread / 2
			case shape == 2 && rng.Intn(50) != 0:
				ts[i] = 7 // most equal, a few anywhere
			}
		}
		sorted := slices.Clone(ts)
		slices.Sort(sorted)
		// The runs quartilesOf reads: random cuts of ts.
		var runs [][]int64
		for rest := ts; len(rest) > 0; {
			k := 1 + rng.Intn(len(rest))
			runs, rest = append(runs, rest[:k]), rest[k:]
		}
		q1, q2, q3 := quartilesOf(func(fn func([]int64)) {
			for _, r := range runs {
				fn(r)
			}
		})
		if !slices.Equal(ts, slices.Concat(runs...)) {
			t.Fatal("quartilesOf changed its input")
		}
		p25, median, p75 := quartileSeconds(ts)
		for i, q := range []float64{0.25, 0.5, 0.75} {
			// Bit for bit what a full sort gives with the engine's formula
			// (answers must not move with the selection strategy).
			h := q * float64(n-1)
			j := int(h)
			want := float64(sorted[j])
			if frac := h - float64(j); frac > 0 {
				want += frac * float64(sorted[j+1]-sorted[j])
			}
			want /= 1000
			for _, got := range []*float64{[]*float64{p25, median, p75}[i], []*float64{q1, q2, q3}[i]} {
				if *got != want {
					t.Fatalf("it %d n=%d spread %d shape %d q=%v: %v, want exactly %v", it, n, spread, shape, q, *got, want)
				}
			}
			if spread < 1<<40 && shape != 1 {
				if got, want := deref([]*float64{p25, median, p75}[i]), deref(refQuantile(sorted, q)); got != want {
					t.Fatalf("n=%d q=%v: %s, reference %s", n, q, got, want)
				}
			}
		}
	}
	if a, b, c := quartilesOf(func(func([]int64)) {}); a != nil || b != nil || c != nil {
		t.Fatal("quartiles of no times should be nil")
	}
}

// TestFunnelSplitMerge checks that persons split over several goroutines
// merge to exactly the single-range result (large data splits in two), and
// that the steps' times merged and selected on goroutines of their own
// (as on large data) give the serial answer.
func TestFunnelSplitMerge(t *testing.T) {
	defer func(v int) { parallelQuantiles = v }(parallelQuantiles)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	rng := rand.New(rand.NewSource(11))
	var evs []RawEvent
	for i := 0; i < 20000; i++ {
		evs = append(evs, RawEvent{
			User:  "u" + strconv.Itoa(rng.Intn(700)),
			Event: []string{"view", "cart", "buy", "search"}[rng.Intn(4)],
			Time:  base + rng.Int63n(40*86_400_000),
			Props: map[string]string{"src": []string{"ads", "seo", "mail"}[rng.Intn(3)]},
		})
	}
	d := NewDataset(evs, time.UTC)
	ctx := context.Background()
	for _, q := range []FunnelQuery{
		{Steps: steps("view", "cart", "buy"), Interval: "week", Common: Common{By: "src"}},
		{Steps: steps("view", "cart", "buy"), Mode: "any", Window: "2d"},
		{Steps: steps("view", "buy"), Mode: "strict", Exclude: []Exclusion{{Event: "search"}}},
	} {
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		np := len(d.Users)
		parallelQuantiles = math.MaxInt
		one, err := p.runRanges(ctx, [][2]int{{0, np}})
		if err != nil {
			t.Fatal(err)
		}
		parallelQuantiles = 0
		three, err := p.runRanges(ctx, [][2]int{{0, 100}, {100, 101}, {101, np}})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(three)
		if string(a) != string(b) || !slices.Equal(one.Level, three.Level) || !slices.Equal(one.InProgress, three.InProgress) {
			t.Fatalf("%+v: split result differs:\n%s\n%s", q, a, b)
		}
		if one.Steps[1].Users == 0 {
			t.Fatalf("%+v: nobody reached step 2; the data does not exercise the merge", q)
		}
	}
}
