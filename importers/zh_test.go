package importers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// A file refused whole says why in Chinese, with what to do; the result of
// an import (its JSON, reject reasons and examples included) is the same
// bytes in both languages.
func TestChineseImport(t *testing.T) {
	csv := "user_id,event,time\nu1,view,2024-01-01\nu2,view,yesterday\nu3,,2024-01-02\n"
	path := writeFile(t, "e.csv", csv)
	run := func() string {
		res, err := ImportFile(bg, newDB(t), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	en := run()
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	if zh := run(); zh != en || !strings.Contains(en, `"unparseable time":1`) {
		t.Errorf("import JSON differs by language or lacks the English reason:\nen %s\nzh %s", en, zh)
	}
	for _, c := range []struct{ file, want string }{
		{"user,action\nu1,view\n", "不是事件表：需要用户、事件和时间三列"},
		{"", "空文件：应是事件表"},
		{"user_id,event,time\nu1,view,never\n", "没有任何一行能读成事件：1 行全部被拒（时间无法解析 1）"},
	} {
		_, err := ImportFile(bg, newDB(t), writeFile(t, "bad.csv", c.file), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.file, err, c.want)
		}
	}
}
