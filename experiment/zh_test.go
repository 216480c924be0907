package experiment

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// The verdict reads in Chinese in the tables and the workbench, while the
// JSON (verdict code, verdict_text, a group's note) is the same bytes in
// both languages.
func TestVerdictChinese(t *testing.T) {
	run := func() (*Result, string) {
		r := run(t, []query.RawEvent{
			ev("u1", "expose", t0, "v", "control"), ev("u1", "buy", t0+hour),
			ev("u2", "expose", t0, "v", "control"),
			ev("u3", "expose", t0, "v", "B"), ev("u3", "buy", t0+hour),
			ev("u4", "expose", t0, "v", "B"),
		}, Query{Variant: "v", Goal: "buy", Common: query.Common{By: "v"}})
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return r, string(js)
	}
	en, enJSON := run()
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	zh, zhJSON := run()
	if enJSON != zhJSON {
		t.Errorf("JSON differs by language:\n%s\n%s", enJSON, zhJSON)
	}
	if !strings.HasPrefix(en.Text, "too few users: B vs control: 50.00% vs 50.00% (+0.0%, p = ") {
		t.Errorf("English verdict: %s", en.Text)
	}
	if v := zh.VerdictText(); !strings.HasPrefix(v, "样本量不足：B 对比 control：50.00% 对比 50.00%（+0.0%，p = ") || !strings.Contains(v, "；要检测出 ±") {
		t.Errorf("Chinese verdict: %s", v)
	}
	tables := zh.Tables(i18n.Current())
	sum, by := tables[len(tables)-2], tables[len(tables)-1]
	if sum.Title != "汇总" || sum.Rows[len(sum.Rows)-1][0] != "结论" || sum.Rows[len(sum.Rows)-1][1] != zh.VerdictText() {
		t.Errorf("Chinese summary: %+v", sum)
	}
	if by.Rows[1][7] != `对照组 "control" 没有曝光用户；已有的分组：B` || !strings.Contains(zhJSON, `"note":"control variant \"control\" has no exposed users; variants seen: B"`) {
		t.Errorf("a group's note: table %q, JSON %s", by.Rows[1][7], zhJSON)
	}
}

// A rate difference reads in percentage points, 个百分点 under zh, the
// unit once after an interval; English keeps pp.
func TestPointsChinese(t *testing.T) {
	for _, c := range []struct {
		l        i18n.Lang
		d, lo    Num
		diff, ci string
	}{
		{i18n.English, 0.0565, -0.0216, "+5.65 pp", "[-2.16 pp, +5.65 pp]"},
		{i18n.Chinese, 0.0565, -0.0216, "+5.65 个百分点", "[-2.16, +5.65] 个百分点"},
		{i18n.Chinese, -0.001, -0.2, "-0.10 个百分点", "[-20.00, -0.10] 个百分点"},
	} {
		if got := signedPP(c.l, c.d); got != c.diff {
			t.Errorf("%s: %v is %q, want %q", c.l, c.d, got, c.diff)
		}
		if got := ppInterval(c.l, c.lo, c.d); got != c.ci {
			t.Errorf("%s: [%v, %v] is %q, want %q", c.l, c.lo, c.d, got, c.ci)
		}
	}
}
