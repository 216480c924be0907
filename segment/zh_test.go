package segment

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Segment syntax errors and churn signals read in Chinese; the signals
// kept for JSON stay English.
func TestChinese(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	for _, c := range []struct{ expr, want string }{
		{"did purchase >= in 30d", "分群条件第 17 列：>= 后应跟一个数字"},
		{"country =", "分群条件第 10 列：= 后应跟一个值"},
		{"did view and", "分群条件第 13 列：这里应是一个条件（did、first_seen、last_seen、active、silent、streak，或 属性 运算符 值），实际是 表达式末尾"},
	} {
		_, err := Parse(c.expr)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %q", c.expr, err, c.want)
		}
	}
	in := churnInput{window: 14, silent: 29, usualGap: 2.5, gaps: 10}
	churnScore(&in)
	u := ChurnUser{signals: churnSignals(&in)}
	if got := u.SignalsText(i18n.Current()); got != "已沉默 29 天，预期间隔 3.3 天：已超出 7.9 个间隔；活跃度下降 100%" {
		t.Errorf("Chinese signals: %q", got)
	}
	if got := u.signals[0].In(i18n.English); !strings.HasPrefix(got, "silent 29d, expected gap 3.3d") {
		t.Errorf("English signal: %q", got)
	}
}

// Evidence reads in Chinese on tables and screens (DetailIn) while its
// JSON, Detail included, is byte-identical under zh and en.
func TestEvidenceChinese(t *testing.T) {
	_, d := timeline(t, time.UTC, `
a 2026-03-01T10:00 view
a 2026-03-02T10:00 view product=P1
a 2026-03-03T10:00 view product=P1
a 2026-03-04T10:00 view product=P1
a 2026-03-05T11:00 cart country=CN
a 2026-03-06T10:00 buy
b 2026-03-09T10:00 cart
b 2026-03-10T10:00 view
`)
	for _, c := range []struct{ user, expr, en, zh string }{
		{"a", "did view >= 2", "4 times, the 3 most recent shown", "4 次，显示最近 3 次"},
		{"a", "did buy", "1 time", "1 次"},
		{"a", "not did refund", "does not hold: did refund", "不满足：did refund"},
		{"a", "first_seen before 2026-03-02", "first seen 2026-03-01T10:00:00Z", "首次出现于 2026-03-01T10:00:00Z"},
		{"a", "last_seen after 2026-03-01", "last seen 2026-03-06T10:00:00Z", "最后出现于 2026-03-06T10:00:00Z"},
		{"a", "active in 30d", "last seen 2026-03-06T10:00:00Z", "最后出现于 2026-03-06T10:00:00Z"},
		{"a", "country = CN", "latest country = CN", "country 的最新值为 CN"},
		{"b", "country is not set", "country never set", "country 从未设置"},
		{"a", "did cart then buy within 1d", "followed after 23h", "相隔 23小时 后完成"},
		{"b", "did cart then not buy within 24h", "no buy within 24h after it", "之后 1天 内没有 buy"},
		{"b", "did cart then not buy", "no buy after it", "之后没有 buy"},
		{"b", "did cart then not refund", "no follow-up: that event is not in the data", "没有后续：数据中没有这个事件"},
		{"a", "streak view >= 3 days", "4 consecutive days, 2026-03-01 to 2026-03-04", "连续 4 天，2026-03-01 至 2026-03-04"},
		{"a", "streak buy >= 1 days", "1 consecutive day, 2026-03-06 to 2026-03-06", "连续 1 天，2026-03-06 至 2026-03-06"},
		{"a", "streak view by product >= 3 days", "product P1: 3 consecutive days, 2026-03-02 to 2026-03-04", "product P1：连续 3 天，2026-03-02 至 2026-03-04"},
	} {
		n, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Compile(context.Background(), d, n)
		if err != nil {
			t.Fatal(err)
		}
		p := slices.Index(d.Users, c.user)
		if !e.Match(p) {
			t.Fatalf("%s should match %q", c.user, c.expr)
		}
		explain := func(l i18n.Lang) ([]Evidence, string) {
			i18n.Set(l)
			defer i18n.Set(i18n.English)
			ev := e.Explain(p)
			js, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			return ev, string(js)
		}
		en, enJSON := explain(i18n.English)
		zh, zhJSON := explain(i18n.Chinese)
		if enJSON != zhJSON {
			t.Errorf("%q: JSON differs under zh:\n%s\n%s", c.expr, enJSON, zhJSON)
		}
		if len(en) != 1 || en[0].Detail != c.en || en[0].DetailIn(i18n.English) != c.en {
			t.Errorf("%q: English evidence %+v, want %q", c.expr, en, c.en)
			continue
		}
		if got := zh[0].DetailIn(i18n.Chinese); got != c.zh || zh[0].Detail != c.en {
			t.Errorf("%q: Chinese %q (detail %q), want %q", c.expr, got, zh[0].Detail, c.zh)
		}
	}
}
