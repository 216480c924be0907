package segment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// The last event of this timeline is z's, 2026-03-31 12:00 UTC, so
// "in 30d" is [03-02, 04-01), "in 14d" is [03-18, 04-01) and "within 7d"
// is [03-25, 04-01).
const basics = `
a 2026-02-15T10:00 purchase revenue=20
a 2026-03-10T09:00 purchase revenue=10 country=CN
a 2026-03-20T09:00 purchase revenue=5
a 2026-03-25T09:00 view_item category=shoes
b 2026-02-01T08:00 signup country=CN
b 2026-03-01T23:59 purchase
b 2026-03-20T10:00 purchase
b 2026-03-21T10:00 page_view country=US
c 2026-03-05T10:00 purchase
c 2026-03-06T10:00 purchase
c 2026-03-07T10:00 refund
d 2026-03-02T00:00 purchase
d 2026-03-30T10:00 purchase revenue=8
e 2026-03-25T00:00 signup
e 2026-03-26T10:00 view_item category=shoes
e 2026-03-27T10:00 view_item category=shoes
e 2026-03-28T10:00 view_item category=shoes
f 2026-03-17T23:00 view_item category=shoes
f 2026-03-20T10:00 view_item category=shoes
f 2026-03-21T10:00 view_item category=shoes
f 2026-03-22T10:00 view_item category=bags
g 2026-03-24T23:59:59 signup
z 2026-03-31T12:00 page_view country=US
`

func TestIssueExamples(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	// a: purchases 03-10 and 03-20 in the window; b: 03-01 23:59 is one
	// minute before the window; c refunded; d's 03-02 00:00 opens the window.
	checkMembers(t, d, "did purchase >= 2 in 30d and not did refund", "a d")
	// e's first event is exactly at the window start, g's a second before.
	checkMembers(t, d, "first_seen within 7d", "e z")
	// b was CN, then US: the latest value counts.
	checkMembers(t, d, "country = CN", "a")
	// f's 03-17 view is outside 14d and 03-22 is bags: 2, not 3.
	checkMembers(t, d, "did view_item where category = shoes >= 3 in 14d", "e")
}

func TestConditionKinds(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	cases := []struct{ expr, want string }{
		{"did purchase", "a b c d"},
		{"did not purchase", "e f g z"},
		{"did purchase = 0", "e f g z"},
		{"did purchase <= 2", "b c d e f g z"},
		{"did purchase > 2", "a"},
		{"did purchase < 2", "e f g z"},
		{"did purchase >= 1 in 24h", ""},
		{"did purchase in 2d", "d"},
		{"did page_view in 12h", "z"},
		{"did purchase in 1w", "d"},
		{"did purchase between 2026-03-01 and 2026-03-05", "b c d"},
		{"did purchase where revenue >= 10", "a"},
		{"did purchase where revenue >= 10 and country = CN", "a"},
		{"did purchase where revenue is not set >= 2", "b c"},
		{"did view_item where category in (shoes, bags) >= 4", "f"},
		{"did view_item where category != shoes", "f"},
		{"did nosuch", ""},
		{"first_seen before 2026-03-01", "a b"},
		{"first_seen after 2026-03-24", "e z"},
		{"first_seen between 2026-03-02 and 2026-03-05", "c d"},
		{"first_seen in 7d", "e z"},
		{"last_seen before 2026-03-08", "c"},
		{"last_seen within 2d", "d z"},
		{"last_seen after 2026-03-29", "d z"},
		{"country != CN", "b c d e f g z"},
		{"country in (CN, US)", "a b z"},
		{"country not in (US)", "a c d e f g"},
		{"country is not set", "c d e f g"},
		{"country is set", "a b z"},
		{"country contains c", "a"},
		{"revenue > 7", "d"},
		{"revenue <= 5", "a"},
		{"'country' = 'US'", "b z"},
	}
	for _, c := range cases {
		checkMembers(t, d, c.expr, c.want)
	}
}

func TestCombinators(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	cases := []struct{ expr, want string }{
		{"did refund or country = CN", "a c"},
		{"not (did refund or country = CN)", "b d e f g z"},
		{"not did refund and not country = CN", "b d e f g z"},
		// not > and > or: ((not refund) and CN) or first_seen within 7d
		{"not did refund and country = CN or first_seen within 7d", "a e z"},
		{"not did refund and (country = CN or first_seen within 7d)", "a e z"},
		{"did purchase and (country = CN or country = US)", "a b"},
		{"did purchase and country = CN or country = US", "a b z"},
		{"not not did refund", "c"},
		{"did purchase and did view_item and first_seen before 2026-03-01", "a"},
		{"(did purchase) and revenue > 7", "d"},
		// "and" after a where condition continues the where list when PROP OP follows.
		{"did purchase where revenue >= 10 and country = CN", "a"},
		{"did purchase where revenue >= 10 >= 1 and country = CN", "a"},
		{"DID purchase AND NOT did refund AND last_seen WITHIN 2d", "d"},
	}
	for _, c := range cases {
		checkMembers(t, d, c.expr, c.want)
	}
}

func TestWindowsFollowDisplayTimezone(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	// The last event is 2026-03-31 01:00 in Shanghai (03-30 17:00 UTC), so
	// "in 1d" is Shanghai's March 31 only.
	text := `
x 2026-03-30T23:30 purchase
y 2026-03-31T00:30 purchase
z 2026-03-31T01:00 page_view
`
	evs, d := timeline(t, sh, text)
	checkMembers(t, d, "did purchase in 1d", "y")
	checkMembers(t, d, "did purchase between 2026-03-31 and 2026-03-31", "y")
	// Hours are a plain duration: 23:30 is 1h30 before the last event.
	checkMembers(t, d, "did purchase in 2h", "x y")
	checkMembers(t, d, "did purchase in 1h", "y")
	// The same instants seen from UTC all fall on March 30.
	checkMembers(t, query.NewDataset(evs, time.UTC), "did purchase in 1d", "x y")
}

func TestUnknownEventsAreReported(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	n, err := Parse("did refnd or streak view_item >= 2 days without purchse or did refnd >= 2")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(context.Background(), d, n)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Unknown, ","); got != "refnd,purchse" { // each once
		t.Errorf("unknown = %q", got)
	}
}

func TestEvidence(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	n, _ := Parse("did purchase >= 2 in 30d and not did refund and country = CN")
	e, err := Compile(context.Background(), d, n)
	if err != nil {
		t.Fatal(err)
	}
	ev := e.Explain(0) // a
	if len(ev) != 3 {
		t.Fatalf("evidence %+v", ev)
	}
	if ev[0].Detail != "2 times" || len(ev[0].Events) != 2 || ev[0].Events[0].Time != "2026-03-20T09:00:00Z" {
		t.Errorf("did evidence %+v", ev[0])
	}
	if ev[1].Term != "not did refund" {
		t.Errorf("not evidence %+v", ev[1])
	}
	if ev[2].Detail != "latest country = CN" || ev[2].Events[0].Value != "CN" {
		t.Errorf("property evidence %+v", ev[2])
	}
}

func TestDSTDayWindow(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	// 2026-03-08 has 23 hours in New York; "in 1d" is that whole local day.
	_, d := timeline(t, ny, `
x 2026-03-07T23:30 purchase
y 2026-03-08T00:30 purchase
w 2026-03-08T23:30 purchase
z 2026-03-08T23:45 page_view
`)
	checkMembers(t, d, "did purchase in 1d", "w y")
	checkMembers(t, d, "did purchase in 2d", "w x y")
	checkMembers(t, d, "first_seen after 2026-03-07", "w y z")
	// 24h is a duration, not a day: 23:30 EST on the 7th is 23h15m before 23:45 EDT.
	checkMembers(t, d, "did purchase in 24h", "w x y")
}

func TestNamesAndValues(t *testing.T) {
	_, d := timeline(t, time.UTC, `
a 2026-03-01T10:00 购买 城市=上海 price=abc
b 2026-03-01T10:00 Sign_Up price=12
`)
	checkMembers(t, d, "did 购买 >= 1", "a")
	checkMembers(t, d, "城市 = 上海", "a")
	checkMembers(t, d, "did 购买 where 城市 = '上海'", "a")
	checkMembers(t, d, "did 'Sign_Up'", "b")
	// A non-numeric value never passes a numeric comparison.
	checkMembers(t, d, "price > 10", "b")
	checkMembers(t, d, "price <= 1000", "b")
}

func TestEmptyDataset(t *testing.T) {
	d := query.NewDataset(nil, time.UTC)
	for _, expr := range []string{"did a", "not did a", "first_seen within 7d", "x = 1", "streak a >= 2 days", "silent for 1d"} {
		checkMembers(t, d, expr, "")
	}
	if st := Stages(d, 30); len(st) != 0 {
		t.Errorf("stages %v", st)
	}
	if rep, err := Churn(context.Background(), d, ChurnOptions{}); err != nil || len(rep.Users) != 0 {
		t.Errorf("churn %+v %v", rep, err)
	}
	if _, _, err := RFM(context.Background(), d, RFMOptions{Revenue: "revenue"}); err == nil {
		t.Error("RFM on no data: want an error")
	}
}

func TestEvidenceCounts(t *testing.T) {
	_, d := timeline(t, time.UTC, `
a 2026-03-01T10:00 view
a 2026-03-02T10:00 view
a 2026-03-03T10:00 view
a 2026-03-04T10:00 view
a 2026-03-05T10:00 view
a 2026-03-05T11:00 cart
a 2026-03-06T10:00 buy
`)
	ev := compile(t, d, "did view >= 2").Explain(0)
	if ev[0].Detail != "5 times, the 3 most recent shown" || len(ev[0].Events) != 3 || ev[0].Events[2].Time != "2026-03-03T10:00:00Z" {
		t.Errorf("did evidence %+v", ev)
	}
	ev = compile(t, d, "did cart then buy within 1d").Explain(0)
	if ev[0].Detail != "followed after 23h" || ev[0].Events[1].Event != "buy" {
		t.Errorf("sequence evidence %+v", ev)
	}
	ev = compile(t, d, "first_seen before 2026-03-02 or did nothing").Explain(0)
	if len(ev) != 1 || ev[0].Detail != "first seen 2026-03-01T10:00:00Z" {
		t.Errorf("or evidence shows only what holds: %+v", ev)
	}
}

func TestUnsetPropertiesAreReported(t *testing.T) {
	_, d := timeline(t, time.UTC, basics)
	e := compile(t, d, "contry = CN or did view_item where categry = shoes or streak view_item by product >= 2 days or country = US")
	if got := strings.Join(e.Unset, ","); got != "contry,categry,product" {
		t.Errorf("unset = %q", got)
	}
}

func TestTrend(t *testing.T) {
	_, d := timeline(t, time.UTC, `
a 2026-03-01T10:00 purchase
a 2026-03-03T10:00 purchase
b 2026-03-02T10:00 purchase
b 2026-03-02T11:00 purchase
c 2026-03-04T09:00 page_view
`)
	n, _ := Parse("did purchase >= 2")
	pts, err := Trend(context.Background(), d, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	// 02-28: nobody yet; 03-01: a (1 purchase); 03-02: b has 2; 03-03: a
	// too; 03-04: c arrives.
	want := "[{2026-02-28 0 0 0} {2026-03-01 0 1 0} {2026-03-02 1 2 0.5} {2026-03-03 2 2 1} {2026-03-04 2 3 0.6666666666666666}]"
	if fmt.Sprint(pts) != want {
		t.Errorf("trend %v\nwant  %v", pts, want)
	}
	// Relative windows end with each day: "in 1d" counts that day only.
	n, _ = Parse("did purchase in 1d")
	pts, _ = Trend(context.Background(), d, n, 4)
	if got := fmt.Sprint(pts); got != "[{2026-03-01 1 1 1} {2026-03-02 1 2 0.5} {2026-03-03 1 2 0.5} {2026-03-04 0 3 0}]" {
		t.Errorf("windowed trend %v", got)
	}
}
