package segment

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	cases := []struct {
		expr string
		col  int
		msg  string
	}{
		{"did purchase >= x", 17, "expected a number after >="},
		{"did purchase >=", 16, "expected a number after >="},
		{"did purchase >= -1", 17, "expected a number after >="},
		{"did", 4, "expected an event name after did, found the end of the expression"},
		{"did where x = 1", 5, "expected an event name after did"},
		{"country =", 10, "expected a value after ="},
		{"country", 8, "expected an operator after country"},
		{"price > abc", 9, "expected a number after > (> compares numbers)"},
		{"country in CN", 12, "expected ( after in"},
		{"country in (CN US)", 16, "expected , or ) in the value list"},
		{"coupon is", 10, "expected set after is"},
		{"did purchase in 30x", 17, "expected a window such as 30d, 12w or 24h after in"},
		{"did purchase in 0d", 17, "expected a window"},
		{"did purchase between 2026-03-05 and 2026-03-01", 37, "the range ends before it starts"},
		{"did purchase between 2026-03-05 2026-03-09", 33, "expected and after between 2026-03-05"},
		{"did purchase between March and April", 22, "expected a date YYYY-MM-DD after between"},
		{"(did a", 7, "expected ) to close the ( at column 1"},
		{"did a and", 10, "expected a condition"},
		{"did a or or did b", 10, "expected a condition"},
		{"and did a", 1, "expected a condition"},
		{"", 1, "expected a condition, e.g. did purchase >= 2 in 30d"},
		{"did a b", 7, "expected and, or or the end of the expression, found “b”"},
		{"did a 'unclosed", 7, "unclosed quote '"},
		{"country ! CN", 9, "expected != (a lone ! is not an operator; use not)"},
		{"first_seen yesterday", 12, "expected before, after, within or between after first_seen"},
		{"last_seen before 03/01/2026", 18, "expected a date YYYY-MM-DD after before"},
		{"did a then", 11, "expected an event name after then"},
		{"did not a then b", 11, "a sequence cannot follow did not"},
		{"did a then not b within soon", 25, "expected a duration such as 24h or 30m after within"},
		{"streak view_item by product_id >= 3", 36, "expected days after the number"},
		{"streak view_item by product_id 3 days", 32, "expected >= N days after the streak's event"},
		{"streak view_item >= 0 days", 21, "a streak lasts at least 1 day"},
		{"streak a >= 2 days without a", 28, "without must name another event"},
		{"active 30d", 8, "expected in after active, e.g. active in 14d"},
		{"silent in 14d", 8, "expected for after silent, e.g. silent for 14d"},
		{"silent for ever", 12, "expected a window such as 30d, 12w or 24h after for"},
		{"did 鞋子 >= x", 11, "expected a number after >="},
	}
	for _, c := range cases {
		_, err := Parse(c.expr)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: want a ParseError, got %v", c.expr, err)
			continue
		}
		if pe.Col != c.col || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%q:\n got column %d: %s\nwant column %d: %s", c.expr, pe.Col, pe.Msg, c.col, c.msg)
		}
	}
	_, err := Parse("did purchase >= x")
	if want := "segment: column 17: expected a number after >="; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestParseShapes(t *testing.T) {
	n, err := Parse("did view_item where category = shoes and price > 10 >= 3 in 14d")
	if err != nil {
		t.Fatal(err)
	}
	d, ok := n.(Did)
	if !ok || d.Event.Name != "view_item" || len(d.Event.Where) != 2 || d.Cmp != ">=" || d.N != 3 || d.Win.Rel != (Rel{14, 'd'}) {
		t.Fatalf("parsed %#v", n)
	}
	if d.Text != "did view_item where category = shoes and price > 10 >= 3 in 14d" {
		t.Errorf("text %q", d.Text)
	}
	// "and" followed by a term keyword ends the where list.
	n, err = Parse("did purchase where price > 10 and did refund")
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := n.(And); !ok || len(a.Terms) != 2 {
		t.Fatalf("parsed %#v", n)
	}
	n, err = Parse("did add_to_cart then not begin_checkout within 24h")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := n.(Seq); !ok || !s.Absent || s.Within != 24*3600*1000 || s.B.Name != "begin_checkout" {
		t.Fatalf("parsed %#v", n)
	}
	n, err = Parse("streak view_item by product_id >= 3 days without purchase")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := n.(Streak); !ok || s.By != "product_id" || s.Days != 3 || s.Without != "purchase" {
		t.Fatalf("parsed %#v", n)
	}
	n, err = Parse("active in 30d and silent for 14d")
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := n.(And); !ok || a.Terms[1].(Active).Rel != (Rel{14, 'd'}) || !a.Terms[1].(Active).Silent {
		t.Fatalf("parsed %#v", n)
	}
	// Quoted words are never keywords.
	n, err = Parse(`'active' = yes and "did" in (1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := n.(And); !ok || a.Terms[0].(UserProp).Filter.Prop != "active" || a.Terms[1].(UserProp).Filter.Prop != "did" {
		t.Fatalf("parsed %#v", n)
	}
}
