package query

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// chinese runs the rest of the test in Chinese, and English again after.
func chinese(t *testing.T) {
	t.Helper()
	i18n.Set(i18n.Chinese)
	t.Cleanup(func() { i18n.Set(i18n.English) })
}

func TestChineseErrorsAndNotes(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00 country=CN
u1 purchase 2026-01-01 10:01 country=CN`)
	chinese(t)
	ctx := context.Background()
	for _, c := range []struct {
		q    FunnelQuery
		want string
	}{
		{FunnelQuery{Steps: steps("view", "purchse")}, `未知事件 "purchse"；最接近的已有事件：purchase`},
		{FunnelQuery{Steps: steps("view"), Mode: "sideways"}, `未知的漏斗模式 "sideways"（可用 ordered、strict 或 any）`},
		{FunnelQuery{Steps: steps("view", "purchase"), Exclude: []Exclusion{{Event: "nope"}}}, `排除条件：未知事件 "nope"`},
		{FunnelQuery{Steps: FunnelSteps([]string{"view where price >"})}, `步骤 1（view）：筛选条件 "price >" 第 8 列：> 后应跟一个值`},
		{FunnelQuery{Steps: steps("view"), Common: Common{Last: "999999d"}}, `相对时间范围 "999999d" 太长：最多 36500 天（100 年）`},
	} {
		_, err := d.Funnel(ctx, c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.q, err, c.want)
		}
	}
	if _, err := ParseDuration("106751991167d"); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "太长") {
		t.Errorf("a translated error still wraps ErrTooLong: %v", err)
	}
	notes := d.EmptyNotes(ctx, Common{Where: []string{"country = cn"}, From: "2025-01-01", To: "2025-02-01"})
	want := []string{
		"时间范围 2025-01-01 至 2025-02-01 不在数据之内，数据从 2026-01-01 到 2026-01-01",
		`--where "country = cn"：没有事件的 country 为 "cn"；最接近的已有值："CN"`,
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}

// A reason kept in a result is English in its JSON, whatever the
// interface language, and shown in that language in the tables.
func TestCompareSkippedReasonJSONStaysEnglish(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 purchase 2026-01-01 10:01`)
	q := FunnelQuery{Steps: steps("view", "purchase"), Mode: FunnelStrict}
	run := func() (string, string) {
		c, err := d.CompareFunnel(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		tables := c.Tables(i18n.Current())
		return string(js), tables[len(tables)-1].Rows[0][1]
	}
	enJSON, enRow := run()
	chinese(t)
	zhJSON, zhRow := run()
	if enJSON != zhJSON {
		t.Errorf("JSON differs by language:\n%s\n%s", enJSON, zhJSON)
	}
	if !strings.Contains(enJSON, `reproduces the ordered mode, not strict`) || enRow == zhRow || !strings.Contains(zhRow, "只能复现 ordered 模式，不能复现 strict") {
		t.Errorf("reason: JSON %s, English row %q, Chinese row %q", enJSON, enRow, zhRow)
	}
}

// An explanation reads in Chinese under zh, while its JSON (reason,
// verdict, timeline notes) is the same bytes in both languages.
func TestFunnelExplanationChinese(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 cart 2026-01-01 10:05
u1 view 2026-01-03 09:00
u1 buy 2026-01-05 10:00
u2 view 2026-01-01 11:00
u2 cart 2026-01-01 11:02
u2 buy 2026-01-01 11:30`)
	q := FunnelQuery{Steps: steps("view", "cart", "buy"), Window: "1d"}
	explain := func(user string) (string, string) {
		x, err := d.FunnelExplanation(context.Background(), q, user)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		return string(js), x.Text()
	}
	enJSON, enText := explain("u1")
	en2JSON, _ := explain("u2")
	chinese(t)
	zhJSON, zhText := explain("u1")
	zh2JSON, zh2Text := explain("u2")
	if enJSON != zhJSON || en2JSON != zh2JSON {
		t.Errorf("JSON differs by language:\n%s\n%s", enJSON, zhJSON)
	}
	if !strings.Contains(enText, "dropped: reached step 2 of 3 (cart); the next buy, at 2026-01-05 10:00:00.000, came after the window closed at 2026-01-02 10:00:00.000") {
		t.Errorf("English text:\n%s", enText)
	}
	for _, want := range []string{
		"用户 u1 — 漏斗 view → cart → buy（有序，窗口期 1天）",
		"已流失：到达第 2 步（共 3 步，cart）；下一个 buy 发生在 2026-01-05 10:00:00.000，而窗口期已于 2026-01-02 10:00:00.000 结束",
		"时间线（UTC），共 4 个事件：",
		"view   ← 第 1 步（计入的这次尝试）",
		"── 窗口期于 2026-01-02 10:00:00.000 结束 ──",
		"（另一次从第 1 步开始的尝试，到达第 1 步）",
	} {
		if !strings.Contains(zhText, want) {
			t.Errorf("Chinese text lacks %q:\n%s", want, zhText)
		}
	}
	if !strings.Contains(zh2Text, "已转化：完成全部 3 个步骤，从 2026-01-01 11:00:00.000 到 2026-01-01 11:30:00.000（30分钟）") {
		t.Errorf("Chinese converted verdict:\n%s", zh2Text)
	}
}

// The funnel table is titled and headed in Chinese; its cells stay numbers.
func TestFunnelTableChinese(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 buy 2026-01-01 10:01`)
	r, err := d.Funnel(context.Background(), FunnelQuery{Steps: steps("view", "buy")})
	if err != nil {
		t.Fatal(err)
	}
	chinese(t)
	tb := r.Tables(i18n.Current())[0]
	if tb.Title != "漏斗（有序，窗口期 7天）" || strings.Join(tb.Columns, ",") != "步骤,事件,用户数,转化率,步骤转化率,流失,进行中,耗时中位数" || strings.Join(tb.Rows[1], ",") != "2,buy,1,100.0%,100.0%,0,0,1分钟" {
		t.Errorf("Chinese funnel table: %+v", tb)
	}
}
