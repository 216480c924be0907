package recommend

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

var bg = context.Background()

// timeline reads "USER EVENT MINUTE [ITEM]" lines: events at MINUTE
// minutes after 2024-01-01 UTC, carrying item when given.
func timeline(text string) []query.RawEvent {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var evs []query.RawEvent
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		var min int64
		for _, c := range f[2] {
			min = min*10 + int64(c-'0')
		}
		e := query.RawEvent{User: f[0], Event: f[1], Time: t0 + min*60_000}
		if len(f) > 3 {
			e.Props = map[string]string{"item": f[3]}
		}
		evs = append(evs, e)
	}
	return evs
}

func history(t *testing.T, evs []query.RawEvent, buy string, gap int64) *History {
	t.Helper()
	d := query.NewDataset(evs, time.UTC)
	s, err := d.Resolve(bg, query.Common{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := Build(bg, d, s, "item", buy, gap)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The hand-checked shop: u1 views A B C, comes back two hours later and
// buys A and D; u2 views A B; u3 views B C and buys C. Sessions (30m gap):
// {A,B,C} {A,D} {A,B} {B,C}; A is in 3, B 3, C 2, D 1; A and B are
// together in 2, B and C in 2, A and C in 1, A and D in 1.
const shop = `
u1 view 0 A
u1 view 1 B
u1 view 2 C
u1 view 120 A
u1 purchase 121 A
u1 page_view 122
u1 view 123 D
u1 purchase 124 D
u2 view 10 A
u2 view 11 B
u3 view 20 B
u3 view 21 C
u3 purchase 22 C
`

func TestHistoryHandChecked(t *testing.T) {
	h := history(t, timeline(shop), "", DefaultGap)
	if h.Buy != "purchase" || !slices.Equal(h.Items, []string{"A", "B", "C", "D"}) || !slices.Equal(h.Users, []string{"u1", "u2", "u3"}) {
		t.Fatalf("buy %q, items %v, users %v", h.Buy, h.Items, h.Users)
	}
	// A view and purchase of A in a row are one entry, marked bought.
	if got := h.values(h.Entries(0)); !slices.Equal(got, []string{"A", "B", "C", "A", "D"}) {
		t.Fatalf("u1 entries %v", got)
	}
	seen := make([]bool, len(h.Items))
	if got := h.values(h.boughtBy(0, seen)); !slices.Equal(got, []string{"A", "D"}) {
		t.Fatalf("u1 bought %v", got)
	}
	b := sessions(h)
	var got []string
	for k := range b.len() {
		got = append(got, strings.Join(h.values(b.of(int32(k))), ""))
	}
	if !slices.Equal(got, []string{"ABC", "AD", "AB", "BC"}) {
		t.Fatalf("sessions %v", got)
	}
	// With no session gap u1's timeline is one basket.
	h0 := history(t, timeline(shop), "", 0)
	if b := sessions(h0); b.len() != 3 || len(b.of(0)) != 4 {
		t.Fatalf("gap 0: %d baskets, the first of %d items", b.len(), len(b.of(0)))
	}
	// --buy names another event; one that carries no item is refused.
	d := query.NewDataset(timeline(shop), time.UTC)
	s, _ := d.Resolve(bg, query.Common{})
	if hv, err := Build(bg, d, s, "item", "view", DefaultGap); err != nil || hv.Buy != "view" {
		t.Fatalf("--buy view: %v", err)
	}
	if _, err := Build(bg, d, s, "item", "page_view", DefaultGap); err == nil || !strings.Contains(err.Error(), "no page_view event carries item") {
		t.Fatalf("--buy page_view: %v", err)
	}
	if _, err := Build(bg, d, s, "item", "purchse", DefaultGap); err == nil || !strings.Contains(err.Error(), "purchase") {
		t.Fatalf("--buy misspelt: %v", err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestAssociationsHandChecked(t *testing.T) {
	h := history(t, timeline(shop), "", DefaultGap)
	a, err := Associate(bg, h, CoViewed, "A", 10, 50)
	if err != nil {
		t.Fatal(err)
	}
	// A's associations by shrunk cosine: B 2/(3+20), D 1/(√3+20), C 1/(√6+20).
	want := []Association{
		{"A", "B", 2, 2.0 / 4, 2.0 / 3, 2 * 4 / 9.0, 2 / 23.0},
		{"A", "D", 1, 1.0 / 4, 1.0 / 3, 4 / 3.0, 1 / (math.Sqrt(3) + 20)},
		{"A", "C", 1, 1.0 / 4, 1.0 / 3, 4 / 6.0, 1 / (math.Sqrt(6) + 20)},
	}
	if a.Baskets != 4 || len(a.Rows) != len(want) {
		t.Fatalf("%d baskets, rows %+v", a.Baskets, a.Rows)
	}
	for k, w := range want {
		r := a.Rows[k]
		if r.Item != w.Item || r.Other != w.Other || r.Together != w.Together || !near(r.Support, w.Support) ||
			!near(r.Confidence, w.Confidence) || !near(r.Lift, w.Lift) || !near(r.Similarity, w.Similarity) {
			t.Errorf("row %d = %+v, want %+v", k, r, w)
		}
	}
	// Every item, most frequent first (A and B in 3 sessions: the first
	// seen first), top 1 each: B's is C, 2/(√6+20) over A's 2/23.
	a, err = Associate(bg, h, CoViewed, "", 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range a.Rows {
		got = append(got, r.Item+r.Other)
	}
	if !slices.Equal(got, []string{"AB", "BC", "CB", "DA"}) {
		t.Fatalf("top 1 of each: %v", got)
	}
	// Co-bought: users' purchases {A,D} and {C}: A and D in 1 of 2 baskets.
	a, err = Associate(bg, h, CoBought, "", 5, 50)
	if err != nil {
		t.Fatal(err)
	}
	if a.Baskets != 2 || len(a.Rows) != 2 || a.Rows[0] != (Association{"A", "D", 1, 0.5, 1, 2, 1 / 21.0}) {
		t.Fatalf("co-bought %+v", a)
	}
	if _, err := Associate(bg, h, CoViewed, "Z", 5, 50); err == nil || !strings.Contains(err.Error(), "no basket holds item = Z") {
		t.Fatalf("unknown item: %v", err)
	}
}

// items runs method over h and returns each user's items as text.
func items(t *testing.T, h *History, method string, top int, includeBought bool) []string {
	t.Helper()
	r, err := Recommend(bg, h, Options{Method: method, Top: top, IncludeBought: includeBought})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range r.Users {
		out = append(out, u.User+":"+strings.Join(u.Items, ""))
	}
	return out
}

func TestRecommendHandChecked(t *testing.T) {
	h := history(t, timeline(shop), "", DefaultGap)
	// item: u2's query is A (1/2) then B (1): C scores 0.5/(√6+20) +
	// 2/(√6+20) = 0.1114, A 2/23 = 0.0870, B 0.5×2/23 = 0.0435, D
	// 0.5/(√3+20) = 0.0230. u3 (B 1/2, C 1; C bought): B 2/(√6+20) =
	// 0.0891 over A 0.5×2/23 + 1/(√6+20) = 0.0880, then D by
	// popularity. u1 (B 1/4, C 1/3, A 1/2, D 1; A and D bought): B
	// 0.0732, C 0.0445, and nothing else is left.
	want := []string{"u1:BC", "u2:CAB", "u3:BAD"}
	if got := items(t, h, ItemKNN, 3, false); !slices.Equal(got, want) {
		t.Fatalf("item: %v, want %v", got, want)
	}
	// Bought items come back when asked: u3's C scores 0.5×2/(√6+20);
	// u1's A 0.25×2/23 + 1/(3(√6+20)) + 1/(√3+20) = 0.0826 leads B, and
	// C 0.0445 leads D 0.5/(√3+20) = 0.0230.
	want = []string{"u1:ABCD", "u2:CABD", "u3:BACD"}
	if got := items(t, h, ItemKNN, 4, true); !slices.Equal(got, want) {
		t.Fatalf("item, bought included: %v, want %v", got, want)
	}
	// sknn: u2's query A (1/2), B (1) meets {A,B,C} with 1.5, {A,D} with
	// 0.5 and {B,C} with 1: A 2, B 2.5, C 2.5 (B in more sessions), D 0.5.
	if got := items(t, h, SKNN, 4, false); got[1] != "u2:BCAD" {
		t.Fatalf("sknn: %v", got)
	}
	// popular: A and B (3 sessions; A seen first), C, D; minus purchases.
	want = []string{"u1:BC", "u2:ABC", "u3:ABD"}
	if got := items(t, h, Popular, 3, false); !slices.Equal(got, want) {
		t.Fatalf("popular: %v, want %v", got, want)
	}
	// A user who bought every item has none, and is left out.
	h2 := history(t, timeline(shop+"u4 purchase 300 A\nu4 purchase 301 B\nu4 purchase 302 C\nu4 purchase 303 D\n"), "", DefaultGap)
	if got := items(t, h2, ItemKNN, 3, false); len(got) != 3 {
		t.Fatalf("u4 listed: %v", got)
	}
}

// The leave-last-item-out protocol, by hand: hiding u1's D, u2's B and
// u3's C leaves the sessions {A,B,C} {A} {A} {B}, D unseen; u1 bought A.
//
//	item:    u1 B, C (A bought, D unknown): miss; u2 (query A) C, B, A: B
//	         at 2; u3 (query B) C, A, B: C at 1. Hit rate 2/3, MRR (1/2+1)/3.
//	sknn:    u2's neighbours {A,B,C} {A}: A 2, B 1, C 1 -> A B C, B at 2;
//	         u3's {A,B,C}: A B C, C at 3; u1 misses. 2/3, (1/2+1/3)/3.
//	popular: A B C: u1 B C (A bought) misses, B at 2, C at 3. 2/3, (1/2+1/3)/3.
func TestEvaluateHandChecked(t *testing.T) {
	h := history(t, timeline(shop), "", DefaultGap)
	ev, err := Evaluate(bg, h, DefaultNeighbours, false)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Cases != 3 || ev.Users != 3 || ev.Items != 3 || ev.K != 10 {
		t.Fatalf("%+v", ev)
	}
	want := []EvalMethod{
		{ItemKNN, 2.0 / 3, (0.5 + 1) / 3, 2},
		{SKNN, 2.0 / 3, (0.5 + 1.0/3) / 3, 2},
		{Popular, 2.0 / 3, (0.5 + 1.0/3) / 3, 2},
	}
	for k, w := range want {
		if m := ev.Methods[k]; m.Method != w.Method || m.Hits != w.Hits || !near(m.HitRate, w.HitRate) || !near(m.MRR, w.MRR) {
			t.Errorf("%+v, want %+v", m, w)
		}
	}
	// A single entry is no case; nobody with two is an error that says why.
	h1 := history(t, timeline("u1 view 0 A\nu2 view 0 B\n"), "", DefaultGap)
	if _, err := Evaluate(bg, h1, DefaultNeighbours, false); err == nil || !strings.Contains(err.Error(), "nothing to evaluate") {
		t.Fatalf("single entries: %v", err)
	}
}

func TestHostileInput(t *testing.T) {
	evs := timeline(shop)
	d := query.NewDataset(evs, time.UTC)
	all, _ := d.Resolve(bg, query.Common{})
	if _, err := Build(bg, d, all, "", "", DefaultGap); err == nil || !strings.Contains(err.Error(), "--item") {
		t.Fatalf("no --item: %v", err)
	}
	// No event carries the property.
	h, err := Build(bg, d, all, "sku", "", DefaultGap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Recommend(bg, h, Options{}); err == nil || !strings.Contains(err.Error(), "no event in the range carries sku") {
		t.Fatalf("no item property: %v", err)
	}
	// An empty range.
	empty, err := d.Resolve(bg, query.Common{From: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = Build(bg, d, empty, "item", "", DefaultGap)
	if _, err := Associate(bg, h, CoViewed, "", 5, 50); err == nil || !strings.Contains(err.Error(), "no event in the range carries item") {
		t.Fatalf("empty range: %v", err)
	}
	// One item only.
	only, err := d.Resolve(bg, query.Common{Where: []string{"item = A"}})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = Build(bg, d, only, "item", "", DefaultGap)
	if _, err := Recommend(bg, h, Options{}); err == nil || !strings.Contains(err.Error(), "the same value (A)") {
		t.Fatalf("one item: %v", err)
	}
	// Co-bought without a buy event.
	h = history(t, timeline("u1 view 0 A\nu1 view 1 B\n"), "", DefaultGap)
	if _, err := Associate(bg, h, CoBought, "", 5, 50); err == nil || !strings.Contains(err.Error(), "--buy") {
		t.Fatalf("co-bought, no buys: %v", err)
	}
	// A cancelled context stops the work.
	ctx, cancel := context.WithCancel(bg)
	cancel()
	h = history(t, evs, "", DefaultGap)
	if _, err := Recommend(ctx, h, Options{}); err == nil {
		t.Fatal("cancelled: no error")
	}
}

// sknn samples the SampleSessions most recent sessions holding a query
// item: 100 old sessions {A,B,Yi} would match the query (A, B) best, but
// 500 newer sessions {A,Xi} are the candidates, and of those the 100 most
// recent (equal similarity) vote.
func TestSKNNSamplesRecentSessions(t *testing.T) {
	var b strings.Builder
	for i := range 600 {
		minute := 100 * (i + 1)
		if i < 100 {
			fmt.Fprintf(&b, "o%d view %d A\no%d view %d B\no%d view %d Y%d\n", i, minute, i, minute+1, i, minute+2, i)
		} else {
			fmt.Fprintf(&b, "o%d view %d A\no%d view %d X%d\n", i, minute, i, minute+1, i)
		}
	}
	b.WriteString("me view 99000 A\nme view 99001 B\n")
	h := history(t, timeline(b.String()), "", DefaultGap)
	m, err := Train(bg, h, SKNN, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := m.workspace(10)
	u := slices.Index(h.Users, "me")
	m.query(u, w)
	m.neighbourSessions(u, w)
	var got []string
	for _, j := range w.scored {
		got = append(got, h.Items[j])
	}
	slices.Sort(got)
	var want []string
	for i := 500; i < 600; i++ {
		want = append(want, fmt.Sprint("X", i))
	}
	want = append(want, "A")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("voted for %v\nwant %v", got, want)
	}
}
