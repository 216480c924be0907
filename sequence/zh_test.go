package sequence

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// ErrTooSlow is made when the package loads, before the language is
// chosen: it still says itself in the language shown, and errors.Is still
// finds it inside a wrapping error. A pattern's mistake reads in Chinese.
func TestChineseErrors(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	ev := make([]Event, 3000)
	for i := range ev {
		ev[i] = Event{T: int64(i) * 1000, Conds: 1}
	}
	p, err := Parse("(?1).*(?1).*(?1).*(?1)(?t>100000)(?1)", 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.NewMatcher().Eval(context.Background(), ev)
	err = i18n.Errorf("user %s: %w", "u1", err)
	want := "用户 u1：该模式需要超过 1,000,000 步回溯（ClickHouse 的上限）；请把模式写得更具体，例如减少 .* 或收紧 (?t...) 条件"
	if !errors.Is(err, ErrTooSlow) || err.Error() != want {
		t.Errorf("too slow: %v, want %s wrapping ErrTooSlow", err, want)
	}
	i18n.Set(i18n.English)
	if got := fmt.Sprint(ErrTooSlow); got != "the pattern needs more than 1,000,000 backtracking steps (ClickHouse's limit); make it more specific, e.g. fewer .* or tighter (?t...) conditions" {
		t.Errorf("in English: %s", got)
	}
	i18n.Set(i18n.Chinese)

	_, err = Parse("(?1).*(?5)", 2)
	want = `模式 "(?1).*(?5)" 在位置 9（")"）处出错：条件 5 不在这 2 个条件之中（编号从 1 开始）；可用的写法有 (?N)、.、.* 和 (?t<=S)，比较符还可用 <、>=、>、==`
	if err == nil || err.Error() != want {
		t.Errorf("a condition out of range: %v, want %s", err, want)
	}
}
