package segment

import (
	"context"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

func TestSequenceAbsence(t *testing.T) {
	// The data ends with z at 03-10 12:00 UTC.
	_, d := timeline(t, time.UTC, `
cart1 2026-03-09T10:00 add_to_cart
cart2 2026-03-08T10:00 add_to_cart
cart2 2026-03-09T09:59 begin_checkout
cart3 2026-03-08T10:00 add_to_cart
cart3 2026-03-09T10:00:01 begin_checkout
cart4 2026-03-01T00:00 add_to_cart
cart4 2026-03-01T01:00 begin_checkout
cart4 2026-03-05T00:00 add_to_cart
cart5 2026-03-01T00:00 add_to_cart
cart5 2026-03-05T00:00 add_to_cart
cart5 2026-03-05T02:00 begin_checkout
cart6 2026-03-01T00:00 begin_checkout
cart6 2026-03-02T00:00 add_to_cart
cart7 2026-03-03T00:00 add_to_cart
cart7 2026-03-03T00:00 begin_checkout
cart8 2026-03-08T10:00 add_to_cart
cart8 2026-03-09T10:00 begin_checkout
z 2026-03-10T12:00 page_view
`)
	// cart1: no checkout yet; cart3: checkout 24h and 1s later; cart4: the
	// latest cart (03-05) is unanswered; cart6: checkout came before the
	// cart. cart5 answered its latest cart; cart7 checked out in the same
	// millisecond, stored after; cart8 exactly 24h later counts as within.
	checkMembers(t, d, "did add_to_cart then not begin_checkout within 24h", "cart1 cart3 cart4 cart6")
	checkMembers(t, d, "did add_to_cart then begin_checkout within 24h", "cart2 cart4 cart5 cart7 cart8")
	checkMembers(t, d, "did add_to_cart then begin_checkout", "cart2 cart3 cart4 cart5 cart7 cart8")
	checkMembers(t, d, "did add_to_cart then not begin_checkout", "cart1 cart4 cart6")
	// A window restricts the first event: only carts from the last 2 days.
	checkMembers(t, d, "did add_to_cart then not begin_checkout within 24h in 2d", "cart1")
	checkMembers(t, d, "did add_to_cart then not refund within 1h", "cart1 cart2 cart3 cart4 cart5 cart6 cart7 cart8")
	checkMembers(t, d, "did add_to_cart then refund", "")

	e := compile(t, d, "did add_to_cart then not begin_checkout within 24h")
	ev := e.Explain(0) // cart1
	if len(ev) != 1 || ev[0].Detail != "no begin_checkout within 24h after it" || ev[0].Events[0].Time != "2026-03-09T10:00:00Z" {
		t.Errorf("evidence %+v", ev)
	}
	if ev := compile(t, d, "did add_to_cart then not begin_checkout").Explain(0); ev[0].Detail != "no begin_checkout after it" {
		t.Errorf("evidence without within %+v", ev)
	}
	if ev := compile(t, d, "did add_to_cart then not refund within 1h").Explain(0); ev[0].Detail != "no follow-up: that event is not in the data" {
		t.Errorf("evidence for an unknown follow-up %+v", ev)
	}
}

func TestHuman(t *testing.T) {
	for ms, want := range map[int64]string{86_400_000: "24h", 5_400_000: "1h30m", 45_000: "45s", 3_600_000 + 1000: "1h0m1s", 0: "0s", 120_000: "2m"} {
		if got := human(ms); got != want {
			t.Errorf("human(%d) = %s, want %s", ms, got, want)
		}
	}
}

func compile(t *testing.T, d *query.Dataset, expr string) *Evaluator {
	t.Helper()
	n, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(context.Background(), d, n)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Streak days are calendar days in the display timezone: Asia/Shanghai
// is UTC+8, so 23:30 and 00:10 local are one UTC day but two local days.
const streaks = `
s1 2026-03-01T23:30 view_item product_id=P1
s1 2026-03-02T00:10 view_item product_id=P1
s1 2026-03-03T12:00 view_item product_id=P1
s2 2026-03-01T10:00 view_item product_id=P1
s2 2026-03-02T10:00 view_item product_id=P2
s2 2026-03-03T10:00 view_item product_id=P1
s3 2026-03-01T10:00 view_item product_id=P1
s3 2026-03-02T10:00 view_item product_id=P1
s3 2026-03-03T10:00 view_item product_id=P1
s3 2026-03-03T11:00 purchase product_id=P1
s4 2026-03-01T10:00 view_item product_id=P1
s4 2026-03-02T10:00 view_item product_id=P1
s4 2026-03-03T10:00 view_item product_id=P1
s4 2026-03-04T10:00 purchase product_id=P9
s5 2026-03-01T10:00 view_item product_id=P1
s5 2026-03-02T10:00 view_item product_id=P1
s5 2026-03-03T10:00 view_item product_id=P1
s5 2026-03-05T10:00 purchase
s6 2026-03-02T10:00 purchase product_id=P1
s6 2026-03-04T10:00 view_item product_id=P1
s6 2026-03-05T10:00 view_item product_id=P1
s6 2026-03-06T10:00 view_item product_id=P1
s7 2026-03-01T10:00 view_item product_id=P1
s7 2026-03-02T10:00 view_item product_id=P1
s7 2026-03-04T10:00 view_item product_id=P1
s7 2026-03-05T10:00 view_item product_id=P1
s8 2026-03-01T10:00 view_item product_id=P1
s8 2026-03-01T20:00 view_item product_id=P1
s8 2026-03-02T10:00 view_item product_id=P1
s9 2026-03-01T10:00 view_item product_id=P1
s9 2026-03-02T10:00 view_item product_id=P1
s9 2026-03-03T10:00 view_item product_id=P1
s9 2026-03-03T12:00 purchase product_id=P1
s9 2026-03-10T10:00 view_item product_id=P2
s9 2026-03-11T10:00 view_item product_id=P2
s9 2026-03-12T10:00 view_item product_id=P2
s9 2026-03-13T10:00 view_item product_id=P2
z 2026-03-20T12:00 page_view
`

func TestStreakAroundMidnight(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	evs, d := timeline(t, sh, streaks)
	// s1 spans three Shanghai days across midnight; s2 switches product;
	// s3's purchase of P1 spoils it, s4's purchase of P9 does not, s5's
	// purchase without a product does; s6 bought before the streak; s7
	// skips a day; s8 has two views on one day; s9's first streak is
	// spoiled but a later P2 streak of 4 days qualifies.
	const rule = "streak view_item by product_id >= 3 days without purchase"
	checkMembers(t, d, rule, "s1 s4 s6 s9")
	checkMembers(t, d, "streak view_item by product_id >= 3 days", "s1 s3 s4 s5 s6 s9")
	checkMembers(t, d, "streak view_item >= 3 days", "s1 s2 s3 s4 s5 s6 s9")
	checkMembers(t, d, "streak view_item by product_id >= 4 days", "s9")
	checkMembers(t, d, "streak view_item where product_id = P2 >= 2 days", "s9")
	// In UTC, s1's first two views fall on one day (15:30 and 16:10 UTC).
	checkMembers(t, query.NewDataset(evs, time.UTC), rule, "s4 s6 s9")

	e := compile(t, d, rule)
	ev := e.Explain(0)
	if len(ev) != 1 || ev[0].Detail != "product_id P1: 3 consecutive days, 2026-03-01 to 2026-03-03" ||
		ev[0].Events[0].Time != "2026-03-01T23:30:00+08:00" || ev[0].Events[1].Value != "P1" {
		t.Errorf("evidence %+v", ev)
	}
	for p, u := range d.Users {
		if u == "s9" {
			ev := e.Explain(p)
			if len(ev) != 1 || ev[0].Detail != "product_id P2: 4 consecutive days, 2026-03-10 to 2026-03-13" {
				t.Errorf("s9 evidence %+v", ev)
			}
		}
	}
}

func TestActiveThenSilent(t *testing.T) {
	// Last event 03-31 12:00 UTC: 30d is [03-02, 04-01), 14d is [03-18, 04-01).
	_, d := timeline(t, time.UTC, `
q1 2026-02-10T10:00 page_view
q1 2026-03-10T10:00 page_view
q2 2026-03-10T10:00 page_view
q2 2026-03-20T10:00 page_view
q3 2026-02-20T10:00 page_view
q4 2026-03-17T23:59 page_view
q5 2026-03-18T00:00 page_view
q6 2026-03-02T00:00 page_view
q7 2026-03-01T23:59 page_view
z 2026-03-31T12:00 page_view
`)
	checkMembers(t, d, "active in 30d and silent for 14d", "q1 q4 q6")
	checkMembers(t, d, "active in 30d", "q1 q2 q4 q5 q6 z")
	checkMembers(t, d, "silent for 14d", "q1 q3 q4 q6 q7")
	checkMembers(t, d, "silent for 1h", "q1 q2 q3 q4 q5 q6 q7")
	checkMembers(t, d, "active within 2w and not silent for 2w", "q2 q5 z")
	e := compile(t, d, "active in 30d and silent for 14d")
	if ev := e.Explain(0); len(ev) != 2 || ev[1].Detail != "last seen 2026-03-10T10:00:00Z" {
		t.Errorf("evidence %+v", ev)
	}
}
