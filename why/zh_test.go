package why

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// The verdict is English in the JSON field and Chinese where it is shown.
func TestVerdictChinese(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	r := &Result{}
	r.say(i18n.M("%s explains %s%% of the change (p %s)", "device,app_version = android,3.2", percentOf(3.65), "< 0.0001"))
	if r.Verdict != "device,app_version = android,3.2 explains 365% of the change (p < 0.0001)" {
		t.Errorf("JSON's verdict: %q", r.Verdict)
	}
	if got := r.VerdictText(); got != "device,app_version = android,3.2 解释了 365% 的变化（p < 0.0001）" {
		t.Errorf("shown: %q", got)
	}
}

// The table reads in Chinese under zh: the metric, the note of values
// left to JSON, the folded values, a missing value and the significance;
// the JSON is the same bytes under zh and en.
func TestTableChinese(t *testing.T) {
	var ev []query.RawEvent
	add := func(n int, device string, d int) {
		for k := 0; k < n; k++ {
			e := query.RawEvent{User: fmt.Sprintf("%s%d", device, k), Event: "checkout", Time: day(d)}
			if device != "" {
				e.Props = map[string]string{"device": device}
			}
			ev = append(ev, e)
		}
	}
	add(40, "android", 1)
	add(60, "ios", 1)
	add(10, "android", 2)
	add(60, "ios", 2)
	add(20, "", 1)
	add(30, "", 2)
	add(1, "wp", 1)
	add(2, "kai", 2)
	d := query.NewDataset(ev, time.UTC)
	r, err := Analyze(ctx, d, Query{Measure: "users", Before: []Period{{"2026-06-01", "2026-06-01"}}, After: Period{"2026-06-02", "2026-06-02"}, Keys: []string{"device"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Rows = 1
	in := func(l i18n.Lang) (output.Table, string) {
		i18n.Set(l)
		defer i18n.Set(i18n.English)
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return r.Tables(l)[0], string(js)
	}
	en, enJSON := in(i18n.English)
	zh, zhJSON := in(i18n.Chinese)
	if enJSON != zhJSON || !strings.Contains(enJSON, `"metric":"users doing all events"`) || !strings.Contains(enJSON, `"value":"(2 small values)"`) {
		t.Errorf("JSON under zh:\n%s\nunder en:\n%s", zhJSON, enJSON)
	}
	if !strings.HasPrefix(en.Title, "why users doing all events moved: ") || !strings.HasSuffix(en.Title, " (2 more values in --format json)") {
		t.Errorf("English title %q", en.Title)
	}
	if !strings.HasPrefix(zh.Title, "全部事件 的用户数 为什么变化：") || !strings.HasSuffix(zh.Title, "（另有 2 个取值，见 --format json）") {
		t.Errorf("Chinese title %q", zh.Title)
	}
	// Several before periods are listed as a person writes a list: 、 in
	// Chinese; JSON keeps before_period as it is.
	two := *r
	two.BeforePeriod = "2026-05-25, 2026-06-01"
	if got := two.Tables(i18n.Chinese)[0].Title; !strings.Contains(got, "2026-06-02 对比 2026-05-25、2026-06-01 —") {
		t.Errorf("Chinese title of two before periods %q", got)
	}
	if got := two.Tables(i18n.English)[0].Title; !strings.Contains(got, "2026-06-02 against 2026-05-25, 2026-06-01 —") {
		t.Errorf("English title of two before periods %q", got)
	}
	var cells []string
	for _, row := range zh.Rows {
		cells = append(cells, row[1]+" "+row[len(row)-1])
	}
	if got := strings.Join(cells, "; "); got != "android 是; （2 个样本量小的取值） " {
		t.Errorf("Chinese rows: %q (%v)", got, zh.Rows)
	}
	if got := en.Rows[0][len(en.Rows[0])-1]; got != "yes" {
		t.Errorf("English significance %q", got)
	}
	outside := Contributor{Property: "segment:buyers", Value: "not buyers"}
	if got := outside.valueText(i18n.Chinese); got != "非 buyers" {
		t.Errorf("the group outside a segment under zh: %q", got)
	}
	r.Rows = 0
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	all := r.Tables(i18n.Chinese)[0]
	if len(all.Rows) != 4 || all.Rows[2][1] != "（无）" && all.Rows[1][1] != "（无）" {
		t.Errorf("the missing value under zh: %v", all.Rows)
	}
}
